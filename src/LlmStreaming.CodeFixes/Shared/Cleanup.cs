using Microsoft.CodeAnalysis.Simplification;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// How inserted code is finished: type names are written fully qualified and annotated (<see cref="Annotate"/>,
/// <see cref="Qualified"/>), then the document's cleanup adds the using directives they need, reduces the names and
/// formats the annotated nodes.
/// </summary>
internal static class Cleanup
{
    /// <summary>Marks <paramref name="node"/> for the simplifier and for the using directives its names need.</summary>
    public static T Annotate<T>(T node)
        where T : SyntaxNode
        => node.WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);

    /// <summary>A type or member access (<c>System.IO.IOException</c>) written fully qualified and reduced by the simplifier, with its using added.</summary>
    public static ExpressionSyntax Qualified(string fullyQualified)
        => Annotate(GlobalName(fullyQualified.Split('.')));

    /// <summary>
    /// <c>global::N.M.T</c> for the names <c>N</c>, <c>M</c>, <c>T</c>, built as the parser reads it in an expression: the
    /// alias <c>global::</c> on the first name, member accesses after it; a keyword is escaped (<c>@class</c>).
    /// </summary>
    public static ExpressionSyntax GlobalName(IReadOnlyList<string> names)
    {
        ExpressionSyntax name = SyntaxFactory.AliasQualifiedName(
            SyntaxFactory.IdentifierName(SyntaxFactory.Token(SyntaxKind.GlobalKeyword)),
            SyntaxFactory.IdentifierName(TemplateSlots.Identifier(names[0])));
        foreach (var part in names.Skip(1))
        {
            name = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, name, SyntaxFactory.IdentifierName(TemplateSlots.Identifier(part)));
        }

        return name;
    }

    /// <summary>
    /// Adds the usings the annotated nodes need, reduces their qualified names and formats the annotated blocks. Done
    /// here rather than left to the code action's own cleanup, which on the Roslyn floor adds imports only for symbol
    /// annotations.
    /// </summary>
    public static async Task<Document> RunAsync(Document document, CancellationToken cancellationToken)
    {
        document = await AddImportsAsync(document, cancellationToken).ConfigureAwait(false);
        document = await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Formatter.FormatAsync(document, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the using directives the annotated names need (the code action's own cleanup then simplifies them).</summary>
    public static Task<Document> AddImportsAsync(Document document, CancellationToken cancellationToken)
        => ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken);
}
