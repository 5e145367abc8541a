namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM202 on a callback parser (issue 11 pattern 4): the helper's read loop stops at the end of the model response's
/// body, and neither the helper (in its end-of-body branch or after its loop) nor the caller (after the call) checks a
/// flag the lambda or the helper sets, or throws. Reported at the call of the helper, in the caller: the end of the
/// body is where the call returns, and what runs next is the caller's. Only a call whose result is discarded (a
/// statement of its own, awaited or not) is judged, and only when the helper's loop matches no <c>data:</c> (a helper that
/// does is a parser handed the stream, reported at its own loop); no fix.
/// </summary>
public sealed partial class EndOfStreamAcceptedAnalyzer
{
    private static void AnalyzeCallback(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        if (CallbackTermination.TryRecognize(context, llm) is not { } callback
            || CallStatement(callback.Call) is not { } statement
            || callback.Call.SemanticModel is not { } callerModel
            || callback.Helper.Loop.SemanticModel is not { } helperModel
            || CallbackTermination.DataPrefixes(callback.Helper.Loop).Any())
        {
            return; // a helper whose loop matches data: itself is a parser handed the stream, reported at its loop
        }

        var isSse = CallbackTermination.IsSse(callback);
        if (!isSse && CallbackTermination.FirstPayloadParse(callback, llm, CallbackTermination.PayloadSymbols(callback)) is null)
        {
            return; // plain lines that nothing parses: not a model stream
        }

        var helper = callback.Helper;
        var reads = helper.Loop.OwnOperations().OfType<IInvocationOperation>().Where(llm.HandRolled.IsLineRead).ToImmutableArray();
        var stream = new LlmStreamLoop(helper.Loop, LlmStreamKind.HandRolled, LlmFamily.HandRolled, Source: null, helper.Line, ElementType: null,
            new HandRolledStream(isSse, UsesSseParser: false, reads, helper.Line, ImmutableArray<IInvocationOperation>.Empty));
        var exits = TerminationFacts.EndOfBodyExits(stream);
        if (exits.IsEmpty)
        {
            return;
        }

        var flags = TerminationFacts.WrittenFlags(stream, llm.Types).Union(CallbackTermination.CapturedWrites(callback));
        var callerChecks = ChecksAfter(statement, callerModel, flags, context.CancellationToken);
        var accepted = false;
        foreach (var exit in exits)
        {
            if (exit.Branch is { } branch && TerminationFacts.ChecksEnd(branch, flags) || callerChecks)
            {
                continue;
            }

            accepted |= exit.Kind == EndOfBodyExitKind.Leave || !ChecksAfter(helper.Loop.Syntax, helperModel, flags, context.CancellationToken);
        }

        if (!accepted)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM202_EndOfStreamAccepted,
            NameLocation(callback.Call),
            additionalLocations: null,
            properties: ImmutableDictionary<string, string?>.Empty.Add(LeavesFromBodyProperty, "false"),
            "the response body in '" + callback.Call.TargetMethod.Name + "'",
            CallbackTermination.DescribeExpectedMarker(callback, isSse)));
    }

    /// <summary>The statement that is the call, its result discarded (<c>await Lines.ReadLinesAsync(…);</c>), or null.</summary>
    private static ExpressionStatementSyntax? CallStatement(IInvocationOperation call)
    {
        var value = call.Parent is IAwaitOperation awaited ? awaited : (IOperation)call;
        return value.Parent is IExpressionStatementOperation { Syntax: ExpressionStatementSyntax statement } ? statement : null;
    }

    private static bool ChecksAfter(SyntaxNode node, SemanticModel model, ImmutableHashSet<ISymbol> flags, CancellationToken cancellationToken)
    {
        foreach (var statement in TerminationFacts.StatementsAfter(node))
        {
            if (model.GetOperation(statement, cancellationToken) is { } operation && TerminationFacts.ChecksEnd(operation, flags))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The called method's name: <c>ReadLinesAsync</c> of <c>Lines.ReadLinesAsync(…)</c>.</summary>
    private static Location NameLocation(IInvocationOperation call)
        => call.Syntax is InvocationExpressionSyntax { Expression: var expression }
            ? expression switch
            {
                MemberAccessExpressionSyntax member => member.Name.GetLocation(),
                MemberBindingExpressionSyntax binding => binding.Name.GetLocation(),
                _ => expression.GetLocation(),
            }
            : call.Syntax.GetLocation();
}
