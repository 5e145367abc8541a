namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// LLM105: an LLM stream enumerated inside a retry (loop, Polly delegate, configured helper) that writes its output out
/// (console, writer, response, channel, callback) or into an accumulator that outlives the attempt and is not reset at
/// its start — so a retry after a mid-stream failure duplicates text. Not reported when the retry is guarded by
/// something the loop writes (a "nothing emitted yet" flag, the accumulator's length) or resumes from the accumulator.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RetryReplaysEmittedOutputAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM105_RetryReplaysEmittedOutput);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var types = RetryTypes.Get(start.Compilation);
        start.RegisterOperationAction(c => Analyze(c, llm, types), OperationKind.Loop);
    }

    private static void Analyze(OperationAnalysisContext context, LlmAnalysisContext llm, RetryTypes types)
    {
        var options = llm.GetOptions(context.Operation.Syntax.SyntaxTree, context.Options);
        var facts = ReplayFacts.TryCreate((ILoopOperation)context.Operation, llm, types, options, context.CancellationToken);
        if (facts is null)
        {
            return;
        }

        var first = facts.FirstEmission!;
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM105_RetryReplaysEmittedOutput,
            first.Syntax.GetLocation(),
            additionalLocations: new[] { facts.Loop.Loop.Syntax.GetLocation() },
            facts.Describe(first),
            facts.Enumeration.Description));
    }
}

/// <summary>What a stream loop inside a retry emits that a retry would replay (shared with the LLM105 fix).</summary>
/// <param name="Enumeration">The stream enumeration inside the retry.</param>
/// <param name="Retry">The retry around it.</param>
/// <param name="Attempt">The attempt's body: the retry loop's body or the retried delegate's body.</param>
/// <param name="Unreset">Accumulators that outlive the attempt and are not reset at its start.</param>
/// <param name="Accumulations">The first append into each of <see cref="Unreset"/>.</param>
/// <param name="Writes">The writes out of the loop that a retry cannot take back.</param>
internal sealed record ReplayFacts(StreamEnumeration Enumeration, RetryConstruct Retry, IOperation Attempt, ImmutableArray<Accumulator> Unreset, ImmutableArray<IOperation> Accumulations, ImmutableArray<IInvocationOperation> Writes)
{
    public LlmStreamLoop Loop => Enumeration.Loop!;

    /// <summary>The earliest emission (an accumulation or a write), where the diagnostic goes.</summary>
    public IOperation? FirstEmission
        => Accumulations.Cast<IOperation>().Concat(Writes).OrderBy(o => o.Syntax.SpanStart).FirstOrDefault();

    public string Describe(IOperation emission)
        => emission is IInvocationOperation write && Writes.Contains(write)
            ? "'" + Emissions.Describe(write) + "'"
            : "'" + Unreset[Accumulations.IndexOf(emission)].Name + "'";

    public static ReplayFacts? TryCreate(ILoopOperation loop, LlmAnalysisContext llm, RetryTypes types, LlmOptions options, CancellationToken cancellationToken)
    {
        var enumeration = StreamEnumeration.TryGet(loop, llm, options, cancellationToken, StreamShapes.All);
        if (enumeration?.Loop is not { } streamLoop || RetryRecognizer.IsPassThroughIterator(loop))
        {
            return null;
        }

        var retry = RetryLoops.FindRetry(llm, loop, options, cancellationToken);
        if (retry is null || RetryWrapsUnstartedStreamAnalyzer.AttemptBody(loop, retry) is not { } attempt)
        {
            return null;
        }

        var accumulators = Accumulators.Find(streamLoop, llm.Types);
        var unreset = accumulators
            .Where(a => !(a.Symbol is ILocalSymbol local && Accumulators.IsDeclaredInside(local, attempt)))
            .Where(a => !IsResetPerAttempt(a, attempt, loop, retry))
            .OrderBy(a => FirstAccumulation(streamLoop, a)?.Syntax.SpanStart ?? int.MaxValue)
            .ToImmutableArray();
        var writes = Emissions.FindWrites(streamLoop, types);
        if (unreset.IsEmpty && writes.IsEmpty)
        {
            return null;
        }

        // A guard: the retry reads something the stream loop writes ("emitted", a count, the accumulator's length).
        var written = Emissions.WrittenSymbols(streamLoop, accumulators);
        if (IsGuarded(retry, attempt, written, accumulators))
        {
            return null;
        }

        var accumulations = unreset.Select(a => FirstAccumulation(streamLoop, a)).ToList();
        if (accumulations.Any(a => a is null))
        {
            return null;
        }

        return new ReplayFacts(enumeration, retry, attempt, unreset, accumulations.ToImmutableArray()!, writes);
    }

    private static bool IsGuarded(RetryConstruct retry, IOperation attempt, ImmutableHashSet<ISymbol> written, ImmutableArray<Accumulator> accumulators)
    {
        if (retry.Kind == RetryKind.Loop)
        {
            return retry.RetryingCatch is { } @catch
                && (@catch.Filter is { } filter && Emissions.ReferencesAny(filter, written) || Emissions.ReferencesAny(@catch.Handler, written));
        }

        // A delegate: a flag or counter (not the accumulated text, which is read after the call anyway) is read outside
        // it — by a ShouldHandle predicate, for instance.
        written = written.Except(accumulators.Select(a => a.Symbol));
        var root = retry.Node;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        foreach (var node in root.Descendants())
        {
            if (node.ReferencedSymbol() is { } symbol && written.Contains(symbol) && !node.IsWithin(attempt) && symbol is ILocalSymbol)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reset in the attempt before the enumeration (or in the retrying catch, which runs before the next attempt):
    /// <c>sb.Clear()</c>, <c>text = ""</c>, <c>list = new()</c>.
    /// </summary>
    private static bool IsResetPerAttempt(Accumulator accumulator, IOperation attempt, ILoopOperation streamLoop, RetryConstruct retry)
    {
        foreach (var node in attempt.DescendantsWithinFunction())
        {
            if (node.IsWithin(streamLoop) || !Accumulators.IsReset(node, accumulator.Symbol))
            {
                continue;
            }

            if (node.Syntax.SpanStart < streamLoop.Syntax.SpanStart || retry.RetryingCatch is { } @catch && node.IsWithin(@catch.Handler))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first operation of the loop that appends to <paramref name="accumulator"/>.</summary>
    internal static IOperation? FirstAccumulation(LlmStreamLoop loop, Accumulator accumulator)
    {
        IOperation? first = null;
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            var target = node switch
            {
                IInvocationOperation { Instance: { } receiver } when node is IInvocationOperation i && i.TargetMethod.Name is "Append" or "AppendLine" or "AppendFormat" or "Insert" or "Add" or "AddRange" => receiver,
                ICompoundAssignmentOperation compound => compound.Target,
                ISimpleAssignmentOperation simple => simple.Target,
                _ => null,
            };

            if (target is not null
                && SymbolEqualityComparer.Default.Equals(target.WalkDownConversions().ReferencedSymbol(), accumulator.Symbol)
                && (first is null || node.Syntax.SpanStart < first.Syntax.SpanStart))
            {
                first = node;
            }
        }

        return first;
    }
}
