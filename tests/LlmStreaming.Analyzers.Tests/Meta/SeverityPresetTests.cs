using System.IO;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// The packaged severity presets (LlmStreamingAnalysisMode) list every rule with the severity the mode promises, and the
/// default mode adds none: a preset's per-ID entries would beat the project's category and global switches.
/// (.ci/run builds a consumer of the package once per documented configuration line.)
/// </summary>
public class SeverityPresetTests
{
    [Fact]
    public void OnlyTheOptInModes_HaveAPreset()
    {
        var presets = Directory.GetFiles(Repository.PathOf("src", "LlmStreaming.Package", "config"), "*.globalconfig")
            .Select(Path.GetFileName)
            .OrderBy(f => f, StringComparer.Ordinal);
        Assert.Equal(new[] { "llm-streaming.none.globalconfig", "llm-streaming.strict.globalconfig" }, presets);
    }

    [Fact]
    public void TheTargets_AddNoPresetInTheDefaultMode()
    {
        var targets = File.ReadAllText(Repository.PathOf("src", "LlmStreaming.Package", "build", "LlmStreaming.Analyzers.targets"));
        Assert.Contains("<_LlmStreamingGlobalConfig Condition=\"'$(_LlmStreamingAnalysisMode)' != 'default'\">", targets, StringComparison.Ordinal);
        Assert.Contains("<ItemGroup Condition=\"'$(_LlmStreamingGlobalConfig)' != '' and Exists('$(_LlmStreamingGlobalConfig)')\">", targets, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("strict")]
    [InlineData("none")]
    public void Preset_ListsEveryRule(string mode)
    {
        var lines = File.ReadAllLines(Repository.PathOf("src", "LlmStreaming.Package", "config", $"llm-streaming.{mode}.globalconfig"));
        Assert.Contains("is_global = true", lines);
        var level = lines.Single(l => l.StartsWith("global_level", StringComparison.Ordinal));
        Assert.True(int.Parse(level.Split('=')[1].Trim()) < 0, "a preset must yield to the user's own configuration: " + level);

        var entries = lines
            .Select(l => Regex.Match(l, @"^dotnet_diagnostic\.(LLM\d{3})\.severity\s*=\s*(\w+)\s*$"))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

        Assert.Equal(PackageCatalog.Descriptors.Select(d => d.Id), entries.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var descriptor in PackageCatalog.Descriptors)
        {
            var expected = mode switch
            {
                "strict" => "error",
                _ => "none",
            };
            Assert.Equal(expected, entries[descriptor.Id]);
        }
    }
}
