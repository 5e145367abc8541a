using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// LLM103: client options that turn the SDK's own retries of the initial request off, as the families name them
/// (<see cref="SdkFamily.Options"/>) — Anthropic <c>MaxRetries = 0</c> (on <c>AnthropicClient</c>, <c>IAnthropicClient</c>,
/// <c>ClientOptions</c>, also inside <c>WithOptions(o =&gt; o with { … })</c>), <c>RetryPolicy = new ClientRetryPolicy(0)</c> on
/// OpenAI/Azure OpenAI client options (System.ClientModel), and Azure AI Inference's <c>Retry.MaxRetries = 0</c> (Azure.Core).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SdkRetriesDisabledAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM103_SdkRetriesDisabled);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var options = SdkOptions.Get(start.Compilation);
        if (options.PropertyNames.IsEmpty)
        {
            return;
        }

        // Only in the code blocks that write an option's name: not at every assignment.
        WordGatedActions.Register(start, options.PropertyWords, c => AnalyzeAssignment(c, options), OperationKind.SimpleAssignment);
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context, SdkOptions options)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation property || !options.PropertyNames.Contains(property.Property.Name))
        {
            return;
        }

        // A retry count of zero or less (Anthropic MaxRetries, Azure.Core's Retry.MaxRetries), or a retry policy made
        // with no retries (System.ClientModel's RetryPolicy = new ClientRetryPolicy(0)).
        var match = options.Match(property, SdkOptionKind.RetryCount) is { } count && IsZeroOrLess(assignment.Value)
            ? count
            : options.Match(property, SdkOptionKind.RetryPolicy) is { } policy
                && assignment.Value.WalkDownConversions() is IObjectCreationOperation { Arguments.Length: > 0 } creation
                && creation.Type?.Name == "ClientRetryPolicy"
                && IsZeroOrLess(creation.Arguments[0].Value)
                ? policy
                : ((SdkOption Option, ITypeSymbol Owner)?)null;
        if (match is not { } found)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM103_SdkRetriesDisabled,
            assignment.Syntax.GetLocation(),
            assignment.Syntax.ToString(),
            found.Option.SdkName));
    }

    private static bool IsZeroOrLess(IOperation value)
        => value.WalkDownConversions().ConstantValue is { HasValue: true, Value: int count } && count <= 0;
}
