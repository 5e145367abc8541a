using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.IO;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace LlmStreaming.Analyzers.Tests.Infrastructure;

/// <summary>Runs every analyzer of the package over plain compilations through <see cref="CompilationWithAnalyzers"/>.</summary>
internal static class AnalyzerRunner
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>A library, nullable on, the SDKs' experimental-API diagnostics off: the options every in-memory compilation of the tests starts from.</summary>
    public static readonly CSharpCompilationOptions CompilationOptions = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithSpecificDiagnosticOptions(new[] { "OPENAI001", "OPENAI002", "SKEXP0001", "SKEXP0010", "MEAI001" }.ToDictionary(id => id, _ => ReportDiagnostic.Suppress));

    /// <summary>The SDK's implicit usings of a console project, so the sample's files bind as they do in their project.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public static CSharpCompilation Compile(IEnumerable<(string Path, string Text)> sources, ImmutableArray<MetadataReference>? references = null)
        => CSharpCompilation.Create(
            "Analyzed",
            sources.Append((Path: "ImplicitUsings.g.cs", Text: ImplicitUsings)).Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
            References.Framework.AddRange(references ?? References.Sdks),
            CompilationOptions);

    /// <summary>The result of one run: the diagnostics and every exception an analyzer threw.</summary>
    public sealed record Result(ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<string> Exceptions);

    public static async Task<Result> RunAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer>? analyzers = null)
    {
        var exceptions = new ConcurrentQueue<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) => exceptions.Enqueue(analyzer.GetType().Name + ": " + exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var withAnalyzers = compilation.WithAnalyzers(analyzers ?? PackageCatalog.Analyzers, options);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        foreach (var crash in diagnostics.Where(d => d.Id == "AD0001"))
        {
            exceptions.Enqueue(crash.GetMessage());
        }

        return new Result(diagnostics, exceptions.ToImmutableArray());
    }

    /// <summary>
    /// The driver's telemetry of each of <paramref name="analyzers"/> after one run over <paramref name="compilation"/>:
    /// the actions each registered, for the tests that guard a rule's registrations by count.
    /// </summary>
    public static async Task<ImmutableArray<AnalyzerTelemetryInfo>> TelemetryAsync(Compilation compilation, params DiagnosticAnalyzer[] analyzers)
    {
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true);
        var withAnalyzers = compilation.WithAnalyzers(analyzers.ToImmutableArray(), options);
        await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        var telemetry = ImmutableArray.CreateBuilder<AnalyzerTelemetryInfo>(analyzers.Length);
        foreach (var analyzer in analyzers)
        {
            telemetry.Add(await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, default));
        }

        return telemetry.MoveToImmutable();
    }
}

/// <summary>
/// The C# sources the package has at hand: every raw-string test source of the test project (markup removed), the
/// sample app and the valid-code corpus.
/// </summary>
internal static class SourceCorpus
{
    // The optional second segment is one word ({|ID:word:text|}): one that may hold spaces or "::" ate the text of a
    // marked expression up to a later colon ("global::", "http:"), and the corpus sources built from it did not compile.
    private static readonly Regex Markup = new(@"\{\|(?:#\d+|[A-Z]+\d+)(?::[^|:\s]*?)?:(?!:)|\|\}|\[\||\|\]", RegexOptions.Compiled);

    public static ImmutableArray<(string Name, string Text)> TestSources()
    {
        var builder = ImmutableArray.CreateBuilder<(string, string)>();
        var testDirectory = Repository.PathOf("tests", "LlmStreaming.Analyzers.Tests");
        foreach (var file in Directory.GetFiles(testDirectory, "*.cs", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            if (file.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar) || file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar))
            {
                continue;
            }

            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();

            // A test often writes 'Usings + (a raw string)': the constant's text goes in front of the source.
            var constants = root.DescendantNodes().OfType<VariableDeclaratorSyntax>()
                .Where(v => v.Initializer?.Value is LiteralExpressionSyntax literal && literal.Token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken))
                .GroupBy(v => v.Identifier.ValueText)
                .ToDictionary(g => g.Key, g => ((LiteralExpressionSyntax)g.First().Initializer!.Value).Token.ValueText);
            var index = 0;
            foreach (var token in root.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken) && token.ValueText.Contains("class ", StringComparison.Ordinal))
                {
                    var prefix = token.Parent?.Parent is BinaryExpressionSyntax { Left: IdentifierNameSyntax name } add
                        && add.IsKind(SyntaxKind.AddExpression) && add.Right == token.Parent
                        && constants.TryGetValue(name.Identifier.ValueText, out var constant)
                        ? constant + "\n"
                        : string.Empty;
                    builder.Add((Path.GetFileNameWithoutExtension(file) + "#" + index++, StripMarkup(prefix + token.ValueText)));
                }
            }
        }

        return builder.ToImmutable();
    }

    public static ImmutableArray<(string Name, string Text)> SampleSources()
        => Directory.GetFiles(Repository.PathOf("docs", "samples"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), File.ReadAllText(f)))
            .ToImmutableArray();

    public static ImmutableArray<(string Name, string Text)> ValidCorpus()
        => Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus", "Valid"), "*.cs")
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), File.ReadAllText(f)))
            .ToImmutableArray();

    public static string StripMarkup(string text) => Markup.Replace(text, string.Empty);
}
