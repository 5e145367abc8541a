namespace LlmStreaming.Analyzers.Recognition;

/// <summary>Relays that return their stream instead of looping over it, and proxies that copy an upstream body (issue 14).</summary>
internal sealed partial class RelayRecognizer
{
    /// <summary>
    /// The endpoint whose response is what <paramref name="returned"/> returns: a minimal-API handler (lambda or method
    /// group), a controller action or a SignalR hub streaming method, the function the <c>return</c> (or expression body)
    /// belongs to. Null for a return of any other function (a middleware's, a local function's, a service's): what they
    /// return is not what the framework enumerates for the client.
    /// </summary>
    public Relay? TryGetReturningEndpoint(IReturnOperation returned, CancellationToken cancellationToken)
        => EnclosingRelay(returned, cancellationToken) is { Kind: RelayKind.MinimalApi or RelayKind.Controller or RelayKind.Hub } relay ? relay : null;

    /// <summary>
    /// The relay a proxy's <c>CopyToAsync</c> of an upstream body to the client's response is in: a minimal-API handler,
    /// a controller action, a middleware, or any other function that writes to a response. Null in a local function or a
    /// function that is none of these.
    /// </summary>
    public Relay? TryGetProxy(IInvocationOperation copy, CancellationToken cancellationToken)
        => copy.Arguments.Length > 0 && IsResponseTarget(copy.Arguments[0].Value, depth: 0)
            && EnclosingRelay(copy, cancellationToken) is { Kind: not RelayKind.Hub } relay
                ? relay
                : null;

    /// <summary>The relay that the function <paramref name="operation"/> belongs to is, by its own shape; null for a local function.</summary>
    private Relay? EnclosingRelay(IOperation operation, CancellationToken cancellationToken)
    {
        var function = operation.Parent;
        while (function is not null and not (IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyOperation))
        {
            function = function.Parent;
        }

        if (function is null or ILocalFunctionOperation || FunctionSymbol(function, cancellationToken) is not { } method
            || Classify(function, method, cancellationToken) is not { } kind)
        {
            return null;
        }

        var tokens = ImmutableArray.CreateBuilder<IParameterSymbol>();
        tokens.AddRange(method.Parameters.Where(p => _context.Cancellation.IsToken(p.Type)));
        return new Relay(kind, ClientTokenText(kind, method, tokens), function.Syntax);
    }

    /// <summary>
    /// The stream an endpoint returns: the returned value itself, or the stream given to
    /// <c>TypedResults.ServerSentEvents(…)</c>/<c>Results.ServerSentEvents(…)</c>.
    /// </summary>
    public static IOperation ReturnedStream(IOperation value)
    {
        var whole = value.WalkDownConversions();
        return whole is IInvocationOperation { TargetMethod: { Name: "ServerSentEvents", ContainingType.Name: "TypedResults" or "Results" }, Arguments.Length: > 0 } sse
            && sse.TargetMethod.ContainingNamespace.Is("Microsoft.AspNetCore.Http")
                ? sse.Arguments[0].Value.WalkDownConversions()
                : whole;
    }
}
