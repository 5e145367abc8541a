
namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// A timeout passed in (issue 11), shared by LLM401 and LLM404: a call to a method of this compilation whose summary
/// says which of its parameters becomes a model client's timeout, and the constant arguments below the minimum at
/// those positions. The summaries are kept once per method per compilation.
/// </summary>
/// <typeparam name="TFacts">What the rule's summary says about the timeout a parameter sets.</typeparam>
internal sealed class PassedTimeouts<TFacts>
    where TFacts : class
{
    private readonly SummaryCache<IMethodSymbol, ImmutableArray<(int Ordinal, TFacts Facts)>> _summaries = new();
    private readonly Func<IMethodSymbol, AnalyzerOptions, ImmutableArray<(int Ordinal, TFacts Facts)>> _summarize;

    /// <param name="summarize">The parameters a method's body sets a timeout from, with the rule's facts; computed once per method.</param>
    public PassedTimeouts(Func<IMethodSymbol, AnalyzerOptions, ImmutableArray<(int Ordinal, TFacts Facts)>> summarize)
        => _summarize = summarize;

    /// <summary>
    /// The constant arguments of the call or creation <paramref name="context"/> analyses that are below the rule's
    /// minimum (of the caller's file) at a position the callee sets a timeout from, with that minimum; none for most calls.
    /// It runs at every call and creation of a project, so a call of a method of another assembly, or of one that takes
    /// no <c>TimeSpan</c>, is answered before the options are read, allocating nothing.
    /// </summary>
    public (int Minimum, IReadOnlyList<PassedTimeout<TFacts>> Found) ShortArguments(OperationAnalysisContext context, LlmAnalysisContext llm, string ruleId)
    {
        var call = context.Operation;
        var (method, arguments) = call switch
        {
            IObjectCreationOperation creation => (creation.Constructor, creation.Arguments),
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Arguments),
            _ => (null, ImmutableArray<IArgumentOperation>.Empty),
        };

        if (method is null
            || !SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, context.Compilation.Assembly)
            || !HasTimeSpanParameter(method)
            || method.DeclaringSyntaxReferences.Length != 1)
        {
            return (0, Array.Empty<PassedTimeout<TFacts>>());
        }

        var minimum = llm.GetOptions(call.Syntax.SyntaxTree, context.Options).MinTimeoutSeconds(ruleId);
        return (minimum, (IReadOnlyList<PassedTimeout<TFacts>>?)ShortArguments(method, arguments, context.Options, minimum, context.CancellationToken) ?? Array.Empty<PassedTimeout<TFacts>>());
    }

    private List<PassedTimeout<TFacts>>? ShortArguments(IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, AnalyzerOptions options, int minimum, CancellationToken cancellationToken)
    {
        // The arguments first: most calls pass no constant below the minimum, and then the callee's body is never read.
        List<(IArgumentOperation Argument, TimeoutValue Timeout)>? shortOnes = null;
        foreach (var argument in arguments)
        {
            if (!argument.IsImplicit && argument.Parameter is not null
                && TimeoutValues.TryEvaluate(argument.Value, cancellationToken) is { } timeout && timeout.IsBelow(minimum))
            {
                (shortOnes ??= new()).Add((argument, timeout));
            }
        }

        if (shortOnes is null)
        {
            return null;
        }

        List<PassedTimeout<TFacts>>? found = null;
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        foreach (var (ordinal, facts) in _summaries.Get(definition, m => _summarize(m, options)))
        {
            foreach (var (argument, timeout) in shortOnes)
            {
                if (argument.Parameter!.Ordinal == ordinal)
                {
                    var callee = method.MethodKind == MethodKind.Constructor ? method.ContainingType.Name : method.Name;
                    (found ??= new()).Add(new PassedTimeout<TFacts>(argument.Value, timeout, callee, IsPlainLiteral(argument.Value), facts));
                    break;
                }
            }
        }

        return found;
    }

    private static bool HasTimeSpanParameter(IMethodSymbol method)
    {
        foreach (var parameter in method.Parameters)
        {
            if (TimeoutValues.IsTimeSpan(parameter.Type))
            {
                return true;
            }
        }

        return false;
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
