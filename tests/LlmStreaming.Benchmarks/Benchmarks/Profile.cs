using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace LlmStreaming.Benchmarks.Benchmarks;

/// <summary>
/// <c>profile --files N [--no-sdk] [--relays] [--runs R]</c>: runs all of the package's analyzers (and the empty baseline) over a
/// generated compilation with execution times logged, and prints each analyzer's time (the median of the runs).
/// A quick look for hotspots; BenchmarkDotNet and build-benchmark.sh give the numbers that are recorded.
/// </summary>
internal static class Profile
{
    public static void Run(int files, bool withSdk, int runs, bool relays = false)
    {
        var compilation = BenchCompilations.Create(files, withSdk, relays);
        var times = new Dictionary<string, List<double>>();
        var walls = new List<double>();
        var baselines = new List<double>();
        for (var run = 0; run <= runs; run++)
        {
            var baseline = Stopwatch.StartNew();
            Execute(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new EmptyOperationAnalyzer()), logTimes: false);
            baseline.Stop();

            var wall = Stopwatch.StartNew();
            var (telemetry, diagnostics) = Execute(compilation, Families.All, logTimes: true);
            wall.Stop();
            if (run == 0)
            {
                Console.WriteLine($"{files} files, {(withSdk ? "with the SDKs" : "no SDK")}{(relays ? ", a web project with relays" : string.Empty)}: {diagnostics} diagnostics");
                Console.WriteLine($"first run (discarded from the medians: it pays the JIT, as a cold csc does): analyzer time {telemetry.Values.Sum(i => i.ExecutionTime.TotalMilliseconds),8:F1} ms, wall {wall.Elapsed.TotalMilliseconds,8:F0} ms");
                continue;
            }

            baselines.Add(baseline.Elapsed.TotalMilliseconds);
            walls.Add(wall.Elapsed.TotalMilliseconds);
            foreach (var (analyzer, info) in telemetry)
            {
                var name = analyzer.GetType().Name;
                if (!times.TryGetValue(name, out var list))
                {
                    times[name] = list = new List<double>();
                }

                list.Add(info.ExecutionTime.TotalMilliseconds);
            }
        }

        static double Median(List<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        }

        var total = times.Values.Sum(Median);
        Console.WriteLine($"baseline (empty analyzer, binding included) {Median(baselines),8:F0} ms; all analyzers wall {Median(walls),8:F0} ms; analyzer time {total,8:F1} ms");
        foreach (var (name, list) in times.OrderByDescending(p => Median(p.Value)))
        {
            Console.WriteLine($"  {Median(list),9:F1} ms  {name}");
        }
    }

    private static (ImmutableDictionary<DiagnosticAnalyzer, AnalyzerTelemetryInfo> Telemetry, string Diagnostics) Execute(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, bool logTimes)
    {
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) => throw new InvalidOperationException(analyzer + " threw", exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: logTimes);
        var withAnalyzers = compilation.Clone().WithAnalyzers(analyzers, options);
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        var telemetry = logTimes
            ? analyzers.ToImmutableDictionary(a => a, a => withAnalyzers.GetAnalyzerTelemetryInfoAsync(a, System.Threading.CancellationToken.None).GetAwaiter().GetResult())
            : ImmutableDictionary<DiagnosticAnalyzer, AnalyzerTelemetryInfo>.Empty;
        var byId = diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key + " " + g.Count());
        return (telemetry, diagnostics.Length + " (" + string.Join(", ", byId) + ")");
    }
}
