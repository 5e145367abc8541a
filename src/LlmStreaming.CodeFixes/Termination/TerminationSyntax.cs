namespace LlmStreaming.CodeFixes.Termination;

/// <summary>Syntax helpers shared by the termination fixes.</summary>
internal static class TerminationSyntax
{
    /// <summary>
    /// Parses a statement template and replaces each identifier named like a key of <paramref name="types"/> with the
    /// type's name, annotated so that the cleanup adds the missing <c>using</c> and simplifies it. In an expression
    /// (<c>ChatFinishReason.Length</c>) a name that another imported type would make ambiguous stays qualified. The
    /// statement is annotated for formatting.
    /// </summary>
    public static StatementSyntax Statement(string text, SyntaxGenerator generator, SyntaxNode context, IReadOnlyDictionary<string, ITypeSymbol>? types = null, SemanticModel? model = null)
    {
        var slots = new TemplateSlots();
        foreach (var pair in types ?? new Dictionary<string, ITypeSymbol>())
        {
            slots.Type(pair.Key, pair.Value, model, context);
        }

        return Statement(text, generator, context, slots);
    }

    /// <summary>
    /// Parses a statement template and fills its <paramref name="slots"/>; the statement starts elastic, ends with the
    /// end of line of <paramref name="context"/>'s document, and is annotated for formatting.
    /// </summary>
    public static StatementSyntax Statement(string text, SyntaxGenerator generator, SyntaxNode context, TemplateSlots slots)
        => slots.Fill(SyntaxFactory.ParseStatement(text), generator)
            .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
            .WithTrailingTrivia(Layout.ElasticEndOfLine(context))
            .WithAdditionalAnnotations(Formatter.Annotation);

    /// <summary>
    /// Inserts <paramref name="statements"/> before <paramref name="target"/> (and <paramref name="after"/> after it) in its
    /// block or switch section; an embedded statement becomes a block. Returns the new root, or null when impossible.
    /// </summary>
    public static SyntaxNode? InsertAround(SyntaxNode root, StatementSyntax target, IReadOnlyList<StatementSyntax> statements, IReadOnlyList<StatementSyntax>? after = null)
    {
        after ??= new List<StatementSyntax>();
        switch (target.Parent)
        {
            case BlockSyntax or SwitchSectionSyntax:
                var tracked = root.TrackNodes(target);
                if (statements.Count > 0)
                {
                    tracked = tracked.InsertNodesBefore(tracked.GetCurrentNode(target)!, statements);
                }

                if (after.Count > 0)
                {
                    tracked = tracked.InsertNodesAfter(tracked.GetCurrentNode(target)!, after);
                }

                return tracked;

            case GlobalStatementSyntax global when global.Parent is CompilationUnitSyntax:
                var globals = root.TrackNodes(global);
                if (statements.Count > 0)
                {
                    globals = globals.InsertNodesBefore(globals.GetCurrentNode(global)!, statements.Select(s => SyntaxFactory.GlobalStatement(s)));
                }

                if (after.Count > 0)
                {
                    globals = globals.InsertNodesAfter(globals.GetCurrentNode(global)!, after.Select(s => SyntaxFactory.GlobalStatement(s)));
                }

                return globals;

            case ElseClauseSyntax or IfStatementSyntax or WhileStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax or UsingStatementSyntax or LockStatementSyntax or FixedStatementSyntax:
                if (target is LocalDeclarationStatementSyntax)
                {
                    return null;
                }

                var block = SyntaxFactory.Block(statements.Concat(new[] { target.WithoutTrivia() }).Concat(after))
                    .WithTriviaFrom(target)
                    .WithAdditionalAnnotations(Formatter.Annotation);
                return root.ReplaceNode(target, block);

            default:
                return null;
        }
    }

    /// <summary>
    /// The statement that leaves <paramref name="loop"/> from <paramref name="at"/>: <c>break</c> when nothing breakable
    /// lies in between, else <c>yield break</c> in an iterator or <c>return</c> in a method that returns nothing; null
    /// when none of these fits.
    /// </summary>
    public static StatementSyntax? LeaveLoop(SemanticModel model, SyntaxNode at, StatementSyntax loop, CancellationToken cancellationToken)
    {
        for (var current = at.Parent; current is not null; current = current.Parent)
        {
            if (current == loop)
            {
                return SyntaxFactory.ParseStatement("break;");
            }

            if (current is SwitchStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax)
            {
                break;
            }
        }

        var function = SyntaxScopes.ContainingFunction(loop);
        if (function is null)
        {
            return null;
        }

        if (SyntaxScopes.IsIterator(function))
        {
            return SyntaxFactory.ParseStatement("yield break;");
        }

        var symbol = function switch
        {
            AnonymousFunctionExpressionSyntax lambda => model.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol,
            _ => model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol,
        };

        if (symbol is null)
        {
            return null;
        }

        if (symbol.ReturnsVoid)
        {
            return SyntaxFactory.ParseStatement("return;");
        }

        if (symbol.IsAsync && symbol.ReturnType is INamedTypeSymbol { IsGenericType: false, Name: "Task" or "ValueTask" })
        {
            return SyntaxFactory.ParseStatement("return;");
        }

        return null;
    }

    /// <summary>True for an expression that can be evaluated twice with no side effect (names, member reads, string slicing).</summary>
    public static bool IsRepeatable(ExpressionSyntax expression)
    {
        foreach (var node in expression.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member }
                    when member.Name.Identifier.ValueText is "Substring" or "Trim" or "TrimStart" or "TrimEnd" or "Replace" or "Remove" or "ToString":
                    continue;
                case InvocationExpressionSyntax:
                case AssignmentExpressionSyntax:
                case PostfixUnaryExpressionSyntax:
                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }:
                case AwaitExpressionSyntax:
                case ObjectCreationExpressionSyntax:
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Inserts <paramref name="statement"/> right after the statement that holds a parse result (<paramref name="holder"/>,
    /// as the tracked root has it): after a local declaration, or first in the body of <c>using (var json = …)</c> when
    /// <paramref name="insideUsing"/>. Null when there is no place for it.
    /// </summary>
    public static SyntaxNode? InsertAfterHolder(SyntaxNode root, StatementSyntax holder, bool insideUsing, StatementSyntax statement)
    {
        if (!insideUsing)
        {
            return InsertAround(root, holder, System.Array.Empty<StatementSyntax>(), new[] { statement });
        }

        var usingStatement = (UsingStatementSyntax)holder;
        var body = usingStatement.Statement is BlockSyntax block
            ? block.WithStatements(block.Statements.Insert(0, statement))
            : SyntaxFactory.Block(statement, usingStatement.Statement.WithoutTrivia()).WithTriviaFrom(usingStatement.Statement).WithAdditionalAnnotations(Formatter.Annotation);
        return root.ReplaceNode(usingStatement.Statement, body);
    }

    /// <summary><paramref name="expression"/> without <c>await</c>, parentheses and <c>.ConfigureAwait(…)</c> around it.</summary>
    public static ExpressionSyntax Unwrap(ExpressionSyntax expression)
    {
        while (true)
        {
            switch (expression)
            {
                case AwaitExpressionSyntax awaited:
                    expression = awaited.Expression;
                    continue;
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    continue;
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: { } inner } }:
                    expression = inner;
                    continue;
                default:
                    return expression;
            }
        }
    }
}
