using System;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// Code a finding names by its text (a diagnostic property: the client's token <c>HttpContext.RequestAborted</c>, the
/// response a relay writes to), turned back into syntax without parsing text at run time: a dotted name is built with
/// <see cref="SyntaxFactory"/>, an expression of the code is found where the analyzer saw it.
/// </summary>
internal static class ReportedCode
{
    /// <summary>
    /// A dotted name (<c>ct</c>, <c>@event</c>, <c>x.HttpContext.RequestAborted</c>) as a chain of member accesses, as
    /// the parser reads it; null when a part is not an identifier (a keyword is one only when escaped with <c>@</c>).
    /// </summary>
    public static ExpressionSyntax? DottedName(string text)
    {
        ExpressionSyntax? chain = null;
        foreach (var part in text.Split('.'))
        {
            if (Identifier(part) is not { } name)
            {
                return null;
            }

            chain = chain is null ? name : SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, chain, name);
        }

        return chain;
    }

    /// <summary>The first expression in <paramref name="scope"/> written as <paramref name="text"/> (outer trivia aside); null when there is none.</summary>
    public static ExpressionSyntax? Find(SyntaxNode scope, string text)
        => scope.DescendantNodes().OfType<ExpressionSyntax>().FirstOrDefault(e => e.Span.Length == text.Length && e.ToString() == text);

    private static IdentifierNameSyntax? Identifier(string part)
    {
        var escaped = part.StartsWith("@", StringComparison.Ordinal);
        var name = escaped ? part.Substring(1) : part;
        if (!SyntaxFacts.IsValidIdentifier(name) || !escaped && SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
        {
            return null;
        }

        return SyntaxFactory.IdentifierName(TemplateSlots.Identifier(part));
    }
}
