using System.IO;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>The packaged severity presets (LlmStreamingAnalysisMode) list every rule with the severity the mode promises.</summary>
public class SeverityPresetTests
{
    [Theory]
    [InlineData("default")]
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
                "none" => "none",
                _ => descriptor.DefaultSeverity == DiagnosticSeverity.Warning ? "warning" : "suggestion",
            };
            Assert.Equal(expected, entries[descriptor.Id]);
        }
    }
}
