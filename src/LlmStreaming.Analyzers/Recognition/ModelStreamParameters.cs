
namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Parsers that read a model stream from a parameter (issue 11): a method of this compilation whose hand-rolled read
/// loop reads a reader, stream or response it gets as a parameter (<c>ParseAsync(StreamReader reader)</c>,
/// <c>SseParser.Create(reader.BaseStream)</c>, <c>response.Content.ReadAsStreamAsync()</c>), where at least one call of
/// the method in the compilation hands that parameter a model response's body. Such a loop is a
/// <see cref="StreamShapes.ParameterFed"/> stream; its type needs no HTTP or model signal of its own.
/// <para>
/// The callers of a parser are found once per parameter per compilation (shared by every rule), and only for a loop
/// that reads a parameter: the trees whose text names the method are bound and their calls of it checked. What a caller
/// hands in is followed through locals, <c>new StreamReader(…)</c>, <c>BaseStream</c>, <c>Content.ReadAsStreamAsync()</c>
/// and <c>EnsureSuccessStatusCode()</c> to a send of a model request, to a source helper that returns one
/// (<see cref="HttpMethodSummaries"/>), or to a parameter of the caller, whose callers are asked in turn, at most
/// <see cref="MethodSummaries.MaxDepth"/> methods up and never through a method already on the path.
/// </para>
/// </summary>
internal sealed class ModelStreamParameters
{
    private readonly LlmAnalysisContext _context;
    private readonly SummaryCache<IParameterSymbol, string?> _fedBy = new();

    public ModelStreamParameters(LlmAnalysisContext context) => _context = context;

    /// <summary>How many parameters have been answered and kept (tests guard "once per parameter per compilation" with it).</summary>
    internal int ComputedCount => _fedBy.ComputedCount;

    /// <summary>The loop as a <see cref="StreamShapes.ParameterFed"/> hand-rolled stream, or null.</summary>
    public LlmStreamLoop? TryRecognize(ILoopOperation loop, LlmOptions options, CancellationToken cancellationToken)
    {
        if (_context.Types.HttpClient is null || loop.SemanticModel is not { } model
            || !SourceWords.ContainsText(loop.Syntax, "ReadLine", cancellationToken) && !SourceWords.ContainsText(loop.Syntax, "Enumerate", cancellationToken)
            || model.GetEnclosingSymbol(loop.Syntax.SpanStart, cancellationToken) is not IMethodSymbol method
            || !IsSourceMethod(method) || !method.Parameters.Any(p => IsBodyType(p.Type)))
        {
            return null; // most loops: no read in them (as HandRolledRecognizer filters), or their method takes no reader, stream or response
        }

        if (_context.HandRolled.TryRecognize(loop, options, cancellationToken, fedBy: string.Empty) is not { HandRolled: { } shape }
            || ReadParameter(loop, shape, cancellationToken) is not { } parameter
            || !SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method)
            || FedBy(parameter, options) is not { } caller)
        {
            return null;
        }

        var fed = new HandRolledStream(shape.IsSse, shape.UsesSseParser, shape.Reads, shape.LineVariable, shape.JsonParses, shape.SplitsBufferedBody, caller);
        return new LlmStreamLoop(loop, LlmStreamKind.HandRolled, LlmFamily.HandRolled, Source: null, shape.LineVariable, ElementType: null, fed);
    }

    /// <summary>The name of a caller that hands <paramref name="parameter"/> a model response, or null. Answered once per parameter.</summary>
    public string? FedBy(IParameterSymbol parameter, LlmOptions options)
    {
        return _fedBy.Get(parameter.OriginalDefinition, p => Compute(p, options, MethodSummaries.MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { (IMethodSymbol)p.ContainingSymbol }));
    }

    internal static bool IsSourceMethod(IMethodSymbol method)
        => method is { IsAbstract: false, IsExtern: false, MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction, DeclaringSyntaxReferences.Length: 1 };

    /// <summary>A reader, a stream, a response or its content.</summary>
    internal bool IsBodyType(ITypeSymbol type)
    {
        var types = _context.Types;
        return type.IsOrInheritsFrom(types.TextReader) || type.IsOrInheritsFrom(types.HttpResponseMessage) || type.IsOrInheritsFrom(types.HttpContent)
            || HttpMethodSummaries.IsStream(type);
    }

    /// <summary>The parameter the loop's reads (or its SseParser) read, through the reader built on it.</summary>
    internal IParameterSymbol? ReadParameter(ILoopOperation loop, HandRolledStream shape, CancellationToken cancellationToken)
    {
        if (shape.UsesSseParser)
        {
            var stream = _context.HttpClients.Responses.LoopBodySource(new LlmStreamLoop(loop, LlmStreamKind.HandRolled, LlmFamily.HandRolled, null, null, null, shape), cancellationToken);
            return ParameterUnder(stream, cancellationToken);
        }

        IParameterSymbol? found = null;
        foreach (var read in shape.Reads)
        {
            var parameter = ParameterUnder(read.Instance, cancellationToken);
            if (parameter is null || found is not null && !SymbolEqualityComparer.Default.Equals(found, parameter))
            {
                return null;
            }

            found = parameter;
        }

        return found;
    }

    /// <summary>The parameter a reader or stream is (or is built on): <c>reader</c>, <c>new StreamReader(stream)</c>, <c>reader.BaseStream</c>, <c>response.Content.ReadAsStreamAsync()</c>.</summary>
    internal IParameterSymbol? ParameterUnder(IOperation? value, CancellationToken cancellationToken)
    {
        for (var step = 0; value is not null && step < 6; step++)
        {
            switch (HttpResponseFlow.FollowLocal(value, cancellationToken))
            {
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter;
                case var other when Inner(other) is { } inner:
                    value = inner;
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>One step down from a reader or stream to what it is built on, or null.</summary>
    internal IOperation? Inner(IOperation value)
        => value switch
        {
            IObjectCreationOperation { Arguments.Length: > 0 } creation when creation.Type.IsOrInheritsFrom(_context.Types.TextReader) || creation.Type?.Name == "BufferedStream"
                => creation.Arguments[0].Value,
            IPropertyReferenceOperation { Property.Name: "BaseStream", Instance: { } reader } => reader,
            IInvocationOperation { TargetMethod.Name: "ReadAsStreamAsync" or "ReadAsStream", Instance: { } content }
                => content.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "Content", Instance: { } response } ? response : content,
            IPropertyReferenceOperation { Property.Name: "Content", Instance: { } response } when value.Type.IsOrInheritsFrom(_context.Types.HttpContent) => response,
            IInvocationOperation { TargetMethod.Name: "EnsureSuccessStatusCode", Instance: { } response } => response,
            _ => null,
        };

    private string? Compute(IParameterSymbol parameter, LlmOptions options, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var method = (IMethodSymbol)parameter.ContainingSymbol;
        foreach (var call in CallsOf(method))
        {
            var argument = call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == parameter.Ordinal && !a.IsImplicit);
            if (argument is not null && IsModelResponse(argument.Value, options, depthLeft, path))
            {
                return HttpMethodSummaries.MemberName(call);
            }
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="value"/>, an argument of a call in <paramref name="caller"/>, is the body (or reader,
    /// or response) of a model request, by the tests a caller's argument gets here (parameters followed up to
    /// <see cref="MethodSummaries.MaxDepth"/> methods).
    /// </summary>
    public bool IsModelResponseArgument(IOperation value, IMethodSymbol caller, LlmOptions options)
        => IsModelResponse(value, options, MethodSummaries.MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { caller.OriginalDefinition });

    /// <summary>True when <paramref name="value"/> is the body (or reader, or response) of a model request.</summary>
    private bool IsModelResponse(IOperation value, LlmOptions options, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var flow = _context.HttpClients.Responses;
        for (var step = 0; step < 8; step++)
        {
            var current = HttpResponseFlow.FollowLocal(value, CancellationToken.None);
            switch (current)
            {
                case IInvocationOperation send when flow.IsSend(send) || flow.IsGetStream(send):
                    return SendsToAModel(send, options);

                case IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol caller } outer } when depthLeft > 1 && IsSourceMethod(caller) && !path.Contains(caller):
                    path.Add(caller);
                    var fed = Compute(outer.OriginalDefinition, options, depthLeft - 1, path);
                    path.Remove(caller);
                    return fed is not null;

                case var other when Inner(other) is { } inner:
                    value = inner;
                    continue;

                case IInvocationOperation helper when helper.TargetMethod.DeclaringSyntaxReferences.Length == 1:
                    return _context.HttpSummaries.SentResponse(helper.TargetMethod, options) is { } sent
                        && (sent.HasModelSignal || HttpMethodSummaries.NamesModel(helper, options) || HttpMethodSummaries.MemberNamesModel(helper, options));

                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>A send whose request visibly goes to a model: asks for a stream, names a model endpoint or host in its call or member, or is in a type that does.</summary>
    private bool SendsToAModel(IInvocationOperation send, LlmOptions options)
    {
        if (_context.HttpClients.Responses.IsStreamingRequest(send, CancellationToken.None)
            || HttpMethodSummaries.NamesModel(send, options) || HttpMethodSummaries.MemberNamesModel(send, options))
        {
            return true;
        }

        return send.SemanticModel is { } model
            && model.GetEnclosingSymbol(send.Syntax.SpanStart)?.ContainingType is { } type
            && _context.HandRolled.GetTypeSignals(type, model, options, CancellationToken.None).HasModelSignal;
    }

    /// <summary>
    /// The calls of <paramref name="method"/> in the compilation: only the trees whose text has its name as a word are
    /// bound, and only their invocations that name it.
    /// </summary>
    internal IEnumerable<IInvocationOperation> CallsOf(IMethodSymbol method)
    {
        var compilation = _context.Compilation;
        foreach (var tree in compilation.SyntaxTrees)
        {
            var root = tree.GetRoot();
            if (!SourceWords.ContainsWord(root, method.Name, CancellationToken.None))
            {
                continue;
            }

            SemanticModel? model = null;
            foreach (var node in root.DescendantNodes())
            {
                if (node is not InvocationExpressionSyntax invocation || CalledName(invocation.Expression) != method.Name)
                {
                    continue;
                }

                model ??= compilation.GetSemanticModel(tree);
                if (model.GetOperation(invocation) is IInvocationOperation call
                    && SymbolEqualityComparer.Default.Equals((call.TargetMethod.ReducedFrom ?? call.TargetMethod).OriginalDefinition, method))
                {
                    yield return call;
                }
            }
        }
    }

    private static string? CalledName(ExpressionSyntax expression)
        => expression switch
        {
            SimpleNameSyntax name => name.Identifier.ValueText,
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            _ => null,
        };
}
