using LlmStreaming.Analyzers.Timeouts;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>LLM407: adds <c>when (token.IsCancellationRequested)</c> to the catch, so that timeouts are no longer caught as a cancel.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TimeoutSwallowedAsCancellationCodeFix)), Shared]
public sealed class TimeoutSwallowedAsCancellationCodeFix : LlmSyntaxCodeFix
{
    public const string EquivalenceKey = "LLM407.FilterOnOwnToken";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.TimeoutSwallowedAsCancellation);

    private protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Catch(root, diagnostic) is not { } clause || Filter(diagnostic, clause) is not { } filter)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create($"Catch only your own cancellation: when ({filter})", c => ApplyAsync(context.Document, diagnostic, c), EquivalenceKey),
            diagnostic);
    }

    private static CatchClauseSyntax? Catch(SyntaxNode root, Diagnostic diagnostic)
        => root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)?.AncestorsAndSelf().OfType<CatchClauseSyntax>().FirstOrDefault() is { Filter: null, Declaration: not null } clause
            ? clause
            : null;

    /// <summary>
    /// <c>token.IsCancellationRequested</c> for the token the analyzer handed over (the user's expression, as its text:
    /// <c>ct</c>, <c>cts.Token</c>): rebuilt as a dotted name, or else found as written in the member around the catch
    /// (<c>this._ct</c>, <c>GetToken()</c>); null when there is none.
    /// </summary>
    private static ExpressionSyntax? Filter(Diagnostic diagnostic, CatchClauseSyntax clause)
    {
        if (!diagnostic.Properties.TryGetValue(TimeoutSwallowedAsCancellationAnalyzer.TokenProperty, out var tokenText) || string.IsNullOrEmpty(tokenText))
        {
            return null;
        }

        var scope = (SyntaxNode?)clause.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? clause.SyntaxTree.GetRoot();
        if ((ReportedCode.DottedName(tokenText!) ?? ReportedCode.Find(scope, tokenText!)) is not { } token)
        {
            return null;
        }

        var filter = (MemberAccessExpressionSyntax)SyntaxFactory.ParseExpression("token.IsCancellationRequested");
        return filter.WithExpression(token.WithoutTrivia());
    }

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || Catch(root, diagnostic) is not { } clause || Filter(diagnostic, clause) is not { } filterExpression)
        {
            return document;
        }

        var declaration = clause.Declaration!;
        var filter = SyntaxFactory.CatchFilterClause(
                SyntaxFactory.Token(SyntaxKind.WhenKeyword).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space),
                SyntaxFactory.Token(SyntaxKind.OpenParenToken),
                filterExpression,
                SyntaxFactory.Token(SyntaxKind.CloseParenToken))
            .WithTrailingTrivia(declaration.GetTrailingTrivia());
        var newClause = clause.WithDeclaration(declaration.WithoutTrailingTrivia()).WithFilter(filter);
        return document.WithSyntaxRoot(root.ReplaceNode(clause, newClause));
    }
}
