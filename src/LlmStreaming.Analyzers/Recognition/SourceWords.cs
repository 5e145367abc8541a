using System.Runtime.CompilerServices;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Cheap, exact pre-filters on source text: whether the text of a node contains a fragment or a whole word. A node
/// whose text lacks the name of every method or keyword a rule looks for cannot contain what the rule looks for, so
/// the rule skips walking its operations. One ordinal (vectorized) search over the node's span of the tree's text; no
/// allocation (the tree's text is kept as one string per tree).
/// </summary>
internal static class SourceWords
{
    private static readonly ConditionalWeakTable<SyntaxTree, string> Texts = new();

    /// <summary>True when the text of <paramref name="node"/> (its span, trivia inside it included) contains <paramref name="fragment"/>.</summary>
    public static bool ContainsText(SyntaxNode node, string fragment, CancellationToken cancellationToken)
        => IndexOf(TextOf(node.SyntaxTree, cancellationToken), fragment, node.Span.Start, node.Span.End, wholeWord: false) >= 0;

    /// <summary>
    /// True when the text of <paramref name="node"/> contains <paramref name="word"/> not as part of a longer identifier:
    /// a keyword (<c>try</c>) or a name. (An identifier spelled with a Unicode escape is not found: no code writes one.)
    /// </summary>
    public static bool ContainsWord(SyntaxNode node, string word, CancellationToken cancellationToken)
        => IndexOf(TextOf(node.SyntaxTree, cancellationToken), word, node.Span.Start, node.Span.End, wholeWord: true) >= 0;

    /// <summary>
    /// True when the text of one of <paramref name="blocks"/> contains one of <paramref name="words"/> (as in
    /// <see cref="ContainsWord"/>) or of <paramref name="fragments"/> (as in <see cref="ContainsText"/>).
    /// </summary>
    public static bool AnyContains(ImmutableArray<IOperation> blocks, ImmutableArray<string> words, ImmutableArray<string> fragments, CancellationToken cancellationToken)
    {
        foreach (var block in blocks)
        {
            var syntax = block.Syntax;
            var text = TextOf(syntax.SyntaxTree, cancellationToken);
            foreach (var word in words)
            {
                if (IndexOf(text, word, syntax.Span.Start, syntax.Span.End, wholeWord: true) >= 0)
                {
                    return true;
                }
            }

            foreach (var fragment in fragments)
            {
                if (IndexOf(text, fragment, syntax.Span.Start, syntax.Span.End, wholeWord: false) >= 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string TextOf(SyntaxTree tree, CancellationToken cancellationToken)
        => Texts.GetValue(tree, t => t.GetText(cancellationToken).ToString());

    private static int IndexOf(string text, string value, int start, int end, bool wholeWord)
    {
        end = Math.Min(end, text.Length);
        while (start < end)
        {
            var index = text.IndexOf(value, start, end - start, StringComparison.Ordinal);
            if (index < 0)
            {
                return -1;
            }

            if (!wholeWord
                || (index == 0 || !IsIdentifierPart(text[index - 1])) && (index + value.Length >= text.Length || !IsIdentifierPart(text[index + value.Length])))
            {
                return index;
            }

            start = index + 1;
        }

        return -1;
    }

    /// <summary>A letter, digit or underscore: a character of an identifier (and of the regular expression class <c>\w</c>, near enough).</summary>
    internal static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c == '_';
}
