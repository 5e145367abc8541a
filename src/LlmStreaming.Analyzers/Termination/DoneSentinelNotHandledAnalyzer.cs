namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM201: a hand-rolled SSE loop passes the <c>data:</c> payload to a JSON parser with no <c>[DONE]</c> check before
/// it: the sentinel that ends every OpenAI-compatible stream is not JSON, so the parse throws at the end of the answer.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class DoneSentinelNotHandledAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM201_DoneSentinelNotHandled);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var jsonException = llm.Type("System.Text.Json.JsonException");
        start.RegisterOperationAction(c => AnalyzeLoop(c, llm, jsonException), OperationKind.Loop);
        start.RegisterOperationAction(c => AnalyzeCallback(c, llm, jsonException), OperationKind.AnonymousFunction);
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, INamedTypeSymbol? jsonException)
    {
        var loop = (ILoopOperation)context.Operation;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        var stream = llm.Streams.TryGetStreamLoop(loop, options, context.CancellationToken, StreamShapes.Direct | StreamShapes.ParameterFed);
        if (stream?.HandRolled is not { IsSse: true } handRolled || handRolled.JsonParses.IsEmpty)
        {
            return; // NDJSON has no [DONE]
        }

        var payloadLocals = TerminationFacts.PayloadLocals(stream);
        if (TerminationFacts.FirstPayloadParse(stream, payloadLocals) is not var (parse, payload))
        {
            return;
        }

        if (TerminationFacts.ChecksDoneBefore(stream, parse, context.CancellationToken)
            || TerminationFacts.IsInTryCatchingJsonErrors(parse, loop, jsonException)
            || TerminationFacts.SpeaksProtocolWithoutDone(loop, context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM201_DoneSentinelNotHandled,
            parse.Syntax.GetLocation(),
            additionalLocations: new[] { payload.Value.Syntax.GetLocation(), loop.Syntax.GetLocation() },
            TerminationFacts.DisplayName(parse),
            payload.Value.Syntax.ToString()));
    }
}
