using System.Collections.Concurrent;
using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.Analyzers.Relays;

/// <summary>
/// LLM501: a relay's catch around the model stream it forwards takes the mid-stream failure and tells the client
/// nothing: it only logs, writes the error as answer text, writes a normal end, completes the channel without the
/// exception, or ends the stream. The diagnostic is on the <c>catch</c> keyword.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RelayHidesUpstreamFailureAnalyzer : LlmAnalyzer
{
    /// <summary>What the fix writes: <see cref="SseShape"/> or <see cref="ChannelShape"/>.</summary>
    internal const string ShapeProperty = "Shape";

    /// <summary>SSE: the response the loop writes to (<c>response</c>, <c>Response</c>, <c>context.Response</c>).</summary>
    internal const string TargetProperty = "Target";

    internal const string SseShape = "Sse";
    internal const string ChannelShape = "Channel";

    /// <summary>The ends of a model stream a relay passes on: a write of one tells the client the answer is complete.</summary>
    private static readonly ImmutableArray<string> TerminalMarkers = ImmutableArray.Create("[DONE]", "message_stop", "end_turn", "\"stop\"");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM501_RelayHidesUpstreamFailure);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Relays is { } relays)
        {
            var types = RetryTypes.Get(start.Compilation);
            RelayLoops.RegisterReportedPerBody(start, (c, found) => AnalyzeLoop(c, llm, relays, types, found));
        }
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, RelayRecognizer relays, RetryTypes types, ConcurrentQueue<Diagnostic> found)
    {
        var loop = (ILoopOperation)context.Operation;
        var cancellationToken = context.CancellationToken;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        if (llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, RelayLoops.Shapes) is not { } streamLoop
            || relays.TryGetRelay(streamLoop, cancellationToken) is null
            || CatchCoverage.Analyze(loop, types).MidStreamClause is not { } @catch
            || !CatchCoverage.CompletesWithoutThrowing(@catch)
            || RetryLoops.FindRetry(llm, loop, options, cancellationToken) is not null // the catch goes round again
            || TellsTheClient(@catch, relays))
        {
            return;
        }

        var (what, properties) = Describe(@catch, streamLoop, relays);
        var advice = properties[ShapeProperty] switch
        {
            ChannelShape => "complete the channel with the exception (TryComplete(ex))",
            _ => "write an SSE error event and no end marker, or abort the connection",
        };
        found.Enqueue(Diagnostic.Create(
            Descriptors.LLM501_RelayHidesUpstreamFailure,
            @catch.Syntax is CatchClauseSyntax syntax ? syntax.CatchKeyword.GetLocation() : @catch.Syntax.GetLocation(),
            properties,
            streamLoop.MessageName,
            what,
            advice));
    }

    /// <summary>
    /// True when the handler tells the client, or hands the failure on: it throws (a rethrow, a <c>HubException</c>),
    /// aborts the connection, completes a channel with an exception, writes an error event, or keeps the exception in
    /// something declared outside the handler (code after the try may report it).
    /// </summary>
    private static bool TellsTheClient(ICatchClauseOperation @catch, RelayRecognizer relays)
    {
        var exception = @catch.Locals.FirstOrDefault();
        foreach (var node in @catch.Handler.DescendantsWithinFunction())
        {
            switch (node)
            {
                case IThrowOperation:
                    return true;

                case IInvocationOperation { TargetMethod.Name: "Abort", Instance: { } aborted }
                    when aborted.Type.IsOrInheritsFrom(relays.HttpContext) || aborted.Type?.Name == "HubCallerContext":
                    return true;

                case IInvocationOperation { TargetMethod.Name: "TryComplete" or "Complete" } complete
                    when complete.TargetMethod.ContainingType.IsOrInheritsFrom(relays.ChannelWriterOfT) && complete.Arguments.Any(a => a.ArgumentKind == ArgumentKind.Explicit):
                    return true;

                case IInvocationOperation write when relays.IsResponseWrite(write) && write.Arguments.Any(a => IsErrorEvent(a.Value)):
                    return true;

                case IReturnOperation { ReturnedValue: { } returned } when IsFailureResult(returned):
                    return true;

                case ISimpleAssignmentOperation { Value: var value, Target: var target } when exception is not null
                    && value.References(exception) && !(target.ReferencedSymbol() is ILocalSymbol local && local.DeclaringSyntaxReferences.Any(r => r.Span.IntersectsWith(@catch.Handler.Syntax.Span))):
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A failure result returned to ASP.NET Core (<c>Results.Problem(…)</c>, <c>TypedResults.StatusCode(500)</c>, a
    /// controller's <c>Problem(…)</c> or <c>StatusCode(…)</c>): before the first write the client gets the status; after
    /// it the framework cannot set one, the result throws, and the server aborts the connection, which the client sees
    /// as a failure, not as a complete answer.
    /// </summary>
    private static bool IsFailureResult(IOperation returned)
        => returned.WalkDownConversions() is IInvocationOperation { TargetMethod: { Name: var name, ContainingType: { } type } }
            && type.Name is "Results" or "TypedResults" or "ControllerBase" or "Controller"
            && (type.ContainingNamespace.Is("Microsoft.AspNetCore.Http") || type.ContainingNamespace.Is("Microsoft.AspNetCore.Mvc"))
            && name is "Problem" or "ValidationProblem" or "StatusCode" or "InternalServerError" or "BadRequest" or "UnprocessableEntity" or "Conflict" or "ServiceUnavailable";

    /// <summary>
    /// An error event or object: a constant with <c>event: error</c> or a quoted <c>"error"</c>, or a serialized object with
    /// an <c>error</c> member (<c>new { error = … }</c>, <c>type = "error"</c>).
    /// </summary>
    private static bool IsErrorEvent(IOperation written)
    {
        foreach (var node in written.DescendantsAndSelf())
        {
            switch (node)
            {
                case ILiteralOperation { ConstantValue: { HasValue: true, Value: string text } }
                    when text.IndexOf("event: error", StringComparison.OrdinalIgnoreCase) >= 0 || text.IndexOf("event:error", StringComparison.OrdinalIgnoreCase) >= 0
                        || text.IndexOf("\"error\"", StringComparison.OrdinalIgnoreCase) >= 0 || string.Equals(text, "error", StringComparison.OrdinalIgnoreCase):
                    return true;

                case IPropertyReferenceOperation { Property.Name: var name, Parent: ISimpleAssignmentOperation { Parent: IObjectOrCollectionInitializerOperation or IAnonymousObjectCreationOperation } }
                    when string.Equals(name, "error", StringComparison.OrdinalIgnoreCase):
                    return true;
            }
        }

        return false;
    }

    /// <summary>What the handler does instead, in words for the message, and the shape of the fix.</summary>
    private static (string What, ImmutableDictionary<string, string?> Properties) Describe(ICatchClauseOperation @catch, LlmStreamLoop streamLoop, RelayRecognizer relays)
    {
        var properties = ImmutableDictionary<string, string?>.Empty;
        var nodes = @catch.Handler.DescendantsWithinFunction().ToList();
        string what;
        if (nodes.OfType<IInvocationOperation>().FirstOrDefault(w => relays.IsResponseWrite(w)) is { } write)
        {
            var marker = TerminalMarkers.FirstOrDefault(m => write.Arguments.Any(a => a.Value.DescendantsAndSelf().Any(n => n.ConstantValue is { HasValue: true, Value: string text } && text.Contains(m))));
            what = marker is null ? "writes the error as answer text" : "writes a normal end ('" + marker.Trim('"') + "')";
        }
        else if (nodes.OfType<IInvocationOperation>().Any(c => c.TargetMethod.Name == "Complete" && c.TargetMethod.ContainingType.IsOrInheritsFrom(relays.ChannelWriterOfT)))
        {
            what = "completes the channel normally";
        }
        else if (nodes.Any(n => n is IReturnOperation or IBranchOperation))
        {
            what = "ends the stream";
        }
        else
        {
            what = "only logs";
        }

        // The fix's shape follows how the loop hands the stream on.
        foreach (var node in streamLoop.Body.DescendantsAndSelf())
        {
            if (node is IInvocationOperation { TargetMethod.Name: "WriteAsync" or "TryWrite" } channelWrite && channelWrite.TargetMethod.ContainingType.IsOrInheritsFrom(relays.ChannelWriterOfT))
            {
                return (what, properties.Add(ShapeProperty, ChannelShape));
            }

            if (node is IInvocationOperation responseWrite && relays.IsResponseWrite(responseWrite))
            {
                properties = properties.Add(ShapeProperty, SseShape);
                if (responseWrite.TargetMethod.IsExtensionMethod && responseWrite.TargetMethod.Name == "WriteAsync" && responseWrite.Arguments.Length > 0
                    && responseWrite.Arguments[0].Value.Type.IsOrInheritsFrom(relays.HttpResponse))
                {
                    properties = properties.Add(TargetProperty, responseWrite.Arguments[0].Value.Syntax.ToString());
                }

                return (what, properties);
            }
        }

        // A yield return cannot stand in a try with a catch (CS1626): what is left forwards some other way.
        return (what, properties.Add(ShapeProperty, SseShape));
    }
}
