using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.Analyzers.PartialOutput;

/// <summary>
/// LLM304: a catch around an LLM stream enumeration that receives the mid-stream failure (<c>IOException</c>, a base of
/// it, or no type), does nothing but log it, and lets the method go on to return, store or show the accumulated text as
/// if the answer were complete (<c>catch (Exception ex) { logger.LogError(ex, "…"); }</c> then <c>return sb.ToString();</c>).
/// </summary>
/// <remarks>
/// Precision first: the handler may hold only logging statements (and, last, a return of the accumulated text itself);
/// anything else — a throw, an assignment, an append, a call that may record the failure — is taken as telling the
/// caller. Silent in retry constructs (the catch goes round again), iterators (the caller owns the stream), relays
/// (LLM501), on catches LLM301 reports (they do not read the text, this rule needs a handler that drops nothing), and
/// when the code after the try throws or returns something else before it uses the text.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StreamFailureSwallowedAnalyzer : LlmAnalyzer
{
    /// <summary>Set when the catch ends with <c>return &lt;the text&gt;;</c> (the diagnostic's additional location): the fix replaces it.</summary>
    internal const string ReturnsTextProperty = "ReturnsText";

    private static readonly ImmutableHashSet<string> ConsoleWriters = ImmutableHashSet.Create(
        StringComparer.Ordinal, "Write", "WriteLine", "WriteAsync", "WriteLineAsync");

    private static readonly ImmutableHashSet<string> RelayTypeNames = ImmutableHashSet.Create(
        StringComparer.Ordinal, "HttpResponse", "HttpContext", "IClientProxy", "ISingleClientProxy");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM304_StreamFailureSwallowed);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var types = RetryTypes.Get(start.Compilation);
        start.RegisterOperationAction(c => AnalyzeTry(c, llm, types), OperationKind.Try);
    }

    private static void AnalyzeTry(OperationAnalysisContext context, LlmAnalysisContext llm, RetryTypes types)
    {
        var @try = (ITryOperation)context.Operation;
        if (@try.Catches.IsEmpty || MidStreamClause(@try, types) is not { } @catch)
        {
            return;
        }

        var options = llm.GetOptions(@try.Syntax.SyntaxTree, context.Options);
        var loops = new List<LlmStreamLoop>();
        foreach (var node in @try.Body.DescendantsWithinFunction())
        {
            if (node is ILoopOperation loop && llm.Streams.TryGetStreamLoop(loop, options, context.CancellationToken) is { } streamLoop)
            {
                loops.Add(streamLoop);
            }
        }

        if (loops.Count == 0 || loops.Any(l => RetryRecognizer.IsPassThroughIterator(l.Loop)))
        {
            return;
        }

        var accumulators = loops.SelectMany(l => Accumulators.Find(l, llm.Types)).GroupBy(a => a.Symbol, SymbolEqualityComparer.Default).Select(g => g.First()).ToList();
        if (accumulators.Count == 0 || FunctionRoot(@try) is not { } root || IsIteratorOrRelay(root))
        {
            return;
        }

        if (loops.Any(l => RetryLoops.FindRetry(llm, l.Loop, options, context.CancellationToken) is not null))
        {
            return; // the catch goes round again: LLM105 judges what a retry does with the text
        }

        if (!OnlyLogs(@catch, accumulators, out var returnedText))
        {
            return;
        }

        Accumulator accumulator;
        string use;
        if (returnedText is not null)
        {
            accumulator = accumulators.First(a => returnedText.ReturnedValue!.References(a.Symbol));
            use = "returned";
        }
        else if (FirstUseAfter(@try, root, accumulators) is { } found)
        {
            (accumulator, use) = found;
        }
        else
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(PartialOutputDiscardedAnalyzer.AccumulatorProperty, accumulator.Name)
            .Add(PartialOutputDiscardedAnalyzer.AccumulatorKindProperty, accumulator.Kind.ToString());
        var additional = new List<Location>();
        if (returnedText is not null)
        {
            properties = properties.Add(ReturnsTextProperty, "true");
            additional.Add(returnedText.Syntax.GetLocation());
        }

        var location = @catch.Syntax is CatchClauseSyntax syntax ? syntax.CatchKeyword.GetLocation() : @catch.Syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM304_StreamFailureSwallowed,
            location,
            additionalLocations: additional,
            properties: properties,
            loops[0].MessageName,
            accumulator.Name,
            use));
    }

    /// <summary>The clause that receives a mid-stream <c>IOException</c>: the first whose (filter-narrowed) type catches it.</summary>
    private static ICatchClauseOperation? MidStreamClause(ITryOperation @try, RetryTypes types)
    {
        foreach (var @catch in @try.Catches)
        {
            if (CatchCoverage.EffectiveCaughtTypes(@catch).Any(t => t is not null && types.CatchesMidStream(t)))
            {
                return @catch;
            }
        }

        return null;
    }

    /// <summary>The body of the member, lambda or local function that holds <paramref name="operation"/>.</summary>
    private static IOperation? FunctionRoot(IOperation operation)
    {
        IOperation? root = null;
        foreach (var ancestor in operation.AncestorsWithinFunction())
        {
            root = ancestor;
        }

        return root;
    }

    /// <summary>An iterator hands each piece on (its caller owns the failure); a relay writes to a remote client (LLM501).</summary>
    private static bool IsIteratorOrRelay(IOperation root)
    {
        foreach (var node in root.DescendantsWithinFunction())
        {
            if (node is IReturnOperation { Kind: OperationKind.YieldReturn or OperationKind.YieldBreak })
            {
                return true;
            }

            if (node.Type is { } type && RelayTypeNames.Contains(type.Name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when every statement of the handler only logs, and the failure is otherwise dropped: no throw, no assignment,
    /// no call that may record it. A last <c>return</c> of the accumulated text itself is allowed, and handed back in
    /// <paramref name="returnedText"/>: it passes the cut-off text off as the answer.
    /// </summary>
    private static bool OnlyLogs(ICatchClauseOperation @catch, List<Accumulator> accumulators, out IReturnOperation? returnedText)
    {
        returnedText = null;
        var statements = @catch.Handler.Operations;
        for (var i = 0; i < statements.Length; i++)
        {
            var statement = statements[i];
            if (statement is IEmptyOperation)
            {
                continue;
            }

            if (i == statements.Length - 1 && statement is IReturnOperation { Kind: OperationKind.Return, ReturnedValue: { } value } @return
                && IsTheText(value, accumulators))
            {
                returnedText = @return;
                continue;
            }

            if (statement is not IExpressionStatementOperation expression || !IsLogging(expression.Operation, accumulators))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>sb</c>, <c>sb.ToString()</c>, <c>text</c>, <c>string.Concat(parts)</c>: the accumulated text as it is.</summary>
    private static bool IsTheText(IOperation value, List<Accumulator> accumulators)
    {
        var unwrapped = value.WalkDownConversions();
        if (unwrapped is IInvocationOperation { TargetMethod.Name: "ToString", Arguments.Length: 0, Instance: { } instance })
        {
            unwrapped = instance.WalkDownConversions();
        }
        else if (unwrapped is IInvocationOperation { TargetMethod: { Name: "Concat", ContainingType.SpecialType: SpecialType.System_String }, Arguments.Length: 1 } concat)
        {
            unwrapped = concat.Arguments[0].Value.WalkDownConversions();
        }

        return unwrapped.ReferencedSymbol() is { } symbol && accumulators.Any(a => SymbolEqualityComparer.Default.Equals(a.Symbol, symbol));
    }

    /// <summary>
    /// A call that only writes a log line: a <c>Log…</c> method (ILogger and its extensions, most logging libraries), a
    /// method of a logger (a receiver whose type is named <c>…Logger</c> or <c>…Log</c>), <c>Console.Write…</c>,
    /// <c>Console.Error.Write…</c>, <c>Debug</c>/<c>Trace</c>. None of its arguments may write to the text.
    /// </summary>
    private static bool IsLogging(IOperation operation, List<Accumulator> accumulators)
    {
        if (operation.WalkDownConversions() is IAwaitOperation awaited)
        {
            operation = awaited.Operation;
        }

        if (operation.WalkDownConversions() is not IInvocationOperation invocation)
        {
            return false;
        }

        var method = invocation.TargetMethod;
        var containing = method.ContainingType;
        var logs = method.Name.StartsWith("Log", StringComparison.Ordinal)
            || invocation.Instance?.Type is { } receiver && (receiver.Name.EndsWith("Logger", StringComparison.Ordinal) || receiver.Name.EndsWith("Log", StringComparison.Ordinal))
            || containing is { Name: "Console" or "Debug" or "Trace" } && (containing.IsInNamespace("System") || containing.IsInNamespace("System.Diagnostics"))
            || ConsoleWriters.Contains(method.Name) && invocation.Instance is IPropertyReferenceOperation { Property: { Name: "Error" or "Out", ContainingType.Name: "Console" } };
        if (!logs)
        {
            return false;
        }

        // Logging the text is fine; changing it (an argument that appends or assigns) is not a log line.
        foreach (var node in invocation.DescendantsAndSelf())
        {
            if (node is IAssignmentOperation or IIncrementOrDecrementOperation
                || node is IInvocationOperation { Instance: { } instance } inner && inner != invocation
                    && accumulators.Any(a => SymbolEqualityComparer.Default.Equals(a.Symbol, instance.WalkDownConversions().ReferencedSymbol()))
                    && inner.TargetMethod.Name != "ToString")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The first read of an accumulator after the try, in source order, and how it is used — unless the code after the
    /// try can throw (a check that fails the call: a finish reason, an end marker) or returns something else before it.
    /// </summary>
    private static (Accumulator Accumulator, string Use)? FirstUseAfter(ITryOperation @try, IOperation root, List<Accumulator> accumulators)
    {
        var end = @try.Syntax.Span.End;
        IOperation? firstUse = null;
        Accumulator? used = null;
        var firstExit = int.MaxValue;
        foreach (var node in root.DescendantsWithinFunction())
        {
            var start = node.Syntax.SpanStart;
            if (start < end || node.Syntax.SyntaxTree != @try.Syntax.SyntaxTree)
            {
                continue;
            }

            if (node is IThrowOperation)
            {
                return null; // a check after the try that can fail the call (a finish reason, an end marker)
            }

            if (node is IReturnOperation { Kind: OperationKind.Return, ReturnedValue: { } value } && !accumulators.Any(a => value.References(a.Symbol)))
            {
                firstExit = Math.Min(firstExit, start);
                continue;
            }

            if (node is IConversionOperation || node.ReferencedSymbol() is not { } symbol
                || accumulators.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Symbol, symbol)) is not { } accumulator)
            {
                continue;
            }

            if (IsReset(node, accumulator) || firstUse is not null && firstUse.Syntax.SpanStart <= start)
            {
                continue;
            }

            firstUse = node;
            used = accumulator;
        }

        if (firstUse is null || used is null || firstExit < firstUse.Syntax.SpanStart)
        {
            return null;
        }

        return (used, Describe(firstUse));
    }

    /// <summary>A reference that resets or rebuilds the accumulator (<c>sb.Clear()</c>, <c>text = …</c>), which does not use the text.</summary>
    private static bool IsReset(IOperation reference, Accumulator accumulator)
    {
        var parent = reference.Parent;
        while (parent is IConversionOperation)
        {
            parent = parent.Parent;
        }

        return parent is IInvocationOperation invocation && invocation.Instance?.WalkDownConversions() == reference && Accumulators.IsReset(invocation, accumulator.Symbol)
            || parent is IAssignmentOperation assignment && assignment.Target.WalkDownConversions() == reference;
    }

    private static string Describe(IOperation use)
    {
        foreach (var ancestor in use.AncestorsWithinFunction())
        {
            switch (ancestor)
            {
                case IReturnOperation:
                    return "returned";
                case IAssignmentOperation:
                    return "stored";
                case IInvocationOperation invocation when invocation.Instance?.WalkDownConversions() != use && !(invocation.TargetMethod.Name == "ToString" && invocation.Arguments.IsEmpty):
                    return "passed to '" + invocation.TargetMethod.Name + "'";
                case IBlockOperation or IExpressionStatementOperation:
                    return "used";
            }
        }

        return "used";
    }
}
