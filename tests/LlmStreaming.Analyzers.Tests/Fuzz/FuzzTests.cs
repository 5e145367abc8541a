using System.Diagnostics;
using System.Threading;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmStreaming.Analyzers.Tests.Fuzz;

/// <summary>
/// No crash, ever: every analyzer and every code fix runs over mutants of every test source, the sample and the
/// valid corpus (truncated at statement boundaries, tokens deleted and duplicated, spans cut, braces unbalanced,
/// SDK references missing). Seeded and reproducible. The number of mutants is <c>LLM_FUZZ_MUTANTS</c> (CI sets
/// 10000; a developer run does 1000), bounded by <c>LLM_FUZZ_SECONDS</c> (default 900).
/// </summary>
public class FuzzTests
{
    private const int Seed = 20261123;
    private const int BatchSize = 100;
    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    private static int Setting(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;

    [Fact]
    public async Task NoAnalyzerOrFixThrows_OnMutatedSources()
    {
        var target = Setting("LLM_FUZZ_MUTANTS", 1000);
        var budget = TimeSpan.FromSeconds(Setting("LLM_FUZZ_SECONDS", 900));
        var sources = SourceCorpus.TestSources().Concat(SourceCorpus.SampleSources()).Concat(SourceCorpus.ValidCorpus()).ToList();
        var random = new Random(Seed);
        var mutants = Mutants(sources, random).Take(target).ToList();
        Assert.Equal(target, mutants.Count);

        var watch = Stopwatch.StartNew();
        var failures = new List<string>();
        int analyzed = 0, diagnostics = 0, actions = 0;
        using var cancellation = new CancellationTokenSource(budget);
        for (var start = 0; start < mutants.Count; start += BatchSize)
        {
            var batch = mutants.Skip(start).Take(BatchSize).ToList();
            // Every fifth batch compiles without the SDKs: the rules must cope with unresolved types.
            var references = (start / BatchSize) % 5 == 4 ? References.Framework : References.Sdks;
            var result = await FuzzEngine.RunBatchAsync(batch, references, maxFixedDiagnostics: 40, cancellation.Token);
            analyzed += result.Sources;
            diagnostics += result.Diagnostics;
            actions += result.CodeActions;
            failures.AddRange(result.Failures);
            if (failures.Count > 20)
            {
                break;
            }
        }

        _output.WriteLine($"fuzz: {analyzed} mutants from {sources.Count} sources, {diagnostics} diagnostics, {actions} code actions computed, {failures.Count} failures, {watch.Elapsed.TotalSeconds:F0} s (seed {Seed})");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine + Environment.NewLine, failures.Take(5)));
        Assert.Equal(target, analyzed);
    }

    /// <summary>An endless, seeded stream of mutants, cycling over the sources.</summary>
    private static IEnumerable<(string Name, string Text)> Mutants(List<(string Name, string Text)> sources, Random random)
    {
        for (var round = 0; ; round++)
        {
            foreach (var (name, text) in sources)
            {
                foreach (var mutant in Mutator.Mutate(name + "@" + round, text, random, truncations: 2, tokenEdits: 3))
                {
                    yield return mutant;
                }
            }
        }
    }
}
