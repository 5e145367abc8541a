using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Whether a compilation with no model SDK can contain model traffic at all: some source text names a model host, an
/// endpoint path, the <c>[DONE]</c> sentinel, a JSON or member name only model streams use, or asks for a stream
/// (<c>"stream": true</c>, <c>Stream = true</c>), or the project configures model hosts or streaming methods. Every
/// signal the recognition core accepts in hand-rolled code is one of these words in the source, so a compilation without
/// any of them has nothing for the rules: they register nothing, and an ordinary project pays only this scan.
/// The words are searched in each tree's text once, in one pass (the answer is cached per tree, so an edit rescans one
/// file).
/// </summary>
internal static class ModelTrafficScan
{
    private static readonly ConditionalWeakTable<SyntaxTree, StrongBox<bool>> TextSignals = new();

    /// <summary>Lower-case words whose presence in the text may give a model signal (a superset of the signals).</summary>
    internal static readonly ImmutableArray<string> Words = ModelSignals.DefaultModelHosts.Select(h => h.TrimStart('.'))
        .Concat(ModelSignals.EndpointPaths.Select(p => p.TrimStart('/', ':')))
        .Concat(ModelSignals.ModelJsonNames)
        .Concat(ModelSignals.ModelMemberNames)
        .Concat(new[] { ModelSignals.DoneSentinel, "stop_reason" }) // a member named after the JSON (finish_reason and done_reason are JSON names too)
        .Select(w => w.ToLowerInvariant())
        .Distinct(StringComparer.Ordinal)
        .ToImmutableArray();

    /// <summary>
    /// A request for a stream in any spelling: <c>"stream": true</c>, <c>Stream = true</c>, <c>["stream"] = true</c>,
    /// <c>Add("stream", true)</c>: "stream", at most <see cref="MaxStreamTrueGap"/> characters that are not letters,
    /// digits or underscores, then "true".
    /// </summary>
    private const string StreamWord = "stream";

    private const string TrueWord = "true";

    private const int MaxStreamTrueGap = 8;

    /// <summary>
    /// The pairs of characters (of those the words use) most frequent in ordinary C# code, most frequent first, two
    /// characters each; measured on the benchmark's generated code and four application code bases of the validation set.
    /// Each word is found by its anchor, its least frequent pair, so that the scan compares words at about 1% of the
    /// positions of ordinary code.
    /// </summary>
    private const string CommonPairs =
        "instreenngtentatontierriliortreaaresasdemevancicetleiotoitneceseelembladsytaanubcasilallurcoalpuusrdkenss.diumthch" +
        "roougepa.tedmat.exynsuryecueokm.tue.cuacdoisysptidrspetsso.cspimewopctfornttndieaiamnaprnupor.rarrxtluunil.sssskolty" +
        "tposomowda.l.gaphe//ulppmp.awaloawpls[rtepmsutldifodoc.rclhtlsuigtg.hatchiotmmmieymoveddbu";

    /// <summary>Bit (a &lt;&lt; 7 | b) is set when a, b (folded ASCII) is the anchor of some word.</summary>
    private static readonly ulong[] AnchorPairs = new ulong[128 * 128 / 64];

    /// <summary>The words (and <see cref="StreamWord"/>) with the offset of their anchor, by anchor.</summary>
    private static readonly Dictionary<int, (string Word, int Offset)[]> WordsByAnchor = IndexByAnchor();

    static ModelTrafficScan()
    {
        foreach (var pair in WordsByAnchor.Keys)
        {
            AnchorPairs[pair >> 6] |= 1UL << (pair & 63);
        }
    }

    /// <summary><see cref="WordsByAnchor"/>: built in every compilation, so without a LINQ grouping (see <see cref="ArrayIndex"/>).</summary>
    private static Dictionary<int, (string Word, int Offset)[]> IndexByAnchor()
    {
        var index = new Dictionary<int, (string Word, int Offset)[]>();
        foreach (var word in Words.Add(StreamWord))
        {
            var offset = AnchorOffset(word);
            ArrayIndex.Append(index, Pair(word[offset], word[offset + 1]), (word, offset));
        }

        return index;
    }

    /// <summary>The offset of the pair of <paramref name="word"/> least frequent in ordinary code (<see cref="CommonPairs"/>).</summary>
    private static int AnchorOffset(string word)
    {
        int best = 0, bestRank = -1;
        for (var k = 0; k + 1 < word.Length; k++)
        {
            var rank = PairRank(word[k], word[k + 1]);
            if (rank > bestRank)
            {
                best = k;
                bestRank = rank;
            }
        }

        return best;
    }

    private static int PairRank(char a, char b)
    {
        for (var i = 0; i + 1 < CommonPairs.Length; i += 2)
        {
            if (CommonPairs[i] == a && CommonPairs[i + 1] == b)
            {
                return i / 2;
            }
        }

        return int.MaxValue;
    }

    private static readonly ConditionalWeakTable<Compilation, StrongBox<bool>> Compilations = new();

    /// <summary>
    /// True when <paramref name="compilation"/> references a model SDK, or its sources or options show model traffic.
    /// Computed once per compilation, before the per-compilation context is built (resolving the known types costs more
    /// than this scan), so an ordinary project builds no context at all.
    /// </summary>
    public static bool MayHaveModelTraffic(Compilation compilation, AnalyzerOptions options, CancellationToken cancellationToken)
        => Compilations.GetValue(compilation, c => new StrongBox<bool>(LlmAnalysisContext.ReferencesAnSdk(c) || Scan(c, options, cancellationToken))).Value;

    private static bool Scan(Compilation compilation, AnalyzerOptions options, CancellationToken cancellationToken)
    {
        // Trees under the same .editorconfig sections share one options object: each is read once.
        AnalyzerConfigOptions? lastConfig = null;
        LlmOptions? configured = null;
        foreach (var tree in compilation.SyntaxTrees)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var config = options.AnalyzerConfigOptionsProvider.GetOptions(tree);
            if (!ReferenceEquals(config, lastConfig))
            {
                lastConfig = config;
                configured = config.TryGetValue(LlmOptions.Prefix + LlmOptions.StreamingMethodsKey, out _) || config.TryGetValue(LlmOptions.Prefix + LlmOptions.ModelHostsKey, out _)
                    ? LlmOptions.Parse(config)
                    : null;
            }
            if (configured is { StreamingMethods.IsEmpty: false })
            {
                return true;
            }

            if (TextSignals.GetValue(tree, t => new StrongBox<bool>(HasSignalWord(t.GetText(cancellationToken)))).Value)
            {
                return true;
            }

            if (configured is { ModelHosts.IsEmpty: false })
            {
                var text = tree.GetText(cancellationToken).ToString();
                if (configured.ModelHosts.Any(host => text.IndexOf(host.TrimStart('.'), StringComparison.OrdinalIgnoreCase) >= 0))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="text"/> contains a word, in any ASCII case (scanned in a <see cref="TextBuffer"/>).</summary>
    internal static bool HasSignalWord(SourceText text)
        => HasSignalWord(TextBuffer.Copy(text), text.Length);

    /// <summary>
    /// True when the first <paramref name="length"/> characters of <paramref name="text"/> contain a word, in any ASCII
    /// case. One pass, allocating nothing: a position is compared with words only where the pair of characters there is
    /// the anchor of some word.
    /// </summary>
    [MethodImpl(TextBuffer.AggressiveOptimization)]
    private static bool HasSignalWord(char[] text, int length)
    {
        var anchors = AnchorPairs;
        var previous = 0x7F; // no pair starts with DEL
        for (var i = 0; i < length; i++)
        {
            int c = text[i];
            if (c >= 128)
            {
                previous = 0x7F;
                continue;
            }

            c = Fold(c);
            var pair = previous << 7 | c;
            previous = c;
            if ((anchors[pair >> 6] & (1UL << pair)) != 0 && MatchesAt(text, length, i - 1, WordsByAnchor[pair]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a word anchored at <paramref name="anchor"/> (the index of its anchor pair's first character) is there.</summary>
    private static bool MatchesAt(char[] text, int length, int anchor, (string Word, int Offset)[] words)
    {
        foreach (var (word, offset) in words)
        {
            var index = anchor - offset;
            if (index < 0 || !EqualsFoldedAt(text, length, index, word))
            {
                continue;
            }

            if (!ReferenceEquals(word, StreamWord))
            {
                return true;
            }

            // "stream", then up to MaxStreamTrueGap non-word characters, then "true".
            var i = index + StreamWord.Length;
            var gapEnd = Math.Min(length, i + MaxStreamTrueGap);
            while (i < gapEnd && !SourceWords.IsIdentifierPart(text[i]))
            {
                i++;
            }

            if (EqualsFoldedAt(text, length, i, TrueWord))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="text"/> has the lower-case ASCII <paramref name="word"/> at <paramref name="index"/>, in any case.</summary>
    private static bool EqualsFoldedAt(char[] text, int length, int index, string word)
    {
        if (index + word.Length > length)
        {
            return false;
        }

        for (var k = 0; k < word.Length; k++)
        {
            if (Fold(text[index + k]) != word[k])
            {
                return false;
            }
        }

        return true;
    }

    private static int Fold(int c) => (uint)(c - 'A') <= 'Z' - 'A' ? c | 0x20 : c;

    private static int Pair(int a, int b) => Fold(a) << 7 | Fold(b);
}
