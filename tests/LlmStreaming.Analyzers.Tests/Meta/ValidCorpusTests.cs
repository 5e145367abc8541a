using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>Correct, resilient streaming code (Corpus/Valid) compiles and produces no diagnostic from any rule.</summary>
public class ValidCorpusTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in SourceCorpus.ValidCorpus())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task ValidCode_ProducesNoDiagnostics(string file)
    {
        var source = SourceCorpus.ValidCorpus().Single(s => s.Name == file);
        var compilation = AnalyzerRunner.Compile(new[] { source });
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));

        var result = await AnalyzerRunner.RunAsync(compilation);
        Assert.Empty(result.Exceptions);
        Assert.True(result.Diagnostics.IsEmpty, string.Join(Environment.NewLine, result.Diagnostics));
    }
}
