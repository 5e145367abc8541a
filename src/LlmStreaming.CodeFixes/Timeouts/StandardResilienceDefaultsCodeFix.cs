using LlmStreaming.Analyzers.Timeouts;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>
/// LLM403: gives <c>AddStandardResilienceHandler</c> a configure delegate that raises the attempt timeout (3 min or the
/// minimum), the total request timeout (10 min or more) and the circuit-breaker sampling duration (twice the attempt),
/// or writes the missing settings into the delegate it already has.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StandardResilienceDefaultsCodeFix)), Shared]
public sealed class StandardResilienceDefaultsCodeFix : LlmSyntaxCodeFix
{
    public const string EquivalenceKey = "LLM403.ConfigureTimeouts";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.StandardResilienceDefaults);

    private protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Invocation(root, diagnostic) is null || Values(diagnostic).Count == 0)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Raise the resilience handler's timeouts for LLM calls", c => ApplyAsync(context.Document, diagnostic, c), EquivalenceKey),
            diagnostic);
    }

    private static InvocationExpressionSyntax? Invocation(SyntaxNode root, Diagnostic diagnostic)
        => root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)?.Parent is MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax call }
            ? call
            : null;

    private static List<(string Path, int Seconds)> Values(Diagnostic diagnostic)
    {
        var values = new List<(string, int)>();
        void Add(string property, string path)
        {
            if (TimeoutSyntax.Seconds(diagnostic, property) is int seconds)
            {
                values.Add((path, seconds));
            }
        }

        Add(StandardResilienceDefaultsAnalyzer.AttemptSecondsProperty, ResilienceLambdaSyntax.Attempt);
        Add(StandardResilienceDefaultsAnalyzer.TotalSecondsProperty, ResilienceLambdaSyntax.Total);
        Add(StandardResilienceDefaultsAnalyzer.SamplingSecondsProperty, ResilienceLambdaSyntax.Sampling);
        return values;
    }

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || Invocation(root, diagnostic) is not { } call
            || !diagnostic.Properties.TryGetValue(StandardResilienceDefaultsAnalyzer.ShapeProperty, out var shape))
        {
            return document;
        }

        var values = Values(diagnostic);
        InvocationExpressionSyntax newCall;
        if (shape == StandardResilienceDefaultsAnalyzer.ShapeAddDelegate && call.ArgumentList.Arguments.Count == 0)
        {
            var parameter = Names.FreeInScope(model, call.SpanStart, "options");
            var lambdaSyntax = ResilienceLambdaSyntax.Create(parameter, values, Layout.LineIndentation(call.ArgumentList), Layout.FirstEndOfLine(root));
            newCall = call.WithArgumentList(call.ArgumentList.AddArguments(SyntaxFactory.Argument(lambdaSyntax)));
        }
        else if (shape == StandardResilienceDefaultsAnalyzer.ShapeEditLambda
            && call.ArgumentList.Arguments.Select(a => a.Expression).OfType<LambdaExpressionSyntax>().SingleOrDefault() is { } lambda
            && ResilienceLambdaSyntax.Set(lambda, values, Layout.FirstEndOfLine(root)) is { } edited)
        {
            newCall = call.ReplaceNode(lambda, edited);
        }
        else
        {
            return document;
        }

        return await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(call, newCall)), cancellationToken).ConfigureAwait(false);
    }
}
