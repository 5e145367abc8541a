using System.Collections.Immutable;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The static facts about the recognised SDKs: which methods start a model stream, which types are their streaming
/// updates, which methods aggregate a stream. Matched by symbol (type metadata name + member name), never by text.
/// </summary>
internal static class SdkCatalog
{
    internal readonly struct StreamingMethod
    {
        public StreamingMethod(string typeMetadataName, string methodName, LlmFamily family)
        {
            TypeMetadataName = typeMetadataName;
            MethodName = methodName;
            Family = family;
        }

        public string TypeMetadataName { get; }
        public string MethodName { get; }
        public LlmFamily Family { get; }
    }

    private static StreamingMethod M(string type, string method, LlmFamily family) => new(type, method, family);

    /// <summary>Methods that start a model stream. The type may be an interface or a base class: implementations and overrides match too.</summary>
    public static readonly ImmutableArray<StreamingMethod> StreamingMethods = ImmutableArray.Create(
        // OpenAI .NET (Azure.AI.OpenAI hands out the same clients)
        M("OpenAI.Chat.ChatClient", "CompleteChatStreamingAsync", LlmFamily.OpenAI),
        M("OpenAI.Chat.ChatClient", "CompleteChatStreaming", LlmFamily.OpenAI),
        M("OpenAI.Responses.ResponsesClient", "CreateResponseStreamingAsync", LlmFamily.OpenAI),
        M("OpenAI.Responses.ResponsesClient", "CreateResponseStreaming", LlmFamily.OpenAI),
        M("OpenAI.Responses.ResponsesClient", "GetResponseStreamingAsync", LlmFamily.OpenAI),
        M("OpenAI.Responses.ResponsesClient", "GetResponseStreaming", LlmFamily.OpenAI),
        M("OpenAI.Responses.OpenAIResponseClient", "CreateResponseStreamingAsync", LlmFamily.OpenAI),
        M("OpenAI.Responses.OpenAIResponseClient", "CreateResponseStreaming", LlmFamily.OpenAI),
        M("OpenAI.Responses.OpenAIResponseClient", "GetResponseStreamingAsync", LlmFamily.OpenAI),
        M("OpenAI.Responses.OpenAIResponseClient", "GetResponseStreaming", LlmFamily.OpenAI),
        M("OpenAI.Assistants.AssistantClient", "CreateRunStreamingAsync", LlmFamily.OpenAI),
        M("OpenAI.Assistants.AssistantClient", "CreateRunStreaming", LlmFamily.OpenAI),
        M("OpenAI.Assistants.AssistantClient", "CreateThreadAndRunStreamingAsync", LlmFamily.OpenAI),
        M("OpenAI.Assistants.AssistantClient", "CreateThreadAndRunStreaming", LlmFamily.OpenAI),
        M("OpenAI.Assistants.AssistantClient", "SubmitToolOutputsToRunStreamingAsync", LlmFamily.OpenAI),
        M("OpenAI.Assistants.AssistantClient", "SubmitToolOutputsToRunStreaming", LlmFamily.OpenAI),
        // Microsoft.Extensions.AI (CompleteStreamingAsync: the 9.0 previews)
        M("Microsoft.Extensions.AI.IChatClient", "GetStreamingResponseAsync", LlmFamily.ExtensionsAI),
        M("Microsoft.Extensions.AI.IChatClient", "CompleteStreamingAsync", LlmFamily.ExtensionsAI),
        M("Microsoft.Extensions.AI.ChatClientExtensions", "GetStreamingResponseAsync", LlmFamily.ExtensionsAI),
        M("Microsoft.Extensions.AI.ChatClientExtensions", "CompleteStreamingAsync", LlmFamily.ExtensionsAI),
        // Semantic Kernel
        M("Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService", "GetStreamingChatMessageContentsAsync", LlmFamily.SemanticKernel),
        M("Microsoft.SemanticKernel.ChatCompletion.ChatCompletionServiceExtensions", "GetStreamingChatMessageContentsAsync", LlmFamily.SemanticKernel),
        M("Microsoft.SemanticKernel.TextGeneration.ITextGenerationService", "GetStreamingTextContentsAsync", LlmFamily.SemanticKernel),
        M("Microsoft.SemanticKernel.TextGeneration.TextGenerationExtensions", "GetStreamingTextContentsAsync", LlmFamily.SemanticKernel),
        M("Microsoft.SemanticKernel.Kernel", "InvokeStreamingAsync", LlmFamily.SemanticKernel),
        M("Microsoft.SemanticKernel.KernelFunction", "InvokeStreamingAsync", LlmFamily.SemanticKernel),
        M("Microsoft.SemanticKernel.KernelExtensions", "InvokePromptStreamingAsync", LlmFamily.SemanticKernel),
        M("Microsoft.SemanticKernel.KernelExtensions", "InvokeStreamingAsync", LlmFamily.SemanticKernel),
        // Anthropic
        M("Anthropic.Services.IMessageService", "CreateStreaming", LlmFamily.Anthropic),
        M("Anthropic.Services.Beta.IMessageService", "CreateStreaming", LlmFamily.Anthropic),
        M("Anthropic.Helpers.Beta.BetaMessageThread", "SendStreaming", LlmFamily.Anthropic),
        // OllamaSharp
        M("OllamaSharp.IOllamaApiClient", "ChatAsync", LlmFamily.Ollama),
        M("OllamaSharp.IOllamaApiClient", "GenerateAsync", LlmFamily.Ollama),
        M("OllamaSharp.Chat", "SendAsync", LlmFamily.Ollama),
        M("OllamaSharp.Chat", "SendAsAsync", LlmFamily.Ollama),
        // Betalgo.Ranul.OpenAI
        M("Betalgo.Ranul.OpenAI.Interfaces.IChatCompletionService", "CreateCompletionAsStream", LlmFamily.Betalgo),
        M("Betalgo.Ranul.OpenAI.Interfaces.ICompletionService", "CreateCompletionAsStream", LlmFamily.Betalgo));

    /// <summary>
    /// The names of the assemblies that hold the catalogue's types, as prefixes (a name matches when it is one of these or
    /// starts with one and a dot: "Microsoft.Extensions.AI.Abstractions"). A compilation that references none of them,
    /// and is none of them, has none of the SDKs: the check needs no type lookup
    /// (<see cref="LlmAnalysisContext.ReferencesAnSdk"/>).
    /// </summary>
    public static readonly ImmutableArray<string> AssemblyNamePrefixes = ImmutableArray.Create(
        "OpenAI",
        "Microsoft.Extensions.AI",
        "Microsoft.SemanticKernel",
        "Anthropic",
        "OllamaSharp",
        "Betalgo.Ranul.OpenAI");

    /// <summary>True when <paramref name="assemblyName"/> is the name of an assembly that may hold the catalogue's types.</summary>
    public static bool IsSdkAssemblyName(string? assemblyName)
    {
        if (assemblyName is null)
        {
            return false;
        }

        foreach (var prefix in AssemblyNamePrefixes)
        {
            if (assemblyName.StartsWith(prefix, System.StringComparison.OrdinalIgnoreCase)
                && (assemblyName.Length == prefix.Length || assemblyName[prefix.Length] == '.'))
            {
                return true;
            }
        }

        return false;
    }

    internal readonly struct UpdateType
    {
        public UpdateType(string metadataName, LlmFamily family)
        {
            MetadataName = metadataName;
            Family = family;
        }

        public string MetadataName { get; }
        public LlmFamily Family { get; }
    }

    /// <summary>The element types of the SDKs' streams (and their bases): a method returning a stream of these is a model stream.</summary>
    public static readonly ImmutableArray<UpdateType> UpdateTypes = ImmutableArray.Create(
        new UpdateType("OpenAI.Chat.StreamingChatCompletionUpdate", LlmFamily.OpenAI),
        new UpdateType("OpenAI.Responses.StreamingResponseUpdate", LlmFamily.OpenAI),
        new UpdateType("OpenAI.Assistants.StreamingUpdate", LlmFamily.OpenAI),
        new UpdateType("Microsoft.Extensions.AI.ChatResponseUpdate", LlmFamily.ExtensionsAI),
        new UpdateType("Microsoft.Extensions.AI.StreamingChatCompletionUpdate", LlmFamily.ExtensionsAI),
        new UpdateType("Microsoft.SemanticKernel.StreamingKernelContent", LlmFamily.SemanticKernel),
        new UpdateType("Anthropic.Models.Messages.RawMessageStreamEvent", LlmFamily.Anthropic),
        new UpdateType("Anthropic.Models.Beta.Messages.BetaRawMessageStreamEvent", LlmFamily.Anthropic),
        new UpdateType("OllamaSharp.Models.Chat.ChatResponseStream", LlmFamily.Ollama),
        new UpdateType("OllamaSharp.Models.GenerateResponseStream", LlmFamily.Ollama),
        new UpdateType("Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.ChatCompletionCreateResponse", LlmFamily.Betalgo),
        new UpdateType("Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.CompletionCreateResponse", LlmFamily.Betalgo));

    /// <summary>
    /// Methods that enumerate a whole stream into one result (they count as an enumeration of their stream argument).
    /// </summary>
    public static readonly ImmutableArray<(string TypeMetadataName, string MethodName)> Aggregators = ImmutableArray.Create(
        ("Microsoft.Extensions.AI.ChatResponseExtensions", "ToChatResponseAsync"),
        ("Microsoft.Extensions.AI.ChatResponseExtensions", "AddMessagesAsync"),
        ("Microsoft.Extensions.AI.ChatResponseExtensions", "ToChatCompletionAsync"),
        ("Microsoft.Extensions.AI.StreamingChatCompletionUpdateExtensions", "ToChatCompletionAsync"),
        ("Anthropic.SseAggregatorExtensions", "Aggregate"),
        ("OllamaSharp.IAsyncEnumerableExtensions", "StreamToEndAsync"));

    /// <summary>Wrappers that keep the stream they are called on: <c>WithCancellation</c>, <c>ConfigureAwait</c>.</summary>
    public static readonly ImmutableHashSet<string> PassThroughWrappers = ImmutableHashSet.Create("WithCancellation", "ConfigureAwait");
}
