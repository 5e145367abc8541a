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
        var matrix = Matrix.ToMarkdown(cells);
        await File.WriteAllTextAsync(Path.Combine(artifacts, "conformance-matrix.md"), matrix);
        await File.WriteAllLinesAsync(Path.Combine(artifacts, "conformance-violations.txt"), cells.Where(c => !c.Meets)
            .Select(c => $"{c.Program.Name} / {c.Path.Name} / {c.Mode.Name}: {string.Join("; ", c.Violations)}"));
        await File.WriteAllLinesAsync(Path.Combine(artifacts, "conformance-confirmations.txt"), Matrix.Confirmations);
        foreach (var confirmation in Matrix.Confirmations)
        {
            _output.WriteLine("confirmed alone: " + confirmation);
        }

        if (Environment.GetEnvironmentVariable("LLM_UPDATE_CONFORMANCE") == "1")
        {
            Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LLM_CONFORMANCE_PROGRAMS")), "the page is regenerated from a run of every program");
            var page = await File.ReadAllTextAsync(PagePath);
            var begin = page.IndexOf(Matrix.BeginMarker, StringComparison.Ordinal) + Matrix.BeginMarker.Length;
            var end = page.IndexOf(Matrix.EndMarker, StringComparison.Ordinal);
            await File.WriteAllTextAsync(PagePath, page.Substring(0, begin) + "\n\n" + matrix + Matrix.GapsToMarkdown() + "\n" + page.Substring(end));
        }

        var problems = new List<string>();
        foreach (var cell in cells.Where(c => c.Path != FixPaths.Original))
        {
            var gap = KnownGaps.Find(cell);
            if (!cell.Meets && gap is null)
            {
                problems.Add($"{cell.Program.Name} / {cell.Path.Name} / {cell.Mode.Name}: {string.Join("; ", cell.Violations)}");
            }
            else if (gap is { Kind: KnownGaps.GapKind.Decision }
                && cells.FirstOrDefault(c => c.Program == cell.Program && c.Mode == cell.Mode && c.Path.Name == "resilient") is { Meets: false })
            {
                problems.Add($"{cell.Program.Name} / {cell.Path.Name} / {cell.Mode.Name} is a decision ('{gap.Reason}'), but \"Make this stream resilient\" does not meet the contract there either");
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

    private static readonly string PagePath = Repository.PathOf("docs", "conformance.md");

    /// <summary>
    /// docs/conformance.md claims no more than the suite shows: every cell of a fixed program is marked as meeting the
    /// contract exactly when it is not a known gap (and the suite above holds the known gaps to what runs).
    /// </summary>
    [Fact]
    public void ConformancePage_ShowsEveryCell_WithTheVerdictTheSuiteHoldsItTo()
    {
        var page = File.ReadAllText(PagePath);
        var begin = page.IndexOf(Matrix.BeginMarker, StringComparison.Ordinal);
        var end = page.IndexOf(Matrix.EndMarker, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/conformance.md has no generated matrix");
        var seen = 0;
        string? program = null;
        string[]? paths = null;
        foreach (var line in page.Substring(begin, end - begin).Split('\n'))
        {
            if (line.StartsWith("### `", StringComparison.Ordinal))
            {
                program = line.Split('`')[1];
            }
            else if (line.StartsWith("| mode |", StringComparison.Ordinal))
            {
                paths = line.Trim('|').Split('|').Select(c => c.Trim()).Skip(1).ToArray();
            }
            else if (line.StartsWith("| ", StringComparison.Ordinal) && program is not null && paths is not null)
            {
                var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                for (var i = 1; i < cells.Length; i++)
                {
                    if (paths[i - 1] == FixPaths.Original.Name)
                    {
                        continue;
                    }

                    var mode = Modes.All.Single(m => m.Name == cells[0]);
                    if (mode.NotApplicable(Programs.Corpus.All.Single(p => p.Name == program)) is not null)
                    {
                        Assert.True(cells[i] == Matrix.NotApplicableMark, $"docs/conformance.md: {program} / {paths[i - 1]} / {cells[0]} says '{cells[i]}', but the mode does not apply; regenerate the page");
                        seen++;
                        continue;
                    }

                    var gap = KnownGaps.All.FirstOrDefault(g => g.Matches(program, paths[i - 1], cells[0]));
                    Assert.True(cells[i].StartsWith(gap is null ? "✅" : "❌", StringComparison.Ordinal), $"docs/conformance.md: {program} / {paths[i - 1]} / {cells[0]} says '{cells[i]}', the suite holds it to {(gap is null ? "meeting the contract" : "the known gap '" + gap.Reason + "'")}; regenerate the page");
                    seen++;
                }
            }
        }

        Assert.Equal(Programs.Corpus.All.Length * (FixPaths.All.Length - 1) * Modes.All.Length, seen);
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
