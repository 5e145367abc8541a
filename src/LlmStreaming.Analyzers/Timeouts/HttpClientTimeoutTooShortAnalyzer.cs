using System.Collections.Concurrent;
using System.Globalization;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM401: an LLM HttpClient whose <c>Timeout</c> is a constant below the minimum, or that is handed to an SDK with
/// the 100 s default left in place.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class HttpClientTimeoutTooShortAnalyzer : LlmAnalyzer
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

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Types.HttpClient is null)
        {
            return;
        }

        var namesClients = new ConcurrentDictionary<SyntaxTree, bool>();
        start.RegisterSymbolStartAction(type => AnalyzeType(type, llm, namesClients), SymbolKind.NamedType);
        RegisterPassedTimeouts(start, llm);
    }

    /// <summary>
    /// One type at a time: whether a client is a model client can depend on every body of its type (a field set in one
    /// member, handed to an SDK in another), so the candidates found in the type's operations are judged at the end of
    /// the type, over the operation blocks the driver handed over (<see cref="TypeBodies"/>). Judging them on the spot
    /// bound every body of the type from the first candidate: most of what the rule cost a build.
    /// </summary>
    private static void AnalyzeType(SymbolStartAnalysisContext context, LlmAnalysisContext llm, ConcurrentDictionary<SyntaxTree, bool> namesClients)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!NamesAClient(type, namesClients, context.CancellationToken))
        {
            return;
        }

        var candidates = new ConcurrentQueue<(IOperation Operation, AnalyzerOptions Options)>();

        // Each operation once, in its innermost type (a containing type's start may see a nested type's members too).
        bool Own(ISymbol member) => SymbolEqualityComparer.Default.Equals(member.ContainingType, type);

        // The bodies are kept only where a client can be a member of this type (a field or property of it holds one).
        TypeBodies? bodies = null;
        if (HasClientMember(type, llm))
        {
            var collected = bodies = new TypeBodies(type);
            context.RegisterOperationBlockAction(block =>
            {
                if (Own(block.OwningSymbol))
                {
                    collected.Add(block.OperationBlocks);
                }
            });
        }

        context.RegisterOperationAction(
            c =>
            {
                if (Own(c.ContainingSymbol) && IsCandidateAssignment((ISimpleAssignmentOperation)c.Operation, llm))
                {
                    candidates.Enqueue((c.Operation, c.Options));
                }
            },
            OperationKind.SimpleAssignment);
        context.RegisterOperationAction(
            c =>
            {
                if (Own(c.ContainingSymbol) && IsCandidateCreation((IObjectCreationOperation)c.Operation, llm))
                {
                    candidates.Enqueue((c.Operation, c.Options));
                }
            },
            OperationKind.ObjectCreation);
        context.RegisterSymbolEndAction(end =>
        {
            foreach (var (operation, options) in candidates)
            {
                var diagnostic = operation is ISimpleAssignmentOperation assignment
                    ? AnalyzeAssignment(assignment, options, llm, bodies, end.CancellationToken)
                    : AnalyzeCreation((IObjectCreationOperation)operation, options, llm, bodies, end.CancellationToken);
                if (diagnostic is not null)
                {
                    end.ReportDiagnostic(diagnostic);
                }
            }
        });
    }

    /// <summary>
    /// False when no file the type is declared in has the text "HttpClient" or "Timeout": then no candidate is in it (a
    /// <c>Timeout</c> assignment names it; a creation of an HttpClient names its type, in the file or, for <c>new()</c>,
    /// where the member it is assigned to is declared, in a part of the type or a using alias) and no member of it holds
    /// a client, so the type registers nothing. Most types of a project are such types; their start cost most of the
    /// rule's time on ordinary code. (Out of reach: a global using alias of HttpClient, and <c>new()</c> assigned to a
    /// member inherited from a type declared in another file.) Each file's answer is kept for the compilation.
    /// </summary>
    private static bool NamesAClient(INamedTypeSymbol type, ConcurrentDictionary<SyntaxTree, bool> namesClients, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            var tree = reference.SyntaxTree;
            if (!namesClients.TryGetValue(tree, out var names))
            {
                var root = tree.GetRoot(cancellationToken);
                names = namesClients.GetOrAdd(tree, SourceWords.ContainsText(root, "HttpClient", cancellationToken) || SourceWords.ContainsText(root, "Timeout", cancellationToken));
            }

            if (names)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasClientMember(INamedTypeSymbol type, LlmAnalysisContext llm)
    {
        foreach (var member in type.GetMembers())
        {
            var memberType = member switch
            {
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };

            if (memberType.IsOrInheritsFrom(llm.Types.HttpClient))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>HttpClient.Timeout = …</c>: judged at the end of the type.</summary>
    private static bool IsCandidateAssignment(ISimpleAssignmentOperation assignment, LlmAnalysisContext llm)
        => assignment.Target is IPropertyReferenceOperation { Property.Name: "Timeout" } property
            && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, llm.Types.HttpClient);

    /// <summary><c>new HttpClient(…)</c> with no <c>Timeout</c> in its initializer: judged at the end of the type.</summary>
    private static bool IsCandidateCreation(IObjectCreationOperation creation, LlmAnalysisContext llm)
        => SymbolEqualityComparer.Default.Equals(creation.Type, llm.Types.HttpClient)
            && creation.Initializer?.Initializers.Any(i => i is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Timeout" } }) != true;

    private static Diagnostic? AnalyzeAssignment(ISimpleAssignmentOperation assignment, AnalyzerOptions analyzerOptions, LlmAnalysisContext llm, TypeBodies? bodies, CancellationToken cancellationToken)
    {
        var property = (IPropertyReferenceOperation)assignment.Target;
        var value = TimeoutValues.TryEvaluate(assignment.Value, cancellationToken);
        var options = llm.GetOptions(assignment.Syntax.SyntaxTree, analyzerOptions);
        var minimum = options.MinTimeoutSeconds(DiagnosticIds.HttpClientTimeoutTooShort);
        if (value is not { } timeout || !timeout.IsBelow(minimum))
        {
            return null;
        }

        if (Client(assignment, property, llm, options, bodies, cancellationToken) is not { } client)
        {
            return null;
        }

        return Create(assignment.Syntax.GetLocation(), ShapeAssignment, "HttpClient.Timeout", timeout.Display, client, minimum);
    }

    private static Diagnostic? AnalyzeCreation(IObjectCreationOperation creation, AnalyzerOptions analyzerOptions, LlmAnalysisContext llm, TypeBodies? bodies, CancellationToken cancellationToken)
    {
        var options = llm.GetOptions(creation.Syntax.SyntaxTree, analyzerOptions);
        var minimum = options.MinTimeoutSeconds(DiagnosticIds.HttpClientTimeoutTooShort);
        if (DefaultHttpClientTimeoutSeconds >= minimum)
        {
            return null;
        }

        var info = llm.HttpClients.Describe(creation, options, cancellationToken, bodies);
        if ((info.Evidence & LlmHttpClientEvidence.HandedToSdk) == 0 || info.SdkTargets.IsEmpty)
        {
            return null;
        }

        if (info.Symbol is not null && !TimeoutStaysDefault(creation, info.Symbol, llm, bodies, cancellationToken))
        {
            return null;
        }

        var client = new ClientFacts(info.SdkTargets.Any(llm.HttpClients.SdkOwnsTimeout), "handed to '" + TargetName(info.SdkTargets[0]) + "'");
        return Create(creation.Syntax.GetLocation(), ShapeDefaultCreation, "The default HttpClient.Timeout", TimeoutValue.DisplaySeconds(DefaultHttpClientTimeoutSeconds), client, minimum);
    }

    private static Diagnostic Create(Location location, string? shape, string what, string value, ClientFacts client, int minimum)
    {
        var effect = client.SdkOwnsTimeout
            ? "it caps the SDK's own timeout and cuts long answers"
            : "it cuts a slow model off (before the headers, or anywhere in a buffered answer)";
        var fix = client.SdkOwnsTimeout
            ? "set Timeout.InfiniteTimeSpan and let the SDK's timeout bound the call"
            : "raise it to at least " + TimeoutValue.DisplaySeconds(minimum);

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(FixKindProperty, client.SdkOwnsTimeout ? FixInfinite : FixMinimum)
            .Add(MinimumSecondsProperty, minimum.ToString(CultureInfo.InvariantCulture))
            .Add(ShapeProperty, shape);

        return Diagnostic.Create(Descriptors.LLM401_HttpClientTimeoutTooShort, location, properties, what, value, client.Description, effect, fix);
    }

    private sealed class ClientFacts
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
    private static ClientFacts? Client(ISimpleAssignmentOperation assignment, IPropertyReferenceOperation property, LlmAnalysisContext llm, LlmOptions options, TypeBodies? bodies, CancellationToken cancellationToken)
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

        var info = llm.HttpClients.Describe(clientExpression, options, cancellationToken, bodies);
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
    private static bool TimeoutStaysDefault(IObjectCreationOperation creation, ISymbol symbol, LlmAnalysisContext llm, TypeBodies? bodies, CancellationToken cancellationToken)
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

        foreach (var scope in HttpClientRecognizer.Scopes(creation, symbol, cancellationToken, bodies))
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
