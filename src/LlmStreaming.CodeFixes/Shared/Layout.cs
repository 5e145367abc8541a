namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// The whitespace of inserted code, taken from the code around it: indentation and ends of line. Each reading differs on
/// purpose (elastic or not, which line ending when none is found); the formatter then lays out the annotated nodes.
/// </summary>
internal static class Layout
{
    /// <summary>The whitespace that indents <paramref name="statement"/>.</summary>
    public static SyntaxTriviaList Indentation(SyntaxNode statement)
    {
        var leading = statement.GetLeadingTrivia();
        return leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList();
    }

    /// <summary>The indentation of the line on which <paramref name="node"/> starts.</summary>
    public static string LineIndentation(SyntaxNode node)
    {
        var text = node.SyntaxTree.GetText();
        var line = text.Lines.GetLineFromPosition(node.SpanStart).ToString();
        return line.Substring(0, line.Length - line.TrimStart().Length);
    }

    /// <summary>The end of line that follows <paramref name="statement"/> (CRLF, elastic, when none does).</summary>
    public static SyntaxTrivia EndOfLineAfter(SyntaxNode statement)
    {
        foreach (var trivia in statement.GetTrailingTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return trivia;
            }
        }

        return SyntaxFactory.ElasticCarriageReturnLineFeed;
    }

    /// <summary>The document's first end of line, as it is (CRLF when the document has none).</summary>
    public static SyntaxTrivia FirstEndOfLine(SyntaxNode root)
    {
        foreach (var trivia in root.DescendantTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return trivia;
            }
        }

        return SyntaxFactory.CarriageReturnLineFeed;
    }

    /// <summary>The end of line the document of <paramref name="context"/> uses, elastic so that the formatter may adjust around it (LF when none).</summary>
    public static SyntaxTrivia ElasticEndOfLine(SyntaxNode context)
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
}
