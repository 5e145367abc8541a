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
