using System.Reflection;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Tests.Meta;

public class DescriptorTests
{
    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in PackageCatalog.Descriptors)
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Fact]
    public void Ids_AreUniqueAndBanded()
    {
        var ids = PackageCatalog.Descriptors.Select(d => d.Id).ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches(new Regex("^LLM[1-5][0-9][0-9]$"), id));
    }

    [Fact]
    public void DiagnosticIdConstants_MatchTheDescriptors()
    {
        var constants = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .OrderBy(id => id, StringComparer.Ordinal);
        Assert.Equal(PackageCatalog.Descriptors.Select(d => d.Id), constants);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_IsWellFormed(string id)
    {
        var descriptor = PackageCatalog.Descriptors.Single(d => d.Id == id);
        Assert.Equal("Reliability", descriptor.Category);
        Assert.Equal(Descriptors.HelpLinkBase + id + ".md", descriptor.HelpLinkUri);
        Assert.EndsWith("docs/rules/" + id + ".md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.Contains(descriptor.DefaultSeverity, new[] { DiagnosticSeverity.Warning, DiagnosticSeverity.Info });
        var title = descriptor.Title.ToString();
        Assert.False(string.IsNullOrWhiteSpace(title));
        Assert.False(title.EndsWith(".", StringComparison.Ordinal), "Titles are not sentences: " + title);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.MessageFormat.ToString()));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString()));
        // The offline route to the rule page: the description names the page the package carries.
        Assert.EndsWith(" Rule page: docs/rules/" + id + ".md (in the package and the repository).", descriptor.Description.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryAnalyzer_DerivesFromTheAnalyzersBase()
    {
        Assert.NotEmpty(PackageCatalog.Analyzers);
        Assert.All(PackageCatalog.Analyzers, analyzer =>
            Assert.True(analyzer is LlmAnalyzer, analyzer.GetType().Name + " does not derive from LlmAnalyzer, which owns Initialize and the no-SDK gate"));
    }

    [Fact]
    public void EveryDescriptor_IsReportedByExactlyOneAnalyzer()
    {
        var supported = PackageCatalog.Analyzers.SelectMany(a => a.SupportedDiagnostics.Select(d => (d.Id, Analyzer: a.GetType().Name))).ToList();
        foreach (var descriptor in PackageCatalog.Descriptors)
        {
            Assert.Single(supported, s => s.Id == descriptor.Id);
        }

        Assert.All(supported, s => Assert.Contains(PackageCatalog.Descriptors, d => d.Id == s.Id));
    }

    [Fact]
    public void EveryAnalyzer_IsSealedAndCSharp()
    {
        Assert.NotEmpty(PackageCatalog.Analyzers);
        foreach (var analyzer in PackageCatalog.Analyzers)
        {
            var type = analyzer.GetType();
            Assert.True(type.IsSealed, type.Name + " is not sealed");
            Assert.True(type.IsPublic, type.Name + " is not public");
            var attribute = type.GetCustomAttribute<DiagnosticAnalyzerAttribute>();
            Assert.NotNull(attribute);
            Assert.Equal(new[] { LanguageNames.CSharp }, attribute!.Languages);
        }
    }
}
