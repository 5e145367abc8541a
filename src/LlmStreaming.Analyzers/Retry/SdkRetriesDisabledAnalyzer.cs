using System.Collections.Immutable;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// LLM103: client options that turn the SDK's own retries of the initial request off — Anthropic <c>MaxRetries = 0</c>
/// (on <c>AnthropicClient</c>, <c>IAnthropicClient</c>, <c>ClientOptions</c>, also inside <c>WithOptions(o =&gt; o with { … })</c>),
/// and <c>RetryPolicy = new ClientRetryPolicy(0)</c> on OpenAI/Azure OpenAI client options (System.ClientModel).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SdkRetriesDisabledAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM103_SdkRetriesDisabled);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var types = RetryTypes.Get(start.Compilation);
        var anthropic = llm.Types.AnthropicClient is not null || llm.Types.AnthropicClientOptions is not null;
        if (!anthropic && types.ClientRetryPolicy is null)
        {
            return;
        }

        start.RegisterOperationAction(c => AnalyzeAssignment(c, types), OperationKind.SimpleAssignment);
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context, RetryTypes types)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation property)
        {
            return;
        }

        string? family = null;
        if (property.Property.Name == "MaxRetries" && property.Property.ContainingType.IsInNamespace("Anthropic"))
        {
            family = IsZeroOrLess(assignment.Value) ? "Anthropic" : null;
        }
        else if (property.Property.Name == "RetryPolicy"
            && property.Property.ContainingType.IsOrInheritsFrom(types.ClientPipelineOptions)
            && IsLlmOptions(property.Instance?.Type, types)
            && assignment.Value.WalkDownConversions() is IObjectCreationOperation creation
            && SymbolEqualityComparer.Default.Equals(creation.Type, types.ClientRetryPolicy)
            && creation.Arguments.Length > 0
            && IsZeroOrLess(creation.Arguments[0].Value))
        {
            family = IsAzure(property.Instance?.Type) ? "Azure OpenAI" : "OpenAI";
        }

        if (family is null)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM103_SdkRetriesDisabled,
            assignment.Syntax.GetLocation(),
            assignment.Syntax.ToString(),
            family));
    }

    private static bool IsZeroOrLess(IOperation value)
        => value.WalkDownConversions().ConstantValue is { HasValue: true, Value: int count } && count <= 0;

    private static bool IsLlmOptions(ITypeSymbol? type, RetryTypes types)
        => type is not null && (type.IsOrInheritsFrom(types.OpenAIClientOptions) || IsAzure(type));

    private static bool IsAzure(ITypeSymbol? type)
        => type is not null && type.IsInNamespace("Azure.AI.OpenAI");
}
