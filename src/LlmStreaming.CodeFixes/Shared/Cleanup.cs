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

    /// <summary>A type or member access written fully qualified and reduced by the simplifier, with its using added.</summary>
    public static ExpressionSyntax Qualified(string fullyQualified)
        => Annotate(SyntaxFactory.ParseExpression("global::" + fullyQualified));

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
