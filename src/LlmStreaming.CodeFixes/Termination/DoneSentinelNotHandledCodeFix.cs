namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// LLM201: inserts <c>if (payload == "[DONE]") break;</c> before the statement that parses the payload
/// (<c>yield break</c> or <c>return</c> when a <c>switch</c> or an inner loop stands between it and the stream loop).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DoneSentinelNotHandledCodeFix)), Shared]
public sealed class DoneSentinelNotHandledCodeFix : TerminationCodeFix
{
    public const string Key = "LLM201.BreakOnDone";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.DoneSentinelNotHandled);

    private protected override string Title => "Stop at the [DONE] sentinel before parsing";

    private protected override string EquivalenceKey => Key;

    private protected override async Task<Document?> TryFixAsync(Document document, SyntaxNode root, SemanticModel model, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (nodes.Length < 3 || nodes[0] is not ExpressionSyntax parse || nodes[1] is not ExpressionSyntax payload || nodes[2] is not StatementSyntax loop)
        {
            return null;
        }

        var statement = parse.FirstAncestorOrSelf<StatementSyntax>();
        if (statement is null || statement == loop || !loop.Span.Contains(statement.Span))
        {
            return null; // parsed in the loop's condition: nowhere to put the check
        }

        var check = PayloadCheck(model, payload, statement, cancellationToken);
        if (check is null)
        {
            return null;
        }

        // Before the outermost statement of the loop body that holds the parse, where the payload is still in scope:
        // a parse inside a conditional block (an error check, a filter) must not hide the sentinel check in it.
        statement = OutermostWithPayload(statement, loop, model, payload, cancellationToken);

        var leave = TerminationSyntax.LeaveLoop(model, statement, loop, cancellationToken);
        if (leave is null)
        {
            return null;
        }

        var generator = SyntaxGenerator.GetGenerator(document);
        var inserted = (IfStatementSyntax)TerminationSyntax.Statement(
            """
            if (payload == "[DONE]") break;
            """,
            generator,
            statement,
            new TemplateSlots().Expression("payload", check));
        inserted = inserted.WithStatement(leave.WithTriviaFrom(inserted.Statement));
        var newRoot = TerminationSyntax.InsertAround(root, statement, new List<StatementSyntax> { inserted });
        return newRoot is null ? null : document.WithSyntaxRoot(newRoot);
    }

    private static StatementSyntax OutermostWithPayload(StatementSyntax statement, StatementSyntax loop, SemanticModel model, ExpressionSyntax payload, CancellationToken cancellationToken)
    {
        // Only a local can be read outside the condition that guarded the parse: a slice such as
        // line.Substring(5) may throw on the lines the condition kept out.
        if (payload is not IdentifierNameSyntax)
        {
            return statement;
        }

        var current = statement;
        while (true)
        {
            var parent = current.Parent is BlockSyntax block ? block.Parent as StatementSyntax : current.Parent as StatementSyntax;
            if (parent is null || parent == loop || !loop.Span.Contains(parent.Span) || parent is BlockSyntax
                || parent is CommonForEachStatementSyntax or ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax
                || parent.Parent is not BlockSyntax
                || PayloadCheck(model, payload, parent, cancellationToken) is null)
            {
                return current;
            }

            current = parent;
        }
    }

    /// <summary>
    /// The expression to compare with <c>"[DONE]"</c>: the payload itself (without its trivia) when it is a string that can
    /// be read again before the parse (a local declared earlier, or a side-effect-free slice of the line); null otherwise.
    /// </summary>
    internal static ExpressionSyntax? PayloadCheck(SemanticModel model, ExpressionSyntax payload, StatementSyntax statement, CancellationToken cancellationToken)
    {
        if (model.GetTypeInfo(payload, cancellationToken).Type?.SpecialType != SpecialType.System_String)
        {
            return null;
        }

        if (!TerminationSyntax.IsRepeatable(payload))
        {
            return null;
        }

        // Every local the payload reads must already be declared before the statement.
        foreach (var identifier in payload.DescendantNodesAndSelf())
        {
            if (identifier is IdentifierNameSyntax name
                && model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local
                && local.DeclaringSyntaxReferences.Length > 0
                && local.DeclaringSyntaxReferences[0].Span.Start >= statement.SpanStart)
            {
                return null;
            }
        }

        return payload.WithoutTrivia();
    }
}
