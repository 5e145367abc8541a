using System.Globalization;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM405: constant <c>HttpStandardResilienceOptions</c> that the options validator rejects when the pipeline is built:
/// a total timeout below the attempt timeout, a sampling duration below twice the attempt timeout, or a value outside
/// the validator's ranges.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ResilienceTimeoutsInvalidAnalyzer : LlmAnalyzer
{
    /// <summary>Property names handed to the code fix: the dependent values to write (seconds), empty when left alone.</summary>
    internal const string TotalSecondsProperty = "TotalSeconds";
    internal const string SamplingSecondsProperty = "SamplingSeconds";

    /// <summary>"true" when every setting involved is in the one lambda passed to the handler and only dependent values are wrong.</summary>
    internal const string FixableProperty = "Fixable";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM405_ResilienceTimeoutsInvalid);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Types.HttpStandardResilienceOptions is not null && llm.Types.IHttpClientBuilder is not null)
        {
            WordGatedActions.Register(start, StandardResilienceConfiguration.StandardHandlerWord, c => AnalyzeInvocation(c, llm), OperationKind.Invocation);
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var handler = (IInvocationOperation)context.Operation;
        if (!StandardResilienceConfiguration.IsStandardHandler(handler, llm.Types) || handler.Arguments.Length < 2)
        {
            return; // with no delegate the defaults are valid
        }

        var configuration = StandardResilienceConfiguration.Read(handler, llm.Types, context.CancellationToken);
        if (configuration is null || !configuration.ConstantAssignments().Any())
        {
            return;
        }

        var registration = llm.HttpClients.Registrations.FromBuilder(handler.Arguments[0].Value, context.CancellationToken);
        var options = llm.GetOptions(handler.Syntax.SyntaxTree, context.Options);
        if (registration is null || llm.HttpClients.Registrations.Classify(registration, options, context.CancellationToken) == LlmHttpClientEvidence.None)
        {
            return;
        }

        var attempt = configuration.Attempt;
        var total = configuration.Total;
        var sampling = configuration.Sampling;
        var problems = new List<string>();
        var involved = new List<ResilienceSetting>();
        var rangeProblem = false;

        void OutOfRange(ResilienceSetting setting, string name, bool inRange, string range)
        {
            if (setting.State == SettingState.Constant && !inRange)
            {
                problems.Add("the " + name + " (" + setting.Value.Display + ") must be between " + range);
                involved.Add(setting);
                rangeProblem = true;
            }
        }

        OutOfRange(attempt, "attempt timeout", StandardResilienceConfiguration.TimeoutInRange(attempt.Value), "10 ms and 24 h");
        OutOfRange(total, "total request timeout", StandardResilienceConfiguration.TimeoutInRange(total.Value), "10 ms and 24 h");
        OutOfRange(sampling, "circuit-breaker sampling duration", StandardResilienceConfiguration.SamplingInRange(sampling.Value), "0.5 s and 24 h");

        double? newTotal = null;
        double? newSampling = null;
        if (!rangeProblem && attempt.IsKnown)
        {
            if (total.IsKnown && total.Value.Seconds < attempt.Value.Seconds)
            {
                problems.Add(StandardResilienceConfiguration.Describe(total, "total timeout") + " is shorter than " + StandardResilienceConfiguration.Describe(attempt, "attempt timeout"));
                involved.Add(total);
                involved.Add(attempt);
                newTotal = attempt.Value.Seconds;
            }

            if (sampling.IsKnown && sampling.Value.Seconds < 2 * attempt.Value.Seconds)
            {
                // The attempt timeout is named once: after the total's problem, "twice it".
                problems.Add(StandardResilienceConfiguration.Describe(sampling, "sampling duration") + " is under twice " + (newTotal is null ? StandardResilienceConfiguration.Describe(attempt, "attempt timeout") : "it"));
                involved.Add(sampling);
                involved.Add(attempt);
                newSampling = 2 * attempt.Value.Seconds;
            }
        }

        // Defaults alone are valid: something explicit must take part.
        if (problems.Count == 0 || !involved.Any(s => s.State == SettingState.Constant))
        {
            return;
        }

        // Report on the attempt timeout when it was set (the usual cause: raised for a slow model), else on the first constant involved.
        // A diagnostic stays within the analysed call (a local diagnostic): a value set in a chained .Configure(…) is
        // reported on the handler's name, the assignment given as an additional location.
        var culprit = (attempt.State == SettingState.Constant && involved.Contains(attempt) ? attempt : involved.First(s => s.State == SettingState.Constant)).Assignment!.Syntax;
        var inside = handler.Syntax.Span.Contains(culprit.Span);
        var location = inside ? culprit.GetLocation() : StreamingResponseBufferedAnalyzer.NameLocation(handler);

        var fixable = inside
            && !rangeProblem
            && configuration.HandlerLambda is { } lambda
            && !configuration.HasChainedConfigure
            && involved.All(s => s.State != SettingState.Constant || s.Lambda == lambda)
            && (newSampling is null || newSampling <= 86400);
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(FixableProperty, fixable ? "true" : "false")
            .Add(TotalSecondsProperty, newTotal is { } t ? Seconds(t) : string.Empty)
            .Add(SamplingSecondsProperty, newSampling is { } s ? Seconds(s) : string.Empty);

        var advice = rangeProblem
            ? "keep each value in its range (24 h at most, never infinite)"
            : (newTotal, newSampling) switch
            {
                ({ } totalSeconds, { } samplingSeconds) => "raise them to at least " + Display(totalSeconds) + " and " + Display(samplingSeconds),
                ({ } totalSeconds, null) => "raise it to at least " + Display(totalSeconds),
                (null, { } samplingSeconds) => "raise it to at least " + Display(samplingSeconds),
                _ => "raise them",
            };
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM405_ResilienceTimeoutsInvalid,
            location,
            inside ? null : new[] { culprit.GetLocation() },
            properties,
            string.Join("; ", problems),
            advice));
    }

    private static string Display(double seconds) => TimeoutValue.DisplaySeconds((int)Math.Ceiling(seconds));

    private static string Seconds(double seconds) => ((int)Math.Ceiling(seconds)).ToString(CultureInfo.InvariantCulture);
}
