using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// What a method's summary says about the request it sends: it sends one HTTP request and returns its response (or the
/// response's content stream), sent buffered or with headers read, to a model or not.
/// </summary>
internal sealed class ModelSend
{
    public ModelSend(IMethodSymbol method, IInvocationOperation send, BodyBuffering buffering, bool hasModelSignal, int depth)
    {
        Method = method;
        Send = send;
        Buffering = buffering;
        HasModelSignal = hasModelSignal;
        Depth = depth;
    }

    /// <summary>The method that returns the response (its original definition).</summary>
    public IMethodSymbol Method { get; }

    /// <summary>The <c>SendAsync</c>/<c>PostAsync</c>/… call at the bottom (in <see cref="Method"/> or a method it forwards to).</summary>
    public IInvocationOperation Send { get; }

    /// <summary>How <see cref="Send"/> reads the body.</summary>
    public BodyBuffering Buffering { get; }

    /// <summary>
    /// True when the request visibly goes to a model: a model endpoint path, host or <c>[DONE]</c> in the methods on the
    /// way (<see cref="ModelSignals.IsModelSignalLiteral"/>), a constant URI argument that names one, or a payload that
    /// asks for a stream.
    /// </summary>
    public bool HasModelSignal { get; }

    /// <summary>How many source methods lead to the send: 1 when <see cref="Method"/> sends it itself.</summary>
    public int Depth { get; }
}

/// <summary>
/// Summaries of source methods about HTTP (issue 11): "sends a request and returns its response, and how", answered
/// from their bodies on demand, once per method per compilation, following at most <see cref="MethodSummaries.MaxDepth"/>
/// methods and never one already on the path. A partial answer (one met below another with less depth left) is not kept.
/// </summary>
internal sealed class HttpMethodSummaries
{
    private readonly LlmAnalysisContext _context;
    private readonly SummaryCache<IMethodSymbol, ModelSend?> _sends = new();

    public HttpMethodSummaries(LlmAnalysisContext context) => _context = context;

    /// <summary>How many send summaries have been computed and kept.</summary>
    internal int ComputedCount => _sends.ComputedCount;

    /// <summary>
    /// Cheap checks on the symbol alone: a method of this compilation with one declaration, returning (maybe in a
    /// <c>Task</c>/<c>ValueTask</c>) an <c>HttpResponseMessage</c> or a <c>Stream</c>.
    /// </summary>
    public bool IsCandidate(IMethodSymbol method)
    {
        if (method is not { IsAbstract: false, IsExtern: false, MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction, DeclaringSyntaxReferences.Length: 1 })
        {
            return false;
        }

        var returned = method.ReturnType;
        if (returned.IsConstructedFrom(_context.Types.TaskOfT) || returned.IsConstructedFrom(_context.Types.ValueTaskOfT))
        {
            returned = ((INamedTypeSymbol)returned).TypeArguments[0];
        }

        return returned.IsOrInheritsFrom(_context.Types.HttpResponseMessage) || IsStream(returned);
    }

    /// <summary>True for <c>System.IO.Stream</c> and the types derived from it.</summary>
    internal static bool IsStream(ITypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == "Stream" && current.ContainingNamespace.Is("System.IO"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The request <paramref name="method"/> sends and returns the response (or body) of, or null. Answered once per method.</summary>
    /// <param name="method">The called method.</param>
    /// <param name="options">The options of the caller's file (configured model hosts).</param>
    public ModelSend? SentResponse(IMethodSymbol method, LlmOptions options)
    {
        var definition = Definition(method);
        if (_context.Types.HttpClient is null || !IsCandidate(definition))
        {
            return null;
        }

        return _sends.Get(definition, d => Compute(d, options, MethodSummaries.MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { d }));
    }

    /// <summary>
    /// The call of a source method that <paramref name="value"/> (a response, or a body stream) comes from, through
    /// locals, <c>await</c>, <c>EnsureSuccessStatusCode()</c> and <c>response.Content.ReadAsStreamAsync()</c>; null when it
    /// comes from anything else.
    /// </summary>
    public static IInvocationOperation? SourceCallOf(IOperation? value, CancellationToken cancellationToken)
    {
        for (var step = 0; value is not null && step < 6; step++)
        {
            switch (HttpResponseFlow.FollowLocal(value, cancellationToken))
            {
                case IInvocationOperation { TargetMethod.Name: "EnsureSuccessStatusCode", Instance: { } response }:
                    value = response;
                    continue;

                case IInvocationOperation { TargetMethod.Name: "ReadAsStreamAsync" or "ReadAsStream", Instance: { } content }
                    when content.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "Content", Instance: { } response }:
                    value = response;
                    continue;

                case IInvocationOperation call when call.TargetMethod.DeclaringSyntaxReferences.Length == 1:
                    return call;

                default:
                    return null;
            }
        }

        return null;
    }

    private static IMethodSymbol Definition(IMethodSymbol method) => (method.ReducedFrom ?? method).OriginalDefinition;

    private ModelSend? Compute(IMethodSymbol method, LlmOptions options, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if (BodyOf(method) is not { } body)
        {
            return null;
        }

        var declaration = body.Syntax;

        var flow = _context.HttpClients.Responses;
        ModelSend? found = null;
        foreach (var node in body.DescendantsWithinFunction())
        {
            if (node is not IReturnOperation { Kind: OperationKind.Return, ReturnedValue: { } value }
                || value.WalkDownConversions() is ILiteralOperation { ConstantValue: { HasValue: true, Value: null } })
            {
                continue;
            }

            var returned = Returned(method, value, options, depthLeft, path, flow);
            if (returned is null || found is not null && found.Send.Syntax != returned.Send.Syntax)
            {
                return null; // something else returned, or two requests: not summarised
            }

            found ??= returned;
        }

        if (found is null || found.HasModelSignal || !HasModelLiteral(declaration, options))
        {
            return found;
        }

        return new ModelSend(found.Method, found.Send, found.Buffering, hasModelSignal: true, found.Depth);
    }

    /// <summary>
    /// The operation of the one declaration of a source method, constructor or local function (its body and, for a
    /// constructor, its initializer), bound with the compilation's semantic model of its tree; null for anything else.
    /// </summary>
    public IOperation? BodyOf(IMethodSymbol method)
    {
        var declaration = method.DeclaringSyntaxReferences.Length == 1 ? method.DeclaringSyntaxReferences[0].GetSyntax() : null;
        return declaration is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax && _context.Compilation.ContainsSyntaxTree(declaration.SyntaxTree)
            ? _context.Compilation.GetSemanticModel(declaration.SyntaxTree).GetOperation(declaration)
            : null;
    }

    /// <summary>The send a returned value is the response or the body of: one in this function, or one another source method returns.</summary>
    private ModelSend? Returned(IMethodSymbol method, IOperation value, LlmOptions options, int depthLeft, HashSet<IMethodSymbol> path, HttpResponseFlow flow)
    {
        var send = flow.TraceResponse(value, CancellationToken.None) ?? flow.TraceStream(value, CancellationToken.None, 0);
        if (send is not null)
        {
            var signal = flow.IsStreamingRequest(send, CancellationToken.None) || NamesModel(send, options);
            return new ModelSend(method, send, flow.BufferingOf(send), signal, depth: 1);
        }

        if (depthLeft <= 1 || SourceCallOf(value, CancellationToken.None) is not { } call)
        {
            return null;
        }

        var callee = Definition(call.TargetMethod);
        if (path.Contains(callee) || !IsCandidate(callee))
        {
            return null;
        }

        ModelSend? inner;
        if (_sends.TryGetKept(callee, out var kept))
        {
            inner = kept is { } whole && whole.Depth <= depthLeft - 1 ? whole : null;
        }
        else
        {
            path.Add(callee);
            inner = Compute(callee, options, depthLeft - 1, path);
            path.Remove(callee);
        }

        return inner is null ? null : new ModelSend(method, inner.Send, inner.Buffering, inner.HasModelSignal || NamesModel(call, options), inner.Depth + 1);
    }

    /// <summary>True when a constant string argument of <paramref name="call"/> (a URI, a path) is a model signal.</summary>
    public static bool NamesModel(IInvocationOperation call, LlmOptions options)
    {
        foreach (var argument in call.Arguments)
        {
            if (argument.Value.WalkDownConversions().ConstantValue is { HasValue: true, Value: string text } && ModelSignals.IsModelSignalLiteral(text, options))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The name of the member <paramref name="operation"/> is in (the member around a lambda's or a local function's body too).</summary>
    public static string MemberName(IOperation operation)
    {
        var symbol = operation.SemanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart);
        while (symbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
        {
            symbol = symbol.ContainingSymbol;
        }

        return symbol?.Name ?? "a caller";
    }

    /// <summary>True when the member <paramref name="operation"/> is in (method, local function, accessor) names a model in a string literal.</summary>
    public static bool MemberNamesModel(IOperation operation, LlmOptions options)
        => operation.Syntax.FirstAncestorOrSelf<SyntaxNode>(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax) is { } member
            && HasModelLiteral(member, options);

    /// <summary>A string literal (or the text of an interpolated string) of the declaration that is a model signal.</summary>
    private static bool HasModelLiteral(SyntaxNode declaration, LlmOptions options)
    {
        foreach (var token in declaration.DescendantTokens())
        {
            if ((token.IsKind(SyntaxKind.StringLiteralToken) || token.IsKind(SyntaxKind.InterpolatedStringTextToken))
                && ModelSignals.IsModelSignalLiteral(token.ValueText, options))
            {
                return true;
            }
        }

        return false;
    }
}
