using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM401: an LLM HttpClient whose <c>Timeout</c> is a constant below the minimum, or that is handed to an SDK with
/// the 100 s default left in place.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HttpClientTimeoutAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Property names handed to the code fix.</summary>
    internal const string FixKindProperty = "FixKind";
    internal const string MinimumSecondsProperty = "MinimumSeconds";
    internal const string ShapeProperty = "Shape";

    /// <summary>The SDK owns a timeout of its own: the HttpClient's is best made infinite.</summary>
    internal const string FixInfinite = "Infinite";

    /// <summary>The HttpClient's timeout is the only one: raise it.</summary>
    internal const string FixMinimum = "Minimum";

    /// <summary><c>client.Timeout = …</c> (or an initializer member).</summary>
    internal const string ShapeAssignment = "Assignment";

    /// <summary><c>new HttpClient(…)</c> with no timeout, handed to an SDK.</summary>
    internal const string ShapeDefaultCreation = "DefaultCreation";

    /// <summary>HttpClient's default timeout.</summary>
    internal const double DefaultHttpClientTimeoutSeconds = 100;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM401_HttpClientTimeoutTooShort);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        LlmAnalyzerSetup.RegisterCompilationStart(context, static (start, llm) =>
        {
            if (llm.Types.HttpClient is null)
            {
                return;
            }

            start.RegisterOperationAction(c => AnalyzeAssignment(c, llm), OperationKind.SimpleAssignment);
            start.RegisterOperationAction(c => AnalyzeCreation(c, llm), OperationKind.ObjectCreation);
        });
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation { Property.Name: "Timeout" } property
            || !SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, llm.Types.HttpClient))
        {
            return;
        }

        var value = TimeoutValues.TryEvaluate(assignment.Value, context.CancellationToken);
        var options = llm.GetOptions(assignment.Syntax.SyntaxTree, context.Options);
        var minimum = options.MinTimeoutSeconds(DiagnosticIds.HttpClientTimeoutTooShort);
        if (value is not { } timeout || !timeout.IsBelow(minimum))
        {
            return;
        }

        if (Client(assignment, property, llm, options, context.CancellationToken) is not { } client)
        {
            return;
        }

        Report(context, assignment.Syntax.GetLocation(), ShapeAssignment, "HttpClient.Timeout", timeout.Display, client, minimum, llm);
    }

    private static void AnalyzeCreation(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, llm.Types.HttpClient)
            || creation.Initializer?.Initializers.Any(i => i is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Timeout" } }) == true)
        {
            return;
        }

        var options = llm.GetOptions(creation.Syntax.SyntaxTree, context.Options);
        var minimum = options.MinTimeoutSeconds(DiagnosticIds.HttpClientTimeoutTooShort);
        if (DefaultHttpClientTimeoutSeconds >= minimum)
        {
            return;
        }

        var info = llm.HttpClients.Describe(creation, options, context.CancellationToken);
        if ((info.Evidence & LlmHttpClientEvidence.HandedToSdk) == 0 || info.SdkTargets.IsEmpty)
        {
            return;
        }

        if (info.Symbol is not null && !TimeoutStaysDefault(creation, info.Symbol, llm, context.CancellationToken))
        {
            return;
        }

        var client = new ClientFacts(info.SdkTargets.Any(llm.HttpClients.SdkOwnsTimeout), "handed to '" + TargetName(info.SdkTargets[0]) + "'");
        Report(context, creation.Syntax.GetLocation(), ShapeDefaultCreation, "The default HttpClient.Timeout", TimeoutValue.DisplaySeconds(DefaultHttpClientTimeoutSeconds), client, minimum, llm);
    }

    private static void Report(OperationAnalysisContext context, Location location, string shape, string what, string value, ClientFacts client, int minimum, LlmAnalysisContext llm)
    {
        var effect = client.SdkOwnsTimeout
            ? "it caps the SDK's own timeout, so a long generation is cut at this value whatever the SDK is configured with"
            : "it bounds the wait for the response headers (the whole generation unless the body is read with ResponseHeadersRead), so a loading model or a long answer is cut";
        var fix = client.SdkOwnsTimeout
            ? "set Timeout.InfiniteTimeSpan and let the SDK's timeout or a token bound the call"
            : "raise it to at least " + TimeoutValue.DisplaySeconds(minimum);

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(FixKindProperty, client.SdkOwnsTimeout ? FixInfinite : FixMinimum)
            .Add(MinimumSecondsProperty, minimum.ToString(CultureInfo.InvariantCulture))
            .Add(ShapeProperty, shape);

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.LLM401_HttpClientTimeoutTooShort, location, properties, what, value, client.Description, effect, fix));
    }

    private readonly struct ClientFacts
    {
        public ClientFacts(bool sdkOwnsTimeout, string description)
        {
            SdkOwnsTimeout = sdkOwnsTimeout;
            Description = description;
        }

        public bool SdkOwnsTimeout { get; }

        public string Description { get; }
    }

    /// <summary>The LLM client whose timeout is assigned, or null when it is not an LLM client.</summary>
    private static ClientFacts? Client(ISimpleAssignmentOperation assignment, IPropertyReferenceOperation property, LlmAnalysisContext llm, LlmOptions options, System.Threading.CancellationToken cancellationToken)
    {
        var instance = property.Instance?.WalkDownConversions();
        IOperation? clientExpression = instance;

        // new HttpClient { Timeout = … }
        if (instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver }
            && assignment.Parent is IObjectOrCollectionInitializerOperation { Parent: IObjectCreationOperation creation })
        {
            clientExpression = creation;
        }

        if (clientExpression is null)
        {
            return null;
        }

        var info = llm.HttpClients.Describe(clientExpression, options, cancellationToken);
        var evidence = info.Evidence;
        string? description = null;

        // AddHttpClient(…, c => c.Timeout = …), .ConfigureHttpClient(c => …), ConfigureHttpClientDefaults(b => b.ConfigureHttpClient(…))
        if (instance is IParameterReferenceOperation parameter
            && llm.HttpClients.Registrations.FromConfiguredClient(parameter, cancellationToken) is { } registration)
        {
            var registered = llm.HttpClients.Registrations.Classify(registration, options, cancellationToken);
            if (registered != LlmHttpClientEvidence.None)
            {
                evidence |= registered;
                description = "registered with " + registration.DisplayName + (registration.IsDefaults ? " in a method that registers LLM clients" : string.Empty);
            }
        }

        if (evidence == LlmHttpClientEvidence.None)
        {
            return null;
        }

        var ownsTimeout = info.SdkTargets.Any(llm.HttpClients.SdkOwnsTimeout);
        description ??= !info.SdkTargets.IsEmpty
            ? "handed to '" + TargetName(info.SdkTargets[0]) + "'"
            : (evidence & LlmHttpClientEvidence.HandedToSdk) != 0 ? "handed to an SDK" : "that talks to a model endpoint";
        return new ClientFacts(ownsTimeout, description);
    }

    /// <summary>"OllamaApiClient", "HttpClientPipelineTransport", "ClientOptions.HttpClient", "AddOpenAIChatCompletion".</summary>
    internal static string TargetName(ISymbol target)
        => target switch
        {
            IParameterSymbol { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } => constructor.ContainingType.Name,
            IParameterSymbol { ContainingSymbol: IMethodSymbol method } => method.Name,
            IPropertySymbol property => property.ContainingType.Name + "." + property.Name,
            _ => target.Name,
        };

    /// <summary>
    /// True when nothing can change the timeout of the client held in <paramref name="symbol"/>: a local, or a private
    /// field/property of a type declared in one place, whose every use is a call on it, a member read, or a hand-off
    /// to an SDK — and never a <c>Timeout</c> write, another variable, or a call that could configure it.
    /// </summary>
    private static bool TimeoutStaysDefault(IObjectCreationOperation creation, ISymbol symbol, LlmAnalysisContext llm, System.Threading.CancellationToken cancellationToken)
    {
        switch (symbol)
        {
            case ILocalSymbol:
                break;
            case IFieldSymbol or IPropertySymbol when symbol.DeclaredAccessibility == Accessibility.Private && symbol.ContainingType.DeclaringSyntaxReferences.Length == 1:
                break;
            default:
                return false;
        }

        foreach (var scope in HttpClientRecognizer.Scopes(creation, symbol, cancellationToken))
        {
            foreach (var node in scope.DescendantsAndSelf())
            {
                if (!SymbolEqualityComparer.Default.Equals(node.ReferencedSymbol(), symbol) || node is IConversionOperation or IParenthesizedOperation)
                {
                    continue;
                }

                IOperation use = node;
                while (use.Parent is IConversionOperation or IParenthesizedOperation)
                {
                    use = use.Parent;
                }

                switch (use.Parent)
                {
                    case IPropertyReferenceOperation { Property.Name: "Timeout" }:
                        return false; // read or written: the rule on the assignment judges a constant write
                    case IMemberReferenceOperation:
                    case IInvocationOperation { Instance: not null } call when call.Instance == use:
                        break;
                    case IArgumentOperation argument when llm.HttpClients.IsSdkHttpClientParameter(argument.Parameter):
                        break;
                    case IArgumentOperation { Parameter.Ordinal: 0, Parent: IInvocationOperation { TargetMethod.IsExtensionMethod: true } extension }
                        when extension.TargetMethod.ContainingType.IsInNamespace("System.Net.Http"):
                        break; // http.PostAsJsonAsync(…)
                    case IInvocationOperation:
                    case IArgumentOperation:
                        return false; // handed to code that may configure it
                    case ISimpleAssignmentOperation assignment when assignment.Target == use:
                        break; // the declaration's own assignment (field = new HttpClient())
                    case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } when llm.HttpClients.IsSdkHttpClientMember(target.Property):
                        break;
                    case IVariableInitializerOperation:
                        break;
                    default:
                        return false;
                }
            }
        }

        return true;
    }
}
