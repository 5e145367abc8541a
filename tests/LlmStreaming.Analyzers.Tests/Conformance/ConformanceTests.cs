using System.IO;
using LlmStreaming.Analyzers.Tests.Conformance.Harness;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>
/// The fixes judged by behaviour: every flawed program of <see cref="Programs.Corpus"/>, fixed along every
/// <see cref="FixPaths"/> path, runs against the fake model server in every <see cref="Modes"/> mode, and every fixed
/// program meets the contract of rules.md — except the cells listed in <see cref="KnownGaps"/>, which must still fail
/// (so that the list shrinks as the fixes improve, and never hides a cell that passes).
/// </summary>
[Collection(ConformanceCollection.Name)]
public class ConformanceTests
{
    private readonly ITestOutputHelper _output;

    public ConformanceTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task EveryFixedProgram_MeetsTheContract_ExceptTheKnownGaps()
    {
        var cells = await Matrix.GetAsync();
        var artifacts = Repository.PathOf("artifacts");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllTextAsync(Path.Combine(artifacts, "conformance-matrix.md"), Matrix.ToMarkdown(cells));

        var problems = new List<string>();
        foreach (var cell in cells.Where(c => c.Path != FixPaths.Original))
        {
            var gap = KnownGaps.Find(cell);
            if (!cell.Meets && gap is null)
            {
                problems.Add($"{cell.Program.Name} / {cell.Path.Name} / {cell.Mode.Name}: {string.Join("; ", cell.Violations)}");
            }
            else if (cell.Meets && gap is not null)
            {
                problems.Add($"{cell.Program.Name} / {cell.Path.Name} / {cell.Mode.Name} now meets the contract: remove it from the known gap '{gap.Reason}'");
            }
        }

        foreach (var problem in problems)
        {
            _output.WriteLine(problem);
        }

        Assert.True(problems.Count == 0, problems.Count + " cells break the contract:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task EveryOriginalProgram_BreaksTheContract_SomewhereTheFixesMend()
    {
        // The suite can fail: each flawed program, unfixed, loses or misreports an answer in some mode.
        var cells = await Matrix.GetAsync();
        foreach (var program in Programs.Corpus.All)
        {
            Assert.Contains(cells, c => c.Program == program && c.Path == FixPaths.Original && !c.Meets);
        }
    }
}

/// <summary>
/// The tests that run programs against the fake server and judge them by time-outs: alone, after the other tests, so
/// that a machine busy with the analyzer tests does not make a 2 s timeout fire early.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConformanceCollection
{
    public const string Name = "Conformance (run alone)";
}
