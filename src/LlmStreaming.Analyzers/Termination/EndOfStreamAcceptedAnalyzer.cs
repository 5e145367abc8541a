namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM202: a hand-rolled model stream loop that stops at the end of the response body and carries on as if the answer
/// were complete, with nothing after the loop (or in the end-of-body branch) that fails or reports when the terminal
/// marker never arrived.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class EndOfStreamAcceptedAnalyzer : LlmAnalyzer
{
    /// <summary>Property handed to the fix: "true" when the loop leaves at the end of the body from inside (<c>if (line == null) return …;</c>).</summary>
    internal const string LeavesFromBodyProperty = "LeavesFromBody";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM202_EndOfStreamAccepted);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        start.RegisterOperationAction(c => AnalyzeLoop(c, llm), OperationKind.Loop);
        start.RegisterOperationAction(c => AnalyzeCallback(c, llm), OperationKind.AnonymousFunction);
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var loop = (ILoopOperation)context.Operation;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        var stream = llm.Streams.TryGetStreamLoop(loop, options, context.CancellationToken, StreamShapes.Direct | StreamShapes.ParameterFed);
        if (stream?.HandRolled is null || loop.SemanticModel is not { } model)
        {
            return;
        }

        var exits = TerminationFacts.EndOfBodyExits(stream);
        if (exits.IsEmpty)
        {
            return; // the loop cannot end at the end of the body (or throws there)
        }

        if (TerminationFacts.HandsTerminalEventOn(loop))
        {
            return; // the terminal event itself is yielded to the caller, who can see whether it came
        }

        if (TerminalRecords.HandsTerminalRecordOn(loop, llm, context.CancellationToken))
        {
            return; // the final record, built by a method the loop calls (ParseLine), is yielded to the caller
        }

        var flags = TerminationFacts.WrittenFlags(stream, llm.Types);
        bool? checkedAfterLoop = null;
        var accepted = false;
        var leavesFromBody = false;
        foreach (var exit in exits)
        {
            if (exit.Branch is { } branch && TerminationFacts.ChecksEnd(branch, flags))
            {
                continue; // if (line == null) { if (!sawDone) throw …; break; }
            }

            if (exit.Kind == EndOfBodyExitKind.Leave)
            {
                accepted = true;
                leavesFromBody = true;
                continue;
            }

            checkedAfterLoop ??= ChecksAfterLoop(loop, model, flags, context);
            if (checkedAfterLoop == false)
            {
                accepted = true;
            }
        }

        if (!accepted)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM202_EndOfStreamAccepted,
            TerminationFacts.LoopKeywordLocation(loop),
            additionalLocations: null,
            properties: ImmutableDictionary<string, string?>.Empty.Add(LeavesFromBodyProperty, leavesFromBody ? "true" : "false"),
            stream.MessageName,
            TerminationFacts.DescribeExpectedMarker(stream)));
    }

    private static bool ChecksAfterLoop(ILoopOperation loop, SemanticModel model, ImmutableHashSet<ISymbol> flags, OperationAnalysisContext context)
    {
        foreach (var statement in TerminationFacts.StatementsAfter(loop))
        {
            if (model.GetOperation(statement, context.CancellationToken) is { } operation && TerminationFacts.ChecksEnd(operation, flags))
            {
                return true;
            }
        }

        return false;
    }
}
