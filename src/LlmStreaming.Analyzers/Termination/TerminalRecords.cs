namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// The end marker handled in a method the read loop calls: an iterator whose loop yields the record a source method
/// builds from each line (<c>yield return ParseLine(line);</c>, or a local initialised with it), where that method sets
/// the record's done member (<see cref="MethodSummaries.ReturnsTerminalRecord"/>), hands the final record — and with it
/// the end of the stream — to its caller, as an iterator that yields the terminal event itself does.
/// </summary>
internal static class TerminalRecords
{
    /// <summary>
    /// True when <paramref name="loop"/> yields such a record, unfiltered: the <c>yield return</c> is under no <c>if</c>
    /// that tests a terminal marker (<c>if (!chunk.Done) yield return chunk;</c>), and no exit of the loop on a terminal
    /// marker comes before it (<c>if (chunk.Done) yield break;</c> swallows the final record).
    /// </summary>
    public static bool HandsTerminalRecordOn(ILoopOperation loop, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        var exits = TerminationFacts.TerminalExits(loop, cancellationToken);
        foreach (var node in loop.OwnOperations())
        {
            if (node is IReturnOperation { Kind: OperationKind.YieldReturn, ReturnedValue: { } value } yield
                && RecordCall(value, cancellationToken) is { } call
                && llm.Summaries.ReturnsTerminalRecord(call.TargetMethod)
                && !IsFiltered(yield, loop, cancellationToken)
                && !exits.Any(exit => exit.If.Syntax.SpanStart < yield.Syntax.SpanStart))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The call whose result is yielded: directly, awaited, or through a local initialised with it.</summary>
    private static IInvocationOperation? RecordCall(IOperation value, CancellationToken cancellationToken)
    {
        var current = value.WalkDownConversions();
        if (current is ILocalReferenceOperation local && current.SemanticModel is { } model)
        {
            current = StreamRecognizer.LocalInitializer(local.Local, model, cancellationToken)?.WalkDownConversions();
        }

        if (current is IAwaitOperation awaited)
        {
            current = awaited.Operation.WalkDownConversions();
        }

        return current as IInvocationOperation;
    }

    private static bool IsFiltered(IOperation yield, ILoopOperation loop, CancellationToken cancellationToken)
    {
        foreach (var ancestor in yield.AncestorsWithinFunction())
        {
            if (ancestor == loop)
            {
                return false;
            }

            if (ancestor is IConditionalOperation conditional && TerminationFacts.MentionsTerminalMarker(conditional.Condition, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }
}
