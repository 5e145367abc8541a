namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM204 on a callback parser (issue 11 pattern 4): the lambda a line-reading helper calls per line of a model
/// response splits the <c>data:</c> lines by hand. Reported in the lambda, at its first <c>data:</c> test (the helper
/// only reads lines; its loop is reported itself when it matches <c>data:</c>); no fix.
/// </summary>
public sealed partial class HandRolledSseParsingAnalyzer
{
    private static void AnalyzeCallback(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        if (CallbackTermination.TryRecognize(context, llm) is not { } callback
            || CallbackTermination.DataPrefixes(callback.Helper.Loop).Any()
            || CallbackTermination.DataPrefixes(callback.Body).OrderBy(l => l.Syntax.SpanStart).FirstOrDefault() is not { } prefix)
        {
            return;
        }

        var test = prefix.Parent;
        while (test is IConversionOperation or IArgumentOperation)
        {
            test = test.Parent;
        }

        var evidence = test is IInvocationOperation or IBinaryOperation ? test : prefix;
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM204_HandRolledSseParsing,
            evidence.Syntax.GetLocation(),
            Evidence(callback.Body.DescendantsWithinFunction())));
    }
}
