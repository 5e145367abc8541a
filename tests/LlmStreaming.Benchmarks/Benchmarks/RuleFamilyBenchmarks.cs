using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LlmStreaming.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Benchmarks.Benchmarks;

/// <summary>
/// Each rule family's analyzers run by <see cref="CompilationWithAnalyzers"/> over a generated project, against a
/// baseline analyzer that subscribes to the same operation kinds and does nothing: the difference is the family's
/// own cost. Every run starts from a fresh clone of the compilation, so binding is paid in every run, baseline included.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class RuleFamilyBenchmarks
{
    private CSharpCompilation _compilation = null!;

    /// <summary>The project size: 500 files, or <c>LLM_BENCH_FILES</c> (a quicker run on a busy machine).</summary>
    [ParamsSource(nameof(FileCounts))]
    public int Files { get; set; }

    public static IEnumerable<int> FileCounts
        => new[] { int.TryParse(Environment.GetEnvironmentVariable("LLM_BENCH_FILES"), out var files) && files > 0 ? files : 500 };

    [Params(false, true)]
    public bool WithSdk { get; set; }

    [GlobalSetup]
    public void Setup() => _compilation = BenchCompilations.Create(Files, WithSdk);

    [Benchmark(Baseline = true)]
    public int EmptyAnalyzer() => Run(ImmutableArray.Create<DiagnosticAnalyzer>(new EmptyOperationAnalyzer()));

    [Benchmark]
    public int Retry() => Run(Families.Of("Retry"));

    [Benchmark]
    public int Termination() => Run(Families.Of("Termination"));

    [Benchmark]
    public int PartialOutput() => Run(Families.Of("PartialOutput"));

    [Benchmark]
    public int Timeouts() => Run(Families.Of("Timeouts"));

    [Benchmark]
    public int All() => Run(Families.All);

    private int Run(ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) => throw new InvalidOperationException(analyzer + " threw", exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var diagnostics = _compilation.Clone().WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return diagnostics.Length;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In process: the benchmarks run on the analyzers this program references, with no second build.
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(7).WithLaunchCount(1));
        }
    }
}

/// <summary>The package's analyzers by rule family (the folder, hence the namespace, of each analyzer).</summary>
internal static class Families
{
    public static readonly ImmutableArray<DiagnosticAnalyzer> All = typeof(Descriptors).Assembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static ImmutableArray<DiagnosticAnalyzer> Of(string family)
        => All.Where(a => a.GetType().Namespace == "LlmStreaming.Analyzers." + family).ToImmutableArray();
}

/// <summary>The baseline: subscribes to every operation kind the package's analyzers use and does nothing.</summary>
#pragma warning disable RS1001, RS1025, RS1026, RS1036, RS1041, RS2008 // a benchmark baseline, not a shipped analyzer
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class EmptyOperationAnalyzer : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Rule = new("BENCH0", "Baseline", "Baseline", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start => start.RegisterOperationAction(
            static _ => { },
            OperationKind.Loop, OperationKind.Invocation, OperationKind.SimpleAssignment, OperationKind.Try, OperationKind.Return,
            OperationKind.ObjectCreation, OperationKind.PropertyReference, OperationKind.ArrayElementReference, OperationKind.ImplicitIndexerReference));
    }
}
#pragma warning restore RS1001, RS1025, RS1026, RS1036, RS1041, RS2008
