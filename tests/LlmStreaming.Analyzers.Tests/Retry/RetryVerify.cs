using System.Collections.Immutable;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Retry;

/// <summary>
/// The retry fixes' stricter check: the exact fixed code (single fix and Fix All), compiled with warnings as well as
/// errors compared (no new compiler warning), and then every LLM1xx analyzer run over the fixed code — no diagnostic of
/// the band may remain, so a fix neither re-triggers its rule nor trips a neighbour.
/// </summary>
internal static class RetryVerify
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> RetryAnalyzers = ImmutableArray.Create<DiagnosticAnalyzer>(
        new MidStreamFailureNotRetriedAnalyzer(),
        new RetryWithoutBackoffAnalyzer(),
        new SdkRetriesDisabledAnalyzer(),
        new RetryWrapsUnstartedStreamAnalyzer(),
        new RetryReplaysEmittedOutputAnalyzer(),
        new CatchMissesMidStreamFailureAnalyzer());

    public static async Task FixAsync<TAnalyzer, TCodeFix>(
        string source,
        string fixedSource,
        string equivalenceKey,
        LanguageVersion languageVersion = LanguageVersion.Latest,
        string? editorConfig = null,
        int? iterations = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            CompilerDiagnostics = CompilerDiagnostics.Warnings,
        };

        if (iterations is int count)
        {
            test.NumberOfFixAllIterations = count;
            test.NumberOfFixAllInDocumentIterations = count;
            test.NumberOfFixAllInProjectIterations = count;
        }

        TestSettings.Apply(test, References.Sdks, editorConfig);
        test.SolutionTransforms.Add((solution, projectId) => WithLanguageVersion(solution, projectId, languageVersion));
        await test.RunAsync();

        await AssertNoRetryDiagnosticsAsync(fixedSource, languageVersion, editorConfig);
    }

    /// <summary>Asserts that the fix offers no action with <paramref name="equivalenceKey"/> (or none at all): the code and its diagnostics stay.</summary>
    public static Task NoFixAsync<TAnalyzer, TCodeFix>(string source, string? equivalenceKey = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = source,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        test.SolutionTransforms.Add((solution, projectId) => WithLanguageVersion(solution, projectId, LanguageVersion.Latest));
        return test.RunAsync();
    }

    /// <summary>Runs every LLM1xx analyzer over <paramref name="source"/> and expects nothing.</summary>
    public static Task AssertNoRetryDiagnosticsAsync(string source, LanguageVersion languageVersion = LanguageVersion.Latest, string? editorConfig = null)
    {
        var test = new AllRetryAnalyzersTest { TestCode = source, CompilerDiagnostics = CompilerDiagnostics.Warnings };
        TestSettings.Apply(test, References.Sdks, editorConfig);
        test.SolutionTransforms.Add((solution, projectId) => WithLanguageVersion(solution, projectId, languageVersion));
        return test.RunAsync();
    }

    /// <summary>Sets the language version, and ignores CS1701/CS1702 (the SDKs were built against older framework assembly versions).</summary>
    private static Solution WithLanguageVersion(Solution solution, ProjectId projectId, LanguageVersion languageVersion)
    {
        var project = solution.GetProject(projectId)!;
        var parse = (CSharpParseOptions)project.ParseOptions!;
        var compilation = (CSharpCompilationOptions)project.CompilationOptions!;
        compilation = compilation.WithSpecificDiagnosticOptions(compilation.SpecificDiagnosticOptions
            .SetItem("CS1701", ReportDiagnostic.Suppress)
            .SetItem("CS1702", ReportDiagnostic.Suppress));
        return solution
            .WithProjectParseOptions(projectId, parse.WithLanguageVersion(languageVersion))
            .WithProjectCompilationOptions(projectId, compilation);
    }

    private sealed class AllRetryAnalyzersTest : CSharpAnalyzerTest<MidStreamFailureNotRetriedAnalyzer, DefaultVerifier>
    {
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => RetryAnalyzers;
    }
}
