using System.Globalization;
using LlmStreaming.Analyzers.Timeouts;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>LLM404: raises an SDK timeout or a token deadline to the minimum.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SdkTimeoutTooShortCodeFix)), Shared]
public sealed class SdkTimeoutTooShortCodeFix : LlmSyntaxCodeFix
{
    public const string RaiseKey = "LLM404.RaiseToMinimum";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SdkTimeoutTooShort);

    private protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (TimeoutSyntax.Seconds(diagnostic, SdkTimeoutTooShortAnalyzer.MinimumSecondsProperty) is not int minimum || Target(root, diagnostic) is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Raise the timeout to " + HttpClientTimeoutTooShortCodeFix.Display(minimum),
                c => ApplyAsync(context.Document, diagnostic, minimum, c),
                RaiseKey),
            diagnostic);
    }

    /// <summary>The expression to replace: the assignment's value, or the argument the diagnostic is on.</summary>
    private static ExpressionSyntax? Target(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(SdkTimeoutTooShortAnalyzer.ShapeProperty, out var shape) || shape is null)
        {
            return null;
        }

        if (shape == SdkTimeoutTooShortAnalyzer.ShapeAssignment)
        {
            return TimeoutSyntax.NodeAt<AssignmentExpressionSyntax>(root, diagnostic)?.Right;
        }

        return root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) switch
        {
            ArgumentSyntax argument => argument.Expression,
            ExpressionSyntax expression when expression.Span == diagnostic.Location.SourceSpan => expression,
            _ => null,
        };
    }

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, int minimum, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || Target(root, diagnostic) is not { } target)
        {
            return document;
        }

        ExpressionSyntax value = diagnostic.Properties.TryGetValue(SdkTimeoutTooShortAnalyzer.MillisecondsProperty, out var ms) && ms == "true"
            ? SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(checked(minimum * 1000).ToString("#,0", CultureInfo.InvariantCulture).Replace(",", "_"), minimum * 1000))
            : TimeoutSyntax.Duration(minimum);

        var changed = document.WithSyntaxRoot(root.ReplaceNode(target, value.WithTriviaFrom(target)));
        return await Cleanup.RunAsync(changed, cancellationToken).ConfigureAwait(false);
    }
}
