using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

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
        var statement = SyntaxFactory.ParseStatement(text);
        if (types is not null && types.Count > 0)
        {
            var placeholders = statement.DescendantNodes()
                .OfType<IdentifierNameSyntax>()
                .Where(i => types.ContainsKey(i.Identifier.ValueText))
                .Where(i => !(i.Parent is MemberAccessExpressionSyntax member && member.Name == i))
                .ToList();
            statement = statement.ReplaceNodes(placeholders, (original, _) =>
                TypeReference(types[original.Identifier.ValueText], original, generator, context, model).WithTriviaFrom(original));
        }

        return statement
            .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
            .WithTrailingTrivia(EndOfLine(context))
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    private static ExpressionSyntax TypeReference(ITypeSymbol type, IdentifierNameSyntax placeholder, SyntaxGenerator generator, SyntaxNode context, SemanticModel? model)
    {
        var inExpression = placeholder.Parent is MemberAccessExpressionSyntax access && access.Expression == placeholder;
        if (inExpression && model is not null)
        {
            var position = context.SpanStart;
            var simple = SyntaxFactory.IdentifierName(type.Name);
            var bound = model.GetSpeculativeSymbolInfo(position, simple, SpeculativeBindingOption.BindAsExpression).Symbol;
            if (SymbolEqualityComparer.Default.Equals(bound, type))
            {
                return simple;
            }

            if (bound is not null || model.LookupNamespacesAndTypes(position, name: type.Name).Length > 0)
            {
                // Another type of that name is in scope: keep the qualified name, parsed as the expression it is.
                var qualified = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                return SyntaxFactory.ParseExpression(qualified).WithAdditionalAnnotations(Simplifier.Annotation);
            }
        }

        return ((TypeSyntax)generator.TypeExpression(type)).WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
    }

    /// <summary>The end of line the document uses (elastic, so that the formatter may adjust around it).</summary>
    public static SyntaxTrivia EndOfLine(SyntaxNode context)
    {
        foreach (var trivia in context.SyntaxTree.GetRoot().DescendantTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return SyntaxFactory.ElasticEndOfLine(trivia.ToString());
            }
        }

        return SyntaxFactory.ElasticLineFeed;
    }

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
    public static string? LeaveLoop(SemanticModel model, SyntaxNode at, StatementSyntax loop, CancellationToken cancellationToken)
    {
        for (var current = at.Parent; current is not null; current = current.Parent)
        {
            if (current == loop)
            {
                return "break;";
            }

            if (current is SwitchStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax)
            {
                break;
            }
        }

        var function = ContainingFunction(loop);
        if (function is null)
        {
            return null;
        }

        if (IsIterator(function))
        {
            return "yield break;";
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
            return "return;";
        }

        if (symbol.IsAsync && symbol.ReturnType is INamedTypeSymbol { IsGenericType: false, Name: "Task" or "ValueTask" })
        {
            return "return;";
        }

        return null;
    }

    /// <summary>The method, local function, lambda or accessor whose body contains <paramref name="node"/>.</summary>
    public static SyntaxNode? ContainingFunction(SyntaxNode node)
    {
        for (var current = node.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax:
                    return current;
                case CompilationUnitSyntax:
                    return null;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="function"/>'s own body contains <c>yield</c>.</summary>
    public static bool IsIterator(SyntaxNode function)
        => function.DescendantNodes(n => n == function || !(n is LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax))
            .OfType<YieldStatementSyntax>()
            .Any();

    /// <summary>
    /// A local name based on <paramref name="baseName"/> that no symbol in scope at <paramref name="at"/>, no name in
    /// <paramref name="taken"/> (which receives the result) and no
    /// local of the enclosing function uses (<c>finishReason</c>, <c>finishReason2</c>…). Member names the function only
    /// mentions (<c>new { stream = true }</c>, <c>request.Stream</c>, <c>stream: true</c>) cannot clash with a local and
    /// do not count.
    /// </summary>
    public static string UniqueName(SemanticModel model, SyntaxNode at, string baseName, ICollection<string>? taken = null)
    {
        var used = new HashSet<string>(model.LookupSymbols(at.SpanStart).Select(s => s.Name));
        var scope = (SyntaxNode?)ContainingFunction(at) ?? at.SyntaxTree.GetRoot();
        foreach (var token in scope.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && !IsMemberNameOnly(token))
            {
                used.Add(token.ValueText);
            }
        }

        if (taken is not null)
        {
            used.UnionWith(taken);
        }

        var name = baseName;
        for (var i = 2; used.Contains(name); i++)
        {
            name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        taken?.Add(name);
        return name;
    }

    /// <summary>An identifier that names a member, not a local: an anonymous type's or an initialiser's member, the name after a dot, an argument's name.</summary>
    private static bool IsMemberNameOnly(SyntaxToken token)
        => token.Parent is IdentifierNameSyntax name
            && name.Parent switch
            {
                NameEqualsSyntax { Parent: AnonymousObjectMemberDeclaratorSyntax } => true,
                NameColonSyntax => true,
                MemberAccessExpressionSyntax access => access.Name == name,
                AssignmentExpressionSyntax { Parent: InitializerExpressionSyntax initializer } assignment => assignment.Left == name && initializer.IsKind(SyntaxKind.ObjectInitializerExpression),
                _ => false,
            };

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
