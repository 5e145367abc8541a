using System;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Whether a compilation with no model SDK can contain model traffic at all: some source text names a model host, an
/// endpoint path, the <c>[DONE]</c> sentinel, a JSON or member name only model streams use, or asks for a stream
/// (<c>"stream": true</c>, <c>Stream = true</c>), or the project configures model hosts or streaming methods. Every
/// signal the recognition core accepts in hand-rolled code is one of these words in the source, so a compilation without
/// any of them has nothing for the rules: they register nothing, and an ordinary project pays only this scan.
/// The words are searched in the lower-cased text of each tree once (the answer is cached per tree, so an edit rescans
/// one file).
/// </summary>
internal static class ModelTrafficScan
{
    private static readonly ConditionalWeakTable<SyntaxTree, StrongBox<bool>> TextSignals = new();

    /// <summary>Lower-case words whose presence in the text may give a model signal (a superset of the signals).</summary>
    internal static readonly ImmutableArray<string> Words = ModelSignals.DefaultModelHosts.Select(h => h.TrimStart('.'))
        .Concat(ModelSignals.EndpointPaths.Select(p => p.TrimStart('/', ':')))
        .Concat(ModelSignals.ModelJsonNames)
        .Concat(new[] { ModelSignals.DoneSentinel, "choices", "finishreason", "donereason", "stopreason", "finish_reason", "done_reason", "stop_reason" })
        .Select(w => w.ToLowerInvariant())
        .Distinct(StringComparer.Ordinal)
        .ToImmutableArray();

    /// <summary>A request for a stream in any spelling: <c>"stream": true</c>, <c>Stream = true</c>, <c>["stream"] = true</c>, <c>Add("stream", true)</c>.</summary>
    private static readonly Regex StreamTrue = new(@"stream\W{0,8}true", RegexOptions.CultureInvariant);

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
        foreach (var tree in compilation.SyntaxTrees)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var config = options.AnalyzerConfigOptionsProvider.GetOptions(tree);
            var configured = config.TryGetValue(LlmOptions.Prefix + LlmOptions.StreamingMethodsKey, out _) || config.TryGetValue(LlmOptions.Prefix + LlmOptions.ModelHostsKey, out _)
                ? LlmOptions.Parse(config)
                : null;
            if (configured is { StreamingMethods.IsEmpty: false })
            {
                return true;
            }

            if (TextSignals.GetValue(tree, t => new StrongBox<bool>(HasSignalWord(t.GetText(cancellationToken).ToString().ToLowerInvariant()))).Value)
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

    /// <summary>True when the lower-cased <paramref name="lowerText"/> contains a word (one ordinal, vectorized search per word).</summary>
    internal static bool HasSignalWord(string lowerText)
    {
        foreach (var word in Words)
        {
            if (lowerText.IndexOf(word, StringComparison.Ordinal) >= 0)
            {
                return true;
            }
        }

        return StreamTrue.IsMatch(lowerText);
    }
}
