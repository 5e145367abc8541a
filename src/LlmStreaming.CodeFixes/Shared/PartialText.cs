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

    /// <summary>The first accumulator of <paramref name="stream"/> whose text can be read back (see <see cref="Of(Accumulator)"/>), or null.</summary>
    public static Accumulator? TextAccumulator(LlmStreamLoop stream, KnownTypes types)
        => Accumulators.Find(stream, types).FirstOrDefault(a => a.Kind != AccumulatorKind.Collection || ElementIsString(a.Type));

    /// <summary>The text <paramref name="accumulator"/> holds, as an expression (see <see cref="Of(string, string, ITypeSymbol)"/>).</summary>
    public static ExpressionSyntax? Of(Accumulator accumulator) => Of(accumulator.Name, accumulator.Kind.ToString(), accumulator.Type);

    public static bool ElementIsString(ITypeSymbol type)
        => type.AllInterfaces.Concat(type is INamedTypeSymbol { TypeKind: TypeKind.Interface } self ? new[] { self } : Enumerable.Empty<INamedTypeSymbol>())
            .Any(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T && i.TypeArguments[0].SpecialType == SpecialType.System_String);
}
