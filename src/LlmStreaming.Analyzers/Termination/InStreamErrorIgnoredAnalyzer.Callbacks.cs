namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM205 on a callback parser (issue 11 pattern 4): the lambda a line-reading helper calls per line of a model
/// response parses each line's payload as an update, and neither the lambda nor the helper's loop looks for an error.
/// Reported at the parse, in the lambda; no fix (the diagnostic carries no shape, so the loop fix bails).
/// </summary>
public sealed partial class InStreamErrorIgnoredAnalyzer
{
    private static void AnalyzeCallback(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        if (CallbackTermination.TryRecognize(context, llm) is not { } callback)
        {
            return;
        }

        var payload = CallbackTermination.PayloadSymbols(callback);
        if (CallbackTermination.FirstPayloadParse(callback, llm, payload) is not var (parse, argument))
        {
            return;
        }

        var helperLine = new HashSet<ISymbol>(SymbolEqualityComparer.Default) { callback.Helper.Line };
        if (ChecksError(callback.Body, v => CallbackTermination.ReadsAny(v, payload), context.CancellationToken)
            || ChecksError(callback.Helper.Loop, v => CallbackTermination.ReadsAny(v, helperLine), context.CancellationToken)
            || HandsOnAnErrorCarryingUpdate(callback.Body, parse))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM205_InStreamErrorIgnored,
            parse.Syntax.GetLocation(),
            additionalLocations: new[] { argument.Value.Syntax.GetLocation() },
            "The payload of " + CallbackTermination.LinesName(callback) + " is parsed by '" + TerminationFacts.DisplayName(parse) + "'",
            "an error event inside the 200 stream passes as the end of the answer"));
    }
}
