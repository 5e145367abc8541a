using System.Diagnostics;
using System.Threading;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmStreaming.Analyzers.Tests.Fuzz;

/// <summary>
/// No crash, ever: every analyzer runs over mutants of every test source, the sample and the valid corpus (truncated
/// at statement boundaries, tokens deleted and duplicated, spans cut, braces unbalanced, SDK references missing), and
/// every code fix of a finding runs on one finding per rule in each batch of mutants (picked by the seeded random; the
/// fixes cost far more than the analysis). Seeded and reproducible. The number of mutants is <c>LLM_FUZZ_MUTANTS</c>
/// (CI sets 10000; a developer run does 1000), bounded by <c>LLM_FUZZ_SECONDS</c> (default 900): a run that needs
/// more fails.
/// </summary>
public class FuzzTests
{
    private const int Seed = 20261123;
    private const int BatchSize = 200;
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
        int analyzed = 0, diagnostics = 0, fixedDiagnostics = 0, actions = 0;
        for (var start = 0; start < mutants.Count; start += BatchSize)
        {
            if (watch.Elapsed > budget)
            {
                failures.Add($"time budget of {budget.TotalSeconds:F0} s (LLM_FUZZ_SECONDS) spent after {analyzed} of {target} mutants");
                break;
            }

            var batch = mutants.Skip(start).Take(BatchSize).ToList();
            // Every fifth batch compiles without the SDKs: the rules must cope with unresolved types.
            var references = (start / BatchSize) % 5 == 4 ? References.Framework : References.Sdks;
            var result = await FuzzEngine.RunBatchAsync(batch, references, maxFixedDiagnostics: 40, random, CancellationToken.None);
            analyzed += result.Sources;
            diagnostics += result.Diagnostics;
            fixedDiagnostics += result.FixedDiagnostics;
            actions += result.CodeActions;
            failures.AddRange(result.Failures);
            if (failures.Count > 20)
            {
                break;
            }
        }

        var summary = $"fuzz: {analyzed} mutants from {sources.Count} sources, {diagnostics} diagnostics, {fixedDiagnostics} fixed ({actions} code actions computed), {failures.Count} failures, {watch.Elapsed.TotalSeconds:F0} s (seed {Seed})";
        _output.WriteLine(summary);

        // CI prints the summary (LLM_FUZZ_SUMMARY names the file), so the run's count is in its log.
        if (Environment.GetEnvironmentVariable("LLM_FUZZ_SUMMARY") is { Length: > 0 } summaryPath)
        {
            System.IO.File.WriteAllText(summaryPath, summary + Environment.NewLine);
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine + Environment.NewLine, failures.Take(5)));
        Assert.Equal(target, analyzed);
        Assert.True(fixedDiagnostics >= target / BatchSize, $"only {fixedDiagnostics} findings were fixed");
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
