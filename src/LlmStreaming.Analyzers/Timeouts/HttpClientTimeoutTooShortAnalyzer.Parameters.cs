using System.Collections.Concurrent;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM401 across a method boundary (issue 11): a constructor or method of this compilation that sets a model
/// HttpClient's <c>Timeout</c> from one of its parameters (<c>_http.Timeout = timeout;</c>, or
/// <c>new HttpClient { …, Timeout = timeout }</c> in a factory), called with a constant below the minimum
/// (<c>new LlmClient(TimeSpan.FromSeconds(30))</c>): reported at the argument.
/// </summary>
public sealed partial class HttpClientTimeoutTooShortAnalyzer
{
    /// <summary>A constant argument that becomes the timeout in the called method.</summary>
    internal const string ShapeArgument = "Argument";

    /// <summary>
    /// What a method's summary says about timeouts: for each parameter it assigns to a model HttpClient's
    /// <c>Timeout</c>, its ordinal and the client. Kept once per method per compilation.
    /// </summary>
    private static void RegisterPassedTimeouts(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var summaries = new ConcurrentDictionary<IMethodSymbol, Lazy<ImmutableArray<(int Ordinal, ClientFacts Client)>>>(SymbolEqualityComparer.Default);
        start.RegisterOperationAction(c => AnalyzePassedTimeout(c, llm, summaries), OperationKind.ObjectCreation, OperationKind.Invocation);
    }

    private static void AnalyzePassedTimeout(
        OperationAnalysisContext context,
        LlmAnalysisContext llm,
        ConcurrentDictionary<IMethodSymbol, Lazy<ImmutableArray<(int Ordinal, ClientFacts Client)>>> summaries)
    {
        var (method, arguments) = context.Operation switch
        {
            IObjectCreationOperation { Constructor: { } constructor } creation => (constructor, creation.Arguments),
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Arguments),
            _ => (null, ImmutableArray<IArgumentOperation>.Empty),
        };

        if (method is null || !method.Parameters.Any(p => TimeoutValues.IsTimeSpan(p.Type)) || method.DeclaringSyntaxReferences.Length != 1)
        {
            return; // most calls: not a source method taking a TimeSpan
        }

        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        var analyzerOptions = context.Options;
        var sets = summaries.GetOrAdd(definition, m => new Lazy<ImmutableArray<(int, ClientFacts)>>(
            () => Summarize(m, llm, analyzerOptions),
            LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        if (sets.IsEmpty)
        {
            return;
        }

        var options = llm.GetOptions(context.Operation.Syntax.SyntaxTree, context.Options);
        var minimum = options.MinTimeoutSeconds(DiagnosticIds.HttpClientTimeoutTooShort);
        foreach (var (ordinal, client) in sets)
        {
            var argument = arguments.FirstOrDefault(a => a.Parameter?.Ordinal == ordinal && !a.IsImplicit);
            if (argument is null || TimeoutValues.TryEvaluate(argument.Value, context.CancellationToken) is not { } timeout || !timeout.IsBelow(minimum))
            {
                continue;
            }

            // The fix (needs the shape) only for a timeout written out at the call: a named constant may serve other uses.
            var shape = IsPlainLiteral(argument.Value) ? ShapeArgument : null;
            var callee = method.MethodKind == MethodKind.Constructor ? method.ContainingType.Name : method.Name;
            context.ReportDiagnostic(Create(argument.Value.Syntax.GetLocation(), shape, "The timeout passed to '" + callee + "'", timeout.Display, client, minimum));
        }
    }

    /// <summary>The parameters <paramref name="method"/> assigns to a model HttpClient's <c>Timeout</c>, with the client's facts.</summary>
    private static ImmutableArray<(int Ordinal, ClientFacts Client)> Summarize(IMethodSymbol method, LlmAnalysisContext llm, AnalyzerOptions analyzerOptions)
    {
        if (llm.HttpSummaries.BodyOf(method) is not { } body)
        {
            return ImmutableArray<(int, ClientFacts)>.Empty;
        }

        var options = llm.GetOptions(body.Syntax.SyntaxTree, analyzerOptions);
        var found = ImmutableArray.CreateBuilder<(int, ClientFacts)>();
        foreach (var node in body.DescendantsWithinFunction())
        {
            if (node is ISimpleAssignmentOperation assignment && IsCandidateAssignment(assignment, llm)
                && assignment.Value.WalkDownConversions() is IParameterReferenceOperation { Parameter: var parameter }
                && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method)
                && Client(assignment, (IPropertyReferenceOperation)assignment.Target, llm, options, bodies: null, CancellationToken.None) is { } client)
            {
                found.Add((parameter.Ordinal, client));
            }
        }

        return found.ToImmutable();
    }

    /// <summary>A timeout written out at the call (<c>TimeSpan.FromSeconds(30)</c>): nothing in it names a field, local, parameter or property.</summary>
    private static bool IsPlainLiteral(IOperation value)
        => value.DescendantsAndSelf().All(o => o is not (IFieldReferenceOperation or ILocalReferenceOperation or IParameterReferenceOperation or IPropertyReferenceOperation));
}
