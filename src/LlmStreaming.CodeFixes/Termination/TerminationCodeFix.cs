using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// The common shape of the termination fixes (LLM201–LLM205). Each fix is computed before it is registered (nothing is
/// offered when the shape is not understood). Fix All applies the fixes of a document one after the other, top down,
/// each on the result of the previous one: the fixes insert locals whose names must not collide, which independent
/// edits merged by the batch fixer could not guarantee.
/// </summary>
public abstract class TerminationCodeFix : CodeFixProvider
{
    private const string AnnotationKind = "LlmStreaming.Termination.Target";

    private protected abstract string Title { get; }

    private protected abstract string EquivalenceKey { get; }

    /// <summary>
    /// The fixed document, or null when the code is not in a shape the fix understands. <paramref name="nodes"/> are the
    /// nodes at the diagnostic's location followed by those at its additional locations, in the current document.
    /// </summary>
    private protected abstract Task<Document?> TryFixAsync(Document document, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken);

    public sealed override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixAllInDocumentAsync);

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var nodes = Locate(root, diagnostic);
            if (nodes.IsDefault)
            {
                continue;
            }

            var fixedDocument = await TryFixAsync(context.Document, nodes, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (fixedDocument is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, _ => Task.FromResult(fixedDocument), EquivalenceKey),
                diagnostic);
        }
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

    private async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var cancellationToken = context.CancellationToken;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return null;
        }

        // Mark every node each diagnostic points at, so that it can be found again after the earlier fixes.
        var marks = new List<(Diagnostic Diagnostic, ImmutableArray<SyntaxAnnotation> Annotations)>();
        var annotationsByNode = new Dictionary<SyntaxNode, List<SyntaxAnnotation>>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            var nodes = Locate(root, diagnostic);
            if (nodes.IsDefault)
            {
                continue;
            }

            var annotations = ImmutableArray.CreateBuilder<SyntaxAnnotation>();
            foreach (var node in nodes)
            {
                var annotation = new SyntaxAnnotation(AnnotationKind);
                annotations.Add(annotation);
                if (!annotationsByNode.TryGetValue(node, out var list))
                {
                    annotationsByNode[node] = list = new List<SyntaxAnnotation>();
                }

                list.Add(annotation);
            }

            marks.Add((diagnostic, annotations.ToImmutable()));
        }

        root = root.ReplaceNodes(annotationsByNode.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(annotationsByNode[original]));
        var current = document.WithSyntaxRoot(root);

        foreach (var (diagnostic, annotations) in marks)
        {
            var currentRoot = await current.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (currentRoot is null)
            {
                break;
            }

            var nodes = ImmutableArray.CreateBuilder<SyntaxNode>();
            foreach (var annotation in annotations)
            {
                var node = currentRoot.GetAnnotatedNodes(annotation).FirstOrDefault();
                if (node is null)
                {
                    break;
                }

                nodes.Add(node);
            }

            if (nodes.Count != annotations.Length)
            {
                continue;
            }

            var fixedDocument = await TryFixAsync(current, nodes.ToImmutable(), diagnostic, cancellationToken).ConfigureAwait(false);
            if (fixedDocument is not null)
            {
                current = fixedDocument;
            }
        }

        // Leave no trace of the marks.
        var finalRoot = await current.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (finalRoot is null)
        {
            return current;
        }

        var marked = finalRoot.GetAnnotatedNodes(AnnotationKind).ToList();
        finalRoot = finalRoot.ReplaceNodes(marked, (original, rewritten) => rewritten.WithoutAnnotations(AnnotationKind));
        return current.WithSyntaxRoot(finalRoot);
    }
}
