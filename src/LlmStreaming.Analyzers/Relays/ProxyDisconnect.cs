namespace LlmStreaming.Analyzers.Relays;

/// <summary>
/// LLM502 on a proxy: an endpoint, action or middleware that sends a model request with an <c>HttpClient</c> and copies
/// the response body to its client (<c>await upstream.Content.CopyToAsync(context.Response.Body)</c>,
/// <c>(await upstream.Content.ReadAsStreamAsync()).CopyToAsync(…)</c>), when neither the send nor the copy gets a token
/// linked to the client's. The model request is told by the send itself: a model host or endpoint path in its
/// arguments (or in the initializer of the request it sends). The finding is on the copy, which is what reads the
/// upstream body while the client is gone (the send's token stops at the headers); the fix passes the token there.
/// </summary>
internal static class ProxyDisconnect
{
    public static void Analyze(OperationAnalysisContext context, LlmAnalysisContext llm, RelayRecognizer relays)
    {
        var cancellationToken = context.CancellationToken;
        if (context.Operation is not IInvocationOperation { TargetMethod.Name: "CopyToAsync", Instance: { } upstream } copy
            || Send(upstream, llm, cancellationToken) is not { } send
            || !IsModelRequest(send, llm.GetOptions(send.Syntax.SyntaxTree, context.Options), cancellationToken)
            || relays.TryGetProxy(copy, cancellationToken) is not { ClientTokenText: { } clientToken } relay)
        {
            return;
        }

        var tokens = llm.Cancellation.ExplicitTokenArguments(send).Concat(llm.Cancellation.ExplicitTokenArguments(copy)).Select(a => a.Value).ToList();
        if (!tokens.Any(t => relays.IsLinkedToClient(t, cancellationToken)))
        {
            var copyTokens = llm.Cancellation.ExplicitTokenArguments(copy).Select(a => a.Value).ToList();
            context.ReportDiagnostic(ModelStreamIgnoresClientDisconnectAnalyzer.NotLinked(copy, copyTokens, relay, clientToken, llm, because: null));
        }
    }

    /// <summary>The send whose response body <paramref name="upstream"/> is: <c>response.Content</c>, or the stream read from it.</summary>
    private static IInvocationOperation? Send(IOperation upstream, LlmAnalysisContext llm, System.Threading.CancellationToken cancellationToken)
        => upstream.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "Content", Instance: { } response } content
            && content.Type.IsOrInheritsFrom(llm.Types.HttpContent)
                ? llm.HttpClients.Responses.TraceResponse(response, cancellationToken)
                : llm.HttpClients.Responses.TraceStream(upstream, cancellationToken, depth: 0);

    /// <summary>
    /// A model host or endpoint path in the send's arguments or in its request's initializer. Not the client's own
    /// evidence: a client that sends model requests elsewhere in the type may also fetch a file here.
    /// </summary>
    private static bool IsModelRequest(IInvocationOperation send, LlmOptions options, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var argument in send.Arguments)
        {
            var value = argument.Value.WalkDownConversions();
            if (HttpClientRecognizer.HasModelLiteral(value, options)
                || value is ILocalReferenceOperation local && StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken) is { } initializer
                    && HttpClientRecognizer.HasModelLiteral(initializer, options))
            {
                return true;
            }
        }

        return false;
    }
}
