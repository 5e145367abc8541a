namespace LlmStreaming.Analyzers.Relays;

/// <summary>
/// LLM502 on an endpoint that returns a service method's model text stream (<c>=> _svc.StreamAsync(q)</c>,
/// <c>TypedResults.ServerSentEvents(_svc.StreamAsync(q))</c>) instead of looping over it. ASP.NET Core enumerates what
/// an endpoint returns with the request's <c>RequestAborted</c> (SignalR with the stream's token); that token reaches
/// the iterator only through a token parameter marked <c>[EnumeratorCancellation]</c>, and the model only when the
/// iterator passes that parameter on (<see cref="ServiceStreams"/>). An SDK stream returned directly is not asked
/// about: the SDKs' streams observe the enumerator's token.
/// </summary>
internal static class ReturnedStreamDisconnect
{
    public static void Analyze(OperationAnalysisContext context, LlmAnalysisContext llm, RelayRecognizer relays)
    {
        var cancellationToken = context.CancellationToken;
        if (context.Operation is not IReturnOperation { Kind: OperationKind.Return, ReturnedValue: { } value } returned
            || RelayRecognizer.ReturnedStream(value) is not IInvocationOperation call
            || call.TargetMethod.MethodKind != MethodKind.Ordinary
            || !call.Type.IsConstructedFrom(llm.Types.IAsyncEnumerableOfT) // before any summary: most returns are not streams
            || llm.Summaries.ReturnedTextStream(MethodSummaries.Definition(call.TargetMethod), llm.GetOptions(call.Syntax.SyntaxTree, context.Options), call.SemanticModel) is not { } wrapper
            || relays.TryGetReturningEndpoint(returned, cancellationToken) is not { ClientTokenText: { } clientToken } relay)
        {
            return;
        }

        switch (relays.Services.Of(wrapper, llm.GetOptions(call.Syntax.SyntaxTree, context.Options), call.SemanticModel))
        {
            case { Reach: TokenReach.Parameter, TokenParameter: { } parameter }:
                if (IsEnumeratorCancellation(parameter))
                {
                    return; // the framework's token reaches the parameter, whatever the call passes (the compiler links both)
                }

                var tokens = ServiceStreams.TokensFor(call, parameter, Enumerable.Empty<IOperation>()).ToList();
                if (!tokens.Any(t => relays.IsLinkedToClient(t, cancellationToken)))
                {
                    var why = tokens.Count == 0
                        ? " at the call ('" + parameter.Name + "' is not [EnumeratorCancellation])"
                        : null;
                    context.ReportDiagnostic(ModelStreamIgnoresClientDisconnectAnalyzer.NotLinked(call, tokens, relay, clientToken, llm, why));
                }

                break;
            case { Reach: TokenReach.Dropped or TokenReach.NoParameter } service:
                context.ReportDiagnostic(ModelStreamIgnoresClientDisconnectAnalyzer.ServiceDoesNotForward(call, wrapper, service, relay, clientToken));
                break;
        }
    }

    private static bool IsEnumeratorCancellation(IParameterSymbol parameter)
        => parameter.GetAttributes().Any(a => a.AttributeClass?.Name == "EnumeratorCancellationAttribute");
}
