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
    public void EveryFixableId_HasOneFixer()
    {
        var ids = PackageCatalog.CodeFixes.SelectMany(f => f.FixableDiagnosticIds).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
