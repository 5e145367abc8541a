namespace LlmStreaming.CodeFixes.Shared;

/// <summary>The syntax a fix looks at around a node.</summary>
internal static class SyntaxScopes
{
    /// <summary>
    /// The body of the function around <paramref name="node"/>: a lambda's, local function's, method's or accessor's
    /// body (block or expression), or the compilation unit for top-level statements; null outside any function.
    /// </summary>
    public static SyntaxNode? FunctionBody(SyntaxNode node)
        => node.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or GlobalStatementSyntax) switch
        {
            AnonymousFunctionExpressionSyntax lambda => lambda.Body,
            LocalFunctionStatementSyntax local => (SyntaxNode?)local.Body ?? local.ExpressionBody,
            BaseMethodDeclarationSyntax method => (SyntaxNode?)method.Body ?? method.ExpressionBody,
            AccessorDeclarationSyntax accessor => (SyntaxNode?)accessor.Body ?? accessor.ExpressionBody,
            GlobalStatementSyntax global => global.Parent,
            _ => null,
        };

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

    /// <summary>The method, local function or lambda whose body contains <paramref name="operation"/>.</summary>
    public static IMethodSymbol? ContainingMethod(IOperation operation, SemanticModel model, CancellationToken cancellationToken)
        => model.GetEnclosingSymbol(operation.Syntax.SpanStart, cancellationToken) as IMethodSymbol;

    /// <summary>A symbol a lambda cannot capture, so code that names it cannot move into one: a <c>ref</c>/<c>out</c>/<c>in</c> parameter, a <c>ref</c> local, a local of a ref struct.</summary>
    public static bool CannotBeCaptured(ISymbol? symbol)
        => symbol is IParameterSymbol { RefKind: not RefKind.None } or ILocalSymbol { IsRef: true } or ILocalSymbol { Type.IsRefLikeType: true };
}
