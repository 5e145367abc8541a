using System.Collections.Concurrent;
using LlmStreaming.Analyzers.Relays;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>What makes a function a relay: how its client reaches it.</summary>
internal enum RelayKind
{
    /// <summary>A lambda or a method group passed to <c>MapGet</c>/<c>MapPost</c>/… of an <c>IEndpointRouteBuilder</c>.</summary>
    MinimalApi,

    /// <summary>A public action of a controller (<c>ControllerBase</c> or <c>[ApiController]</c>).</summary>
    Controller,

    /// <summary><c>Invoke</c>/<c>InvokeAsync(HttpContext)</c> of a middleware class, or a <c>Use</c>/<c>Run</c> lambda.</summary>
    Middleware,

    /// <summary>A public method of a SignalR <c>Hub</c> that streams (<c>IAsyncEnumerable&lt;T&gt;</c> or <c>ChannelReader&lt;T&gt;</c>).</summary>
    Hub,

    /// <summary>Any other function that writes to an <c>HttpResponse</c> (<c>WriteAsync</c>, <c>Body</c>, <c>BodyWriter</c>).</summary>
    ResponseWriter,
}

/// <summary>A function that forwards a model stream to a remote client: its kind, and the client's token it has at hand.</summary>
internal sealed class Relay
{
    public Relay(RelayKind kind, string? clientTokenText, SyntaxNode function)
    {
        Kind = kind;
        ClientTokenText = clientTokenText;
        Function = function;
    }

    public RelayKind Kind { get; }

    /// <summary>The relay function's syntax (the lambda, local function or method that makes it a relay).</summary>
    public SyntaxNode Function { get; }

    /// <summary>
    /// The client's token as code to pass (<c>cancellationToken</c>, <c>context.RequestAborted</c>,
    /// <c>HttpContext.RequestAborted</c>, <c>Context.ConnectionAborted</c>); null when none is at hand.
    /// </summary>
    public string? ClientTokenText { get; }

    /// <summary>The kind as a message names it ("in this endpoint").</summary>
    public string KindName => Kind switch
    {
        RelayKind.MinimalApi => "endpoint",
        RelayKind.Controller => "action",
        RelayKind.Middleware => "middleware",
        RelayKind.Hub => "hub method",
        _ => "relay",
    };
}

/// <summary>
/// Recognises relays (issue 14, rules.md "Relays — LLM5xx"): ASP.NET Core minimal-API handlers, controller actions,
/// middleware, SignalR hub streaming methods and any function that writes to an <c>HttpResponse</c>, when a model stream
/// loop (SDK or hand-rolled, as <see cref="StreamRecognizer"/> says) inside it forwards what it reads to the client:
/// writes it to the response, <c>yield return</c>s it, or writes it to a <c>ChannelWriter</c>. Within one function (and
/// the lambdas and local functions inside it); the loop's stream may be a service method's (a loop of the wrapper shape,
/// whose facts <see cref="Services"/> reads). Built only when the compilation references ASP.NET Core.
/// </summary>
internal sealed partial class RelayRecognizer
{
    private static readonly ImmutableHashSet<string> MapMethodNames = ImmutableHashSet.Create(
        "MapGet", "MapPost", "MapPut", "MapDelete", "MapPatch", "MapMethods", "Map", "MapFallback");

    private static readonly ImmutableHashSet<string> ResponseBodyMembers = ImmutableHashSet.Create("Body", "BodyWriter");

    private readonly LlmAnalysisContext _context;
    private readonly ConcurrentDictionary<SyntaxNode, RelayKind?> _kinds = new();
    private readonly ConcurrentDictionary<SyntaxNode, Relay?> _relaysByLoop = new();

    private RelayRecognizer(LlmAnalysisContext context, INamedTypeSymbol httpContext)
    {
        _context = context;
        HttpContext = httpContext;
        Services = new ServiceStreams(context);
        INamedTypeSymbol? T(string name) => context.Type(name);
        HttpResponse = T("Microsoft.AspNetCore.Http.HttpResponse");
        HttpRequest = T("Microsoft.AspNetCore.Http.HttpRequest");
        IEndpointRouteBuilder = T("Microsoft.AspNetCore.Routing.IEndpointRouteBuilder");
        IApplicationBuilder = T("Microsoft.AspNetCore.Builder.IApplicationBuilder");
        ControllerBase = T("Microsoft.AspNetCore.Mvc.ControllerBase");
        ApiControllerAttribute = T("Microsoft.AspNetCore.Mvc.ApiControllerAttribute");
        NonActionAttribute = T("Microsoft.AspNetCore.Mvc.NonActionAttribute");
        Hub = T("Microsoft.AspNetCore.SignalR.Hub");
        HubOfT = T("Microsoft.AspNetCore.SignalR.Hub`1");
        ChannelReaderOfT = T("System.Threading.Channels.ChannelReader`1");
        ChannelWriterOfT = T("System.Threading.Channels.ChannelWriter`1");
        Stream = T("System.IO.Stream");
        TextWriter = T("System.IO.TextWriter");
        PipeWriter = T("System.IO.Pipelines.PipeWriter");
        Encoding = T("System.Text.Encoding");
    }

    public INamedTypeSymbol HttpContext { get; }

    /// <summary>What relays need to know of the service methods they forward (cross-method relays).</summary>
    public ServiceStreams Services { get; }

    public INamedTypeSymbol? HttpResponse { get; }
    public INamedTypeSymbol? HttpRequest { get; }
    public INamedTypeSymbol? IEndpointRouteBuilder { get; }
    public INamedTypeSymbol? IApplicationBuilder { get; }
    public INamedTypeSymbol? ControllerBase { get; }
    public INamedTypeSymbol? ApiControllerAttribute { get; }
    public INamedTypeSymbol? NonActionAttribute { get; }
    public INamedTypeSymbol? Hub { get; }
    public INamedTypeSymbol? HubOfT { get; }
    public INamedTypeSymbol? ChannelReaderOfT { get; }
    public INamedTypeSymbol? ChannelWriterOfT { get; }
    public INamedTypeSymbol? Stream { get; }
    public INamedTypeSymbol? TextWriter { get; }
    public INamedTypeSymbol? PipeWriter { get; }
    public INamedTypeSymbol? Encoding { get; }

    /// <summary>The recognizer of the context's compilation, or null when it does not reference ASP.NET Core (no relay can exist).</summary>
    internal static RelayRecognizer? Create(LlmAnalysisContext context)
        => context.Type("Microsoft.AspNetCore.Http.HttpContext") is { } httpContext
            ? new RelayRecognizer(context, httpContext)
            : null;

    /// <summary>
    /// The relay that forwards <paramref name="streamLoop"/> to its client: the nearest enclosing function that is a relay,
    /// when the loop's body forwards what the stream yields (see <see cref="Forwards"/>). Null for a stream that is not
    /// forwarded, and for a loop over anything that is not a model stream (a price feed is never a relay).
    /// </summary>
    public Relay? TryGetRelay(LlmStreamLoop streamLoop, CancellationToken cancellationToken)
        => _relaysByLoop.TryGetValue(streamLoop.Loop.Syntax, out var known)
            ? known // every relay rule asks about every stream loop
            : _relaysByLoop.GetOrAdd(streamLoop.Loop.Syntax, Recognize(streamLoop, cancellationToken));

    private Relay? Recognize(LlmStreamLoop streamLoop, CancellationToken cancellationToken)
    {
        if (!Forwards(streamLoop))
        {
            return null;
        }

        var tokens = ImmutableArray.CreateBuilder<IParameterSymbol>();
        for (IOperation? current = streamLoop.Loop; current is not null; current = current.Parent)
        {
            if (current is not (IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyOperation or IConstructorBodyOperation))
            {
                continue;
            }

            var method = FunctionSymbol(current, cancellationToken);
            if (method is null)
            {
                continue; // top-level statements: no symbol, and never a relay themselves
            }

            tokens.AddRange(method.Parameters.Where(p => _context.Cancellation.IsToken(p.Type)));
            if (Classify(current, method, cancellationToken) is { } kind)
            {
                return new Relay(kind, ClientTokenText(kind, method, tokens), current.Syntax);
            }
        }

        return null;
    }

    /// <summary>The symbol of a function body.</summary>
    private static IMethodSymbol? FunctionSymbol(IOperation function, CancellationToken cancellationToken)
        => function switch
        {
            IAnonymousFunctionOperation lambda => lambda.Symbol,
            ILocalFunctionOperation local => local.Symbol,
            _ => function.SemanticModel?.GetDeclaredSymbol(function.Syntax, cancellationToken) as IMethodSymbol,
        };

    /// <summary>The kind of relay <paramref name="function"/> is by its own shape, or null; answered once per function.</summary>
    private RelayKind? Classify(IOperation function, IMethodSymbol method, CancellationToken cancellationToken)
        => _kinds.TryGetValue(function.Syntax, out var known) ? known : _kinds.GetOrAdd(function.Syntax, ClassifyCore(function, method, cancellationToken));

    private RelayKind? ClassifyCore(IOperation function, IMethodSymbol method, CancellationToken cancellationToken)
    {
        if (function is IAnonymousFunctionOperation lambda)
        {
            switch (DelegateTarget(lambda))
            {
                case { } map when IsMapCall(map):
                    return RelayKind.MinimalApi;
                case { } use when IsMiddlewareRegistration(use):
                    return RelayKind.Middleware;
            }
        }
        else if (function is not ILocalFunctionOperation)
        {
            if (IsHubStreamingMethod(method))
            {
                return RelayKind.Hub;
            }

            if (IsControllerAction(method))
            {
                return RelayKind.Controller;
            }

            if (method.Name is "Invoke" or "InvokeAsync" && method.Parameters.Length > 0 && IsHttpContext(method.Parameters[0].Type))
            {
                return RelayKind.Middleware;
            }

            if (IsMethodGroupHandler(function, method, cancellationToken))
            {
                return RelayKind.MinimalApi;
            }
        }

        return WritesToResponse(function) ? RelayKind.ResponseWriter : null;
    }

    /// <summary>The call a lambda is passed to (through its delegate conversion), if any.</summary>
    private static IInvocationOperation? DelegateTarget(IAnonymousFunctionOperation lambda)
    {
        IOperation current = lambda;
        while (current.Parent is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        return current.Parent is IArgumentOperation { Parent: IInvocationOperation call } ? call : null;
    }

    /// <summary><c>app.MapGet(…)</c>, <c>group.MapPost(…)</c>, <c>MapMethods</c>…: an extension of <c>IEndpointRouteBuilder</c>.</summary>
    private bool IsMapCall(IInvocationOperation call)
    {
        var method = call.TargetMethod.ReducedFrom ?? call.TargetMethod;
        return MapMethodNames.Contains(method.Name)
            && method.IsExtensionMethod
            && method.Parameters.Length > 0
            && method.Parameters[0].Type.IsOrInheritsFrom(IEndpointRouteBuilder);
    }

    /// <summary><c>app.Use(async (context, next) => …)</c>, <c>app.Run(async context => …)</c>.</summary>
    private bool IsMiddlewareRegistration(IInvocationOperation call)
    {
        var method = call.TargetMethod.ReducedFrom ?? call.TargetMethod;
        var receiver = method.IsExtensionMethod && method.Parameters.Length > 0 ? method.Parameters[0].Type : method.ContainingType;
        return method.Name is "Use" or "Run" or "UseWhen" or "MapWhen" && receiver.IsOrInheritsFrom(IApplicationBuilder);
    }

    /// <summary>A public instance method of a hub that returns <c>IAsyncEnumerable&lt;T&gt;</c> or <c>ChannelReader&lt;T&gt;</c> (also in a task).</summary>
    private bool IsHubStreamingMethod(IMethodSymbol method)
    {
        if (method.MethodKind != MethodKind.Ordinary || method.IsStatic || method.DeclaredAccessibility != Accessibility.Public
            || !(method.ContainingType.IsOrInheritsFrom(Hub) || method.ContainingType.IsOrInheritsFrom(HubOfT)))
        {
            return false;
        }

        var returned = method.ReturnType;
        if ((returned.IsConstructedFrom(_context.Types.TaskOfT) || returned.IsConstructedFrom(_context.Types.ValueTaskOfT)) && returned is INamedTypeSymbol task)
        {
            returned = task.TypeArguments[0];
        }

        return returned.IsConstructedFrom(_context.Types.IAsyncEnumerableOfT) || returned.IsConstructedFrom(ChannelReaderOfT);
    }

    /// <summary>A public instance method of a controller (<c>ControllerBase</c> or <c>[ApiController]</c>) that is not <c>[NonAction]</c>.</summary>
    private bool IsControllerAction(IMethodSymbol method)
    {
        if (method.MethodKind != MethodKind.Ordinary || method.IsStatic || method.DeclaredAccessibility != Accessibility.Public
            || method.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, NonActionAttribute)))
        {
            return false;
        }

        if (method.ContainingType.IsOrInheritsFrom(ControllerBase))
        {
            return true;
        }

        for (var type = method.ContainingType; type is not null; type = type.BaseType)
        {
            if (type.GetAttributes().Any(a => a.AttributeClass.IsOrInheritsFrom(ApiControllerAttribute)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A method passed as a method group to a <c>Map…</c> call in its own file (<c>app.MapPost("/chat", ChatEndpoints.Stream)</c>).
    /// Asked only of a method with a forwarded model stream; a method group in another file is not seen (the analyzer
    /// works on one file's semantic model).
    /// </summary>
    private bool IsMethodGroupHandler(IOperation function, IMethodSymbol method, CancellationToken cancellationToken)
    {
        var model = function.SemanticModel;
        if (model is null)
        {
            return false;
        }

        foreach (var node in function.Syntax.SyntaxTree.GetRoot(cancellationToken).DescendantNodes())
        {
            if (node is not ArgumentSyntax { Expression: var expression } argument
                || (expression is MemberAccessExpressionSyntax member ? member.Name.Identifier.ValueText : (expression as IdentifierNameSyntax)?.Identifier.ValueText) != method.Name
                || argument.Parent?.Parent is not InvocationExpressionSyntax invocation)
            {
                continue;
            }

            if (model.GetOperation(invocation, cancellationToken) is IInvocationOperation call
                && IsMapCall(call)
                && call.Arguments.Any(a => a.Value.WalkDownConversions() is IDelegateCreationOperation { Target: IMethodReferenceOperation reference }
                    && SymbolEqualityComparer.Default.Equals(reference.Method.OriginalDefinition, method.OriginalDefinition)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the function (not the lambdas inside it) writes to an <c>HttpResponse</c>.</summary>
    private bool WritesToResponse(IOperation function)
    {
        foreach (var node in function.DescendantsWithinFunction())
        {
            if (node is IInvocationOperation invocation && IsResponseWrite(invocation))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsHttpContext(ITypeSymbol? type) => type.IsOrInheritsFrom(HttpContext);

    /// <summary>
    /// A write to the client's response: <c>response.WriteAsync(text)</c> (and <c>WriteAsJsonAsync</c>), a write to
    /// <c>Response.Body</c> or <c>Response.BodyWriter</c>, directly or through a local (a <c>StreamWriter</c> over the body).
    /// </summary>
    public bool IsResponseWrite(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (!method.Name.StartsWith("Write", System.StringComparison.Ordinal))
        {
            return false;
        }

        var original = method.ReducedFrom ?? method;
        if (original.IsExtensionMethod)
        {
            return invocation.Arguments.Length > 0 && IsResponseTarget(invocation.Arguments[0].Value, depth: 0);
        }

        return invocation.Instance is { } instance && IsResponseTarget(instance, depth: 0);
    }

    /// <summary>An <c>HttpResponse</c>, its <c>Body</c> or <c>BodyWriter</c>, or a local or writer wrapping one of them.</summary>
    private bool IsResponseTarget(IOperation target, int depth)
    {
        if (depth > 4)
        {
            return false;
        }

        var value = target.WalkDownConversions();
        if (value.Type.IsOrInheritsFrom(HttpResponse))
        {
            return true;
        }

        switch (value)
        {
            case IPropertyReferenceOperation { Instance: { } instance } property when ResponseBodyMembers.Contains(property.Property.Name):
                return instance.Type.IsOrInheritsFrom(HttpResponse);

            case ILocalReferenceOperation local when value.Type.IsOrInheritsFrom(Stream) || value.Type.IsOrInheritsFrom(TextWriter) || value.Type.IsOrInheritsFrom(PipeWriter):
                return StreamRecognizer.LocalInitializer(local.Local, value.SemanticModel, CancellationToken.None) is { } initializer
                    && IsResponseTarget(initializer, depth + 1);

            case IObjectCreationOperation creation when creation.Type.IsOrInheritsFrom(TextWriter) && creation.Arguments.Length > 0:
                return IsResponseTarget(creation.Arguments[0].Value, depth + 1);

            default:
                return false;
        }
    }

    /// <summary>
    /// True when the loop's body hands what the stream yields to a client: a response write, a <c>yield return</c> or a
    /// <c>ChannelWriter</c> write whose value is derived from the loop's update (or line).
    /// </summary>
    public bool Forwards(LlmStreamLoop streamLoop)
    {
        foreach (var node in streamLoop.Body.DescendantsAndSelf())
        {
            switch (node)
            {
                case IReturnOperation { Kind: OperationKind.YieldReturn, ReturnedValue: { } yielded } when StreamRecognizer.IsDerivedFromIteration(yielded, streamLoop):
                    return true;

                case IInvocationOperation invocation when IsResponseWrite(invocation) || IsChannelWrite(invocation):
                    if (invocation.Arguments.Any(a => StreamRecognizer.IsDerivedFromIteration(a.Value, streamLoop)))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary><c>writer.WriteAsync(item)</c>/<c>TryWrite(item)</c> on a <c>ChannelWriter&lt;T&gt;</c>.</summary>
    private bool IsChannelWrite(IInvocationOperation invocation)
        => invocation.TargetMethod.Name is "WriteAsync" or "TryWrite" && invocation.TargetMethod.ContainingType.IsOrInheritsFrom(ChannelWriterOfT);

    /// <summary>The client's token as code, for the fix: a token parameter of an endpoint, else the request's or connection's token.</summary>
    private string? ClientTokenText(RelayKind kind, IMethodSymbol method, ImmutableArray<IParameterSymbol>.Builder tokens)
    {
        if (kind != RelayKind.ResponseWriter && tokens.Count > 0)
        {
            return Escaped(tokens[tokens.Count - 1].Name);
        }

        switch (kind)
        {
            case RelayKind.Hub:
                return "Context.ConnectionAborted";
            case RelayKind.Controller when method.ContainingType.IsOrInheritsFrom(ControllerBase):
                return "HttpContext.RequestAborted";
        }

        foreach (var parameter in method.Parameters)
        {
            if (IsHttpContext(parameter.Type))
            {
                return Escaped(parameter.Name) + ".RequestAborted";
            }

            if (parameter.Type.IsOrInheritsFrom(HttpResponse) || parameter.Type.IsOrInheritsFrom(HttpRequest))
            {
                return Escaped(parameter.Name) + ".HttpContext.RequestAborted";
            }
        }

        // A response writer that is not an endpoint: its token parameter is its caller's.
        return tokens.Count > 0 ? Escaped(tokens[tokens.Count - 1].Name) : null;
    }

    private static string Escaped(string name)
        => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    /// <summary>
    /// True when <paramref name="token"/> is, or is linked to, the client's token of a relay (or can be:
    /// a token the recognizer cannot follow counts as linked). Not linked: a token of a <c>CancellationTokenSource</c>
    /// created in the function without the client's token, and a field or a property other than <c>RequestAborted</c>/
    /// <c>ConnectionAborted</c> (<c>lifetime.ApplicationStopping</c>).
    /// </summary>
    public bool IsLinkedToClient(IOperation token, CancellationToken cancellationToken)
        => IsLinkedToClient(token, cancellationToken, depth: 0);

    private bool IsLinkedToClient(IOperation token, CancellationToken cancellationToken, int depth)
    {
        if (depth > 6)
        {
            return true;
        }

        var value = token.WalkDownConversions();
        switch (value)
        {
            case IParameterReferenceOperation:
                return true; // the relay's own (or its caller's) token

            case IPropertyReferenceOperation { Property.Name: "RequestAborted" or "ConnectionAborted" }:
                return true;

            case IPropertyReferenceOperation { Property.Name: "Token", Instance: { } source } when _context.Cancellation.IsTokenSource(source.Type):
                return SourceIsLinked(source.WalkDownConversions(), cancellationToken, depth);

            case IFieldReferenceOperation:
            case IPropertyReferenceOperation:
                return false;

            case ILocalReferenceOperation local:
                return StreamRecognizer.LocalInitializer(local.Local, value.SemanticModel, cancellationToken) is not { } initializer
                    || IsLinkedToClient(initializer, cancellationToken, depth + 1);

            default:
                return !_context.Cancellation.IsNone(value);
        }
    }

    /// <summary>A source created with <c>CreateLinkedTokenSource(…)</c> given a linked token; <c>new CancellationTokenSource(…)</c> is not.</summary>
    private bool SourceIsLinked(IOperation source, CancellationToken cancellationToken, int depth)
    {
        var creation = source is ILocalReferenceOperation local
            ? StreamRecognizer.LocalInitializer(local.Local, source.SemanticModel, cancellationToken)?.WalkDownConversions()
            : source;
        switch (creation)
        {
            case IObjectCreationOperation:
                return false;
            case IInvocationOperation { TargetMethod.Name: "CreateLinkedTokenSource" } linked:
                return linked.Arguments.Any(a => a.ArgumentKind != ArgumentKind.DefaultValue && a.Value.WalkDownConversions() is var v
                    && (v is IArrayCreationOperation { Initializer: { } array } ? array.ElementValues.Any(e => IsLinkedToClient(e, cancellationToken, depth + 1)) : IsLinkedToClient(v, cancellationToken, depth + 1)));
            case IFieldReferenceOperation or IPropertyReferenceOperation:
                return false;
            default:
                return true; // a source the recognizer cannot follow
        }
    }
}
