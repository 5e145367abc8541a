using System.Collections.Immutable;
using System.IO;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Termination;

/// <summary>Helpers of the termination tests: references beyond the shared sets, and runs that tolerate broken code.</summary>
internal static class TerminationTest
{
    /// <summary>The framework with Newtonsoft.Json (restored with the test project's dependencies).</summary>
    public static readonly ImmutableArray<MetadataReference> Newtonsoft = ImmutableArray.Create<MetadataReference>(
        MetadataReference.CreateFromFile(Path.Combine(AppContext.BaseDirectory, "Newtonsoft.Json.dll")));

    /// <summary>The framework without System.Net.ServerSentEvents (a target before .NET 9 that lacks the package).</summary>
    public static readonly ImmutableArray<MetadataReference> FrameworkWithoutSseParser = References.Framework
        .Where(r => r.Display is null || !r.Display.EndsWith("System.Net.ServerSentEvents.dll", StringComparison.OrdinalIgnoreCase))
        .ToImmutableArray();

    /// <summary>Runs <typeparamref name="TAnalyzer"/> with the framework references replaced by <paramref name="framework"/>.</summary>
    public static Task AnalyzerWithFrameworkAsync<TAnalyzer>(string source, ImmutableArray<MetadataReference> framework, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source };
        TestSettings.Apply(test, ImmutableArray<MetadataReference>.Empty, editorConfig: null);
        test.TestState.AdditionalReferences.Clear();
        test.TestState.AdditionalReferences.AddRange(framework);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>Runs a fix where some diagnostics are left in place (marked up in <paramref name="fixedSource"/>): the fix declines them.</summary>
    public static Task FixWithRemainingAsync<TAnalyzer, TCodeFix>(string source, string fixedSource, string equivalenceKey)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        return test.RunAsync();
    }

    /// <summary>Runs <typeparamref name="TAnalyzer"/> on code that does not compile: only the analyzer's diagnostics are compared, and it must not throw.</summary>
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
}
