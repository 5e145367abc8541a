using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// The test project runs on Microsoft.CodeAnalysis 4.8 (the .NET 8 SDK's compiler), the floor the package is compiled
/// against: the package must load and work there. The sample build and the package smoke test prove the newer SDK
/// compiler.
/// </summary>
public class RoslynFloorTests
{
    [Fact]
    public void TestsRunOnRoslyn48()
    {
        var version = typeof(CSharpCompilation).Assembly.GetName().Version!;
        Assert.Equal((4, 8), (version.Major, version.Minor));
    }

    [Fact]
    public void AnalyzersAreCompiledAgainstRoslyn48()
    {
        foreach (var assembly in new[] { PackageCatalog.AnalyzerAssembly, PackageCatalog.CodeFixAssembly })
        {
            var roslyn = assembly.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(roslyn);
            Assert.All(roslyn, a => Assert.True(a.Version! <= new Version(4, 8, 0, 0), assembly.GetName().Name + " references " + a));
        }
    }

    [Fact]
    public async Task TheSampleShowsThePartialOutputRules_OnRoslyn48()
    {
        var compilation = AnalyzerRunner.Compile(SourceCorpus.SampleSources().Select(s => (s.Name, s.Text)));
        var result = await AnalyzerRunner.RunAsync(compilation);
        Assert.Empty(result.Exceptions);
        var ids = result.Diagnostics.Select(d => d.Id).ToHashSet();
        Assert.Superset(new HashSet<string> { "LLM301", "LLM302", "LLM303" }, ids);
    }
}
