using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// Which iterators that yield from a model stream really hand recovery to a caller (issue 11). An iterator is a
/// pass-through when its loop yields (<see cref="RetryRecognizer.IsPassThroughIterator"/>), except when:
/// <list type="bullet">
/// <item>it keeps a copy of its own — an accumulator it saves after the loop (<c>await _db.SaveAsync(sb.ToString())</c>,
/// <c>history.Add(sb.ToString())</c>): a mid-stream failure loses that copy whatever the caller does;</item>
/// <item>its only consumer is the framework — it is itself a controller action, a SignalR hub streaming method or a
/// minimal-API method-group handler (<see cref="RelayRecognizer"/>): no source caller owns recovery.</item>
/// </list>
/// Such an iterator is judged by LLM101 as a method that enumerates its stream.
/// </summary>
internal static class PassThroughIterators
{
    /// <summary>True when <paramref name="loop"/> yields and its caller owns recovery (see the class).</summary>
    public static bool IsPassThrough(LlmStreamLoop loop, LlmAnalysisContext llm, CancellationToken cancellationToken)
        => RetryRecognizer.IsPassThroughIterator(loop.Loop)
            && !SavesItsOwnCopy(loop, llm)
            && !IsServedToTheFramework(loop, llm, cancellationToken);

    /// <summary>An accumulator of the loop read after it by anything but a <c>yield</c> (an argument, a stored value).</summary>
    private static bool SavesItsOwnCopy(LlmStreamLoop loop, LlmAnalysisContext llm)
    {
        var accumulators = Accumulators.Find(loop, llm.Types);
        if (accumulators.IsEmpty || loop.Loop.SemanticModel is not { } model)
        {
            return false;
        }

        foreach (var statement in TerminationFacts.StatementsAfter(loop.Loop))
        {
            if (model.GetOperation(statement) is not { } operation || operation is IReturnOperation { Kind: OperationKind.YieldReturn or OperationKind.YieldBreak })
            {
                continue;
            }

            foreach (var accumulator in accumulators)
            {
                if (Accumulators.IsReadIn(operation, accumulator.Symbol))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The loop's own function is a controller action, a hub streaming method or a minimal-API handler.</summary>
    private static bool IsServedToTheFramework(LlmStreamLoop loop, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        if (llm.Relays?.TryGetRelay(loop, cancellationToken) is not { Kind: RelayKind.Controller or RelayKind.Hub or RelayKind.MinimalApi } relay)
        {
            return false;
        }

        for (var current = loop.Loop.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyOperation)
            {
                return current.Syntax == relay.Function;
            }
        }

        return false;
    }
}
