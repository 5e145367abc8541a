namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM201 on a callback parser (issue 11 pattern 4): the lambda a line-reading helper calls per line of a model
/// response parses the <c>data:</c> payload with no <c>[DONE]</c> check before it, in the lambda or in the helper's loop
/// before it hands the line on. Reported at the parse, in the lambda; no fix (a <c>break</c> cannot leave the helper's
/// loop from the lambda).
/// </summary>
public sealed partial class DoneSentinelNotHandledAnalyzer
{
    private static void AnalyzeCallback(OperationAnalysisContext context, LlmAnalysisContext llm, INamedTypeSymbol? jsonException)
    {
        if (CallbackTermination.TryRecognize(context, llm) is not { } callback || !CallbackTermination.IsSse(callback))
        {
            return;
        }

        var payload = CallbackTermination.PayloadSymbols(callback);
        if (CallbackTermination.FirstPayloadParse(callback, llm, payload) is not var (parse, argument))
        {
            return;
        }

        var helper = callback.Helper;
        if (TerminationFacts.ChecksDoneBefore(callback.Body, parse, context.CancellationToken)
            || TerminationFacts.ChecksDoneBefore(helper.Loop, helper.Invoke, context.CancellationToken)
            || TerminationFacts.IsInTryCatchingJsonErrors(parse, callback.Function, jsonException)
            || TerminationFacts.IsInTryCatchingJsonErrors(helper.Invoke, helper.Loop, jsonException)
            || TerminationFacts.SpeaksProtocolWithoutDone(callback.Call.Syntax, context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM201_DoneSentinelNotHandled,
            parse.Syntax.GetLocation(),
            additionalLocations: new[] { argument.Value.Syntax.GetLocation() },
            TerminationFacts.DisplayName(parse),
            argument.Value.Syntax.ToString()));
    }
}
