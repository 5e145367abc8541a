namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// LLM106: a try around an LLM stream enumeration whose clauses catch only SDK or HTTP exceptions
/// (<c>ClientResultException</c>, <c>HttpRequestException</c>, <c>HttpOperationException</c>, <c>AnthropicException</c>…):
/// a connection that drops mid-stream surfaces as <c>IOException</c>/<c>HttpIOException</c> and escapes.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CatchMissesMidStreamFailureAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM106_CatchMissesMidStreamFailure);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var types = RetryTypes.Get(start.Compilation);
        if (types.TransportExceptions.IsEmpty)
        {
            return;
        }

        start.RegisterOperationAction(c => AnalyzeTry(c, llm, types), OperationKind.Try);
    }

    private static void AnalyzeTry(OperationAnalysisContext context, LlmAnalysisContext llm, RetryTypes types)
    {
        var @try = (ITryOperation)context.Operation;
        var transport = new List<ITypeSymbol>();
        foreach (var @catch in @try.Catches)
        {
            var caught = CatchCoverage.EffectiveCaughtTypes(@catch);
            if (caught.Any(t => types.CatchesMidStream(t)))
            {
                return;
            }

            transport.AddRange(caught.Where(t => types.IsTransportException(t)));
        }

        if (transport.Count == 0)
        {
            return;
        }

        var options = llm.GetOptions(@try.Syntax.SyntaxTree, context.Options);
        foreach (var node in @try.Body.DescendantsWithinFunction())
        {
            if (node is not (ILoopOperation or IInvocationOperation))
            {
                continue;
            }

            var enumeration = StreamEnumeration.TryGet(node, llm, options, context.CancellationToken, StreamShapes.All);
            if (enumeration is null)
            {
                continue;
            }

            var coverage = CatchCoverage.Analyze(node, types);
            if (coverage.TransportOnlyTry != @try || coverage.TransportClause is not { } clause)
            {
                continue;
            }

            var location = clause.Syntax is CatchClauseSyntax syntax ? syntax.CatchKeyword.GetLocation() : clause.Syntax.GetLocation();
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.LLM106_CatchMissesMidStreamFailure,
                location,
                additionalLocations: new[] { clause.Syntax.GetLocation(), node.Syntax.GetLocation() },
                DescribeTypes(transport),
                enumeration.Description));
            return;
        }
    }

    private static string DescribeTypes(List<ITypeSymbol> types)
    {
        var names = types.Select(t => "'" + t.Name + "'").Distinct().ToList();
        return names.Count == 1
            ? "only " + names[0]
            : "only " + string.Join(", ", names.Take(names.Count - 1)) + " and " + names[names.Count - 1];
    }
}
