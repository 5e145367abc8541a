using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers;

/// <summary>Stream termination — LLM2xx.</summary>
public static partial class DiagnosticIds
{
    public const string DoneSentinelNotHandled = "LLM201";
}

/// <summary>Stream termination — LLM2xx.</summary>
public static partial class Descriptors
{
    public static readonly DiagnosticDescriptor LLM201_DoneSentinelNotHandled = Rule(
        DiagnosticIds.DoneSentinelNotHandled,
        "[DONE] sentinel is not handled",
        "'{0}' parses the SSE payload '{1}' without checking for the '[DONE]' sentinel first: OpenAI-compatible streams end with 'data: [DONE]', which is not JSON, so the parse throws at the end of every successful answer; check 'if ({1} == \"[DONE]\")' and leave the loop before parsing",
        DiagnosticSeverity.Warning,
        "A hand-rolled server-sent-events loop passes each 'data:' payload to a JSON parser with no check for the '[DONE]' sentinel before it. OpenAI-compatible APIs end the stream with 'data: [DONE]'; parsing it throws a JsonException at the very end of a successful answer.");
}
