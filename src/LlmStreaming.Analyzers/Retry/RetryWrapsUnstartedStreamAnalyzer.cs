namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// LLM104: a retry whose attempt only creates the lazy stream — a Polly/configured-helper delegate that returns it
/// (<c>ct =&gt; ValueTask.FromResult(client.GetStreamingResponseAsync(…))</c>), or a retry loop whose try returns it or
/// stores it outside — so the request is sent later, outside the retry, and nothing is retried.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RetryWrapsUnstartedStreamAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM104_RetryWrapsUnstartedStream);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
        => start.RegisterOperationAction(c => Analyze(c, llm), OperationKind.Return, OperationKind.SimpleAssignment);

    private static void Analyze(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        IOperation? value;
        ISymbol? target = null;
        switch (context.Operation)
        {
            case IReturnOperation { Kind: OperationKind.Return, ReturnedValue: { } returned }:
                value = returned;
                break;
            case ISimpleAssignmentOperation assignment when assignment.Parent is IExpressionStatementOperation:
                value = assignment.Value;
                target = assignment.Target.ReferencedSymbol();
                if (target is null)
                {
                    return;
                }

                break;
            default:
                return;
        }

        var options = llm.GetOptions(context.Operation.Syntax.SyntaxTree, context.Options);
        var call = LazyStreams.TryGetLazyStreamCall(value, llm, options, context.CancellationToken);
        if (call is null)
        {
            return;
        }

        var retry = RetryLoops.FindRetry(llm, context.Operation, options, context.CancellationToken);
        if (retry is null)
        {
            return;
        }

        var attempt = AttemptBody(context.Operation, retry);
        if (attempt is null)
        {
            return;
        }

        if (target is not null)
        {
            // Stored in a local of the attempt, or enumerated inside it: the attempt does start it.
            if (target is ILocalSymbol local && Accumulators.IsDeclaredInside(local, attempt) || IsEnumeratedIn(attempt, target, llm, options, context))
            {
                return;
            }
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM104_RetryWrapsUnstartedStream,
            StreamEnumeration.NameLocation(call.Syntax),
            additionalLocations: new[] { context.Operation.Syntax.GetLocation(), retry.Node.Syntax.GetLocation() },
            call.TargetMethod.Name,
            retry.Kind == RetryKind.Loop ? "loop" : "delegate"));
    }

    /// <summary>The body of the attempt: the retried delegate, or the retry loop's body.</summary>
    internal static IOperation? AttemptBody(IOperation operation, RetryConstruct retry)
    {
        if (retry.Kind == RetryKind.Loop)
        {
            return (retry.Node as ILoopOperation)?.Body;
        }

        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation lambda)
            {
                return lambda.Body;
            }
        }

        return null;
    }

    private static bool IsEnumeratedIn(IOperation attempt, ISymbol symbol, LlmAnalysisContext llm, LlmOptions options, OperationAnalysisContext context)
    {
        foreach (var node in attempt.DescendantsWithinFunction())
        {
            switch (node)
            {
                case IForEachLoopOperation forEach when forEach.Collection.References(symbol):
                    return true;
                case IInvocationOperation invocation when invocation.Arguments.Any(a => a.Value.References(symbol))
                    && llm.Streams.TryGetAggregation(invocation, options, context.CancellationToken) is not null:
                    return true;
            }
        }

        return false;
    }
}
