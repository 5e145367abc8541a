using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Whether some source of a compilation may set a timeout from a parameter (issue 11's passed timeouts, LLM401 and
/// LLM404): a member whose name ends in <c>Timeout</c> (<c>HttpClient.Timeout</c>, <c>NetworkTimeout</c>, Anthropic's
/// <c>Timeout</c>) assigned a value that is a plain name (<c>Timeout = timeout</c>), maybe cast, parenthesized or with
/// <c>!</c>. The summaries of a called method accept only such an assignment, so a compilation without one has no
/// passed timeout, and the two rules then register no action on its calls and creations. Those actions ran at every
/// call and creation of a project and cost the build more than anything else they added (see docs/performance.md,
/// tenth re-measure). The answer is kept per tree, so an edit rescans one file.
/// </summary>
/// <remarks>
/// The test is a superset of what the summaries accept: where in doubt (a comment in the value, <c>as</c>), it says
/// yes. Out of reach: a member name or <c>=</c> written with Unicode escapes or with a comment between them.
/// </remarks>
internal static class TimeoutParameterScan
{
    private const string Word = "Timeout";

    private static readonly ConditionalWeakTable<SyntaxTree, StrongBox<bool>> Trees = new();

    private static readonly ConditionalWeakTable<Compilation, StrongBox<bool>> Compilations = new();

    /// <summary>
    /// True when a tree of <paramref name="compilation"/> may assign a parameter to a timeout member. Answered once per
    /// compilation (LLM401 and LLM404 both ask at their start).
    /// </summary>
    public static bool MaySetTimeoutFromParameter(Compilation compilation, CancellationToken cancellationToken)
        => Compilations.GetValue(compilation, c => new StrongBox<bool>(AnyTree(c, cancellationToken))).Value;

    private static bool AnyTree(Compilation compilation, CancellationToken cancellationToken)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Trees.TryGetValue(tree, out var answer))
            {
                answer = Trees.GetValue(tree, t => new StrongBox<bool>(MaySetTimeoutFromParameter(t.GetText())));
            }

            if (answer.Value)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The test on one text (see the type's summary).</summary>
    internal static bool MaySetTimeoutFromParameter(SourceText source)
    {
        var length = source.Length;
        var text = TextBuffer.Copy(source);
        for (var i = IndexOfWord(text, length, 0); i >= 0; i = IndexOfWord(text, length, i + Word.Length))
        {
            if (AssignsPlainName(text, length, i + Word.Length))
            {
                return true;
            }
        }

        return false;
    }

    [MethodImpl(TextBuffer.AggressiveOptimization)]
    private static int IndexOfWord(char[] text, int length, int from)
    {
        var last = length - Word.Length;
        for (var i = from; i <= last; i++)
        {
            if (text[i] == 'T' && text[i + 1] == 'i' && text[i + 2] == 'm' && text[i + 3] == 'e' && text[i + 4] == 'o' && text[i + 5] == 'u' && text[i + 6] == 't')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// After the member's name at <paramref name="index"/>: <c>=</c> (not <c>==</c> or <c>=&gt;</c>), then a value up to the
    /// first <c>;</c>, <c>,</c> or <c>}</c> that ends, closing parentheses and <c>!</c> aside, with a name not after a dot.
    /// </summary>
    private static bool AssignsPlainName(char[] text, int length, int index)
    {
        var i = SkipSpace(text, length, index);
        if (i >= length || text[i] != '=' || i + 1 < length && text[i + 1] is '=' or '>')
        {
            return false;
        }

        var start = i + 1;
        var end = start;
        while (end < length && text[end] is not (';' or ',' or '}'))
        {
            if (text[end] == '/' || end + 3 < length && text[end] == ' ' && text[end + 1] == 'a' && text[end + 2] == 's' && text[end + 3] == ' ')
            {
                return true; // a comment (or a division) or an 'as' conversion: in doubt, yes
            }

            end++;
        }

        // The value's last name: trailing spaces, ')' and '!' aside.
        var last = end - 1;
        while (last >= start && (char.IsWhiteSpace(text[last]) || text[last] is ')' or '!'))
        {
            last--;
        }

        var first = last;
        while (first >= start && (char.IsLetterOrDigit(text[first]) || text[first] == '_'))
        {
            first--;
        }

        first++;
        if (first > last || !(char.IsLetter(text[first]) || text[first] == '_'))
        {
            return false; // a number, a call's closing parenthesis after one, a string…
        }

        var before = first - 1;
        if (before >= start && text[before] == '@')
        {
            before--;
        }

        while (before >= start && char.IsWhiteSpace(text[before]))
        {
            before--;
        }

        return before < start || text[before] != '.';
    }

    private static int SkipSpace(char[] text, int length, int index)
    {
        while (index < length && char.IsWhiteSpace(text[index]))
        {
            index++;
        }

        return index;
    }
}
