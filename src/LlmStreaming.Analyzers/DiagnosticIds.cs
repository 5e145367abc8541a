namespace LlmStreaming.Analyzers;

/// <summary>
/// The rule IDs: prefix LLM, three digits, banded by concern (1xx retry, 2xx termination, 3xx partial output,
/// 4xx timeouts). An ID never changes once it has shipped (AnalyzerReleases.Shipped.md).
/// </summary>
public static partial class DiagnosticIds
{
    // Each band declares its IDs beside its analyzers (PartialOutput/PartialOutputDescriptors.cs, …).
}
