using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>Why an <c>HttpClient</c> is taken for a model client.</summary>
[Flags]
internal enum LlmHttpClientEvidence
{
    None = 0,

    /// <summary>Handed to an SDK (<c>HttpClientPipelineTransport</c>, <c>OllamaApiClient(HttpClient)</c>, Anthropic <c>ClientOptions.HttpClient</c>, an SK <c>httpClient:</c> parameter…).</summary>
    HandedToSdk = 1,

    /// <summary>Its <c>BaseAddress</c> or a request it sends names a model host or endpoint path, or its type streams from a model by hand.</summary>
    ModelEndpoint = 2,
}

/// <summary>
/// Recognises LLM HttpClients: clients handed to an SDK, or aimed at a model host/path, or used by a type that
/// streams from a model by hand. A client with none of these is not the rules' business.
/// </summary>
internal sealed class HttpClientRecognizer
{
    private static readonly ImmutableArray<string> SdkNamespaces = SdkCatalog.Namespaces;

    private static readonly ImmutableHashSet<string> SendMethodNames = ImmutableHashSet.Create(
        "SendAsync", "Send", "PostAsync", "PostAsJsonAsync", "GetAsync", "GetStreamAsync", "GetStringAsync", "PutAsync", "PatchAsync");

    private readonly LlmAnalysisContext _context;

    /// <summary>The receivers of an HttpClient that keep a timeout of their own (<see cref="SdkFamily.HttpClientReceiversWithOwnTimeout"/>): types, resolved once, and namespaces.</summary>
    private readonly ImmutableArray<INamedTypeSymbol> _ownTimeoutTypes;
    private readonly ImmutableArray<string> _ownTimeoutNamespaces;

    public HttpClientRecognizer(LlmAnalysisContext context)
    {
        _context = context;
        var receivers = SdkFamilies.All.SelectMany(f => f.HttpClientReceiversWithOwnTimeout).ToList();
        _ownTimeoutNamespaces = receivers.Where(r => r.StartsWith("N:", StringComparison.Ordinal)).Select(r => r.Substring(2)).ToImmutableArray();
        _ownTimeoutTypes = context.Resolve(receivers.Where(r => r.StartsWith("T:", StringComparison.Ordinal)).Select(r => r.Substring(2)));
        Registrations = new HttpClientRegistrations(context);
        Responses = new HttpResponseFlow(context);
    }

    /// <summary>Follows hand-rolled response bodies back to their HTTP calls.</summary>
    public HttpResponseFlow Responses { get; }

    /// <summary><c>IHttpClientFactory</c> registrations (<c>AddHttpClient</c>, <c>ConfigureHttpClientDefaults</c>) and their clients.</summary>
    public HttpClientRegistrations Registrations { get; }

    /// <summary>
    /// True for a parameter that takes the HttpClient an SDK will use for model calls. An embedding API
    /// (<c>AddOpenAITextEmbeddingGeneration(…, httpClient:)</c>, an <c>…EmbeddingGenerator</c>'s constructor) does not
    /// count: an embedding request is short and not streamed, so the timeout rules have nothing to say about its client.
    /// </summary>
    public bool IsSdkHttpClientParameter(IParameterSymbol? parameter)
        => parameter is not null
            && parameter.Type.IsOrInheritsFrom(_context.Types.HttpClient)
            && IsSdkSymbol(parameter.ContainingSymbol)
            && !IsEmbeddingApi(parameter.ContainingSymbol);

    private static bool IsEmbeddingApi(ISymbol? method)
        => method is IMethodSymbol m
            && (m.Name.IndexOf("Embedding", StringComparison.Ordinal) >= 0
                || m.MethodKind == MethodKind.Constructor && m.ContainingType.Name.IndexOf("Embedding", StringComparison.Ordinal) >= 0);

    /// <summary>True for a settable member of an SDK type that takes the HttpClient the SDK will use (Anthropic <c>ClientOptions.HttpClient</c>).</summary>
    public bool IsSdkHttpClientMember(ISymbol? member)
        => member is IPropertySymbol property
            && property.Type.IsOrInheritsFrom(_context.Types.HttpClient)
            && IsSdkSymbol(property);

    internal static bool IsSdkSymbol(ISymbol? symbol)
    {
        var type = symbol as INamedTypeSymbol ?? symbol?.ContainingType;
        if (type is null)
        {
            return false;
        }

        foreach (var ns in SdkNamespaces)
        {
            if (type.IsInNamespace(ns))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Classifies the client that <paramref name="clientExpression"/> designates: an <c>new HttpClient(…)</c>, or a
    /// reference to a local, parameter, field or property holding one.
    /// </summary>
    public LlmHttpClientEvidence Classify(IOperation clientExpression, LlmOptions options, CancellationToken cancellationToken)
        => Describe(clientExpression, options, cancellationToken).Evidence;

    /// <summary>
    /// Like <see cref="Classify"/>, and also says where the client is handed to an SDK and which variable holds it.
    /// The expression may also be a call that returns a client (<c>factory.CreateClient("x")</c>): its position counts.
    /// </summary>
    /// <param name="clientExpression">The expression that gives the client.</param>
    /// <param name="options">The options of the tree the expression is in.</param>
    /// <param name="cancellationToken">The analysis's token.</param>
    /// <param name="bodies">
    /// The operation blocks of the type being analysed, as the analyzer driver handed them over (a symbol-start
    /// analyzer): a member client is then looked for in them, and no body is bound for the question.
    /// </param>
    public LlmHttpClientInfo Describe(IOperation clientExpression, LlmOptions options, CancellationToken cancellationToken, TypeBodies? bodies = null)
    {
        var evidence = LlmHttpClientEvidence.None;
        var targets = ImmutableArray.CreateBuilder<ISymbol>();
        var expression = clientExpression.WalkDownConversions();
        ISymbol? symbol = expression.ReferencedSymbol();

        if (expression is IObjectCreationOperation creation)
        {
            evidence |= FromCreation(creation, options, targets, ref symbol);
        }
        else if (symbol is null)
        {
            evidence |= FromPosition(expression, targets, ref symbol);
        }

        if (symbol is not null)
        {
            foreach (var scope in Scopes(clientExpression, symbol, cancellationToken, bodies))
            {
                evidence |= FromScope(scope, symbol, options, targets);
            }
        }

        return new LlmHttpClientInfo(evidence, symbol, expression as IObjectCreationOperation, targets.ToImmutable());
    }

    /// <summary>
    /// True when the SDK that receives the client through <paramref name="target"/> applies a timeout of its own, which
    /// the client's <c>HttpClient.Timeout</c> silently caps, as the families say
    /// (<see cref="SdkFamily.HttpClientReceiversWithOwnTimeout"/>: System.ClientModel's <c>NetworkTimeout</c> through
    /// <c>HttpClientPipelineTransport</c>, Anthropic's <c>Timeout</c>). Elsewhere the HttpClient's own timeout is the only one.
    /// </summary>
    public bool SdkOwnsTimeout(ISymbol target)
    {
        var type = target as INamedTypeSymbol ?? target.ContainingType;
        if (type is null)
        {
            return false;
        }

        return _ownTimeoutTypes.Any(type.IsOrInheritsFrom) || _ownTimeoutNamespaces.Any(type.IsInNamespace);
    }

    /// <summary><c>new HttpClient { BaseAddress = new Uri("https://api.openai.com/") }</c>: a creation aimed at a model host.</summary>
    private static LlmHttpClientEvidence FromInitializer(IObjectCreationOperation creation, LlmOptions options)
    {
        if (creation.Initializer is { } initializer)
        {
            foreach (var member in initializer.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "BaseAddress" } } assignment && HasModelLiteral(assignment.Value, options))
                {
                    return LlmHttpClientEvidence.ModelEndpoint;
                }
            }
        }

        return LlmHttpClientEvidence.None;
    }

    private LlmHttpClientEvidence FromCreation(IObjectCreationOperation creation, LlmOptions options, ImmutableArray<ISymbol>.Builder targets, ref ISymbol? symbol)
        => FromInitializer(creation, options) | FromPosition(creation, targets, ref symbol);

    /// <summary>What the place of a client-valued expression says: an argument to an SDK, an SDK member's value, or the variable that keeps it.</summary>
    private LlmHttpClientEvidence FromPosition(IOperation value, ImmutableArray<ISymbol>.Builder targets, ref ISymbol? symbol)
    {
        var evidence = LlmHttpClientEvidence.None;
        IOperation current = value;
        while (current.Parent is IConversionOperation or IAwaitOperation)
        {
            current = current.Parent;
        }

        switch (current.Parent)
        {
            case IArgumentOperation argument when IsSdkHttpClientParameter(argument.Parameter):
                evidence |= LlmHttpClientEvidence.HandedToSdk;
                targets.Add(argument.Parameter!);
                break;
            case ISimpleAssignmentOperation assignment when assignment.Value.WalkDownConversions() == value:
                if (assignment.Target is IPropertyReferenceOperation property && IsSdkHttpClientMember(property.Property))
                {
                    evidence |= LlmHttpClientEvidence.HandedToSdk;
                    targets.Add(property.Property);
                }
                else
                {
                    symbol = assignment.Target.ReferencedSymbol();
                }

                break;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                symbol = declarator.Symbol;
                break;
            case IFieldInitializerOperation fieldInitializer when fieldInitializer.InitializedFields.Length == 1:
                symbol = fieldInitializer.InitializedFields[0];
                break;
            case IPropertyInitializerOperation propertyInitializer when propertyInitializer.InitializedProperties.Length == 1:
                symbol = propertyInitializer.InitializedProperties[0];
                break;
        }

        return evidence;
    }

    /// <summary>
    /// The operation trees in which <paramref name="symbol"/> can be used: its function for a local or parameter; for a
    /// member, the bodies of its type (in this tree) that name it, and its own initializer. A body that does not name
    /// the member cannot use it, so it is never bound for this question: binding every body of a large type, for a
    /// field initializer that sets a timeout, was most of what the timeout rules cost a build. With
    /// <paramref name="bodies"/> of the member's type, the bodies are those the analyzer driver bound already.
    /// </summary>
    internal static IEnumerable<IOperation> Scopes(IOperation from, ISymbol symbol, CancellationToken cancellationToken, TypeBodies? bodies = null)
    {
        if (symbol is ILocalSymbol or IParameterSymbol)
        {
            var root = from;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            yield return root;
            yield break;
        }

        var model = from.SemanticModel;
        var type = symbol.ContainingType;
        if (model is null || type is null)
        {
            yield break;
        }

        // An indexer or an explicit interface implementation is not used by its symbol's name: every body is a scope.
        var name = symbol is IFieldSymbol or IPropertySymbol { IsIndexer: false, ExplicitInterfaceImplementations.IsEmpty: true } ? symbol.Name : null;
        if (bodies is not null && SymbolEqualityComparer.Default.Equals(bodies.Type, type.OriginalDefinition))
        {
            foreach (var block in bodies.Blocks)
            {
                if (block.Syntax.SyntaxTree == model.SyntaxTree && (name is null || Names(block.Syntax, name, cancellationToken)))
                {
                    yield return block;
                }
            }

            yield break;
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != model.SyntaxTree)
            {
                continue;
            }

            var typeSyntax = reference.GetSyntax(cancellationToken);
            foreach (var node in typeSyntax.DescendantNodes())
            {
                var isBody = node switch
                {
                    BaseMethodDeclarationSyntax => true,
                    AccessorDeclarationSyntax => true,
                    ArrowExpressionClauseSyntax { Parent: PropertyDeclarationSyntax or IndexerDeclarationSyntax } => true,
                    EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax } => true,
                    EqualsValueClauseSyntax { Parent.Parent.Parent: FieldDeclarationSyntax } => true,
                    _ => false,
                };

                if (isBody && (name is null || Names(node, name, cancellationToken)) && model.GetOperation(node, cancellationToken) is { } operation)
                {
                    yield return operation;
                }
            }
        }
    }

    /// <summary>
    /// True when the body <paramref name="node"/> names <paramref name="name"/>: an identifier in it, or the name of the
    /// field or property it initializes.
    /// </summary>
    private static bool Names(SyntaxNode node, string name, CancellationToken cancellationToken)
        => node switch
        {
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } when declarator.Identifier.ValueText == name => true,
            EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax property } when property.Identifier.ValueText == name => true,
            _ => SourceWords.ContainsWord(node, name, cancellationToken),
        };

    private LlmHttpClientEvidence FromScope(IOperation scope, ISymbol symbol, LlmOptions options, ImmutableArray<ISymbol>.Builder targets)
    {
        var evidence = LlmHttpClientEvidence.None;
        var sendsRequests = false;
        var scopeHasModelLiteral = false;
        foreach (var node in scope.DescendantsAndSelf())
        {
            switch (node)
            {
                case IArgumentOperation argument when IsSdkHttpClientParameter(argument.Parameter) && RefersTo(argument.Value, symbol):
                    evidence |= LlmHttpClientEvidence.HandedToSdk;
                    targets.Add(argument.Parameter!);
                    break;

                // The symbol's own creation: 'var http = new HttpClient { BaseAddress = … }', a field or property initializer, '_http = new HttpClient { … }'.
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, symbol)
                    && declarator.GetVariableInitializer()?.Value.WalkDownConversions() is IObjectCreationOperation creation:
                    evidence |= FromInitializer(creation, options);
                    break;

                case IFieldInitializerOperation fieldInitializer when fieldInitializer.InitializedFields.Contains(symbol, SymbolEqualityComparer.Default)
                    && fieldInitializer.Value.WalkDownConversions() is IObjectCreationOperation creation:
                    evidence |= FromInitializer(creation, options);
                    break;

                case IPropertyInitializerOperation propertyInitializer when propertyInitializer.InitializedProperties.Contains(symbol, SymbolEqualityComparer.Default)
                    && propertyInitializer.Value.WalkDownConversions() is IObjectCreationOperation creation:
                    evidence |= FromInitializer(creation, options);
                    break;

                case ISimpleAssignmentOperation assignment when assignment.Value.WalkDownConversions() is IObjectCreationOperation creation && RefersTo(assignment.Target, symbol):
                    evidence |= FromInitializer(creation, options);
                    break;

                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment:
                    if (IsSdkHttpClientMember(property.Property) && RefersTo(assignment.Value, symbol))
                    {
                        evidence |= LlmHttpClientEvidence.HandedToSdk;
                        targets.Add(property.Property);
                    }
                    else if (property.Property.Name == "BaseAddress" && property.Instance is { } instance && RefersTo(instance, symbol) && HasModelLiteral(assignment.Value, options))
                    {
                        evidence |= LlmHttpClientEvidence.ModelEndpoint;
                    }

                    break;

                case IInvocationOperation invocation when invocation.Instance is { } receiver && SendMethodNames.Contains(invocation.TargetMethod.Name)
                    && invocation.TargetMethod.ContainingType.IsOrInheritsFrom(_context.Types.HttpClient) && RefersTo(receiver, symbol):
                    sendsRequests = true;
                    break;

                case IInvocationOperation invocation when invocation.TargetMethod.IsExtensionMethod && SendMethodNames.Contains(invocation.TargetMethod.Name)
                    && invocation.Arguments.Length > 0 && RefersTo(invocation.Arguments[0].Value, symbol):
                    sendsRequests = true;
                    break;

                case ILiteralOperation or IFieldReferenceOperation or ILocalReferenceOperation when !scopeHasModelLiteral && node.ConstantValue is { HasValue: true, Value: string text }:
                    scopeHasModelLiteral = IsEndpointLiteral(text, options);
                    break;
            }
        }

        if (sendsRequests && scopeHasModelLiteral)
        {
            evidence |= LlmHttpClientEvidence.ModelEndpoint;
        }

        return evidence;
    }

    internal static bool RefersTo(IOperation operation, ISymbol symbol)
        => SymbolEqualityComparer.Default.Equals(operation.WalkDownConversions().ReferencedSymbol(), symbol);

    private static bool IsEndpointLiteral(string text, LlmOptions options)
        => ModelSignals.ContainsModelHost(text, options) || ModelSignals.ContainsEndpointPath(text);

    /// <summary>
    /// True when <paramref name="value"/> contains a string literal or constant naming a model host or endpoint
    /// (<c>new Uri("https://api.openai.com/v1/")</c>, <c>new Uri(Endpoint)</c> with a <c>const</c>).
    /// </summary>
    internal static bool HasModelLiteral(IOperation value, LlmOptions options)
    {
        foreach (var node in value.DescendantsAndSelf())
        {
            if (node is ILiteralOperation or IFieldReferenceOperation or ILocalReferenceOperation
                && node.ConstantValue is { HasValue: true, Value: string text }
                && IsEndpointLiteral(text, options))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>What <see cref="HttpClientRecognizer.Describe"/> found about one client.</summary>
/// <param name="Evidence">Why the client is a model client.</param>
/// <param name="Symbol">The local, parameter, field or property that holds the client, if any.</param>
/// <param name="Creation">The <c>new HttpClient(…)</c> the expression is, if it is one.</param>
/// <param name="SdkTargets">The SDK parameters and members the client is handed to.</param>
internal sealed record LlmHttpClientInfo(LlmHttpClientEvidence Evidence, ISymbol? Symbol, IObjectCreationOperation? Creation, ImmutableArray<ISymbol> SdkTargets);

/// <summary>
/// The operation blocks of one type's members, collected by a symbol-start analyzer as the analyzer driver hands them
/// over, so that a question about a member client reads trees that are bound already instead of binding every body of
/// the type itself (binding that a build pays once anyway, but that would be charged to the rule that asked first).
/// </summary>
internal sealed class TypeBodies
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<IOperation> _blocks = new();

    public TypeBodies(INamedTypeSymbol type) => Type = type;

    public INamedTypeSymbol Type { get; }

    /// <summary>The blocks collected so far: complete in the type's symbol-end action.</summary>
    public IEnumerable<IOperation> Blocks => _blocks;

    public void Add(ImmutableArray<IOperation> blocks)
    {
        foreach (var block in blocks)
        {
            _blocks.Enqueue(block);
        }
    }
}
