namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// One <c>IHttpClientFactory</c> registration: <c>services.AddHttpClient(…)</c> (named or typed) or
/// <c>services.ConfigureHttpClientDefaults(b => …)</c>, which configures every factory client.
/// </summary>
/// <param name="Root">The <c>AddHttpClient</c> or <c>ConfigureHttpClientDefaults</c> call.</param>
/// <param name="DefaultsLambda">For <c>ConfigureHttpClientDefaults</c>: the lambda that receives the builder.</param>
internal sealed record HttpClientRegistration(IInvocationOperation Root, IAnonymousFunctionOperation? DefaultsLambda)
{
    public bool IsDefaults => DefaultsLambda is not null;

    /// <summary>The display name for messages: "AddHttpClient&lt;ChatService&gt;", "AddHttpClient(\"openai\")", "ConfigureHttpClientDefaults".</summary>
    public string DisplayName
    {
        get
        {
            if (IsDefaults)
            {
                return "ConfigureHttpClientDefaults";
            }

            var method = Root.TargetMethod;
            if (method.TypeArguments.Length > 0)
            {
                return method.Name + "<" + string.Join(", ", method.TypeArguments.Select(t => t.Name)) + ">";
            }

            foreach (var argument in Root.Arguments)
            {
                if (argument.Value.ConstantValue is { HasValue: true, Value: string name })
                {
                    return method.Name + "(\"" + name + "\")";
                }
            }

            return method.Name;
        }
    }
}

/// <summary>
/// Recognises <c>IHttpClientFactory</c> registrations and tells whether the clients they configure are LLM clients:
/// a typed client that is an SDK type, hands its HttpClient to an SDK or talks to a model; a configure delegate that
/// sets a model <c>BaseAddress</c>; a named client created with <c>CreateClient(name)</c> and handed to an SDK.
/// <c>ConfigureHttpClientDefaults</c> configures LLM clients when the same method registers one.
/// </summary>
internal sealed class HttpClientRegistrations
{
    /// <summary>SDK types whose constructors or initializers take the HttpClient they will use (matched by name across files).</summary>
    private static readonly ImmutableHashSet<string> HandOffTypeNames = ImmutableHashSet.Create(
        StringComparer.Ordinal, "HttpClientPipelineTransport", "OllamaApiClient", "OpenAIService", "AnthropicClient");

    private readonly LlmAnalysisContext _context;

    public HttpClientRegistrations(LlmAnalysisContext context) => _context = context;

    private KnownTypes Types => _context.Types;

    /// <summary>True for <c>IServiceCollection.AddHttpClient(…)</c> overloads that return a builder.</summary>
    public bool IsAddHttpClient(IMethodSymbol method)
        => method.Name == "AddHttpClient"
            && method.ReturnType.IsOrInheritsFrom(Types.IHttpClientBuilder)
            && (method.ReducedFrom ?? method).Parameters is { Length: > 0 } parameters
            && parameters[0].Type.IsOrInheritsFrom(Types.IServiceCollection);

    private bool IsConfigureDefaults(IMethodSymbol method)
        => method.Name == "ConfigureHttpClientDefaults"
            && (method.ReducedFrom ?? method).Parameters is { Length: > 0 } parameters
            && parameters[0].Type.IsOrInheritsFrom(Types.IServiceCollection);

    /// <summary>The registration of a <c>ConfigureHttpClientDefaults(b => …)</c> call, with the lambda that receives the builder; null for any other call.</summary>
    public HttpClientRegistration? FromConfigureDefaults(IInvocationOperation call)
    {
        if (Types.IHttpClientBuilder is null || !IsConfigureDefaults(call.TargetMethod))
        {
            return null;
        }

        foreach (var argument in call.Arguments)
        {
            if (argument.Value.WalkDownConversions() is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda })
            {
                return new HttpClientRegistration(call, lambda);
            }
        }

        return null;
    }

    /// <summary>The registration a builder expression belongs to (<c>services.AddHttpClient(…).X()</c>, a local holding it, the builder parameter of <c>ConfigureHttpClientDefaults</c>).</summary>
    public HttpClientRegistration? FromBuilder(IOperation builderExpression, CancellationToken cancellationToken)
        => FromBuilder(builderExpression, cancellationToken, depth: 0);

    private HttpClientRegistration? FromBuilder(IOperation builderExpression, CancellationToken cancellationToken, int depth)
    {
        if (depth > 12 || Types.IHttpClientBuilder is null)
        {
            return null;
        }

        switch (builderExpression.WalkDownConversions())
        {
            case IInvocationOperation invocation when IsAddHttpClient(invocation.TargetMethod):
                return new HttpClientRegistration(invocation, DefaultsLambda: null);

            case IInvocationOperation invocation when invocation.TargetMethod.IsExtensionMethod && invocation.Arguments.Length > 0
                && invocation.Arguments[0].Value.Type.IsOrInheritsFrom(Types.IHttpClientBuilder):
                return FromBuilder(invocation.Arguments[0].Value, cancellationToken, depth + 1);

            case ILocalReferenceOperation local:
                var initializer = StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken);
                return initializer is null ? null : FromBuilder(initializer, cancellationToken, depth + 1);

            case IParameterReferenceOperation parameter when parameter.Parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambdaSymbol:
                var lambda = FindLambda(parameter, lambdaSymbol);
                if (lambda is not null && InvocationTakingDelegate(lambda) is { } call && IsConfigureDefaults(call.TargetMethod))
                {
                    return new HttpClientRegistration(call, lambda);
                }

                return null;

            default:
                return null;
        }
    }

    /// <summary>
    /// The registration whose client a configure delegate's <c>HttpClient</c> parameter is:
    /// <c>AddHttpClient(name, c => …)</c>, <c>.ConfigureHttpClient(c => …)</c> or <c>(sp, c) => …</c>.
    /// </summary>
    public HttpClientRegistration? FromConfiguredClient(IParameterReferenceOperation client, CancellationToken cancellationToken)
    {
        if (client.Parameter.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambdaSymbol
            || !client.Parameter.Type.IsOrInheritsFrom(Types.HttpClient))
        {
            return null;
        }

        var lambda = FindLambda(client, lambdaSymbol);
        if (lambda is null || InvocationTakingDelegate(lambda) is not { } call)
        {
            return null;
        }

        if (IsAddHttpClient(call.TargetMethod))
        {
            return new HttpClientRegistration(call, DefaultsLambda: null);
        }

        if (call.TargetMethod.Name == "ConfigureHttpClient" && call.Arguments.Length > 0)
        {
            return FromBuilder(call.Arguments[0].Value, cancellationToken);
        }

        return null;
    }

    /// <summary>Every call made on the registration's builder: the fluent chain after it, and calls on a local or lambda parameter that holds it.</summary>
    public ImmutableArray<IInvocationOperation> BuilderCalls(HttpClientRegistration registration)
    {
        var calls = ImmutableArray.CreateBuilder<IInvocationOperation>();
        if (registration.DefaultsLambda is { } lambda)
        {
            var builderParameter = lambda.Symbol.Parameters.Length == 1 ? lambda.Symbol.Parameters[0] : null;
            if (builderParameter is not null)
            {
                foreach (var node in lambda.Body.DescendantsWithinFunction())
                {
                    if (node is IInvocationOperation { Arguments.Length: > 0 } call && call.TargetMethod.IsExtensionMethod
                        && call.Arguments[0].Value.WalkDownConversions() is IParameterReferenceOperation p
                        && SymbolEqualityComparer.Default.Equals(p.Parameter, builderParameter))
                    {
                        AddChain(call, calls);
                    }
                }
            }

            return calls.ToImmutable();
        }

        var end = AddChain(registration.Root, calls, includeSelf: false);

        // var builder = services.AddHttpClient(…); builder.AddStandardResilienceHandler();
        IOperation current = end;
        while (current.Parent is IConversionOperation)
        {
            current = current.Parent;
        }

        if (current.Parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator })
        {
            var root = Root(current);
            foreach (var node in root.Descendants())
            {
                if (node is IInvocationOperation { Arguments.Length: > 0 } call && call.TargetMethod.IsExtensionMethod
                    && call.Arguments[0].Value.WalkDownConversions() is ILocalReferenceOperation local
                    && SymbolEqualityComparer.Default.Equals(local.Local, declarator.Symbol))
                {
                    AddChain(call, calls);
                }
            }
        }

        return calls.ToImmutable();
    }

    /// <summary>Adds <paramref name="start"/> (optionally) and the fluent calls chained on it; returns the last call of the chain.</summary>
    private IInvocationOperation AddChain(IInvocationOperation start, ImmutableArray<IInvocationOperation>.Builder calls, bool includeSelf = true)
    {
        if (includeSelf)
        {
            calls.Add(start);
        }

        var current = start;
        while (true)
        {
            IOperation up = current;
            while (up.Parent is IConversionOperation)
            {
                up = up.Parent;
            }

            if (up.Parent is IArgumentOperation { Parent: IInvocationOperation next } argument
                && next.TargetMethod.IsExtensionMethod
                && next.Arguments.Length > 0
                && next.Arguments[0] == argument
                && argument.Value.Type.IsOrInheritsFrom(Types.IHttpClientBuilder))
            {
                calls.Add(next);
                current = next;
                continue;
            }

            return current;
        }
    }

    /// <summary>The configure delegates that receive the registration's <c>HttpClient</c> (in <c>AddHttpClient</c> and <c>ConfigureHttpClient</c>).</summary>
    public IEnumerable<IAnonymousFunctionOperation> ClientConfigureLambdas(HttpClientRegistration registration)
    {
        var sources = new List<IInvocationOperation>();
        if (!registration.IsDefaults)
        {
            sources.Add(registration.Root);
        }

        foreach (var call in BuilderCalls(registration))
        {
            if (call.TargetMethod.Name == "ConfigureHttpClient")
            {
                sources.Add(call);
            }
        }

        foreach (var call in sources)
        {
            foreach (var argument in call.Arguments)
            {
                if (argument.Value.WalkDownConversions() is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }
                    && lambda.Symbol.Parameters.Any(p => p.Type.IsOrInheritsFrom(Types.HttpClient)))
                {
                    yield return lambda;
                }
            }
        }
    }

    /// <summary>Whether the clients of <paramref name="registration"/> are LLM clients.</summary>
    public LlmHttpClientEvidence Classify(HttpClientRegistration registration, LlmOptions options, CancellationToken cancellationToken)
    {
        if (registration.IsDefaults)
        {
            // ConfigureHttpClientDefaults configures every client: it is an LLM client's configuration when the same
            // method registers an LLM client.
            var evidence = LlmHttpClientEvidence.None;
            foreach (var node in Root(registration.Root).Descendants())
            {
                if (node is IInvocationOperation call && IsAddHttpClient(call.TargetMethod))
                {
                    evidence |= Classify(new HttpClientRegistration(call, DefaultsLambda: null), options, cancellationToken);
                }
            }

            return evidence;
        }

        var result = LlmHttpClientEvidence.None;
        var method = registration.Root.TargetMethod;
        foreach (var typeArgument in method.TypeArguments)
        {
            result |= TypedClientEvidence(typeArgument, registration.Root.SemanticModel, options, cancellationToken);
        }

        foreach (var lambda in ClientConfigureLambdas(registration))
        {
            foreach (var node in lambda.Body.Descendants())
            {
                if (node is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "BaseAddress", Instance: IParameterReferenceOperation } } assignment
                    && HttpClientRecognizer.HasModelLiteral(assignment.Value, options))
                {
                    result |= LlmHttpClientEvidence.ModelEndpoint;
                }
            }
        }

        // A named client created by name and handed to an SDK in the same method: sp => new OllamaApiClient(factory.CreateClient("ollama")).
        if (NameOf(registration) is { } name)
        {
            foreach (var node in Root(registration.Root).Descendants())
            {
                if (node is IInvocationOperation { TargetMethod.Name: "CreateClient" } create
                    && create.TargetMethod.ContainingType.IsOrInheritsFrom(Types.IHttpClientFactory)
                    && create.Arguments.Length > 0
                    && create.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string created }
                    && string.Equals(created, name, StringComparison.Ordinal))
                {
                    result |= _context.HttpClients.Classify(create, options, cancellationToken);
                }
            }
        }

        return result;
    }

    /// <summary>The constant name of a named registration.</summary>
    public static string? NameOf(HttpClientRegistration registration)
    {
        foreach (var argument in registration.Root.Arguments)
        {
            if (argument.Parameter is { Name: "name", Type.SpecialType: SpecialType.System_String } && argument.Value.ConstantValue is { HasValue: true, Value: string name })
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>
    /// A typed client is an LLM client when it is an SDK type, when its source hands its HttpClient to an SDK
    /// (<c>new OllamaApiClient(http)</c>, <c>new HttpClientPipelineTransport(http)</c>, <c>httpClient: http</c>…), or when
    /// its source talks HTTP to a model (a model host, endpoint path, <c>[DONE]</c>…). Read from syntax, so that a typed
    /// client declared in another file counts.
    /// </summary>
    private LlmHttpClientEvidence TypedClientEvidence(ITypeSymbol type, SemanticModel? model, LlmOptions options, CancellationToken cancellationToken)
    {
        if (type is not INamedTypeSymbol named)
        {
            return LlmHttpClientEvidence.None;
        }

        if (HttpClientRecognizer.IsSdkSymbol(named))
        {
            return LlmHttpClientEvidence.HandedToSdk;
        }

        if (named.DeclaringSyntaxReferences.IsEmpty || model is null)
        {
            return LlmHttpClientEvidence.None;
        }

        var evidence = LlmHttpClientEvidence.None;
        if (HandsClientToSdkBySyntax(named, cancellationToken))
        {
            evidence |= LlmHttpClientEvidence.HandedToSdk;
        }

        var signals = _context.HandRolled.GetTypeSignals(named, model, options, cancellationToken);
        if (signals.HasHttp && signals.HasModelSignal)
        {
            evidence |= LlmHttpClientEvidence.ModelEndpoint;
        }

        return evidence;
    }

    private bool HandsClientToSdkBySyntax(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        // The names under which the type keeps its HttpClient: constructor parameters, fields and properties.
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in type.GetMembers())
        {
            switch (member)
            {
                case IMethodSymbol { MethodKind: MethodKind.Constructor } constructor:
                    foreach (var parameter in constructor.Parameters)
                    {
                        if (parameter.Type.IsOrInheritsFrom(Types.HttpClient))
                        {
                            names.Add(parameter.Name);
                        }
                    }

                    break;
                case IFieldSymbol field when field.Type.IsOrInheritsFrom(Types.HttpClient):
                    names.Add(field.Name);
                    break;
                case IPropertySymbol property when property.Type.IsOrInheritsFrom(Types.HttpClient):
                    names.Add(property.Name);
                    break;
            }
        }

        if (names.Count == 0)
        {
            return false;
        }

        bool IsClientName(ExpressionSyntax expression)
            => expression switch
            {
                IdentifierNameSyntax identifier => names.Contains(identifier.Identifier.ValueText),
                MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax name } => names.Contains(name.Identifier.ValueText),
                _ => false,
            };

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
            {
                switch (node)
                {
                    case ArgumentSyntax { NameColon.Name.Identifier.ValueText: "httpClient" } named when IsClientName(named.Expression):
                        return true;

                    case BaseObjectCreationExpressionSyntax creation when IsHandOffCreation(creation):
                        if (creation.ArgumentList is { } arguments && arguments.Arguments.Any(a => IsClientName(a.Expression)))
                        {
                            return true;
                        }

                        if (creation.Initializer is { } initializer && initializer.Expressions.Any(e => e is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "HttpClient" }, Right: var right } && IsClientName(right)))
                        {
                            return true;
                        }

                        break;
                }
            }
        }

        return false;
    }

    private static bool IsHandOffCreation(BaseObjectCreationExpressionSyntax creation)
    {
        var typeName = creation switch
        {
            ObjectCreationExpressionSyntax { Type: var type } => type switch
            {
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                _ => null,
            },
            _ => null,
        };

        return typeName is not null && HandOffTypeNames.Contains(typeName);
    }

    private static IAnonymousFunctionOperation? FindLambda(IOperation inside, IMethodSymbol lambdaSymbol)
    {
        for (var current = inside.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation lambda && SymbolEqualityComparer.Default.Equals(lambda.Symbol, lambdaSymbol))
            {
                return lambda;
            }
        }

        return null;
    }

    /// <summary>The call that receives <paramref name="lambda"/> as an argument.</summary>
    internal static IInvocationOperation? InvocationTakingDelegate(IAnonymousFunctionOperation lambda)
    {
        IOperation current = lambda;
        while (current.Parent is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        return current.Parent is IArgumentOperation { Parent: IInvocationOperation call } ? call : null;
    }

    internal static IOperation Root(IOperation operation)
    {
        var root = operation;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        return root;
    }
}
