using System;
using System.Globalization;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// The names a fix gives what it inserts (<c>attempt</c>, <c>finishReason</c>, <c>idleTimeout</c>…): the one place that
/// decides which names are taken at an insertion point and appends a number to a taken one. The fixes differ only in what
/// counts as taken, and each of those rules is one method here.
/// </summary>
internal static class Names
{
    /// <summary>
    /// <paramref name="baseName"/>, or with the first number from <paramref name="firstSuffix"/> on appended, that
    /// <paramref name="isTaken"/> refuses.
    /// </summary>
    public static string Free(string baseName, Func<string, bool> isTaken, int firstSuffix = 2)
    {
        var name = baseName;
        for (var i = firstSuffix; isTaken(name); i++)
        {
            name = baseName + i.ToString(CultureInfo.InvariantCulture);
        }

        return name;
    }

    /// <summary><paramref name="baseName"/>, or with a number appended, that is not in <paramref name="used"/> (then added to it).</summary>
    public static string Reserve(HashSet<string> used, string baseName)
    {
        var name = Free(baseName, used.Contains);
        used.Add(name);
        return name;
    }

    /// <summary><paramref name="baseName"/>, or with a number appended when that name is taken at <paramref name="position"/>.</summary>
    public static string FreeAt(SemanticModel model, int position, string baseName)
        => Free(baseName, name => model.LookupSymbols(position, name: name).Any(), firstSuffix: 1);

    /// <summary>A name free at <paramref name="position"/>: <paramref name="preferred"/>, else with a number appended.</summary>
    public static string FreeInScope(SemanticModel model, int position, string preferred, SyntaxNode? scope = null)
    {
        var taken = new HashSet<string>(model.LookupSymbols(position).Select(s => s.Name));
        if (scope is not null)
        {
            // Locals declared later in the same block are not visible at the position but would clash.
            foreach (var token in scope.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken))
                {
                    taken.Add(token.ValueText);
                }
            }
        }

        return Free(preferred, taken.Contains);
    }

    /// <summary>
    /// A local name based on <paramref name="baseName"/> that no symbol in scope at <paramref name="at"/>, no name in
    /// <paramref name="taken"/> (which receives the result) and no
    /// local of the enclosing function uses (<c>finishReason</c>, <c>finishReason2</c>…). Member names the function only
    /// mentions (<c>new { stream = true }</c>, <c>request.Stream</c>, <c>stream: true</c>) cannot clash with a local and
    /// do not count.
    /// </summary>
    public static string FreeInFunction(SemanticModel model, SyntaxNode at, string baseName, ICollection<string>? taken = null)
    {
        var used = new HashSet<string>(model.LookupSymbols(at.SpanStart).Select(s => s.Name));
        var scope = SyntaxScopes.ContainingFunction(at) ?? at.SyntaxTree.GetRoot();
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

        var name = Free(baseName, used.Contains);
        taken?.Add(name);
        return name;
    }

    /// <summary>
    /// Names a new local at <paramref name="position"/> must not take: everything visible there, every name declared in
    /// the code that goes inside the new construct (<paramref name="moved"/>), and the locals declared directly in the
    /// enclosing blocks (a local may not clash with one declared later in an enclosing block). The variables of sibling
    /// loops and of nested blocks are in other scopes and do not count.
    /// </summary>
    public static HashSet<string> UsedNames(SemanticModel model, int position, IEnumerable<SyntaxNode> moved)
    {
        var names = new HashSet<string>(model.LookupSymbols(position).Select(s => s.Name));
        var movedList = moved.ToList();
        foreach (var node in movedList)
        {
            foreach (var descendant in node.DescendantNodesAndSelf())
            {
                AddDeclaredName(descendant, names);
            }
        }

        var anchor = movedList.FirstOrDefault();
        for (var ancestor = anchor?.Parent; ancestor is not null && ancestor is not MemberDeclarationSyntax; ancestor = ancestor.Parent)
        {
            if (ancestor is not (BlockSyntax or SwitchSectionSyntax))
            {
                continue;
            }

            var statements = ancestor is BlockSyntax block ? block.Statements : ((SwitchSectionSyntax)ancestor).Statements;
            foreach (var statement in statements)
            {
                if (OpensScope(statement))
                {
                    continue; // for/foreach/using/… variables are scoped to their statement
                }

                foreach (var descendant in statement.DescendantNodesAndSelf(n => !OpensScope(n)))
                {
                    AddDeclaredName(descendant, names);
                }
            }
        }

        return names;
    }

    private static bool OpensScope(SyntaxNode node)
        => node is BlockSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax
            or ForStatementSyntax or CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax
            or UsingStatementSyntax or FixedStatementSyntax or LockStatementSyntax or CatchClauseSyntax or SwitchSectionSyntax;

    private static void AddDeclaredName(SyntaxNode node, HashSet<string> names)
    {
        switch (node)
        {
            case VariableDeclaratorSyntax declarator:
                names.Add(declarator.Identifier.ValueText);
                break;
            case SingleVariableDesignationSyntax designation:
                names.Add(designation.Identifier.ValueText);
                break;
            case ForEachStatementSyntax forEach:
                names.Add(forEach.Identifier.ValueText);
                break;
            case CatchDeclarationSyntax { Identifier.ValueText: { Length: > 0 } name }:
                names.Add(name);
                break;
            case ParameterSyntax parameter:
                names.Add(parameter.Identifier.ValueText);
                break;
            case LocalFunctionStatementSyntax localFunction:
                names.Add(localFunction.Identifier.ValueText);
                break;
        }
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
}
