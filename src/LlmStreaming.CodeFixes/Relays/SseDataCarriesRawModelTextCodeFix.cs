namespace LlmStreaming.CodeFixes.Relays;

/// <summary>
/// LLM503: JSON-encodes the delta written after <c>data:</c> — <c>$"data: {update.Text}\n\n"</c> becomes
/// <c>$"data: {JsonSerializer.Serialize(update.Text)}\n\n"</c> — keeping the text around it; adds
/// <c>using System.Text.Json;</c> when missing. Offered where <c>System.Text.Json</c> is referenced.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SseDataCarriesRawModelTextCodeFix)), Shared]
public sealed class SseDataCarriesRawModelTextCodeFix : LlmCodeFix
{
    public const string EquivalenceKey = "LLM503.JsonEncode";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SseDataCarriesRawModelText);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.ForFixer(this);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (model.Compilation.GetTypeByMetadataName("System.Text.Json.JsonSerializer") is null || Delta(root, diagnostic) is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("JSON-encode the SSE data (JsonSerializer.Serialize)", c => ApplyAsync(context.Document, diagnostic, c), EquivalenceKey),
            diagnostic);
    }

    private static ExpressionSyntax? Delta(SyntaxNode root, Diagnostic diagnostic)
        => root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is ExpressionSyntax delta && delta.Span == diagnostic.Location.SourceSpan
            ? delta
            : (root.FindNode(diagnostic.Location.SourceSpan) as ArgumentSyntax)?.Expression;

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || Delta(root, diagnostic) is not { } delta)
        {
            return document;
        }

        var serialize = (InvocationExpressionSyntax)Cleanup.Annotate(SyntaxFactory.ParseExpression("global::System.Text.Json.JsonSerializer.Serialize()"));
        serialize = serialize.WithArgumentList(serialize.ArgumentList.AddArguments(SyntaxFactory.Argument(delta.WithoutTrivia())));
        return await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(delta, serialize.WithTriviaFrom(delta))), cancellationToken).ConfigureAwait(false);
    }
}
