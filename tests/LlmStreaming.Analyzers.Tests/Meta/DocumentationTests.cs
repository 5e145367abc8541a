using System.IO;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Meta;

public class DocumentationTests
{
    [Theory]
    [MemberData(nameof(DescriptorTests.Ids), MemberType = typeof(DescriptorTests))]
    public void EveryRule_HasAPageWhoseTitleMatches(string id)
    {
        var descriptor = PackageCatalog.Descriptors.Single(d => d.Id == id);
        var page = Repository.PathOf("docs", "rules", id + ".md");
        Assert.True(File.Exists(page), "Missing doc page " + page);

        var lines = File.ReadAllLines(page);
        Assert.Equal("# " + id + ": " + descriptor.Title, lines[0]);

        // The help link resolves to this page.
        var relative = descriptor.HelpLinkUri.Substring(descriptor.HelpLinkUri.IndexOf("docs/rules/", StringComparison.Ordinal));
        Assert.True(File.Exists(Repository.PathOf(relative.Split('/'))));

        var text = File.ReadAllText(page);
        Assert.Contains("Reliability", text, StringComparison.Ordinal);
        Assert.Contains(descriptor.DefaultSeverity == DiagnosticSeverity.Warning ? "Warning" : "Info", text, StringComparison.Ordinal);
        foreach (var section in new[] { "## Cause", "## Why it matters", "## How to fix", "## Configuration", "## When to suppress", "## Related rules" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(DescriptorTests.Ids), MemberType = typeof(DescriptorTests))]
    public void EveryRulePage_SaysWhetherThereIsACodeFix(string id)
    {
        var hasFix = PackageCatalog.CodeFixes.Any(f => f.FixableDiagnosticIds.Contains(id));
        var row = File.ReadAllLines(Repository.PathOf("docs", "rules", id + ".md"))
            .FirstOrDefault(l => l.StartsWith("|", StringComparison.Ordinal) && l.Contains("Code fix", StringComparison.OrdinalIgnoreCase));
        Assert.True(row is not null, id + ": the property table has no 'Code fix' row");
        var value = row!.Split('|', StringSplitOptions.RemoveEmptyEntries)[1].Trim();
        Assert.StartsWith(hasFix ? "Yes" : "No", value, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Readme_RulesTable_MatchesTheDescriptors()
    {
        var rows = File.ReadAllLines(Repository.PathOf("README.md"))
            .Where(l => Regex.IsMatch(l, @"^\|\s*\[?LLM\d{3}"))
            .Select(l => l.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToArray())
            .ToList();

        var expected = PackageCatalog.Descriptors
            .Select(d => (d.Id, Title: d.Title.ToString(), Severity: d.DefaultSeverity.ToString(), Fix: PackageCatalog.CodeFixes.Any(f => f.FixableDiagnosticIds.Contains(d.Id)) ? "Yes" : "No"))
            .ToList();
        var actual = rows
            .Select(r => (Id: Regex.Match(r[0], @"LLM\d{3}").Value, Title: r[1], Severity: r[2], Fix: r[3]))
            .ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void EveryRule_HasAReleaseTrackingRow()
    {
        var rows = new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" }
            .SelectMany(f => File.ReadAllLines(Repository.PathOf("src", "LlmStreaming.Analyzers", f)))
            .Where(l => Regex.IsMatch(l, @"^LLM\d{3}\s*\|"))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .ToList();

        Assert.Equal(PackageCatalog.Descriptors.Select(d => d.Id), rows.Select(r => r[0]).OrderBy(id => id, StringComparer.Ordinal));
        foreach (var row in rows)
        {
            var descriptor = PackageCatalog.Descriptors.Single(d => d.Id == row[0]);
            Assert.Equal(descriptor.Category, row[1]);
            Assert.Equal(descriptor.DefaultSeverity.ToString(), row[2]);
        }
    }

    [Fact]
    public void ConfigurationPage_DocumentsEveryOption()
    {
        var text = File.ReadAllText(Repository.PathOf("docs", "configuration.md"));
        foreach (var key in new[] { "llm_streaming.min_timeout_seconds", "llm_streaming.retry_methods", "llm_streaming.streaming_methods", "llm_streaming.model_hosts", "llm_streaming.heartbeat_seconds" })
        {
            Assert.Contains(key, text, StringComparison.Ordinal);
        }
    }
}
