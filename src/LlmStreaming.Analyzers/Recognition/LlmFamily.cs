namespace LlmStreaming.Analyzers.Recognition;

/// <summary>Where a model stream comes from: one of the recognised SDKs, a hand-rolled HTTP reader, or a method the user configured.</summary>
internal enum LlmFamily
{
    Unknown = 0,
    OpenAI,
    ExtensionsAI,
    SemanticKernel,
    Anthropic,
    Ollama,
    Betalgo,
    AgentFramework,
    AzureAIInference,
    HandRolled,
    Configured,
}
