using System.Composition;
using System.Composition.Hosting;
using System.Reflection;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace LlmStreaming.Analyzers.Tests.Meta;

public class CodeFixTests
{
    [Fact]
    public void EveryFixer_IsExportedSharedAndSealed()
    {
        Assert.NotEmpty(PackageCatalog.CodeFixes);
        foreach (var fixer in PackageCatalog.CodeFixes)
        {
            var type = fixer.GetType();
            Assert.True(type.IsSealed, type.Name + " is not sealed");
            Assert.True(typeof(LlmStreaming.CodeFixes.Shared.LlmCodeFixProvider).IsAssignableFrom(type), type.Name + " does not derive from LlmCodeFixProvider, the fixes' base");
            var export = type.GetCustomAttribute<ExportCodeFixProviderAttribute>();
            Assert.True(export is not null, type.Name + " has no [ExportCodeFixProvider]");
            Assert.Equal(new[] { LanguageNames.CSharp }, export!.Languages);
            Assert.Equal(type.Name, export.Name);
            Assert.NotNull(type.GetCustomAttribute<SharedAttribute>());
            Assert.NotNull(fixer.GetFixAllProvider());
            Assert.NotEmpty(fixer.FixableDiagnosticIds);
            Assert.All(fixer.FixableDiagnosticIds, id => Assert.Contains(PackageCatalog.Descriptors, d => d.Id == id));
        }
    }

    [Fact]
    public void EveryFixer_IsDiscoverableThroughMef()
    {
        using var container = new ContainerConfiguration().WithAssembly(PackageCatalog.CodeFixAssembly).CreateContainer();
        var exported = container.GetExports<CodeFixProvider>().Select(f => f.GetType()).OrderBy(t => t.FullName).ToList();
        Assert.Equal(PackageCatalog.CodeFixes.Select(f => f.GetType()), exported);
    }

    [Fact]
    public void EveryFixableId_HasOneRuleFixer_AndTheCombinedFixCoversTheStreamFindings()
    {
        var ruleFixers = PackageCatalog.CodeFixes.Where(f => f is not LlmStreaming.CodeFixes.Combined.ResilientStreamCodeFix).ToList();
        var ids = ruleFixers.SelectMany(f => f.FixableDiagnosticIds).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());

        var combined = Assert.Single(PackageCatalog.CodeFixes.OfType<LlmStreaming.CodeFixes.Combined.ResilientStreamCodeFix>());
        Assert.Equal(new[] { "LLM101", "LLM203", "LLM301" }, combined.FixableDiagnosticIds.OrderBy(id => id));
        Assert.All(combined.FixableDiagnosticIds, id => Assert.Contains(id, ids));
    }
}
