
namespace LlmStreaming.Analyzers.Relays;

/// <summary>Where the token a service method is given goes: to the model call at the bottom of its stream, or nowhere.</summary>
internal enum TokenReach
{
    /// <summary>A token parameter of the method (<see cref="ServiceStream.TokenParameter"/>) reaches the model call.</summary>
    Parameter,

    /// <summary>The method takes a token, and the model call gets none of it (no token, <c>default</c>, a source of its own).</summary>
    Dropped,

    /// <summary>The method takes no token: the model call cannot get its caller's.</summary>
    NoParameter,

    /// <summary>The model call gets a token the recognizer cannot follow.</summary>
    Unknown,
}

/// <summary>What a relay needs to know of a service method whose summary says it returns a model text stream.</summary>
internal sealed class ServiceStream
{
    public ServiceStream(TokenReach reach, IParameterSymbol? tokenParameter, bool yieldsRawText)
    {
        Reach = reach;
        TokenParameter = tokenParameter;
        YieldsRawText = yieldsRawText;
    }

    public TokenReach Reach { get; }

    /// <summary>With <see cref="TokenReach.Parameter"/>, the parameter whose token reaches the model call.</summary>
    public IParameterSymbol? TokenParameter { get; }

    /// <summary>
    /// Every value the method yields is a model text delta as the SDK gave it (<c>update.Text</c>): no JSON, no
    /// prefix of the method's own. A relay that writes it after <c>data:</c> writes raw model text (LLM503).
    /// </summary>
    public bool YieldsRawText { get; }
}

/// <summary>
/// The relay facts of service methods (issue 14: cross-method relays): for a source method that
/// <see cref="MethodSummaries.ReturnedTextStream"/> says returns a model text stream, whether its token parameter
/// reaches the model call (LLM502) and whether it yields raw text deltas (LLM503). Answered from the method's body
/// once per method for the compilation, following the same methods as the summary (at most
/// <see cref="MethodSummaries.MaxDepth"/>, never one already on the path); a method met below another is answered
/// from its kept facts when there are some, else from its body, and that answer is not kept.
/// </summary>
internal sealed class ServiceStreams
{
    private readonly LlmAnalysisContext _context;
    private readonly SummaryCache<IMethodSymbol, ServiceStream?> _streams = new();

    public ServiceStreams(LlmAnalysisContext context) => _context = context;

    /// <summary>How many methods' facts have been computed and kept (tests guard "once per method per compilation" with it).</summary>
    internal int ComputedCount => _streams.ComputedCount;

    /// <summary>The facts of the method <paramref name="wrapper"/> summarises; null when its stream cannot be followed.</summary>
    public ServiceStream? Of(ModelTextStream wrapper, LlmOptions options, SemanticModel? callerModel)
    {
        return _streams.Get(wrapper.Method, m => Compute(m, options, callerModel, MethodSummaries.MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { m }));
    }

    /// <summary>
    /// The tokens a call of a service method hands to its <paramref name="parameter"/>: the argument written for it, and
    /// the tokens of <paramref name="enumerationTokens"/> (<c>WithCancellation(ct)</c>) when the parameter is the
    /// iterator's <c>[EnumeratorCancellation]</c> one.
    /// </summary>
    public static IEnumerable<IOperation> TokensFor(IInvocationOperation call, IParameterSymbol parameter, IEnumerable<IOperation> enumerationTokens)
    {
        foreach (var argument in call.Arguments)
        {
            if (argument.ArgumentKind != ArgumentKind.DefaultValue && argument.Parameter?.Name == parameter.Name)
            {
                yield return argument.Value;
            }
        }

        if (parameter.GetAttributes().Any(a => a.AttributeClass?.Name == "EnumeratorCancellationAttribute"))
        {
            foreach (var token in enumerationTokens)
            {
                yield return token;
            }
        }
    }

    private ServiceStream? Compute(IMethodSymbol method, LlmOptions options, SemanticModel? callerModel, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if (!method.IsAsync)
        {
            // => _inner.StreamAsync(q, ct): the inner method's facts, through the arguments of this call.
            return MethodSummaries.OnlyReturned(method) is InvocationExpressionSyntax returned
                && _context.Summaries.ModelFor(returned.SyntaxTree, callerModel) is { } returnedModel
                && returnedModel.GetOperation(returned) is IInvocationOperation call
                    ? Through(method, call, Enumerable.Empty<IOperation>(), yieldsRawText: true, options, returnedModel, depthLeft, path)
                    : null;
        }

        if (MethodSummaries.Body(method) is not { } body || _context.Summaries.ModelFor(body.SyntaxTree, callerModel) is not { } model
            || model.GetOperation(body) is not { } operation)
        {
            return null;
        }

        foreach (var node in operation.DescendantsWithinFunction())
        {
            if (node is not ILoopOperation loop
                || _context.Streams.TryGetStreamLoop(loop, options, CancellationToken.None, StreamShapes.All) is not { } streamLoop
                || Yields(streamLoop) is not { } yieldsRawText)
            {
                continue;
            }

            if (streamLoop.Shape == StreamShapes.Wrapper)
            {
                return streamLoop.Source?.Call is { } inner
                    ? Through(method, inner, ModelStreamIgnoresClientDisconnectAnalyzer.EnumerationTokens(streamLoop, _context, CancellationToken.None), yieldsRawText, options, model, depthLeft, path)
                    : null;
            }

            return ModelStreamIgnoresClientDisconnectAnalyzer.ModelCall(streamLoop, _context, CancellationToken.None) is { } modelCall
                ? Reaching(method, ModelStreamIgnoresClientDisconnectAnalyzer.Tokens(streamLoop, modelCall, _context, CancellationToken.None), yieldsRawText)
                : new ServiceStream(TokenReach.Unknown, null, yieldsRawText);
        }

        return null;
    }

    /// <summary>
    /// Whether the loop yields what it reads: null when it yields nothing taken from the update, else true when every
    /// yield is a raw text delta (<c>update.Text</c>, or a local initialised with one).
    /// </summary>
    private bool? Yields(LlmStreamLoop streamLoop)
    {
        bool? yields = null;
        foreach (var node in streamLoop.Body.DescendantsWithinFunction())
        {
            if (node is IReturnOperation { Kind: OperationKind.YieldReturn, ReturnedValue: { } value } && StreamRecognizer.IsDerivedFromIteration(value, streamLoop))
            {
                yields = (yields ?? true) && IsRawDelta(value, streamLoop);
            }
        }

        return yields;
    }

    private bool IsRawDelta(IOperation value, LlmStreamLoop streamLoop)
    {
        var whole = value.WalkDownConversions();
        return TextDeltas.IsTextDelta(whole, streamLoop, _context.Streams)
            || whole is ILocalReferenceOperation local && !SymbolEqualityComparer.Default.Equals(local.Local, streamLoop.IterationVariable)
                && StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, CancellationToken.None) is { } initializer
                && TextDeltas.IsTextDelta(initializer.WalkDownConversions(), streamLoop, _context.Streams);
    }

    /// <summary>The facts of a method whose stream is another service method's, reached by <paramref name="call"/>.</summary>
    private ServiceStream? Through(IMethodSymbol method, IInvocationOperation call, IEnumerable<IOperation> enumerationTokens, bool yieldsRawText, LlmOptions options, SemanticModel model, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var callee = MethodSummaries.Definition(call.TargetMethod);
        if (depthLeft <= 1 || path.Contains(callee) || _context.Summaries.ReturnedTextStream(callee, options, model) is null)
        {
            return null;
        }

        ServiceStream? inner;
        if (_streams.TryGetKept(callee, out var kept))
        {
            inner = kept;
        }
        else
        {
            path.Add(callee);
            inner = Compute(callee, options, model, depthLeft - 1, path);
            path.Remove(callee);
        }

        if (inner is null)
        {
            return null;
        }

        yieldsRawText &= inner.YieldsRawText;
        return inner.Reach switch
        {
            TokenReach.Parameter => Reaching(method, TokensFor(call, inner.TokenParameter!, enumerationTokens), yieldsRawText),
            TokenReach.Unknown => new ServiceStream(TokenReach.Unknown, null, yieldsRawText),
            _ => new ServiceStream(TakesToken(method) ? TokenReach.Dropped : TokenReach.NoParameter, null, yieldsRawText),
        };
    }

    /// <summary>Where the tokens given to the model stream (or to the inner service method) come from.</summary>
    private ServiceStream Reaching(IMethodSymbol method, IEnumerable<IOperation> tokens, bool yieldsRawText)
    {
        var unknown = false;
        foreach (var token in tokens)
        {
            switch (Origin(token, method, depth: 0))
            {
                case IParameterSymbol parameter:
                    return new ServiceStream(TokenReach.Parameter, parameter, yieldsRawText);
                case null:
                    unknown = true;
                    break;
            }
        }

        return new ServiceStream(unknown ? TokenReach.Unknown : TakesToken(method) ? TokenReach.Dropped : TokenReach.NoParameter, null, yieldsRawText);
    }

    private bool TakesToken(IMethodSymbol method) => method.Parameters.Any(p => _context.Cancellation.IsToken(p.Type));

    /// <summary>Sentinel of <see cref="Origin"/>: the token is visibly not the method's caller's.</summary>
    private static readonly object NotTheCallers = new();

    /// <summary>
    /// Where a token comes from: a token parameter of <paramref name="method"/>, <see cref="NotTheCallers"/> (None,
    /// <c>default</c>, a field or property, a source created here without a parameter's token), or null when it cannot be told.
    /// </summary>
    private object? Origin(IOperation token, IMethodSymbol method, int depth)
    {
        if (depth > 6)
        {
            return null;
        }

        var value = token.WalkDownConversions();
        if (_context.Cancellation.IsNone(value))
        {
            return NotTheCallers;
        }

        switch (value)
        {
            case IParameterReferenceOperation { Parameter: var parameter }:
                return SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method) && _context.Cancellation.IsToken(parameter.Type) ? parameter : null;

            case IPropertyReferenceOperation { Property.Name: "Token", Instance: { } source } when _context.Cancellation.IsTokenSource(source.Type):
                return SourceOrigin(source.WalkDownConversions(), method, depth);

            case IFieldReferenceOperation or IPropertyReferenceOperation:
                return NotTheCallers;

            case ILocalReferenceOperation local:
                return StreamRecognizer.LocalInitializer(local.Local, value.SemanticModel, CancellationToken.None) is { } initializer
                    ? Origin(initializer, method, depth + 1)
                    : null;

            default:
                return null;
        }
    }

    /// <summary>A source linked to a parameter's token gives that parameter; a new source or a field's is not the caller's.</summary>
    private object? SourceOrigin(IOperation source, IMethodSymbol method, int depth)
    {
        var creation = source is ILocalReferenceOperation local
            ? StreamRecognizer.LocalInitializer(local.Local, source.SemanticModel, CancellationToken.None)?.WalkDownConversions()
            : source;
        switch (creation)
        {
            case IObjectCreationOperation or IFieldReferenceOperation or IPropertyReferenceOperation:
                return NotTheCallers;

            case IInvocationOperation { TargetMethod.Name: "CreateLinkedTokenSource" } linked:
                object? found = NotTheCallers;
                foreach (var argument in linked.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue))
                {
                    var elements = argument.Value.WalkDownConversions() is IArrayCreationOperation { Initializer: { } array } ? array.ElementValues : (IEnumerable<IOperation>)new[] { argument.Value };
                    foreach (var element in elements)
                    {
                        switch (Origin(element, method, depth + 1))
                        {
                            case IParameterSymbol parameter:
                                return parameter;
                            case null:
                                found = null;
                                break;
                        }
                    }
                }

                return found;

            default:
                return null;
        }
    }
}
