namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Follows cancellation tokens: from a <c>CancellationTokenSource</c> to the calls that receive its token (directly,
/// through a local, or through a linked source), and whether such a call is part of an LLM stream.
/// </summary>
internal sealed class CancellationFlow
{
    private readonly LlmAnalysisContext _context;

    public CancellationFlow(LlmAnalysisContext context) => _context = context;

    private KnownTypes Types => _context.Types;

    public bool IsToken(ITypeSymbol? type) => type is not null && SymbolEqualityComparer.Default.Equals(type, Types.CancellationToken);

    public bool IsTokenSource(ITypeSymbol? type) => type.IsOrInheritsFrom(Types.CancellationTokenSource);

    /// <summary>True for a token that can never be cancelled: <c>CancellationToken.None</c>, <c>default</c>, <c>new CancellationToken()</c>/<c>(false)</c>.</summary>
    public bool IsNone(IOperation token)
    {
        switch (token.WalkDownConversions())
        {
            case IPropertyReferenceOperation { Property: { Name: "None", IsStatic: true } property } when IsToken(property.ContainingType):
                return true;
            case IDefaultValueOperation:
                return true;
            case IObjectCreationOperation creation when IsToken(creation.Type):
                return creation.Arguments.Length == 0
                    || creation.Arguments.Length == 1 && creation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: false };
            default:
                return false;
        }
    }

    /// <summary>The token arguments written at the call (not the omitted optional ones), None tokens included.</summary>
    public IEnumerable<IArgumentOperation> ExplicitTokenArguments(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind != ArgumentKind.DefaultValue && argument.Parameter is { } parameter && IsToken(parameter.Type))
            {
                yield return argument;
            }
        }
    }

    /// <summary>True when the call is given a token that can be cancelled.</summary>
    public bool PassesRealToken(IInvocationOperation invocation)
    {
        foreach (var argument in ExplicitTokenArguments(invocation))
        {
            if (!IsNone(argument.Value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The arguments that carry the token of <paramref name="source"/> (a local or field holding a
    /// <c>CancellationTokenSource</c>) within <paramref name="scope"/>: <c>source.Token</c>, a local initialised with it,
    /// and the token of a source linked to it (<c>CreateLinkedTokenSource(source.Token)</c>).
    /// </summary>
    public IEnumerable<IArgumentOperation> TokenArguments(ISymbol source, IOperation scope)
        => TokenArguments(source, scope, depth: 0);

    private IEnumerable<IArgumentOperation> TokenArguments(ISymbol source, IOperation scope, int depth)
    {
        if (depth > 3)
        {
            yield break;
        }

        foreach (var node in scope.Descendants())
        {
            if (node is not IPropertyReferenceOperation { Property.Name: "Token", Instance: { } instance } tokenReference
                || !IsTokenSource(instance.Type)
                || !SymbolEqualityComparer.Default.Equals(instance.WalkDownConversions().ReferencedSymbol(), source))
            {
                continue;
            }

            foreach (var argument in Carriers(tokenReference, scope, depth))
            {
                yield return argument;
            }
        }
    }

    /// <summary>The arguments that carry the token value <paramref name="tokenValue"/> (<c>cts.Token</c>, <c>new CancellationTokenSource(…).Token</c>) within <paramref name="scope"/>.</summary>
    public IEnumerable<IArgumentOperation> TokenArgumentsOfValue(IOperation tokenValue, IOperation scope)
        => Carriers(tokenValue, scope, depth: 0);

    private IEnumerable<IArgumentOperation> Carriers(IOperation tokenValue, IOperation scope, int depth)
    {
        IOperation current = tokenValue;
        while (current.Parent is IConversionOperation)
        {
            current = current.Parent;
        }

        switch (current.Parent)
        {
            case IArgumentOperation { Parent: IInvocationOperation linked } when linked.TargetMethod.Name == "CreateLinkedTokenSource":
                // var linked = CancellationTokenSource.CreateLinkedTokenSource(source.Token): follow the linked source.
                IOperation up = linked;
                while (up.Parent is IConversionOperation)
                {
                    up = up.Parent;
                }

                if (up.Parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator })
                {
                    foreach (var carried in TokenArguments(declarator.Symbol, scope, depth + 1))
                    {
                        yield return carried;
                    }
                }

                break;

            case IArgumentOperation argument:
                yield return argument;
                break;

            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation tokenLocal }:
                // var token = source.Token;
                foreach (var node in scope.Descendants())
                {
                    if (node is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, tokenLocal.Symbol))
                    {
                        IOperation use = reference;
                        while (use.Parent is IConversionOperation)
                        {
                            use = use.Parent;
                        }

                        if (use.Parent is IArgumentOperation carried)
                        {
                            yield return carried;
                        }
                    }
                }

                break;
        }
    }

    /// <summary>
    /// True when the call that receives <paramref name="tokenArgument"/> is part of an LLM stream: an SDK streaming call,
    /// <c>WithCancellation</c> on one, an aggregation, a read (or <c>EnumerateAsync</c>) of a hand-rolled stream loop, or an
    /// HTTP call of an LLM HttpClient or whose body a hand-rolled loop reads.
    /// </summary>
    public bool ReachesLlmStream(IArgumentOperation tokenArgument, LlmOptions options, CancellationToken cancellationToken)
    {
        if (tokenArgument.Parent is not IInvocationOperation invocation)
        {
            return false;
        }

        var streams = _context.Streams;
        if (streams.TryGetStreamCall(invocation, options) is not null || streams.TryGetAggregation(invocation, options, cancellationToken) is not null)
        {
            return true;
        }

        if (SdkCatalog.PassThroughWrappers.Contains(invocation.TargetMethod.Name)
            && (invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null)) is { } receiver
            && streams.TryGetStreamValue(receiver, options, cancellationToken) is not null)
        {
            return true;
        }

        if (IsHandRolledRead(invocation, options, cancellationToken, out _))
        {
            return true;
        }

        var responses = _context.HttpClients.Responses;
        if ((responses.IsSend(invocation) || responses.IsGetStream(invocation)) && HttpResponseFlow.ClientOf(invocation) is { } client)
        {
            if (_context.HttpClients.Classify(client, options, cancellationToken) != LlmHttpClientEvidence.None)
            {
                return true;
            }

            foreach (var loop in HandRolledLoops(invocation, options, cancellationToken))
            {
                if (responses.TraceLoopToCall(loop, cancellationToken)?.Syntax == invocation.Syntax)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="invocation"/> is a read of a hand-rolled stream loop (<c>ReadLineAsync</c> in its condition
    /// or body, the <c>EnumerateAsync</c> of an <c>SseParser</c> loop, or <c>WaitAsync</c>/<c>WithCancellation</c> around them).
    /// </summary>
    public bool IsHandRolledRead(IInvocationOperation invocation, LlmOptions options, CancellationToken cancellationToken, out LlmStreamLoop? loop)
    {
        loop = null;
        var read = invocation;
        if (invocation.TargetMethod.Name is "WaitAsync" or "WithCancellation" && invocation.Instance?.WalkDownConversions() is IInvocationOperation inner)
        {
            read = inner;
        }

        for (var ancestor = invocation.Parent; ancestor is not null && !ancestor.IsFunctionBoundary(); ancestor = ancestor.Parent)
        {
            if (ancestor is ILoopOperation candidate
                && _context.Streams.TryGetStreamLoop(candidate, options, cancellationToken) is { HandRolled: { } handRolled } streamLoop)
            {
                if (handRolled.Reads.Any(r => r.Syntax == read.Syntax)
                    || handRolled.UsesSseParser && candidate is IForEachLoopOperation forEach && HttpResponseFlow.SseEnumerateCall(forEach.Collection)?.Syntax == read.Syntax)
                {
                    loop = streamLoop;
                    return true;
                }

                if (handRolled.UsesSseParser && candidate is IForEachLoopOperation withWrapper && invocation.IsWithin(withWrapper.Collection))
                {
                    loop = streamLoop;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The hand-rolled stream loops of the function that contains <paramref name="operation"/>.</summary>
    public IEnumerable<LlmStreamLoop> HandRolledLoops(IOperation operation, LlmOptions options, CancellationToken cancellationToken)
    {
        foreach (var node in HttpClientRegistrations.Root(operation).Descendants())
        {
            if (node is ILoopOperation loop && _context.Streams.TryGetStreamLoop(loop, options, cancellationToken) is { HandRolled: not null } streamLoop)
            {
                yield return streamLoop;
            }
        }
    }
}
