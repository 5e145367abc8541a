using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM403: <c>AddStandardResilienceHandler()</c> on an LLM HttpClient (or in <c>ConfigureHttpClientDefaults</c> of a method
/// that registers one) whose attempt or total timeout stays below the minimum — by default 10 s and 30 s.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StandardResilienceDefaultsAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Property names handed to the code fix: the values to write (seconds), empty when a setting is left alone.</summary>
    internal const string AttemptSecondsProperty = "AttemptSeconds";
    internal const string TotalSecondsProperty = "TotalSeconds";
    internal const string SamplingSecondsProperty = "SamplingSeconds";

    /// <summary>"AddDelegate" (no delegate yet), "EditLambda" (the handler's own lambda holds every setting), or absent (no fix).</summary>
    internal const string ShapeProperty = "Shape";
    internal const string ShapeAddDelegate = "AddDelegate";
    internal const string ShapeEditLambda = "EditLambda";

    /// <summary>The values the fix writes at least: attempt 3 min, total 10 min (the circuit breaker samples twice the attempt).</summary>
    internal const int RecommendedAttemptSeconds = 180;
    internal const int RecommendedTotalSeconds = 600;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM403_StandardResilienceDefaults);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        LlmAnalyzerSetup.RegisterCompilationStart(context, static (start, llm) =>
        {
            if (llm.Types.HttpStandardResilienceOptions is not null && llm.Types.IHttpClientBuilder is not null)
            {
                start.RegisterOperationAction(c => AnalyzeInvocation(c, llm), OperationKind.Invocation);
            }
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var handler = (IInvocationOperation)context.Operation;
        if (!StandardResilienceConfiguration.IsStandardHandler(handler, llm.Types) || handler.Arguments.Length == 0)
        {
            return;
        }

        var registration = llm.HttpClients.Registrations.FromBuilder(handler.Arguments[0].Value, context.CancellationToken);
        var options = llm.GetOptions(handler.Syntax.SyntaxTree, context.Options);
        if (registration is null || llm.HttpClients.Registrations.Classify(registration, options, context.CancellationToken) == LlmHttpClientEvidence.None)
        {
            return;
        }

        var configuration = StandardResilienceConfiguration.Read(handler, llm.Types, context.CancellationToken);
        if (configuration is null)
        {
            return;
        }

        var minimum = options.MinTimeoutSeconds(DiagnosticIds.StandardResilienceDefaults);
        var attempt = configuration.Attempt;
        var total = configuration.Total;
        var shortOnes = new List<string>();
        if (attempt.IsKnown && attempt.Value.IsBelow(minimum))
        {
            shortOnes.Add(StandardResilienceConfiguration.Describe(attempt, "attempt timeout"));
        }

        if (total.IsKnown && total.Value.IsBelow(minimum))
        {
            shortOnes.Add(StandardResilienceConfiguration.Describe(total, "total timeout"));
        }

        if (shortOnes.Count == 0)
        {
            return;
        }

        var properties = FixValues(configuration, minimum);
        var where = registration.DisplayName + (registration.IsDefaults ? " (every client)" : string.Empty);
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM403_StandardResilienceDefaults,
            BufferedStreamingResponseAnalyzer.NameLocation(handler),
            properties,
            where,
            string.Join(" and ", shortOnes),
            TimeoutValue.DisplaySeconds(minimum)));
    }

    /// <summary>
    /// The values the fix writes: the attempt raised to max(3 min, minimum) unless it already meets the minimum, the
    /// total raised to max(10 min, attempt, minimum) unless it already meets both, the sampling duration raised to twice
    /// the attempt unless it already is — so that the result passes the options validator and this rule.
    /// </summary>
    private static ImmutableDictionary<string, string?> FixValues(StandardResilienceConfiguration configuration, int minimum)
    {
        var properties = ImmutableDictionary<string, string?>.Empty;
        var shape = configuration.Lambdas.IsEmpty
            ? ShapeAddDelegate
            : configuration.HandlerLambda is not null && !configuration.HasChainedConfigure ? ShapeEditLambda : null;
        if (shape is null || !configuration.Attempt.IsKnown || !configuration.Total.IsKnown)
        {
            return properties;
        }

        const int MaxAttempt = 43200; // the sampling duration (2 × attempt) must stay within 24 h
        var attempt = configuration.Attempt.Value;
        var keepAttempt = !attempt.IsBelow(minimum) && StandardResilienceConfiguration.TimeoutInRange(attempt) && attempt.Seconds <= MaxAttempt;
        var attemptSeconds = keepAttempt ? attempt.Seconds : Math.Min(Math.Max(RecommendedAttemptSeconds, minimum), MaxAttempt);

        var total = configuration.Total.Value;
        var keepTotal = !total.IsBelow(Math.Max(minimum, attemptSeconds)) && StandardResilienceConfiguration.TimeoutInRange(total);
        var totalSeconds = keepTotal ? total.Seconds : Math.Min(Math.Max(Math.Max(RecommendedTotalSeconds, attemptSeconds), minimum), 86400);

        var sampling = configuration.Sampling;
        var keepSampling = !sampling.IsKnown || !sampling.Value.IsBelow(2 * attemptSeconds) && StandardResilienceConfiguration.SamplingInRange(sampling.Value);

        return properties
            .Add(ShapeProperty, shape)
            .Add(AttemptSecondsProperty, keepAttempt ? string.Empty : Seconds(attemptSeconds))
            .Add(TotalSecondsProperty, keepTotal ? string.Empty : Seconds(totalSeconds))
            .Add(SamplingSecondsProperty, keepSampling ? string.Empty : Seconds(2 * attemptSeconds));
    }

    private static string Seconds(double seconds) => ((int)Math.Ceiling(seconds)).ToString(CultureInfo.InvariantCulture);
}
