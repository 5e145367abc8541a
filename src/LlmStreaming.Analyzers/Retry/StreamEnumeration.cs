using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// The place where an LLM stream is consumed, and so where it fails mid-way: a <c>foreach</c>/<c>await foreach</c> over an
/// SDK stream, a hand-rolled read loop over a model response body, or an aggregation call (<c>ToChatResponseAsync</c>,
/// Anthropic <c>Aggregate</c>, Ollama <c>StreamToEndAsync</c>) that enumerates the whole stream.
/// </summary>
internal sealed class StreamEnumeration
{
    private StreamEnumeration(IOperation operation, LlmStreamLoop? loop, LlmStreamSource? source)
    {
        Operation = operation;
        Loop = loop;
        Source = source;
    }

    /// <summary>The loop, or the aggregation invocation.</summary>
    public IOperation Operation { get; }

    /// <summary>The stream loop (null for an aggregation).</summary>
    public LlmStreamLoop? Loop { get; }

    /// <summary>The SDK stream (null for a hand-rolled loop).</summary>
    public LlmStreamSource? Source { get; }

    public bool IsHandRolled => Loop?.Kind == LlmStreamKind.HandRolled;

    public bool IsAggregation => Loop is null;

    public LlmFamily Family => Loop?.Family ?? Source?.Family ?? LlmFamily.Unknown;

    /// <summary>For a message: <c>'GetStreamingResponseAsync'</c>, or "a hand-rolled model stream".</summary>
    public string Description
        => IsHandRolled ? "a hand-rolled model stream" : "'" + (Source?.DisplayName ?? "stream") + "'";

    /// <summary>
    /// Recognises <paramref name="operation"/> (a loop or an invocation) as the enumeration of an LLM stream.
    /// </summary>
    /// <param name="operation">A loop or an invocation.</param>
    /// <param name="llm">The compilation's recognition.</param>
    /// <param name="options">The file's options.</param>
    /// <param name="cancellationToken">Cancels the recognition.</param>
    /// <param name="shapes">The loop shapes the rule asks for (<see cref="StreamShapes.Direct"/> unless it opted into more).</param>
    public static StreamEnumeration? TryGet(IOperation operation, LlmAnalysisContext llm, LlmOptions options, CancellationToken cancellationToken, StreamShapes shapes = StreamShapes.Direct)
    {
        switch (operation)
        {
            case ILoopOperation loop:
                var streamLoop = llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, shapes);
                return streamLoop is null ? null : new StreamEnumeration(loop, streamLoop, streamLoop.Source);

            case IInvocationOperation invocation:
                var source = llm.Streams.TryGetAggregation(invocation, options, cancellationToken);
                return source is null ? null : new StreamEnumeration(invocation, loop: null, source);

            default:
                return null;
        }
    }

    /// <summary>
    /// The smallest useful span: the streaming method's name when the loop calls it in its header, the aggregation
    /// method's name, else the loop keyword.
    /// </summary>
    public Location GetReportLocation()
    {
        if (Operation is IInvocationOperation aggregation)
        {
            return NameLocation(aggregation.Syntax);
        }

        return Operation is ILoopOperation loop ? LoopLocation(loop, Source?.Call) : Operation.Syntax.GetLocation();
    }

    /// <summary>The name of <paramref name="call"/> when the header of a <c>foreach</c> makes it, else the loop's keyword.</summary>
    public static Location LoopLocation(ILoopOperation loop, IInvocationOperation? call)
        => call is not null && loop.Syntax is CommonForEachStatementSyntax forEach && forEach.Expression.Span.Contains(call.Syntax.Span)
            ? NameLocation(call.Syntax)
            : TerminationFacts.LoopKeywordLocation(loop);

    /// <summary>The location of an invoked method's name (<c>client.Name(…)</c> → <c>Name</c>).</summary>
    public static Location NameLocation(SyntaxNode syntax)
    {
        if (syntax is InvocationExpressionSyntax invocation)
        {
            SimpleNameSyntax? name = invocation.Expression switch
            {
                MemberAccessExpressionSyntax member => member.Name,
                MemberBindingExpressionSyntax binding => binding.Name,
                SimpleNameSyntax simple => simple,
                _ => null,
            };

            if (name is not null)
            {
                return name.Identifier.GetLocation();
            }
        }

        return syntax.GetLocation();
    }
}
