using System.Globalization;
using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM404: a constant below the minimum in an SDK's timeout option, as the families name them
/// (<see cref="SdkFamily.Options"/>: System.ClientModel's <c>NetworkTimeout</c> on OpenAI, Azure OpenAI and Semantic
/// Kernel options, Anthropic's <c>Timeout</c>, Azure.Core's <c>Retry.NetworkTimeout</c> on Azure AI Inference options), or a <c>CancellationTokenSource</c> deadline (<c>CancelAfter</c>,
/// <c>new CancellationTokenSource(TimeSpan)</c>) whose token reaches an LLM stream.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class SdkTimeoutTooShortAnalyzer : LlmAnalyzer
{
    /// <summary>Property names handed to the code fix.</summary>
    internal const string MinimumSecondsProperty = "MinimumSeconds";
    internal const string ShapeProperty = "Shape";
    internal const string MillisecondsProperty = "Milliseconds";

    /// <summary>The diagnostic is on an assignment: replace its value.</summary>
    internal const string ShapeAssignment = "Assignment";

    /// <summary>The diagnostic is on the timeout value itself (an argument).</summary>
    internal const string ShapeValue = "Value";

    private const string CancelAfter = "CancelAfter";

    private static readonly ImmutableArray<string> CancelAfterWord = ImmutableArray.Create(CancelAfter);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM404_SdkTimeoutTooShort);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var sdkOptions = SdkOptions.Get(start.Compilation);
        if (!sdkOptions.PropertyNames.IsEmpty)
        {
            WordGatedActions.Register(start, sdkOptions.PropertyWords, c => AnalyzeAssignment(c, llm, sdkOptions), OperationKind.SimpleAssignment);
            if (TimeoutParameterScan.MaySetTimeoutFromParameter(start.Compilation, start.CancellationToken))
            {
                // Only where some source sets a timeout from a parameter: this action runs at every call and creation.
                var passed = PassedTimeouts(llm, sdkOptions);
                start.RegisterOperationAction(c => AnalyzePassedTimeout(c, llm, passed), OperationKind.ObjectCreation, OperationKind.Invocation);
            }
        }

        if (llm.Types.CancellationTokenSource is not null)
        {
            WordGatedActions.Register(start, CancelAfterWord, c => AnalyzeCancelAfter(c, llm), OperationKind.Invocation);
            start.RegisterOperationAction(c => AnalyzeSourceCreation(c, llm), OperationKind.ObjectCreation);
        }
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context, LlmAnalysisContext llm, SdkOptions sdkOptions)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation reference || sdkOptions.Match(reference, SdkOptionKind.Timeout) is not { } match)
        {
            return;
        }

        var (option, owner) = match;
        var what = Describe(option, owner);
        var effect = option.Effect;
        var options = llm.GetOptions(assignment.Syntax.SyntaxTree, context.Options);
        var minimum = options.MinTimeoutSeconds(DiagnosticIds.SdkTimeoutTooShort);
        if (TimeoutValues.TryEvaluate(assignment.Value, context.CancellationToken) is not { } value || !value.IsBelow(minimum))
        {
            return;
        }

        Report(context, assignment.Syntax.GetLocation(), ShapeAssignment, milliseconds: false, what, value, "on a model client", effect, minimum);
    }

    /// <summary>"OpenAIClientOptions.NetworkTimeout", "Anthropic ClientOptions.Timeout".</summary>
    private static string Describe(SdkOption option, ITypeSymbol owner)
        => (option.QualifyOwner ? option.SdkName + " " : string.Empty) + owner.Name + (option.Via is null ? string.Empty : "." + option.Via) + "." + option.Property;

    private static void AnalyzeCancelAfter(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name != CancelAfter || invocation.Arguments.Length != 1
            || !invocation.TargetMethod.ContainingType.IsOrInheritsFrom(llm.Types.CancellationTokenSource)
            || invocation.Instance is not { } instance)
        {
            return;
        }

        var source = instance.WalkDownConversions().ReferencedSymbol();
        if (source is null)
        {
            return;
        }

        AnalyzeDeadline(context, llm, invocation.Arguments[0].Value, CancelAfter, source, tokenValue: null, from: invocation);
    }

    private static void AnalyzeSourceCreation(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, llm.Types.CancellationTokenSource) || creation.Arguments.Length != 1)
        {
            return;
        }

        IOperation current = creation;
        while (current.Parent is IConversionOperation)
        {
            current = current.Parent;
        }

        ISymbol? source = current.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            IFieldInitializerOperation { InitializedFields.Length: 1 } field => field.InitializedFields[0],
            ISimpleAssignmentOperation assignment when assignment.Value.WalkDownConversions() == creation => assignment.Target.ReferencedSymbol(),
            _ => null,
        };

        // new CancellationTokenSource(…).Token used in place
        var tokenValue = current.Parent is IPropertyReferenceOperation { Property.Name: "Token" } token ? token : null;
        if (source is null && tokenValue is null)
        {
            return;
        }

        AnalyzeDeadline(context, llm, creation.Arguments[0].Value, "new CancellationTokenSource(…)", source, tokenValue, from: creation);
    }

    private static void AnalyzeDeadline(OperationAnalysisContext context, LlmAnalysisContext llm, IOperation delay, string what, ISymbol? source, IOperation? tokenValue, IOperation from)
    {
        var options = llm.GetOptions(from.Syntax.SyntaxTree, context.Options);
        var minimum = options.MinTimeoutSeconds(DiagnosticIds.SdkTimeoutTooShort);
        if (TimeoutValues.TryEvaluate(delay, context.CancellationToken) is not { } value || !value.IsBelow(minimum))
        {
            return;
        }

        var stream = StreamReached(llm, options, source, tokenValue, from, context.CancellationToken);
        if (stream is null)
        {
            return;
        }

        var milliseconds = delay.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64;
        Report(
            context,
            delay.Syntax.GetLocation(),
            ShapeValue,
            milliseconds,
            what,
            value,
            "and its token reaches '" + stream + "'",
            "it cancels the whole stream, however healthy the generation",
            minimum);
    }

    /// <summary>The name of the LLM stream call that the source's token reaches, or null.</summary>
    private static string? StreamReached(LlmAnalysisContext llm, LlmOptions options, ISymbol? source, IOperation? tokenValue, IOperation from, CancellationToken cancellationToken)
    {
        var flow = llm.Cancellation;
        if (tokenValue is not null)
        {
            foreach (var argument in flow.TokenArgumentsOfValue(tokenValue, HttpClientRegistrations.Root(from)))
            {
                if (flow.ReachesLlmStream(argument, options, cancellationToken))
                {
                    return ((IInvocationOperation)argument.Parent!).TargetMethod.Name;
                }
            }

            return null;
        }

        if (source is not (ILocalSymbol or IFieldSymbol))
        {
            return null;
        }

        foreach (var scope in HttpClientRecognizer.Scopes(from, source, cancellationToken))
        {
            foreach (var argument in flow.TokenArguments(source, scope))
            {
                if (flow.ReachesLlmStream(argument, options, cancellationToken))
                {
                    return ((IInvocationOperation)argument.Parent!).TargetMethod.Name;
                }
            }
        }

        return null;
    }

    private static void Report(OperationAnalysisContext context, Location location, string? shape, bool milliseconds, string what, TimeoutValue value, string where, string effect, int minimum)
    {
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(MinimumSecondsProperty, minimum.ToString(CultureInfo.InvariantCulture))
            .Add(ShapeProperty, shape)
            .Add(MillisecondsProperty, milliseconds ? "true" : "false");

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM404_SdkTimeoutTooShort,
            location,
            properties,
            what,
            value.Display,
            where,
            effect,
            TimeoutValue.DisplaySeconds(minimum)));
    }
}
