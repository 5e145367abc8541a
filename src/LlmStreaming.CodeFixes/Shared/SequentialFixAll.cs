using System;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// A Fix All that applies one document's fixes one after the other, in source order, each on the document as the
/// previous one left it: the same result as applying the single fix repeatedly. For fixes that insert locals
/// (<c>request</c>, <c>finishReason</c>, <c>sawTerminal</c>…): merged as independent edits by the batch fixer, two
/// fixes in one method would both pick the same free name, or edit overlapping spans.
/// The nodes at every location of every diagnostic are marked first and found again after each fix; the diagnostic is
/// handed to the fix relocated into the current document. No mark is left behind.
/// </summary>
internal static class SequentialFixAll
{
    private const string AnnotationKind = "LlmStreaming.SequentialFixAll";

    /// <summary><paramref name="apply"/> returns the fixed document, or null when it leaves the diagnostic alone.</summary>
    public static FixAllProvider Create(Func<Document, Diagnostic, CancellationToken, Task<Document?>> apply)
        => FixAllProvider.Create((context, document, diagnostics) => FixDocumentAsync(document, diagnostics, apply, context.CancellationToken));

    /// <summary>As <see cref="Create(Func{Document, Diagnostic, CancellationToken, Task{Document}})"/>, for a fix whose variant depends on the Fix All's equivalence key.</summary>
    public static FixAllProvider Create(Func<FixAllContext, Document, Diagnostic, CancellationToken, Task<Document?>> apply)
        => FixAllProvider.Create((context, document, diagnostics) => FixDocumentAsync(document, diagnostics, (d, g, c) => apply(context, d, g, c), context.CancellationToken));

    /// <summary>
    /// Fix All for a fixer whose fixes of one document can touch the same text (a using added, a catch list rewritten):
    /// the batch fixer merges independent changes and drops the ones that overlap, so a second Fix All would find
    /// more to do. This applies the fixer's own code action (the one of the Fix All's equivalence key) one finding at
    /// a time, each on the document the previous one left.
    /// </summary>
    public static FixAllProvider ForFixer(CodeFixProvider fixer)
        => Create((context, document, diagnostic, cancellationToken) => FixerActions.ApplyAsync(fixer, document, diagnostic, new[] { context.CodeActionEquivalenceKey }, cancellationToken));

    private static async Task<Document?> FixDocumentAsync(Document document, ImmutableArray<Diagnostic> diagnostics, Func<Document, Diagnostic, CancellationToken, Task<Document?>> apply, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return null;
        }

        // One mark per location of each diagnostic, on the node that location points at, with the offset into it.
        var marks = new List<(Diagnostic Diagnostic, ImmutableArray<(SyntaxAnnotation Mark, int Offset, int Length)> Locations)>();
        var marksByNode = new Dictionary<SyntaxNode, List<SyntaxAnnotation>>();
        foreach (var diagnostic in diagnostics.Where(d => d.Location.IsInSource).OrderBy(d => d.Location.SourceSpan.Start))
        {
            var locations = ImmutableArray.CreateBuilder<(SyntaxAnnotation, int, int)>();
            foreach (var location in new[] { diagnostic.Location }.Concat(diagnostic.AdditionalLocations))
            {
                if (!location.IsInSource || location.SourceTree != root.SyntaxTree || !root.FullSpan.Contains(location.SourceSpan))
                {
                    locations.Clear();
                    break;
                }

                var node = root.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
                var mark = new SyntaxAnnotation(AnnotationKind);
                if (!marksByNode.TryGetValue(node, out var list))
                {
                    marksByNode[node] = list = new List<SyntaxAnnotation>();
                }

                list.Add(mark);
                locations.Add((mark, location.SourceSpan.Start - node.SpanStart, location.SourceSpan.Length));
            }

            if (locations.Count > 0)
            {
                marks.Add((diagnostic, locations.ToImmutable()));
            }
        }

        var current = document.WithSyntaxRoot(root.ReplaceNodes(marksByNode.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(marksByNode[original])));
        foreach (var (diagnostic, locations) in marks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var currentRoot = await current.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (currentRoot is null)
            {
                break;
            }

            var relocated = new List<Location>();
            foreach (var (mark, offset, length) in locations)
            {
                if (currentRoot.GetAnnotatedNodes(mark).FirstOrDefault() is not { } node)
                {
                    break;
                }

                relocated.Add(Location.Create(currentRoot.SyntaxTree, new TextSpan(node.SpanStart + offset, length)));
            }

            if (relocated.Count != locations.Length)
            {
                continue; // an earlier fix removed what this diagnostic points at
            }

            var moved = Diagnostic.Create(diagnostic.Descriptor, relocated[0], relocated.Skip(1), diagnostic.Properties);
            current = await apply(current, moved, cancellationToken).ConfigureAwait(false) ?? current;
        }

        var finalRoot = await current.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (finalRoot is null)
        {
            return current;
        }

        var marked = finalRoot.GetAnnotatedNodes(AnnotationKind).ToList();
        return current.WithSyntaxRoot(finalRoot.ReplaceNodes(marked, (original, rewritten) => rewritten.WithoutAnnotations(AnnotationKind)));
    }
}
