using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Infrastructure;

/// <summary>Settings shared by every analyzer and code-fix test.</summary>
internal static class TestSettings
{
    /// <summary>The SDKs' experimental APIs report errors unless suppressed; test sources use them on purpose.</summary>
    private static readonly ImmutableDictionary<string, ReportDiagnostic> Suppressed = new[]
    {
        "OPENAI001", "OPENAI002", "OPENAI003", "SKEXP0001", "SKEXP0010", "SKEXP0070", "SKEXP0110", "MEAI001",
    }.ToImmutableDictionary(id => id, _ => ReportDiagnostic.Suppress);

    public static void Apply<TVerifier>(AnalyzerTest<TVerifier> test, ImmutableArray<MetadataReference> sdkReferences, string? editorConfig)
        where TVerifier : IVerifier, new()
    {
        test.ReferenceAssemblies = References.None;
        test.TestState.AdditionalReferences.AddRange(References.Framework);
        test.TestState.AdditionalReferences.AddRange(sdkReferences.Except(References.Framework));
        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
        }

        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            var options = (CSharpCompilationOptions)project.CompilationOptions!;
            options = options
                .WithNullableContextOptions(NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(options.SpecificDiagnosticOptions.SetItems(Suppressed));
            return solution.WithProjectCompilationOptions(projectId, options);
        });
    }
}

/// <summary>Runs an analyzer over a source compiled against the real SDKs and asserts the exact diagnostics.</summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);

    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
        => AnalyzerAsync(source, References.Sdks, editorConfig: null, expected);

    public static Task AnalyzerAsync(string source, ImmutableArray<MetadataReference> sdkReferences, string? editorConfig, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source };
        TestSettings.Apply(test, sdkReferences, editorConfig);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>Runs an analyzer and its fix, asserting the exact fixed code (single fix and Fix All in document, project and solution).</summary>
internal static class Verify<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task FixAsync(string source, string fixedSource, string? equivalenceKey = null, ImmutableArray<MetadataReference>? sdkReferences = null, string? editorConfig = null)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        TestSettings.Apply(test, sdkReferences ?? References.Sdks, editorConfig);
        return test.RunAsync();
    }

    /// <summary>Asserts that the fix offers nothing for the diagnostics in <paramref name="source"/> (the code stays as it is).</summary>
    public static Task NoFixAsync(string source, ImmutableArray<MetadataReference>? sdkReferences = null)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = source,
        };
        TestSettings.Apply(test, sdkReferences ?? References.Sdks, editorConfig: null);
        return test.RunAsync();
    }
}
