using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>The expression for the text a stream loop accumulated, by the accumulator's kind (see <c>Accumulators</c>).</summary>
internal static class PartialText
{
    /// <summary>
    /// <c>sb.ToString()</c> for a StringBuilder, the variable for a string, <c>string.Concat(list)</c> for a
    /// collection of strings; null for a collection of anything else.
    /// </summary>
    public static ExpressionSyntax? Of(string accumulator, string kind, ITypeSymbol type)
    {
        var name = SyntaxFactory.IdentifierName(accumulator);
        switch (kind)
        {
            case "StringBuilder":
                return SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, name, SyntaxFactory.IdentifierName("ToString")));
            case "String":
                return name;
            case "Collection" when ElementIsString(type):
                return SyntaxFactory.InvocationExpression(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.StringKeyword)), SyntaxFactory.IdentifierName("Concat")),
                    SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(name))));
            default:
                return null;
        }
    }

    public static bool ElementIsString(ITypeSymbol type)
        => type.AllInterfaces.Concat(type is INamedTypeSymbol { TypeKind: TypeKind.Interface } self ? new[] { self } : Enumerable.Empty<INamedTypeSymbol>())
            .Any(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T && i.TypeArguments[0].SpecialType == SpecialType.System_String);
}
