namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM402: a streaming model request sent without <c>HttpCompletionOption.ResponseHeadersRead</c> (its response feeds a
/// hand-rolled stream loop, or its payload asks for <c>stream: true</c>), or whose streamed body is read whole with
/// <c>ReadAsStringAsync</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StreamingResponseBufferedAnalyzer : LlmAnalyzer
{
    /// <summary>"true" when the send can be rewritten to <c>SendAsync(request, ResponseHeadersRead, ct)</c>.</summary>
    internal const string FixableProperty = "Fixable";

    /// <summary>The value of <see cref="FixableProperty"/> when the buffered body feeds a loop over its split lines.</summary>
    internal const string SplitLinesValue = "lines";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM402_StreamingResponseBuffered);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Types.HttpClient is not null && llm.Types.HttpContent is not null)
        {
            start.RegisterOperationAction(c => AnalyzeInvocation(c, llm), OperationKind.Invocation);
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var flow = llm.HttpClients.Responses;
        var options = llm.GetOptions(invocation.Syntax.SyntaxTree, context.Options);
        var cancellationToken = context.CancellationToken;

        if (flow.IsSend(invocation))
        {
            AnalyzeSend(context, llm, invocation, options, cancellationToken);
        }
        else if (flow.IsBufferedBodyRead(invocation, out var response))
        {
            AnalyzeBufferedRead(context, llm, invocation, response, options, cancellationToken);
        }
        else if (llm.HttpSummaries.IsCandidate(invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod))
        {
            AnalyzeHelperCall(context, llm, invocation, options, cancellationToken);
        }
    }

    /// <summary>
    /// A call of a source method that sends a model request buffered and returns its response (or body), which a
    /// hand-rolled stream loop of the caller then reads: reported at the call, in each caller that reads it so (a local
    /// finding, the same whatever order the callers are analysed in), naming the helper's send. No fix: adding
    /// <c>ResponseHeadersRead</c> to the helper's send changes it for every caller.
    /// </summary>
    private static void AnalyzeHelperCall(OperationAnalysisContext context, LlmAnalysisContext llm, IInvocationOperation call, LlmOptions options, CancellationToken cancellationToken)
    {
        var flow = llm.HttpClients.Responses;
        if (llm.HttpSummaries.SentResponse(call.TargetMethod, options) is not { Buffering: BodyBuffering.Buffered } sent
            || !(sent.HasModelSignal || HttpMethodSummaries.NamesModel(call, options) || HttpMethodSummaries.MemberNamesModel(call, options))
            || IsReportedInItsMethod(flow, sent.Send, cancellationToken))
        {
            return;
        }

        var readsIt = llm.Cancellation.HandRolledLoops(call, options, cancellationToken)
            .Any(loop => HttpMethodSummaries.SourceCallOf(flow.LoopBodySource(loop, cancellationToken), cancellationToken)?.Syntax == call.Syntax);
        if (!readsIt)
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(FixableProperty, "false");
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM402_StreamingResponseBuffered,
            NameLocation(call),
            properties,
            call.TargetMethod.Name,
            $"its '{sent.Send.TargetMethod.Name}' downloads the whole body first, and this method reads it line by line"));
    }

    /// <summary>True when the send is reported where it is (its payload asks for a stream), so its callers add nothing.</summary>
    private static bool IsReportedInItsMethod(HttpResponseFlow flow, IInvocationOperation send, CancellationToken cancellationToken)
        => flow.IsStreamingRequest(send, cancellationToken) && !flow.BufferedBodyReads(send, cancellationToken).Any(read => !IsErrorBodyRead(flow, read));

    private static void AnalyzeSend(OperationAnalysisContext context, LlmAnalysisContext llm, IInvocationOperation send, LlmOptions options, CancellationToken cancellationToken)
    {
        var flow = llm.HttpClients.Responses;
        if (flow.BufferingOf(send) != BodyBuffering.Buffered)
        {
            return;
        }

        var feedsLoop = llm.Cancellation.HandRolledLoops(send, options, cancellationToken).Any(loop => flow.TraceLoopToCall(loop, cancellationToken)?.Syntax == send.Syntax);
        if (!feedsLoop)
        {
            // A request that asks for a stream, whose body is not read whole here (that read is reported instead).
            if (!flow.IsStreamingRequest(send, cancellationToken) || flow.BufferedBodyReads(send, cancellationToken).Any(read => !IsErrorBodyRead(flow, read)))
            {
                return;
            }
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(FixableProperty, "true");
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM402_StreamingResponseBuffered,
            NameLocation(send),
            properties,
            send.TargetMethod.Name,
            "it downloads the whole body before it returns"));
    }

    private static void AnalyzeBufferedRead(OperationAnalysisContext context, LlmAnalysisContext llm, IInvocationOperation read, IOperation response, LlmOptions options, CancellationToken cancellationToken)
    {
        var flow = llm.HttpClients.Responses;
        if (HttpResponseFlow.IsOnFailurePath(read, response))
        {
            return; // the error body of a failed request ('if (!response.IsSuccessStatusCode) { … ReadAsStringAsync() … }')
        }

        var send = flow.TraceResponse(response, cancellationToken);
        if (send is null)
        {
            return;
        }

        // The streamed body of a request that asks for a stream, or text a hand-rolled stream loop then reads line by line.
        var fedLoop = llm.Cancellation.HandRolledLoops(read, options, cancellationToken)
            .FirstOrDefault(loop => flow.LoopBodySource(loop, cancellationToken) is { } source && source.Syntax == read.Syntax);
        if (fedLoop is null && !flow.IsStreamingRequest(send, cancellationToken))
        {
            return;
        }

        // The lines of the body, split after the whole body arrived: the fix may read them from the stream as they come.
        var fixable = fedLoop?.HandRolled is { SplitsBufferedBody: true } ? SplitLinesValue : "false";
        var properties = ImmutableDictionary<string, string?>.Empty.Add(FixableProperty, fixable);
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM402_StreamingResponseBuffered,
            NameLocation(read),
            properties,
            read.TargetMethod.Name,
            "it reads the whole streamed body before it returns"));
    }

    private static bool IsErrorBodyRead(HttpResponseFlow flow, IInvocationOperation read)
        => flow.IsBufferedBodyRead(read, out var response) && HttpResponseFlow.IsOnFailurePath(read, response);

    /// <summary>The method name of a call (<c>PostAsync</c> in <c>http.PostAsync(…)</c>).</summary>
    internal static Location NameLocation(IInvocationOperation invocation)
        => invocation.Syntax is InvocationExpressionSyntax { Expression: var expression }
            ? expression switch
            {
                MemberAccessExpressionSyntax member => member.Name.GetLocation(),
                MemberBindingExpressionSyntax binding => binding.Name.GetLocation(),
                SimpleNameSyntax name => name.GetLocation(),
                _ => invocation.Syntax.GetLocation(),
            }
            : invocation.Syntax.GetLocation();
}
