using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

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
}
