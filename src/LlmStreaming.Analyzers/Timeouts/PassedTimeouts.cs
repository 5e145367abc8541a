
namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// A timeout passed in (issue 11), shared by LLM401 and LLM404: a call to a method of this compilation whose summary
/// says which of its parameters becomes a model client's timeout, and the constant arguments below the minimum at
/// those positions. The summaries are kept once per method per compilation.
/// </summary>
/// <typeparam name="TFacts">What the rule's summary says about the timeout a parameter sets.</typeparam>
internal sealed class PassedTimeouts<TFacts>
{
    private readonly SummaryCache<IMethodSymbol, ImmutableArray<(int Ordinal, TFacts Facts)>> _summaries = new();
    private readonly Func<IMethodSymbol, AnalyzerOptions, ImmutableArray<(int Ordinal, TFacts Facts)>> _summarize;

    /// <param name="summarize">The parameters a method's body sets a timeout from, with the rule's facts; computed once per method.</param>
    public PassedTimeouts(Func<IMethodSymbol, AnalyzerOptions, ImmutableArray<(int Ordinal, TFacts Facts)>> summarize)
        => _summarize = summarize;

    /// <summary>
    /// The constant arguments of <paramref name="call"/> (a constructor or method call) below <paramref name="minimum"/>
    /// at a position the callee sets a timeout from; none for most calls (not a source method taking a TimeSpan).
    /// </summary>
    public IEnumerable<PassedTimeout<TFacts>> ShortArguments(IOperation call, AnalyzerOptions options, int minimum, CancellationToken cancellationToken)
    {
        var (method, arguments) = call switch
        {
            IObjectCreationOperation { Constructor: { } constructor } creation => (constructor, creation.Arguments),
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Arguments),
            _ => (null, ImmutableArray<IArgumentOperation>.Empty),
        };

        if (method is null || !method.Parameters.Any(p => TimeoutValues.IsTimeSpan(p.Type)) || method.DeclaringSyntaxReferences.Length != 1)
        {
            yield break;
        }

        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        var sets = _summaries.Get(definition, m => _summarize(m, options));
        foreach (var (ordinal, facts) in sets)
        {
            var argument = arguments.FirstOrDefault(a => a.Parameter?.Ordinal == ordinal && !a.IsImplicit);
            if (argument is not null && TimeoutValues.TryEvaluate(argument.Value, cancellationToken) is { } timeout && timeout.IsBelow(minimum))
            {
                var callee = method.MethodKind == MethodKind.Constructor ? method.ContainingType.Name : method.Name;
                yield return new PassedTimeout<TFacts>(argument.Value, timeout, callee, IsPlainLiteral(argument.Value), facts);
            }
        }
    }

    /// <summary>A timeout written out at the call (<c>TimeSpan.FromSeconds(30)</c>): nothing in it names a field, local, parameter or property.</summary>
    private static bool IsPlainLiteral(IOperation value)
        => value.DescendantsAndSelf().All(o => o is not (IFieldReferenceOperation or ILocalReferenceOperation or IParameterReferenceOperation or IPropertyReferenceOperation));
}

/// <summary>A constant argument below the minimum that becomes a timeout in the called method.</summary>
/// <param name="Value">The argument's value: where the diagnostic goes.</param>
/// <param name="Timeout">Its value.</param>
/// <param name="Callee">The called method's name, or its type's for a constructor.</param>
/// <param name="IsPlainLiteral">Written out at the call: the fix may replace it (a named constant may serve other uses).</param>
/// <param name="Facts">What the rule's summary says about the timeout the parameter sets.</param>
/// <typeparam name="TFacts">The type of <paramref name="Facts"/>.</typeparam>
internal sealed record PassedTimeout<TFacts>(IOperation Value, TimeoutValue Timeout, string Callee, bool IsPlainLiteral, TFacts Facts);
