using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// LLM102: a retry loop around an LLM stream enumeration that goes round again with no wait, or only a constant wait
/// with no jitter. Polly retries, configured helpers and loops whose wait is computed (growing, jittered, or by code the
/// rule does not judge) are not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RetryWithoutBackoffAnalyzer : LlmAnalyzer
{
    internal const string BackoffKindProperty = "BackoffKind";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM102_RetryWithoutBackoff);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var types = RetryTypes.Get(start.Compilation);
        start.RegisterOperationAction(c => AnalyzeLoop(c, llm, types), OperationKind.Loop);
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, RetryTypes types)
    {
        var loop = (ILoopOperation)context.Operation;

        // A retry loop has a try in its body: most loops have not even the keyword, and are not walked.
        if (!SourceWords.ContainsWord(loop.Body.Syntax, "try", context.CancellationToken)
            || !loop.Body.DescendantsWithinFunction().Any(o => o is ITryOperation))
        {
            return;
        }

        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        var retried = RetriedEnumerations(loop, llm, options, context.CancellationToken);
        if (retried.IsEmpty)
        {
            return;
        }

        var streamLoops = retried.Where(e => e.Loop is not null).Select(e => e.Loop!.Loop).ToImmutableArray();
        var kind = Backoff.Classify(loop, streamLoops, types, out _, context.CancellationToken);
        if (kind == BackoffKind.Adequate)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM102_RetryWithoutBackoff,
            TerminationFacts.LoopKeywordLocation(loop),
            additionalLocations: new[] { loop.Syntax.GetLocation() },
            properties: ImmutableDictionary<string, string?>.Empty.Add(BackoffKindProperty, kind.ToString()),
            retried[0].Description,
            kind == BackoffKind.None ? "immediately" : "after a constant delay without jitter"));
    }

    /// <summary>The LLM stream enumerations in <paramref name="loop"/> whose nearest retry construct is <paramref name="loop"/> itself.</summary>
    internal static ImmutableArray<StreamEnumeration> RetriedEnumerations(ILoopOperation loop, LlmAnalysisContext llm, LlmOptions options, System.Threading.CancellationToken cancellationToken)
    {
        var builder = ImmutableArray.CreateBuilder<StreamEnumeration>();
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node is not (ILoopOperation or IInvocationOperation)
                || StreamEnumeration.TryGet(node, llm, options, cancellationToken) is not { } enumeration)
            {
                continue;
            }

            if (RetryLoops.FindRetry(llm, node, options, cancellationToken) is { Kind: RetryKind.Loop } retry && retry.Node == loop)
            {
                builder.Add(enumeration);
            }
        }

        return builder.ToImmutable();
    }
}
