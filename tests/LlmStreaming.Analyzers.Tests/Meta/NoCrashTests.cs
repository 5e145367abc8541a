using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// No analyzer may throw (AD0001) on incomplete or malformed code: every test source, the sample and the valid corpus
/// are compiled as they are and mutated (truncated at statement boundaries, tokens deleted and duplicated, braces
/// unbalanced) and every analyzer runs over each one through <c>CompilationWithAnalyzers</c>.
/// </summary>
public class NoCrashTests
{
    private const int Seed = 20261123;

    [Fact]
    public async Task NoAnalyzerThrows_OnTheSourcesAsTheyAre()
    {
        var sources = SourceCorpus.TestSources().Concat(SourceCorpus.SampleSources()).Concat(SourceCorpus.ValidCorpus()).ToList();
        Assert.True(sources.Count > 20, "too few sources found: " + sources.Count);
        foreach (var (name, text) in sources)
        {
            var result = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile(new[] { (name, text) }));
            Assert.True(result.Exceptions.IsEmpty, name + ": " + string.Join(Environment.NewLine, result.Exceptions));
        }
    }

    [Fact]
    public async Task NoAnalyzerThrows_OnMutatedSources()
    {
        var random = new Random(Seed);
        var count = 0;
        foreach (var (name, text) in SourceCorpus.TestSources().Concat(SourceCorpus.SampleSources()))
        {
            foreach (var (mutantName, mutant) in Mutator.Mutate(name, text, random, truncations: 3, tokenEdits: 4))
            {
                var result = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile(new[] { (mutantName, mutant) }));
                Assert.True(result.Exceptions.IsEmpty, mutantName + ": " + string.Join(Environment.NewLine, result.Exceptions) + Environment.NewLine + mutant);
                count++;
            }
        }

        Assert.True(count >= 200, "too few mutants: " + count);
    }

    [Fact]
    public async Task NoAnalyzerThrows_WithoutAnySdkReference()
    {
        foreach (var (name, text) in SourceCorpus.SampleSources())
        {
            var result = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile(new[] { (name, text) }, System.Collections.Immutable.ImmutableArray<Microsoft.CodeAnalysis.MetadataReference>.Empty));
            Assert.True(result.Exceptions.IsEmpty, name + ": " + string.Join(Environment.NewLine, result.Exceptions));
        }
    }
}
