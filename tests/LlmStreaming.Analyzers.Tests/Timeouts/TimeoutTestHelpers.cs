using System.Collections.Immutable;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

/// <summary>Helpers the timeout tests share.</summary>
internal static class TimeoutTestHelpers
{
    /// <summary>
    /// Runs the analyzer over incomplete code: compiler errors are ignored, the analyzer must not throw (an AD0001
    /// would fail the run) and must report exactly <paramref name="expected"/>.
    /// </summary>
    public static Task BrokenCodeAsync<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            TestCode = source,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>Like <see cref="BrokenCodeAsync{TAnalyzer}(string, DiagnosticResult[])"/>, compiled against <paramref name="references"/>.</summary>
    public static Task BrokenCodeAsync<TAnalyzer>(string source, ImmutableArray<MetadataReference> references, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            TestCode = source,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        TestSettings.Apply(test, references, editorConfig: null);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
