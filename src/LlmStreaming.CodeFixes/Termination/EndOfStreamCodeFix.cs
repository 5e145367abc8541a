using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LlmStreaming.Analyzers;
using LlmStreaming.Analyzers.Termination;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// LLM202: tracks whether the terminal marker arrived (<c>sawTerminal = true</c> where the loop leaves on it) and
/// throws an <see cref="System.IO.IOException"/> after the loop when it did not.
/// Offered when the loop already leaves on a terminal marker (apply LLM201's fix first for a loop that has no
/// <c>[DONE]</c> check) and ends at the end of the body through its condition or a <c>break</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EndOfStreamCodeFix)), Shared]
public sealed class EndOfStreamCodeFix : TerminationCodeFix
{
    public const string Key = "LLM202.ThrowWhenNoTerminalMarker";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.EndOfStreamAccepted);

    private protected override string Title => "Throw when the stream ends without its terminal marker";

    private protected override string EquivalenceKey => Key;

    private protected override async Task<Document?> TryFixAsync(Document document, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (diagnostic.Properties.TryGetValue(EndOfStreamAcceptedAnalyzer.LeavesFromBodyProperty, out var leaves) && leaves == "true")
        {
            return null;
        }

        // A loop the parser had to repair (its closing brace missing, say) has no clear "after": the check would land
        // inside it, and the finding would stay.
        if (nodes.Length < 1 || nodes[0] is not StatementSyntax loopStatement || loopStatement.ContainsDiagnostics)
        {
            return null;
        }

        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || model.GetOperation(loopStatement, cancellationToken) is not ILoopOperation loop)
        {
            return null;
        }

        var exits = TerminationFacts.TerminalExits(loop, cancellationToken);
        var ioException = model.Compilation.GetTypeByMetadataName("System.IO.IOException");
        if (exits.IsEmpty || ioException is null)
        {
            return null;
        }

        var generator = SyntaxGenerator.GetGenerator(document);
        var flag = TerminationSyntax.UniqueName(model, loopStatement, "sawTerminal");
        var jumps = exits.Select(e => (StatementSyntax)e.Jump.Syntax).Distinct().ToList();

        var tracked = root.TrackNodes(jumps.Cast<SyntaxNode>().Append(loopStatement));
        foreach (var jump in jumps)
        {
            var current = tracked.GetCurrentNode(jump)!;
            var setFlag = TerminationSyntax.Statement(flag + " = true;", generator, loopStatement);
            if (current.Parent is BlockSyntax)
            {
                tracked = tracked.InsertNodesBefore(current, new[] { setFlag });
            }
            else
            {
                var block = SyntaxFactory.Block(setFlag, current.WithoutTrivia().WithAdditionalAnnotations(Formatter.Annotation))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                tracked = tracked.ReplaceNode(current, block);
            }
        }

        var types = new Dictionary<string, ITypeSymbol> { ["IOException"] = ioException };
        var declaration = TerminationSyntax.Statement("var " + flag + " = false;", generator, loopStatement);
        var check = TerminationSyntax.Statement(
            "if (!" + flag + ")\n{\n    throw new IOException(\"The model stream ended before its terminal marker: the response is incomplete.\");\n}",
            generator,
            loopStatement,
            types);

        var newRoot = TerminationSyntax.InsertAround(tracked, tracked.GetCurrentNode(loopStatement)!, new[] { declaration }, new[] { check });
        return newRoot is null ? null : document.WithSyntaxRoot(newRoot);
    }
}
