using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>Relays that return their stream instead of looping over it (issue 14: returned streams).</summary>
internal sealed partial class RelayRecognizer
{
    /// <summary>
    /// The endpoint whose response is what <paramref name="returned"/> returns: a minimal-API handler (lambda or method
    /// group), a controller action or a SignalR hub streaming method, the function the <c>return</c> (or expression body)
    /// belongs to. Null for a return of any other function (a middleware's, a local function's, a service's): what they
    /// return is not what the framework enumerates for the client.
    /// </summary>
    public Relay? TryGetReturningEndpoint(IReturnOperation returned, CancellationToken cancellationToken)
    {
        var function = returned.Parent;
        while (function is not null and not (IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyOperation))
        {
            function = function.Parent;
        }

        if (function is null or ILocalFunctionOperation || FunctionSymbol(function, cancellationToken) is not { } method
            || Classify(function, method, cancellationToken) is not { } kind || kind is not (RelayKind.MinimalApi or RelayKind.Controller or RelayKind.Hub))
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
            && sse.TargetMethod.ContainingNamespace?.ToDisplayString() == "Microsoft.AspNetCore.Http"
                ? sse.Arguments[0].Value.WalkDownConversions()
                : whole;
    }
}
