namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// LLM101: an enumeration of an LLM stream (a stream loop or an aggregation call) that nothing recovers from when the
/// stream fails mid-way: no retry construct around it, no catch that handles the <c>IOException</c>, and — for a private
/// helper — no caller that does so. Silent where LLM106 fires (a catch of SDK/HTTP exceptions only) and on
/// pass-through iterators (their caller owns recovery).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MidStreamFailureNotRetriedAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM101_MidStreamFailureNotRetried);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var types = RetryTypes.Get(start.Compilation);
        var protection = new RetryProtection(llm, types);
        start.RegisterOperationAction(c => Analyze(c, llm, types, protection), OperationKind.Loop);

        // The aggregations (ToChatResponseAsync…) only where their names are written: not at every call.
        WordGatedActions.Register(start, SdkCatalog.AggregatorNames, c => Analyze(c, llm, types, protection), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, LlmAnalysisContext llm, RetryTypes types, RetryProtection protection)
    {
        var operation = context.Operation;
        var options = llm.GetOptions(operation.Syntax.SyntaxTree, context.Options);
        var enumeration = StreamEnumeration.TryGet(operation, llm, options, context.CancellationToken, StreamShapes.All);
        if (enumeration is null || !IsCandidate(enumeration, llm, options, context.CancellationToken))
        {
            return;
        }

        if (RetryLoops.FindRetry(llm, operation, options, context.CancellationToken) is not null)
        {
            return;
        }

        var coverage = CatchCoverage.Analyze(operation, types);
        if (coverage.Handled || coverage.TransportOnlyTry is not null)
        {
            return; // handled, or LLM106's case
        }

        if (protection.IsProtectedByCallers(operation, options, context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM101_MidStreamFailureNotRetried,
            enumeration.GetReportLocation(),
            additionalLocations: new[] { operation.Syntax.GetLocation() },
            enumeration.Description));
    }

    /// <summary>
    /// The enumeration owns the request (the stream is started here, not received), does not hand each update on
    /// (<c>yield return</c>) to a caller that owns recovery (<see cref="PassThroughIterators"/>), and is not the result of
    /// a retrying call (a Polly execute, a configured retry helper, a wrapper that takes a stream factory).
    /// </summary>
    internal static bool IsCandidate(StreamEnumeration enumeration, LlmAnalysisContext llm, LlmOptions options, System.Threading.CancellationToken cancellationToken)
    {
        if (enumeration.Loop is { } loop && PassThroughIterators.IsPassThrough(loop, llm, cancellationToken))
        {
            return false;
        }

        if (enumeration.IsHandRolled)
        {
            return true;
        }

        if (enumeration.Source is not { Origin: StreamOrigin.Call, Call: { } call })
        {
            return false;
        }

        return !IsRetryingCall(call, llm, options);
    }

    private static bool IsRetryingCall(IInvocationOperation call, LlmAnalysisContext llm, LlmOptions options)
    {
        if (llm.Retries.IsRetryRunner(call.TargetMethod, options))
        {
            return true;
        }

        // A user wrapper that takes a stream factory (Resilient(() => client.GetStreamingResponseAsync(…))) can call it again.
        foreach (var argument in call.Arguments)
        {
            if (argument.Value.WalkDownConversions() is IDelegateCreationOperation
                && argument.Parameter?.Type is INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
                && llm.Streams.StreamElementType(invoke.ReturnType) is not null)
            {
                return true;
            }
        }

        return false;
    }
}
