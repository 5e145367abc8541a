using System.Collections.Concurrent;
using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.Analyzers.Relays;

/// <summary>
/// LLM502: a relay forwards a model stream while its client's token is at hand, and the model call gets no token,
/// <c>default</c>, <c>CancellationToken.None</c>, or a token not linked to the client's. The diagnostic is on the call that
/// starts the stream (the SDK's streaming call, or the <c>HttpClient</c> send of a hand-rolled stream).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelStreamIgnoresClientDisconnectAnalyzer : LlmAnalyzer
{
    /// <summary>The client's token as code (<c>ct</c>, <c>context.RequestAborted</c>…).</summary>
    internal const string ClientTokenProperty = "ClientToken";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM502_ModelStreamIgnoresClientDisconnect);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Relays is { } relays && llm.Types.CancellationToken is not null)
        {
            RelayLoops.RegisterReportedPerBody(start, (c, found) => AnalyzeLoop(c, llm, relays, found));
            start.RegisterOperationAction(c => ReturnedStreamDisconnect.Analyze(c, llm, relays), OperationKind.Return);
            start.RegisterOperationAction(c => ProxyDisconnect.Analyze(c, llm, relays), OperationKind.Invocation);
        }
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, RelayRecognizer relays, ConcurrentQueue<Diagnostic> found)
    {
        var loop = (ILoopOperation)context.Operation;
        var cancellationToken = context.CancellationToken;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        if (llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, RelayLoops.Shapes) is not { } streamLoop
            || relays.TryGetRelay(streamLoop, cancellationToken) is not { ClientTokenText: { } clientToken } relay
            || ModelCall(streamLoop, llm, cancellationToken) is not { } call)
        {
            return;
        }

        List<IOperation> tokens;
        if (streamLoop.Source?.Wrapper is { } wrapper)
        {
            // A service method's stream: what counts is what reaches the service's token parameter, and that it goes on to the model.
            switch (relays.Services.Of(wrapper, options, call.SemanticModel))
            {
                case { Reach: TokenReach.Parameter, TokenParameter: { } parameter }:
                    tokens = ServiceStreams.TokensFor(call, parameter, EnumerationTokens(streamLoop, llm, cancellationToken)).ToList();
                    break;
                case { Reach: TokenReach.Dropped or TokenReach.NoParameter } service:
                    found.Enqueue(ServiceDoesNotForward(call, wrapper, service, relay, clientToken));
                    return;
                default:
                    return;
            }
        }
        else
        {
            tokens = Tokens(streamLoop, call, llm, cancellationToken).ToList();
        }

        if (tokens.Any(t => relays.IsLinkedToClient(t, cancellationToken)))
        {
            return;
        }

        found.Enqueue(NotLinked(call, tokens, relay, clientToken, llm, because: null));
    }

    /// <summary>
    /// The finding on a model call (or a service call) none of whose <paramref name="tokens"/> is linked to the client's:
    /// the fix replaces (None) or links (another token) the token given; with none, it adds the client's to the call.
    /// <paramref name="because"/>, when given, ends the message instead of the default ending.
    /// </summary>
    internal static Diagnostic NotLinked(IInvocationOperation call, IReadOnlyList<IOperation> tokens, Relay relay, string clientToken, LlmAnalysisContext llm, string? because)
    {
        string given;
        var notLinked = tokens.FirstOrDefault(t => !llm.Cancellation.IsNone(t));
        if (notLinked is not null)
        {
            given = "'" + notLinked.Syntax + "' (not linked to the client's)";
        }
        else
        {
            given = tokens.Count > 0 ? "'" + tokens[0].Syntax + "'" : "no token";
        }

        var replaced = notLinked ?? tokens.FirstOrDefault();
        return Diagnostic.Create(
            Descriptors.LLM502_ModelStreamIgnoresClientDisconnect,
            StreamEnumeration.NameLocation(call.Syntax),
            replaced is null ? null : new[] { replaced.Syntax.GetLocation() },
            ImmutableDictionary<string, string?>.Empty.Add(ClientTokenProperty, clientToken),
            "'" + call.TargetMethod.Name + "'",
            given,
            relay.KindName,
            "'" + clientToken + "'",
            because ?? (notLinked is null ? string.Empty : ", or a token linked to both"));
    }

    /// <summary>
    /// A service method that does not hand its token on to the model call (or takes none): whatever the relay passes,
    /// the client's disconnect cannot reach the model. Reported on the relay's call, with no fix: the fix belongs in the
    /// service method, whose other callers it would change too.
    /// </summary>
    internal static Diagnostic ServiceDoesNotForward(IInvocationOperation call, ModelTextStream wrapper, ServiceStream service, Relay relay, string clientToken)
    {
        var model = wrapper.Family == LlmFamily.HandRolled ? "the model request" : "'" + wrapper.StreamName + "'";
        var name = "'" + call.TargetMethod.Name + "'";
        return Diagnostic.Create(
            Descriptors.LLM502_ModelStreamIgnoresClientDisconnect,
            StreamEnumeration.NameLocation(call.Syntax),
            name,
            service.Reach == TokenReach.NoParameter ? "no token (it takes none)" : "a token it does not pass on to " + model,
            relay.KindName,
            "'" + clientToken + "'",
            service.Reach == TokenReach.NoParameter
                ? " through a token parameter of " + name + " to " + model
                : " on from " + name + " to " + model);
    }

    /// <summary>
    /// The call that starts the model stream the relay forwards: the SDK's streaming call (in the loop's collection or in
    /// the initializer of the local it enumerates), or the send of a hand-rolled stream. Null when it is not visible here.
    /// </summary>
    internal static IInvocationOperation? ModelCall(LlmStreamLoop streamLoop, LlmAnalysisContext llm, CancellationToken cancellationToken)
        => streamLoop.HandRolled is null
            ? streamLoop.Source is { Origin: StreamOrigin.Call, Call: { } call } && call.IsWithin(HttpClientRegistrations.Root(streamLoop.Loop)) ? call : null
            : llm.HttpClients.Responses.TraceLoopToCall(streamLoop, cancellationToken);

    /// <summary>
    /// The tokens given to the stream: the streaming call's (or send's) token arguments, <c>WithCancellation(token)</c> on
    /// the enumerated stream, and the token arguments of a hand-rolled loop's reads.
    /// </summary>
    internal static IEnumerable<IOperation> Tokens(LlmStreamLoop streamLoop, IInvocationOperation call, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        foreach (var argument in llm.Cancellation.ExplicitTokenArguments(call))
        {
            yield return argument.Value;
        }

        foreach (var token in EnumerationTokens(streamLoop, llm, cancellationToken))
        {
            yield return token;
        }
    }

    /// <summary>
    /// The tokens given to the enumeration rather than to the call: <c>WithCancellation(token)</c> (<c>WaitAsync</c>,
    /// <c>EnumerateAsync</c>) on the enumerated stream, and the token arguments of a hand-rolled loop's reads.
    /// </summary>
    internal static IEnumerable<IOperation> EnumerationTokens(LlmStreamLoop streamLoop, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        var wrappers = streamLoop.Loop is IForEachLoopOperation forEach ? forEach.Collection.DescendantsAndSelf() : Enumerable.Empty<IOperation>();
        if (streamLoop.Loop is IForEachLoopOperation { Collection: var collection } && collection.WalkDownConversions() is ILocalReferenceOperation local
            && StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken) is { } initializer)
        {
            wrappers = wrappers.Concat(initializer.DescendantsAndSelf());
        }

        var reads = streamLoop.HandRolled?.Reads ?? ImmutableArray<IInvocationOperation>.Empty;
        foreach (var node in wrappers.Concat(reads))
        {
            if (node is IInvocationOperation { TargetMethod.Name: "WithCancellation" or "WaitAsync" or "EnumerateAsync" or "ReadLineAsync" or "ReadAsync" } wrapper)
            {
                foreach (var argument in llm.Cancellation.ExplicitTokenArguments(wrapper))
                {
                    yield return argument.Value;
                }
            }
        }
    }
}
