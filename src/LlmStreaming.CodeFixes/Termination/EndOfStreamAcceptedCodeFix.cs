using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// LLM202: tracks whether the terminal marker arrived (<c>sawTerminal = true</c> where the loop leaves on it) and
/// throws an <see cref="System.IO.IOException"/> after the loop when it did not.
/// Offered when the loop already leaves on a terminal marker (apply LLM201's fix first for a loop that has no
/// <c>[DONE]</c> check) and ends at the end of the body through its condition or a <c>break</c>; and on an NDJSON loop
/// that never reads <c>done</c>, whose lines are parsed into a <c>JsonDocument</c>/<c>JsonElement</c> local: the flag is
/// set from the final <c>"done": true</c> object.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EndOfStreamAcceptedCodeFix)), Shared]
public sealed class EndOfStreamAcceptedCodeFix : TerminationCodeFix
{
    public const string Key = "LLM202.ThrowWhenNoTerminalMarker";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.EndOfStreamAccepted);

    private protected override string Title => "Throw when the stream ends without its terminal marker";

    private protected override string EquivalenceKey => Key;

    private protected override async Task<Document?> TryFixAsync(Document document, SyntaxNode root, SemanticModel model, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
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

        if (model.GetOperation(loopStatement, cancellationToken) is not ILoopOperation loop)
        {
            return null;
        }

        var exits = TerminationFacts.TerminalExits(loop, cancellationToken);
        var ioException = model.Compilation.GetTypeByMetadataName("System.IO.IOException");
        if (ioException is null)
        {
            return null;
        }

        var generator = SyntaxGenerator.GetGenerator(document);
        var flag = Names.FreeInFunction(model, loopStatement, "sawTerminal");
        if (exits.IsEmpty)
        {
            return NdjsonDone(document, root, model, loop, loopStatement, flag, generator, ioException, cancellationToken);
        }
        var jumps = exits.Select(e => (StatementSyntax)e.Jump.Syntax).Distinct().ToList();

        var tracked = root.TrackNodes(jumps.Cast<SyntaxNode>().Append(loopStatement));
        foreach (var jump in jumps)
        {
            var current = tracked.GetCurrentNode(jump)!;
            var setFlag = TerminationSyntax.Statement("flag = true;", generator, loopStatement, new TemplateSlots().Name("flag", flag));
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

        var slots = new TemplateSlots().Name("flag", flag).Type("IOException", ioException);
        var declaration = TerminationSyntax.Statement("var flag = false;", generator, loopStatement, slots);
        var check = TerminationSyntax.Statement(
            """
            if (!flag)
            {
                throw new IOException("The model stream ended before its terminal marker: the response is incomplete.");
            }
            """,
            generator,
            loopStatement,
            slots);

        var newRoot = TerminationSyntax.InsertAround(tracked, tracked.GetCurrentNode(loopStatement)!, new[] { declaration }, new[] { check });
        return newRoot is null ? null : document.WithSyntaxRoot(newRoot);
    }

    /// <summary>
    /// An NDJSON loop (Ollama) that never reads <c>done</c>: the final object says <c>"done": true</c>. Right after the
    /// statement of the loop's body (not a parse nested in a check, such as LLM205's error check) that parses each line
    /// into a <c>JsonDocument</c> or <c>JsonElement</c> local, the flag is set when that
    /// object says so (each step checked for its kind, so no other line throws here); after the loop, the same
    /// <see cref="System.IO.IOException"/> as for SSE when it never came. The loop is not left early: the final object
    /// may still carry text. Not offered for other parse shapes, or when the loop leaves its function from inside.
    /// </summary>
    private static Document? NdjsonDone(Document document, SyntaxNode root, SemanticModel model, ILoopOperation loop, StatementSyntax loopStatement, string flag, SyntaxGenerator generator, ITypeSymbol ioException, CancellationToken cancellationToken)
    {
        if (LlmAnalysisContext.Get(model.Compilation) is not { } llm
            || llm.Streams.TryGetStreamLoop(loop, llm.GetOptions(root.SyntaxTree, document.Project.AnalyzerOptions), cancellationToken) is not { HandRolled: { IsSse: false } handRolled }
            || model.Compilation.GetTypeByMetadataName("System.Text.Json.JsonValueKind") is not { } valueKind
            || FinishReasonNotObservedCodeFix.LeavesFromInside(loopStatement))
        {
            return null;
        }

        foreach (var parse in handRolled.JsonParses.OrderBy(p => p.Syntax.SpanStart))
        {
            if (parse.Syntax is not InvocationExpressionSyntax call
                || FinishReasonNotObservedCodeFix.Holder(call) is not var (holder, variable, insideUsing)
                || holder.Parent is not BlockSyntax { Parent: var owner } || owner != loopStatement
                || model.GetDeclaredSymbol(variable, cancellationToken) is not ILocalSymbol { Type: INamedTypeSymbol { Name: "JsonDocument" or "JsonElement" } json }
                || !json.IsInNamespace("System.Text.Json"))
            {
                continue;
            }

            ExpressionSyntax parsed = SyntaxFactory.IdentifierName(variable.Identifier.WithoutTrivia());
            var element = json.Name == "JsonDocument"
                ? SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, parsed, SyntaxFactory.IdentifierName("RootElement"))
                : parsed;
            var slots = new TemplateSlots()
                .Name("flag", flag)
                .Name("doneValue", Names.FreeInFunction(model, loopStatement, "doneValue"))
                .Expression("element", element)
                .Type("IOException", ioException)
                .Type("JsonValueKind", valueKind, model, holder);
            var mark = TerminationSyntax.Statement(
                """
                if (element.ValueKind == JsonValueKind.Object
                    && element.TryGetProperty("done", out var doneValue)
                    && doneValue.ValueKind == JsonValueKind.True)
                {
                    flag = true;
                }
                """,
                generator,
                holder,
                slots);
            var declaration = TerminationSyntax.Statement("var flag = false;", generator, loopStatement, slots);
            var check = TerminationSyntax.Statement(
                """
                if (!flag)
                {
                    throw new IOException("The model stream ended before its final done object: the response is incomplete.");
                }
                """,
                generator,
                loopStatement,
                slots);

            var tracked = root.TrackNodes(holder, loopStatement);
            if (TerminationSyntax.InsertAfterHolder(tracked, tracked.GetCurrentNode(holder)!, insideUsing, mark) is not { } marked)
            {
                return null;
            }

            tracked = marked;
            var newRoot = TerminationSyntax.InsertAround(tracked, tracked.GetCurrentNode(loopStatement)!, new[] { declaration }, new[] { check });
            return newRoot is null ? null : document.WithSyntaxRoot(newRoot);
        }

        return null;
    }
}
