using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

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
    private static readonly ImmutableArray<string> SdkNamespaces = ImmutableArray.Create(
        "OpenAI", "Azure.AI.OpenAI", "System.ClientModel", "Microsoft.Extensions.AI", "Microsoft.SemanticKernel", "Anthropic", "OllamaSharp", "Betalgo");

    private static readonly ImmutableHashSet<string> SendMethodNames = ImmutableHashSet.Create(
        "SendAsync", "Send", "PostAsync", "PostAsJsonAsync", "GetAsync", "GetStreamAsync", "GetStringAsync", "PutAsync", "PatchAsync");

    private readonly LlmAnalysisContext _context;

    public HttpClientRecognizer(LlmAnalysisContext context) => _context = context;

    /// <summary>True for a parameter that takes the HttpClient an SDK will use.</summary>
    public bool IsSdkHttpClientParameter(IParameterSymbol? parameter)
        => parameter is not null
            && parameter.Type.IsOrInheritsFrom(_context.Types.HttpClient)
            && IsSdkSymbol(parameter.ContainingSymbol);

    /// <summary>True for a settable member of an SDK type that takes the HttpClient the SDK will use (Anthropic <c>ClientOptions.HttpClient</c>).</summary>
    public bool IsSdkHttpClientMember(ISymbol? member)
        => member is IPropertySymbol property
            && property.Type.IsOrInheritsFrom(_context.Types.HttpClient)
            && IsSdkSymbol(property);

    private static bool IsSdkSymbol(ISymbol? symbol)
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
    {
        var evidence = LlmHttpClientEvidence.None;
        var expression = clientExpression.WalkDownConversions();
        ISymbol? symbol = expression.ReferencedSymbol();

        if (expression is IObjectCreationOperation creation)
        {
            evidence |= FromCreation(creation, options, ref symbol);
        }

        if (symbol is null)
        {
            return evidence;
        }

        foreach (var scope in Scopes(clientExpression, symbol, cancellationToken))
        {
            evidence |= FromScope(scope, symbol, options);
            if (evidence == (LlmHttpClientEvidence.HandedToSdk | LlmHttpClientEvidence.ModelEndpoint))
            {
                break;
            }
        }

        return evidence;
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

    private LlmHttpClientEvidence FromCreation(IObjectCreationOperation creation, LlmOptions options, ref ISymbol? symbol)
    {
        var evidence = FromInitializer(creation, options);

        IOperation current = creation;
        while (current.Parent is IConversionOperation)
        {
            current = current.Parent;
        }

        switch (current.Parent)
        {
            case IArgumentOperation argument when IsSdkHttpClientParameter(argument.Parameter):
                evidence |= LlmHttpClientEvidence.HandedToSdk;
                break;
            case ISimpleAssignmentOperation assignment when assignment.Value.WalkDownConversions() == creation:
                if (assignment.Target is IPropertyReferenceOperation property && IsSdkHttpClientMember(property.Property))
                {
                    evidence |= LlmHttpClientEvidence.HandedToSdk;
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

    /// <summary>The operation trees in which <paramref name="symbol"/> can be used: its function for a local or parameter, its type for a member.</summary>
    private static IEnumerable<IOperation> Scopes(IOperation from, ISymbol symbol, CancellationToken cancellationToken)
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

                if (isBody && model.GetOperation(node, cancellationToken) is { } operation)
                {
                    yield return operation;
                }
            }
        }
    }

    private LlmHttpClientEvidence FromScope(IOperation scope, ISymbol symbol, LlmOptions options)
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

    private static bool RefersTo(IOperation operation, ISymbol symbol)
        => SymbolEqualityComparer.Default.Equals(operation.WalkDownConversions().ReferencedSymbol(), symbol);

    private static bool IsEndpointLiteral(string text, LlmOptions options)
        => ModelSignals.ContainsModelHost(text, options) || ModelSignals.ContainsEndpointPath(text);

    /// <summary>
    /// True when <paramref name="value"/> contains a string literal or constant naming a model host or endpoint
    /// (<c>new Uri("https://api.openai.com/v1/")</c>, <c>new Uri(Endpoint)</c> with a <c>const</c>).
    /// </summary>
    private static bool HasModelLiteral(IOperation value, LlmOptions options)
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
