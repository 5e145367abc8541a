using LlmStreaming.Analyzers.Timeouts;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>
/// LLM401: sets <c>Timeout.InfiniteTimeSpan</c> on a client whose SDK owns a timeout of its own, or raises the timeout
/// to the minimum.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HttpClientTimeoutTooShortCodeFix)), Shared]
public sealed class HttpClientTimeoutTooShortCodeFix : LlmSyntaxCodeFix
{
    public const string InfiniteKey = "LLM401.InfiniteTimeout";
    public const string RaiseKey = "LLM401.RaiseToMinimum";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.HttpClientTimeoutTooShort);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.ForFixer(this);

    private protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (TimeoutSyntax.Seconds(diagnostic, HttpClientTimeoutTooShortAnalyzer.MinimumSecondsProperty) is not int minimum
            || !diagnostic.Properties.TryGetValue(HttpClientTimeoutTooShortAnalyzer.ShapeProperty, out var shape)
            || Target(root, diagnostic, shape) is null)
        {
            return;
        }

        if (diagnostic.Properties.TryGetValue(HttpClientTimeoutTooShortAnalyzer.FixKindProperty, out var kind) && kind == HttpClientTimeoutTooShortAnalyzer.FixInfinite)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Set Timeout.InfiniteTimeSpan (the SDK's own timeout governs)",
                    c => ApplyAsync(context.Document, diagnostic, shape!, TimeoutSyntax.Infinite(), c),
                    InfiniteKey),
                diagnostic);
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Raise the timeout to " + Display(minimum),
                c => ApplyAsync(context.Document, diagnostic, shape!, TimeoutSyntax.Duration(minimum), c),
                RaiseKey),
            diagnostic);
    }

    internal static string Display(int seconds)
        => seconds % 60 == 0 ? (seconds / 60).ToString(System.Globalization.CultureInfo.InvariantCulture) + " min" : seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s";

    private static SyntaxNode? Target(SyntaxNode root, Diagnostic diagnostic, string? shape)
        => shape switch
        {
            HttpClientTimeoutTooShortAnalyzer.ShapeAssignment => TimeoutSyntax.NodeAt<AssignmentExpressionSyntax>(root, diagnostic),
            HttpClientTimeoutTooShortAnalyzer.ShapeDefaultCreation => TimeoutSyntax.NodeAt<BaseObjectCreationExpressionSyntax>(root, diagnostic),
            HttpClientTimeoutTooShortAnalyzer.ShapeArgument => TimeoutSyntax.NodeAt<ArgumentSyntax>(root, diagnostic),
            _ => null,
        };

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, string shape, ExpressionSyntax value, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        switch (root is null ? null : Target(root, diagnostic, shape))
        {
            case AssignmentExpressionSyntax assignment:
                return await Cleanup.RunAsync(document.WithSyntaxRoot(root!.ReplaceNode(assignment.Right, value.WithTriviaFrom(assignment.Right))), cancellationToken).ConfigureAwait(false);

            case ArgumentSyntax argument:
                return await Cleanup.RunAsync(document.WithSyntaxRoot(root!.ReplaceNode(argument.Expression, value.WithTriviaFrom(argument.Expression))), cancellationToken).ConfigureAwait(false);

            case BaseObjectCreationExpressionSyntax creation:
                return await Cleanup.RunAsync(document.WithSyntaxRoot(root!.ReplaceNode(creation, TimeoutSyntax.AddInitializerMember(creation, "Timeout", value))), cancellationToken).ConfigureAwait(false);

            default:
                return document;
        }
    }
}
