namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>How a setting of <c>HttpStandardResilienceOptions</c> ends up: left at its default, set to a constant, or unknown.</summary>
internal enum SettingState
{
    Default,
    Constant,
    Unknown,
}

/// <summary>One of the three timing settings the standard handler validates against each other.</summary>
internal sealed class ResilienceSetting
{
    public ResilienceSetting(double defaultSeconds) => Value = TimeoutValue.FromSeconds(defaultSeconds);

    public SettingState State { get; private set; }

    /// <summary>The value when <see cref="State"/> is Default or Constant.</summary>
    public TimeoutValue Value { get; private set; }

    /// <summary>The assignment that set the constant (or the last one that made it unknown).</summary>
    public ISimpleAssignmentOperation? Assignment { get; private set; }

    /// <summary>The lambda that holds <see cref="Assignment"/>.</summary>
    public IAnonymousFunctionOperation? Lambda { get; private set; }

    public bool IsKnown => State != SettingState.Unknown;

    internal void Set(ISimpleAssignmentOperation assignment, IAnonymousFunctionOperation lambda, TimeoutValue? value)
    {
        Assignment = assignment;
        Lambda = lambda;
        if (value is { } known)
        {
            State = SettingState.Constant;
            Value = known;
        }
        else
        {
            State = SettingState.Unknown;
        }
    }

    internal void MakeUnknown() => State = SettingState.Unknown;
}

/// <summary>
/// What the configure delegates of one <c>AddStandardResilienceHandler(…)</c> call set: the delegate passed to it and the
/// <c>.Configure(o => …)</c> calls chained on its result, applied in order. Only the attempt timeout, the total request
/// timeout and the circuit-breaker sampling duration are followed — the values the options validator compares.
/// </summary>
internal sealed class StandardResilienceConfiguration
{
    /// <summary>The handler's defaults (Microsoft.Extensions.Http.Resilience 8–10): 10 s per attempt, 30 s in total, 30 s sampling.</summary>
    public const double DefaultAttemptSeconds = 10;
    public const double DefaultTotalSeconds = 30;
    public const double DefaultSamplingSeconds = 30;

    private StandardResilienceConfiguration(IInvocationOperation handler)
    {
        Handler = handler;
    }

    public IInvocationOperation Handler { get; }

    public ResilienceSetting Attempt { get; } = new(DefaultAttemptSeconds);

    public ResilienceSetting Total { get; } = new(DefaultTotalSeconds);

    public ResilienceSetting Sampling { get; } = new(DefaultSamplingSeconds);

    /// <summary>The configure lambdas, in the order they apply.</summary>
    public ImmutableArray<IAnonymousFunctionOperation> Lambdas { get; private set; } = ImmutableArray<IAnonymousFunctionOperation>.Empty;

    /// <summary>The lambda passed to <c>AddStandardResilienceHandler</c>, if that is how it is configured.</summary>
    public IAnonymousFunctionOperation? HandlerLambda { get; private set; }

    /// <summary>True when <c>.Configure(…)</c> calls follow the handler.</summary>
    public bool HasChainedConfigure { get; private set; }

    /// <summary>The name of the standard handler's method: a code block without it has no call <see cref="IsStandardHandler"/> accepts.</summary>
    public static readonly ImmutableArray<string> StandardHandlerWord = ImmutableArray.Create(StandardHandlerName);

    /// <summary>The standard handler's method name (its calls, and service defaults read from another assembly's metadata).</summary>
    internal const string StandardHandlerName = "AddStandardResilienceHandler";

    /// <summary>True for <c>AddStandardResilienceHandler</c> on an <c>IHttpClientBuilder</c>.</summary>
    public static bool IsStandardHandler(IInvocationOperation invocation, KnownTypes types)
        => invocation.TargetMethod is { Name: StandardHandlerName, IsExtensionMethod: true } method
            && method.Parameters.Length > 0
            && method.Parameters[0].Type.IsOrInheritsFrom(types.IHttpClientBuilder)
            && method.ContainingType.IsInNamespace("Microsoft.Extensions.DependencyInjection");

    /// <summary>
    /// True for <c>RemoveAllResilienceHandlers()</c> on an <c>IHttpClientBuilder</c> (Microsoft.Extensions.Http.Resilience
    /// 10.x has it, marked experimental: EXTEXP0001): it takes every resilience handler added earlier off the client,
    /// those of <c>ConfigureHttpClientDefaults</c> included.
    /// </summary>
    public static bool IsRemoveAllHandlers(IMethodSymbol method, KnownTypes types)
        => method is { Name: "RemoveAllResilienceHandlers", IsExtensionMethod: true }
            && method.Parameters.Length > 0
            && method.Parameters[0].Type.IsOrInheritsFrom(types.IHttpClientBuilder)
            && method.ContainingType.IsInNamespace("Microsoft.Extensions.DependencyInjection");

    /// <summary>
    /// True for <c>Configure&lt;HttpStandardResilienceOptions&gt;(…)</c>, <c>ConfigureAll</c>, <c>PostConfigure</c>… : options set
    /// outside the handler's own delegate, which this rule does not follow.
    /// </summary>
    public static bool ConfiguresOptions(IInvocationOperation invocation, KnownTypes types)
        => invocation.TargetMethod is { IsGenericMethod: true } method
            && method.Name.IndexOf("Configure", System.StringComparison.Ordinal) >= 0
            && method.TypeArguments.Length == 1
            && method.TypeArguments[0].IsOrInheritsFrom(types.HttpStandardResilienceOptions);

    /// <summary>
    /// Reads the configuration of <paramref name="handler"/>; null when part of it cannot be seen (a configuration
    /// section, a method group, the options handed to other code, <c>Configure&lt;HttpStandardResilienceOptions&gt;</c>
    /// elsewhere in the method, the builder kept in a variable).
    /// </summary>
    public static StandardResilienceConfiguration? Read(IInvocationOperation handler, KnownTypes types, CancellationToken cancellationToken)
    {
        var configuration = new StandardResilienceConfiguration(handler);
        var lambdas = ImmutableArray.CreateBuilder<IAnonymousFunctionOperation>();

        // AddStandardResilienceHandler(o => …) / (IConfigurationSection)
        for (var i = 1; i < handler.Arguments.Length; i++)
        {
            var argument = handler.Arguments[i];
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            if (Lambda(argument.Value) is not { } lambda)
            {
                return null;
            }

            configuration.HandlerLambda = lambda;
            lambdas.Add(lambda);
        }

        // .Configure(o => …) chained on the pipeline builder
        IOperation current = handler;
        while (true)
        {
            while (current.Parent is IConversionOperation)
            {
                current = current.Parent;
            }

            if (current.Parent is IArgumentOperation { Parent: IInvocationOperation next } argument
                && next.TargetMethod.IsExtensionMethod && next.Arguments.Length > 0 && next.Arguments[0] == argument)
            {
                if (next.TargetMethod.Name == "Configure")
                {
                    if (next.Arguments.Length != 2 || Lambda(next.Arguments[1].Value) is not { } chained)
                    {
                        return null;
                    }

                    configuration.HasChainedConfigure = true;
                    lambdas.Add(chained);
                }

                current = next;
                continue;
            }

            if (current.Parent is IVariableInitializerOperation or ISimpleAssignmentOperation or IArgumentOperation or IReturnOperation)
            {
                return null; // the pipeline builder escapes: more configuration may follow
            }

            break;
        }

        if (ConfiguredElsewhere(handler, types))
        {
            return null;
        }

        configuration.Lambdas = lambdas.ToImmutable();
        foreach (var lambda in configuration.Lambdas)
        {
            if (!configuration.Apply(lambda, types, cancellationToken))
            {
                return null;
            }
        }

        return configuration;
    }

    private static IAnonymousFunctionOperation? Lambda(IOperation value)
        => value.WalkDownConversions() is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda } ? lambda : null;

    /// <summary><c>services.Configure&lt;HttpStandardResilienceOptions&gt;(…)</c> or <c>PostConfigure</c> in the same method.</summary>
    private static bool ConfiguredElsewhere(IOperation handler, KnownTypes types)
    {
        foreach (var node in HttpClientRegistrations.Root(handler).Descendants())
        {
            if (node is IInvocationOperation invocation && ConfiguresOptions(invocation, types))
            {
                return true;
            }
        }

        return false;
    }

    private bool Apply(IAnonymousFunctionOperation lambda, KnownTypes types, CancellationToken cancellationToken)
    {
        if (lambda.Symbol.Parameters.Length == 0 || !lambda.Symbol.Parameters[0].Type.IsOrInheritsFrom(types.HttpStandardResilienceOptions))
        {
            return false;
        }

        var options = lambda.Symbol.Parameters[0];
        foreach (var node in lambda.Body.Descendants())
        {
            switch (node)
            {
                case IParameterReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Parameter, options) && Escapes(reference):
                    return false; // configuration.Bind(o), Helper(o)…

                case ISimpleAssignmentOperation assignment:
                    Record(assignment, lambda, options, cancellationToken);
                    break;
            }
        }

        return true;
    }

    /// <summary>True when the options object is used other than through a member access.</summary>
    private static bool Escapes(IParameterReferenceOperation reference)
    {
        IOperation use = reference;
        while (use.Parent is IConversionOperation)
        {
            use = use.Parent;
        }

        return use.Parent is not IMemberReferenceOperation;
    }

    private void Record(ISimpleAssignmentOperation assignment, IAnonymousFunctionOperation lambda, IParameterSymbol options, CancellationToken cancellationToken)
    {
        if (assignment.Target is not IPropertyReferenceOperation target)
        {
            return;
        }

        // o.AttemptTimeout.Timeout = …, o.TotalRequestTimeout.Timeout = …, o.CircuitBreaker.SamplingDuration = …
        if (target.Instance is IPropertyReferenceOperation { Instance: IParameterReferenceOperation owner } group
            && SymbolEqualityComparer.Default.Equals(owner.Parameter, options)
            && SettingOf(group.Property.Name, target.Property.Name) is { } setting)
        {
            setting.Set(assignment, lambda, TimeoutValues.TryEvaluate(assignment.Value, cancellationToken));
            return;
        }

        // o.AttemptTimeout = new HttpTimeoutStrategyOptions { Timeout = … }
        if (target.Instance is IParameterReferenceOperation direct && SymbolEqualityComparer.Default.Equals(direct.Parameter, options))
        {
            var member = target.Property.Name == "CircuitBreaker" ? "SamplingDuration" : "Timeout";
            if (SettingOf(target.Property.Name, member) is not { } replaced)
            {
                return;
            }

            TimeoutValue? value = null;
            if (assignment.Value.WalkDownConversions() is IObjectCreationOperation { Initializer: { } initializer })
            {
                foreach (var init in initializer.Initializers)
                {
                    if (init is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation inner } innerAssignment && inner.Property.Name == member)
                    {
                        value = TimeoutValues.TryEvaluate(innerAssignment.Value, cancellationToken);
                    }
                }
            }

            replaced.Set(assignment, lambda, value);
            if (value is null)
            {
                replaced.MakeUnknown();
            }
        }
    }

    private ResilienceSetting? SettingOf(string group, string member)
        => (group, member) switch
        {
            ("AttemptTimeout", "Timeout") => Attempt,
            ("TotalRequestTimeout", "Timeout") => Total,
            ("CircuitBreaker", "SamplingDuration") => Sampling,
            _ => null,
        };

    /// <summary>Display for messages: "the 10 s attempt timeout (the default)".</summary>
    public static string Describe(ResilienceSetting setting, string name)
        => (setting.State == SettingState.Default ? "the default " : "the ") + setting.Value.Display + " " + name;

    /// <summary>The range the options validator accepts for a timeout.</summary>
    public static bool TimeoutInRange(TimeoutValue value) => !value.IsInfinite && value.Seconds >= 0.01 && value.Seconds <= 86400;

    /// <summary>The range the options validator accepts for the sampling duration.</summary>
    public static bool SamplingInRange(TimeoutValue value) => !value.IsInfinite && value.Seconds >= 0.5 && value.Seconds <= 86400;

    /// <summary>The constant assignments that take part, for choosing where to report.</summary>
    public IEnumerable<ISimpleAssignmentOperation> ConstantAssignments()
    {
        foreach (var setting in new[] { Attempt, Total, Sampling })
        {
            if (setting.State == SettingState.Constant && setting.Assignment is { } assignment)
            {
                yield return assignment;
            }
        }
    }
}
