namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// The common shape of the termination fixes (LLM201–LLM205). Each fix is computed before it is registered (nothing is
/// offered when the shape is not understood). Fix All applies the fixes of a document one after the other, top down,
/// each on the result of the previous one: the fixes insert locals whose names must not collide, which independent
/// edits merged by the batch fixer could not guarantee.
/// </summary>
public abstract class TerminationCodeFix : LlmCodeFixProvider
{
    private protected abstract string Title { get; }

    private protected abstract string EquivalenceKey { get; }

    /// <summary>
    /// The fixed document, or null when the code is not in a shape the fix understands. <paramref name="root"/> and
    /// <paramref name="model"/> are the current document's; <paramref name="nodes"/> are the nodes at the diagnostic's
    /// location followed by those at its additional locations, in it.
    /// </summary>
    private protected abstract Task<Document?> TryFixAsync(Document document, SyntaxNode root, SemanticModel model, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken);

    public sealed override FixAllProvider GetFixAllProvider() => SequentialFixAll.Create(FixOneAsync);

    private protected sealed override async Task RegisterAsync(CodeFixContext context, SyntaxNode root, SemanticModel? model, Diagnostic diagnostic)
    {
        var nodes = Locate(root, diagnostic);
        if (nodes.IsDefault)
        {
            return;
        }

        var fixedDocument = await TryFixAsync(context.Document, root, model!, nodes, diagnostic, context.CancellationToken).ConfigureAwait(false);
        if (fixedDocument is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(Title, _ => Task.FromResult(fixedDocument), EquivalenceKey),
            diagnostic);
    }

    private static ImmutableArray<SyntaxNode> Locate(SyntaxNode root, Diagnostic diagnostic)
    {
        var builder = ImmutableArray.CreateBuilder<SyntaxNode>();
        foreach (var location in new[] { diagnostic.Location }.Concat(diagnostic.AdditionalLocations))
        {
            if (!location.IsInSource || location.SourceTree != root.SyntaxTree || !root.FullSpan.Contains(location.SourceSpan))
            {
                return default;
            }

            builder.Add(root.FindNode(location.SourceSpan, getInnermostNodeForTie: true));
        }

        return builder.ToImmutable();
    }

    /// <summary>One fix of a Fix All, on the document as the earlier fixes left it.</summary>
    private async Task<Document?> FixOneAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var nodes = root is null ? default : Locate(root, diagnostic);
        return nodes.IsDefault || model is null ? null : await TryFixAsync(document, root!, model, nodes, diagnostic, cancellationToken).ConfigureAwait(false);
    }
}
