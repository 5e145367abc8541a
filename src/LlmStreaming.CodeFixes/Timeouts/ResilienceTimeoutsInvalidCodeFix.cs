using LlmStreaming.Analyzers.Timeouts;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>
/// LLM405: recomputes the values that depend on the attempt timeout: the total request timeout becomes at least the
/// attempt timeout, the circuit-breaker sampling duration at least twice it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ResilienceTimeoutsInvalidCodeFix)), Shared]
public sealed class ResilienceTimeoutsInvalidCodeFix : LlmSyntaxCodeFix
{
    public const string EquivalenceKey = "LLM405.RecomputeDependentTimeouts";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ResilienceTimeoutsInvalid);

    private protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(ResilienceTimeoutsInvalidAnalyzer.FixableProperty, out var fixable) || fixable != "true"
            || Lambda(root, diagnostic) is null || Values(diagnostic).Count == 0)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Recompute the timeouts that depend on the attempt timeout", c => ApplyAsync(context.Document, diagnostic, c), EquivalenceKey),
            diagnostic);
    }

    /// <summary>The configure lambda (passed to AddStandardResilienceHandler) that holds the reported assignment.</summary>
    private static LambdaExpressionSyntax? Lambda(SyntaxNode root, Diagnostic diagnostic)
        => root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)?.AncestorsAndSelf().OfType<LambdaExpressionSyntax>().FirstOrDefault();

    private static List<(string Path, int Seconds)> Values(Diagnostic diagnostic)
    {
        var values = new List<(string, int)>();
        if (TimeoutSyntax.Seconds(diagnostic, ResilienceTimeoutsInvalidAnalyzer.TotalSecondsProperty) is int total)
        {
            values.Add((ResilienceLambdaSyntax.Total, total));
        }

        if (TimeoutSyntax.Seconds(diagnostic, ResilienceTimeoutsInvalidAnalyzer.SamplingSecondsProperty) is int sampling)
        {
            values.Add((ResilienceLambdaSyntax.Sampling, sampling));
        }

        return values;
    }

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || Lambda(root, diagnostic) is not { } lambda || ResilienceLambdaSyntax.Set(lambda, Values(diagnostic), Layout.FirstEndOfLine(root)) is not { } edited)
        {
            return document;
        }

        return await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(lambda, edited)), cancellationToken).ConfigureAwait(false);
    }
}
