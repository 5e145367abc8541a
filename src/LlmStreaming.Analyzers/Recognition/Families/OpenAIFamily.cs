using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>
/// The OpenAI .NET SDK (<c>OpenAI</c>): chat completions, Responses and Assistants streams. Azure OpenAI
/// (<c>Azure.AI.OpenAI</c>) hands out the same clients, so it is this family too.
/// </summary>
internal sealed class OpenAIFamily : SdkFamily
{
    public override LlmFamily Id => LlmFamily.OpenAI;

    public override string DisplayName => "OpenAI (and Azure OpenAI)";

    public override ImmutableArray<string> AssemblyNamePrefixes { get; } = List("OpenAI");

    public override ImmutableArray<string> Namespaces { get; } = List("OpenAI", "Azure.AI.OpenAI", "System.ClientModel");

    public override ImmutableArray<MethodRef> StreamingMethods { get; } = List(
        M("OpenAI.Chat.ChatClient", "CompleteChatStreamingAsync"),
        M("OpenAI.Chat.ChatClient", "CompleteChatStreaming"),
        M("OpenAI.Responses.ResponsesClient", "CreateResponseStreamingAsync"),
        M("OpenAI.Responses.ResponsesClient", "CreateResponseStreaming"),
        M("OpenAI.Responses.ResponsesClient", "GetResponseStreamingAsync"),
        M("OpenAI.Responses.ResponsesClient", "GetResponseStreaming"),
        M("OpenAI.Responses.OpenAIResponseClient", "CreateResponseStreamingAsync"),
        M("OpenAI.Responses.OpenAIResponseClient", "CreateResponseStreaming"),
        M("OpenAI.Responses.OpenAIResponseClient", "GetResponseStreamingAsync"),
        M("OpenAI.Responses.OpenAIResponseClient", "GetResponseStreaming"),
        M("OpenAI.Assistants.AssistantClient", "CreateRunStreamingAsync"),
        M("OpenAI.Assistants.AssistantClient", "CreateRunStreaming"),
        M("OpenAI.Assistants.AssistantClient", "CreateThreadAndRunStreamingAsync"),
        M("OpenAI.Assistants.AssistantClient", "CreateThreadAndRunStreaming"),
        M("OpenAI.Assistants.AssistantClient", "SubmitToolOutputsToRunStreamingAsync"),
        M("OpenAI.Assistants.AssistantClient", "SubmitToolOutputsToRunStreaming"));

    private const string ChatCut = "response.Value.FinishReason == global::OpenAI.Chat.ChatFinishReason.Length || response.Value.FinishReason == global::OpenAI.Chat.ChatFinishReason.ContentFilter";

    public override ImmutableArray<NonStreamingTwin> NonStreamingTwins { get; } = List(
        new NonStreamingTwin("CompleteChatStreamingAsync", "CompleteChatAsync", "response.Value.Content", TextIsParts: true, ChatCut),
        new NonStreamingTwin("CompleteChatStreaming", "CompleteChat", "response.Value.Content", TextIsParts: true, ChatCut));

    public override ImmutableArray<string> UpdateTypes { get; } = List(
        "OpenAI.Chat.StreamingChatCompletionUpdate",
        "OpenAI.Responses.StreamingResponseUpdate",
        "OpenAI.Assistants.StreamingUpdate");

    public override ImmutableArray<string> TextDeltaMembers { get; } = List("Text", "Delta", "RefusalUpdate");

    public override ImmutableArray<string> ContentLists { get; } = List("ContentUpdate", "ToolCallUpdates");

    public override ImmutableArray<FinishSignalSpec> FinishSignals { get; } = List(
        FinishReasonProperty(FinishSignalKind.OpenAIChat, List("OpenAI.Chat.StreamingChatCompletionUpdate"), "Length", "ContentFilter"),
        new FinishSignalSpec(
            FinishSignalKind.OpenAIResponses,
            List("OpenAI.Responses.StreamingResponseUpdate"),
            "the terminal event (StreamingResponseCompletedUpdate/IncompleteUpdate)",
            Members: List("FinishReason", "StopReason", "IncompleteStatusDetails", "ResponseCompleted", "ResponseIncomplete", "ResponseFailed"),
            UpdateMembers: ImmutableArray<string>.Empty,
            UpdateMethods: ImmutableArray<string>.Empty,
            Literals: List("response.completed", "response.incomplete"),
            TerminalTypes: List(
                "OpenAI.Responses.StreamingResponseCompletedUpdate",
                "OpenAI.Responses.StreamingResponseIncompleteUpdate",
                "OpenAI.Responses.StreamingResponseFailedUpdate")));

    public override ImmutableArray<TransientException> TransientExceptions => ImmutableArray<TransientException>.Empty;

    public override ImmutableArray<string> ErrorExceptions { get; } = List("System.ClientModel.ClientResultException");

    public override ImmutableArray<string> HttpClientReceiversWithOwnTimeout { get; } = List("T:System.ClientModel.Primitives.HttpClientPipelineTransport");

    public override ImmutableArray<SdkOption> Options { get; } = List(
        new SdkOption(SdkOptionKind.Timeout, "NetworkTimeout", "OpenAI", "System.ClientModel.Primitives.ClientPipelineOptions", Via: null, "OpenAI", Effect: ReadEffect),
        new SdkOption(SdkOptionKind.Timeout, "NetworkTimeout", "Azure.AI.OpenAI", "System.ClientModel.Primitives.ClientPipelineOptions", Via: null, "Azure OpenAI", Effect: ReadEffect),
        new SdkOption(SdkOptionKind.RetryPolicy, "RetryPolicy", "OpenAI", "System.ClientModel.Primitives.ClientPipelineOptions", Via: null, "OpenAI"),
        new SdkOption(SdkOptionKind.RetryPolicy, "RetryPolicy", "Azure.AI.OpenAI", "System.ClientModel.Primitives.ClientPipelineOptions", Via: null, "Azure OpenAI"));

    /// <summary>What System.ClientModel's <c>NetworkTimeout</c> bounds.</summary>
    internal const string ReadEffect = "it bounds the wait for the headers and each read, and cuts a model that thinks longer before a token";

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(Aggregators), "the SDK has no method that collects a stream into one result"),
        (nameof(InStreamErrors), "the SDK throws a failed request (ClientResultException); the Responses stream's error event is a typed update (StreamingResponseErrorUpdate) that LLM205 does not look for yet"),
        (nameof(TransientExceptions), "the SDK retries a failed connection, 408, 429 and 5xx itself (ClientRetryPolicy) before the stream starts; once it has started, a failure is an IOException, which every retry takes"),
        (nameof(StreamingSwitches), "streaming and one-answer calls are separate methods (CompleteChatStreamingAsync, CompleteChatAsync): no request option turns a stream off"),
        (nameof(CannedClients), "a fake ChatClient subclass of the user's code is not recognised as canned: its streams are taken as the model's"));
}
