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
    /// <c>Timeout</c>, its ordinal and the client. Kept once per method per compilation (<see cref="PassedTimeouts{TFacts}"/>).
    /// </summary>
    private static void RegisterPassedTimeouts(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (!TimeoutParameterScan.MaySetTimeoutFromParameter(start.Compilation, start.CancellationToken))
        {
            return; // no source sets a timeout from a parameter: no action on every call and creation
        }

        var passed = new PassedTimeouts<ClientFacts>((method, options) => Summarize(method, llm, options));
        start.RegisterOperationAction(c => AnalyzePassedTimeout(c, llm, passed), OperationKind.ObjectCreation, OperationKind.Invocation);
    }

    private static void AnalyzePassedTimeout(OperationAnalysisContext context, LlmAnalysisContext llm, PassedTimeouts<ClientFacts> passed)
    {
        var (minimum, found) = passed.ShortArguments(context, llm, DiagnosticIds.HttpClientTimeoutTooShort);
        foreach (var argument in found)
        {
            // The fix (needs the shape) only for a timeout written out at the call: a named constant may serve other uses.
            var shape = argument.IsPlainLiteral ? ShapeArgument : null;
            context.ReportDiagnostic(Create(argument.Value.Syntax.GetLocation(), shape, "The timeout passed to '" + argument.Callee + "'", argument.Timeout.Display, argument.Facts, minimum));
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
}
