using System.IO;
using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// The files <see cref="Bookkeeping"/> writes are what the descriptors say: with <c>LLM_UPDATE_BOOKKEEPING=1</c> the test
/// writes them, otherwise it fails and names every stale one.
/// </summary>
public class BookkeepingTests
{
    [Fact]
    public void Bookkeeping_FilesWrittenFromTheDescriptors_AreUpToDate()
    {
        var update = Environment.GetEnvironmentVariable(Bookkeeping.UpdateVariable) == "1";
        var stale = new List<string>();
        foreach (var (path, expected) in Bookkeeping.Files())
        {
            var current = File.Exists(path) ? File.ReadAllText(path) : null;
            if (current == expected)
            {
                continue;
            }

            if (update)
            {
                File.WriteAllText(path, expected);
            }
            else
            {
                stale.Add(Path.GetRelativePath(Repository.PathOf(), path) + (current is null ? " (missing)" : string.Empty));
            }
        }

        Assert.True(stale.Count == 0, "stale, regenerate with " + Bookkeeping.UpdateVariable + "=1 dotnet test --filter Bookkeeping: " + string.Join(", ", stale));
    }

    /// <summary>
    /// One name per rule: knowing an ID, its constant in DiagnosticIds names its analyzer ({Constant}Analyzer), its fix
    /// ({Constant}CodeFix, where it has one) and its tests ({Constant}Tests.cs), and its page links them.
    /// </summary>
    [Theory]
    [MemberData(nameof(DescriptorTests.Ids), MemberType = typeof(DescriptorTests))]
    public void EveryRule_AnalyzerFixAndTests_CarryTheNameOfItsConstant(string id)
    {
        var constant = Bookkeeping.ConstantName(id);
        var analyzers = PackageCatalog.Analyzers.Where(a => a.SupportedDiagnostics.Any(d => d.Id == id)).Select(a => a.GetType().Name).ToList();
        Assert.Equal(new[] { constant + "Analyzer" }, analyzers);
        var fixers = PackageCatalog.CodeFixes.Where(f => f.FixableDiagnosticIds.Contains(id)).Select(f => f.GetType().Name).ToList();
        Assert.Contains(constant + "CodeFix", fixers);
        Assert.All(PackageCatalog.CodeFixes, f => Assert.EndsWith("CodeFix", f.GetType().Name, StringComparison.Ordinal));
        var sources = Bookkeeping.Sources(id);
        Assert.Contains(sources, s => s.Kind == "analyzer");
        Assert.Contains(sources, s => s.Kind == "fix");
        Assert.Contains(sources, s => s.Kind == "tests" && s.Path.EndsWith("/" + constant + "Tests.cs", StringComparison.Ordinal));
        Assert.EndsWith(Bookkeeping.SourcesLine(id), File.ReadAllText(Repository.PathOf("docs", "rules", id + ".md")).TrimEnd('\n'), StringComparison.Ordinal);
    }

    /// <summary>The generator can fail: a README whose table lost a row, or a preset missing a rule, is stale.</summary>
    [Fact]
    public void Bookkeeping_FindsAStaleTableAndPreset()
    {
        var readme = File.ReadAllText(Repository.PathOf("README.md"));
        var withoutARow = string.Join("\n", readme.Split('\n').Where(l => !l.StartsWith("| [LLM203]", StringComparison.Ordinal)));
        Assert.NotEqual(withoutARow, Bookkeeping.Readme(withoutARow));
        Assert.Equal(Bookkeeping.Readme(readme), Bookkeeping.Readme(Bookkeeping.Readme(readme)));

        var preset = File.ReadAllText(Repository.PathOf("src", "LlmStreaming.Package", "config", "llm-streaming.strict.globalconfig"));
        var withoutAnEntry = string.Join("\n", preset.Split('\n').Where(l => !l.StartsWith("dotnet_diagnostic.LLM203.", StringComparison.Ordinal)));
        Assert.NotEqual(withoutAnEntry, Bookkeeping.Preset(withoutAnEntry, "error"));
        Assert.Contains("dotnet_diagnostic.LLM203.severity = error", Bookkeeping.Preset(withoutAnEntry, "error"), StringComparison.Ordinal);
    }
}
