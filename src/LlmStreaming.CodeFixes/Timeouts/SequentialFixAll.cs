using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>
/// A Fix All that applies one document's fixes one after the other, in source order, each on the document as the
/// previous one left it — the same result as applying the single fix repeatedly. Used by fixes that declare a local
/// (<c>request</c>, <c>idleTimeout</c>): applied in a batch, two fixes in one method would both pick the same free name.
/// The diagnostics' nodes are annotated first and found again after each edit.
/// </summary>
internal static class SequentialFixAll
{
    public static FixAllProvider Create(Func<Document, Diagnostic, CancellationToken, Task<Document>> apply)
        => FixAllProvider.Create(async (context, document, diagnostics) =>
        {
            var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            var ordered = diagnostics.Where(d => d.Location.IsInSource).OrderBy(d => d.Location.SourceSpan.Start).ToList();
            var marks = new List<(Diagnostic Diagnostic, SyntaxAnnotation Mark, int Offset)>();
            var nodes = new Dictionary<SyntaxNode, SyntaxAnnotation>();
            foreach (var diagnostic in ordered)
            {
                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                if (!nodes.TryGetValue(node, out var mark))
                {
                    mark = new SyntaxAnnotation();
                    nodes.Add(node, mark);
                }

                marks.Add((diagnostic, mark, diagnostic.Location.SourceSpan.Start - node.SpanStart));
            }

            var current = document.WithSyntaxRoot(root.ReplaceNodes(nodes.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(nodes[original])));
            foreach (var (diagnostic, mark, offset) in marks)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                var currentRoot = await current.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
                var node = currentRoot?.GetAnnotatedNodes(mark).FirstOrDefault();
                if (currentRoot is null || node is null)
                {
                    continue;
                }

                var span = new TextSpan(node.SpanStart + offset, diagnostic.Location.SourceSpan.Length);
                var relocated = Diagnostic.Create(diagnostic.Descriptor, Location.Create(currentRoot.SyntaxTree, span), diagnostic.Properties);
                current = await apply(current, relocated, context.CancellationToken).ConfigureAwait(false);
            }

            return current;
        });
}
