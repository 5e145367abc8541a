using Microsoft.CodeAnalysis.Simplification;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// The pieces of "keep the partial text and the failure" shared by LLM301's and LLM304's fixes: a name for the caught
/// exception, <c>ex.Data["PartialOutput"] = text</c>, and a fresh local name.
/// </summary>
internal static class CatchRethrow
{
    /// <summary>The key under which the fixes attach the partial text to the exception's <c>Data</c>.</summary>
    public const string DataKey = "PartialOutput";

    /// <summary>
    /// The name of the caught exception, and the catch with a name given to it when it has none (<c>catch (Exception)</c>
    /// or a bare <c>catch</c> becomes <c>catch (Exception ex)</c>); null when it already has one.
    /// </summary>
    public static (CatchClauseSyntax? Renamed, string Name) NamedException(CatchClauseSyntax @catch, SemanticModel model)
    {
        if (@catch.Declaration is { Identifier.ValueText: { Length: > 0 } existing })
        {
            return (null, existing);
        }

        var name = Names.FreeAt(model, @catch.Block.SpanStart, "ex");
        var type = @catch.Declaration?.Type ?? SyntaxFactory.ParseTypeName("System.Exception").WithAdditionalAnnotations(Simplifier.Annotation);
        var declaration = SyntaxFactory.CatchDeclaration(type.WithoutTrivia(), SyntaxFactory.Identifier(name))
            .WithOpenParenToken(@catch.Declaration?.OpenParenToken ?? SyntaxFactory.Token(SyntaxKind.OpenParenToken))
            .WithCloseParenToken(@catch.Declaration?.CloseParenToken ?? SyntaxFactory.Token(SyntaxKind.CloseParenToken));
        var keyword = @catch.Declaration is null ? @catch.CatchKeyword.WithTrailingTrivia(SyntaxFactory.Space) : @catch.CatchKeyword;
        return (@catch.WithCatchKeyword(keyword).WithDeclaration(declaration), name);
    }

    /// <summary><paramref name="updated"/> (a copy of the original catch with a new body) with the name <see cref="NamedException"/> gave the exception in <paramref name="renamed"/>.</summary>
    public static CatchClauseSyntax WithName(CatchClauseSyntax updated, CatchClauseSyntax? renamed)
        => renamed is null ? updated : updated.WithCatchKeyword(renamed.CatchKeyword).WithDeclaration(renamed.Declaration);

    /// <summary><c>exception.Data["PartialOutput"] = text</c>.</summary>
    public static ExpressionSyntax AttachTo(string exception, ExpressionSyntax text)
        => SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            SyntaxFactory.ElementAccessExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(exception), SyntaxFactory.IdentifierName("Data")),
                SyntaxFactory.BracketedArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(
                    SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(DataKey)))))),
            text);

    /// <summary>
    /// True when the try block reaches the accumulator by its bare name (<c>sb</c>, <c>_answer</c>, <c>this.Text</c>) and
    /// that name means the same symbol in the catch: an accumulator reached through another object (<c>bubble.Text</c>)
    /// cannot be written as its name alone, and the fix then offers nothing.
    /// </summary>
    public static bool NamesTheAccumulator(TryStatementSyntax @try, string accumulator, ISymbol symbol, SemanticModel model)
    {
        foreach (var identifier in @try.Block.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != accumulator
                || identifier.Parent is MemberAccessExpressionSyntax access && access.Name == identifier && access.Expression is not ThisExpressionSyntax)
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier).Symbol, symbol))
            {
                return true;
            }
        }

        return false;
    }
}
