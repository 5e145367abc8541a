using System.Globalization;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM403: <c>AddStandardResilienceHandler()</c> on an LLM HttpClient (or in <c>ConfigureHttpClientDefaults</c> of a method
/// that registers one) whose attempt or total timeout stays below the minimum — by default 10 s and 30 s; and service
/// defaults from another assembly (<c>builder.AddServiceDefaults()</c>) that add the handler to every client, in a method
/// that registers an LLM client.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StandardResilienceDefaultsAnalyzer : LlmAnalyzer
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

    private static readonly ImmutableArray<string> DefaultsFragment = ImmutableArray.Create("Defaults");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM403_StandardResilienceDefaults);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Types.HttpStandardResilienceOptions is not null && llm.Types.IHttpClientBuilder is not null)
        {
            var serviceDefaults = new ServiceDefaults(start.Compilation, llm.Types);
            // The standard handler's calls and the service-defaults extensions (their names hold "Defaults").
            WordGatedActions.Register(start, StandardResilienceConfiguration.StandardHandlerWord, DefaultsFragment, block =>
                block.RegisterOperationAction(c => AnalyzeInvocation(c, llm, serviceDefaults), OperationKind.Invocation));
        }
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, LlmAnalysisContext llm, ServiceDefaults serviceDefaults)
    {
        var handler = (IInvocationOperation)context.Operation;
        if (!StandardResilienceConfiguration.IsStandardHandler(handler, llm.Types) || handler.Arguments.Length == 0)
        {
            if (serviceDefaults.IsCandidate(handler.TargetMethod))
            {
                AnalyzeServiceDefaults(context, llm, serviceDefaults, handler);
            }

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
            StreamingResponseBufferedAnalyzer.NameLocation(handler),
            properties,
            "on " + where + " keeps " + string.Join(" and ", shortOnes) + ", too short for a slow model",
            "raise the attempt and total timeouts to at least " + TimeoutValue.DisplaySeconds(minimum)));
    }

    /// <summary>
    /// <c>builder.AddServiceDefaults()</c> from another assembly that gives every factory client the standard handler with
    /// its defaults (<see cref="ServiceDefaults"/>), in a method that registers an LLM client which does not take the
    /// handlers off again. Only <c>RemoveAllResilienceHandlers()</c> exempts a client: a handler of its own is added after
    /// the defaults' handler, which still cuts the call at 10 s / 30 s (measured with Microsoft.Extensions.Http.Resilience
    /// 10.11.0). No fix: the remedy is an experimental API (EXTEXP0001), and the handler to add is the user's choice.
    /// </summary>
    private static void AnalyzeServiceDefaults(OperationAnalysisContext context, LlmAnalysisContext llm, ServiceDefaults serviceDefaults, IInvocationOperation call)
    {
        var options = llm.GetOptions(call.Syntax.SyntaxTree, context.Options);
        var minimum = options.MinTimeoutSeconds(DiagnosticIds.StandardResilienceDefaults);
        var attempt = TimeoutValue.FromSeconds(StandardResilienceConfiguration.DefaultAttemptSeconds);
        var total = TimeoutValue.FromSeconds(StandardResilienceConfiguration.DefaultTotalSeconds);
        if (!attempt.IsBelow(minimum) && !total.IsBelow(minimum))
        {
            return;
        }

        var registrations = llm.HttpClients.Registrations;
        HttpClientRegistration? cut = null;
        foreach (var node in HttpClientRegistrations.Root(call).Descendants())
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (node is not IInvocationOperation invocation)
            {
                continue;
            }

            if (registrations.IsAddHttpClient(invocation.TargetMethod))
            {
                var registration = new HttpClientRegistration(invocation, DefaultsLambda: null);
                if (cut is null
                    && !RemovesHandlers(registrations, registration, llm.Types)
                    && registrations.Classify(registration, options, context.CancellationToken) != LlmHttpClientEvidence.None)
                {
                    cut = registration;
                }
            }
            else if (registrations.FromConfigureDefaults(invocation) is { } defaults)
            {
                // Defaults of the app's own that take the handlers off every client: they run after the service defaults'
                // only when registered after them.
                if (invocation.Syntax.SpanStart > call.Syntax.SpanStart && RemovesHandlers(registrations, defaults, llm.Types))
                {
                    return;
                }
            }
            else if (StandardResilienceConfiguration.ConfiguresOptions(invocation, llm.Types))
            {
                return; // Configure<HttpStandardResilienceOptions>, ConfigureAll…: the timeouts may be raised for every handler
            }
        }

        if (cut is null || !serviceDefaults.AddsStandardHandlerToEveryClient(call.TargetMethod.ContainingAssembly, context.CancellationToken))
        {
            return;
        }

        var remedy = HasRemoveAll(llm.Types)
            ? "call RemoveAllResilienceHandlers() on it, then add one with long timeouts"
            : "raise the timeouts in the service defaults, or with ConfigureAll<HttpStandardResilienceOptions>";
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM403_StandardResilienceDefaults,
            StreamingResponseBufferedAnalyzer.NameLocation(call),
            "from the service defaults ('" + call.TargetMethod.Name + "') limits " + cut.DisplayName + " to "
                + attempt.Display + " per attempt, " + total.Display + " in total",
            remedy));
    }

    private static bool RemovesHandlers(HttpClientRegistrations registrations, HttpClientRegistration registration, KnownTypes types)
    {
        foreach (var call in registrations.BuilderCalls(registration))
        {
            if (StandardResilienceConfiguration.IsRemoveAllHandlers(call.TargetMethod, types))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the referenced Microsoft.Extensions.Http.Resilience has <c>RemoveAllResilienceHandlers</c> (not in 8.x).</summary>
    private static bool HasRemoveAll(KnownTypes types)
        => types.ResilienceHttpClientBuilderExtensions is { } extensions && !extensions.GetMembers("RemoveAllResilienceHandlers").IsEmpty;

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
