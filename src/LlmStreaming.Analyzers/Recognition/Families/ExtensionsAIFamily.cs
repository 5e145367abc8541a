using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>
/// Microsoft.Extensions.AI (<c>IChatClient</c>), and through it every provider reached with <c>AsIChatClient()</c>
/// (OpenAI, Azure, Ollama, Gemini, Bedrock, Mistral…).
/// </summary>
internal sealed class ExtensionsAIFamily : SdkFamily
{
    /// <summary>The test that an MEAI response's <c>ChatFinishReason?</c> (<c>response</c>) is a length or content-filter stop.</summary>
    internal const string CutCheck = "response.FinishReason == global::Microsoft.Extensions.AI.ChatFinishReason.Length || response.FinishReason == global::Microsoft.Extensions.AI.ChatFinishReason.ContentFilter";

    public override LlmFamily Id => LlmFamily.ExtensionsAI;

    public override string DisplayName => "Microsoft.Extensions.AI";

    public override ImmutableArray<string> AssemblyNamePrefixes { get; } = List("Microsoft.Extensions.AI");

    public override ImmutableArray<string> Namespaces { get; } = List("Microsoft.Extensions.AI");

    // CompleteStreamingAsync: the 9.0 previews.
    public override ImmutableArray<MethodRef> StreamingMethods { get; } = List(
        M("Microsoft.Extensions.AI.IChatClient", "GetStreamingResponseAsync"),
        M("Microsoft.Extensions.AI.IChatClient", "CompleteStreamingAsync"),
        M("Microsoft.Extensions.AI.ChatClientExtensions", "GetStreamingResponseAsync"),
        M("Microsoft.Extensions.AI.ChatClientExtensions", "CompleteStreamingAsync"));

    public override ImmutableArray<NonStreamingTwin> NonStreamingTwins { get; } = List(
        new NonStreamingTwin("GetStreamingResponseAsync", "GetResponseAsync", "response.Text", TextIsParts: false, CutCheck));

    public override ImmutableArray<string> UpdateTypes { get; } = List(
        "Microsoft.Extensions.AI.ChatResponseUpdate",
        "Microsoft.Extensions.AI.StreamingChatCompletionUpdate");

    public override ImmutableArray<string> TextDeltaMembers { get; } = List("Text");

    public override ImmutableArray<string> ContentLists { get; } = List("Contents");

    // They coalesce the updates' finish reasons into the result's FinishReason and never throw on a missing one.
    public override ImmutableArray<Aggregator> Aggregators { get; } = List(
        new Aggregator("Microsoft.Extensions.AI.ChatResponseExtensions", "ToChatResponseAsync", ThrowsOnMissingEnd: false),
        new Aggregator("Microsoft.Extensions.AI.ChatResponseExtensions", "AddMessagesAsync", ThrowsOnMissingEnd: false),
        new Aggregator("Microsoft.Extensions.AI.ChatResponseExtensions", "ToChatCompletionAsync", ThrowsOnMissingEnd: false),
        new Aggregator("Microsoft.Extensions.AI.StreamingChatCompletionUpdateExtensions", "ToChatCompletionAsync", ThrowsOnMissingEnd: false));

    public override ImmutableArray<FinishSignalSpec> FinishSignals { get; } = List(
        FinishReasonProperty(FinishSignalKind.ExtensionsAI, List("Microsoft.Extensions.AI.ChatResponseUpdate", "Microsoft.Extensions.AI.StreamingChatCompletionUpdate"), "Length", "ContentFilter"));

    // The provider under IChatClient may be any; HttpClient-based ones fail with an HttpRequestException.
    public override ImmutableArray<TransientException> TransientExceptions { get; } = List(HttpRequestFailure);

    public override ImmutableArray<string> ErrorExceptions => ImmutableArray<string>.Empty;

    // IChatClient is implemented by samples and tests; the builder pipeline wraps the inner client.
    public override ImmutableArray<CannedClient> CannedClients { get; } = List(
        new CannedClient("GetStreamingResponseAsync", "Microsoft.Extensions.AI", List("AsBuilder", "Build"), "Use"));

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(HttpClientReceiversWithOwnTimeout), "IChatClient takes no HttpClient itself: its provider's client does, which the provider's family answers"),
        (nameof(ErrorExceptions), "IChatClient throws its provider's exceptions unwrapped (ClientResultException over OpenAI, HttpRequestException over HTTP providers), which those families name"),
        (nameof(Options), "IChatClient has no retry or timeout option of its own: they are the provider client's, set where it is made"),
        (nameof(StreamingSwitches), "ChatOptions has no option that turns streaming off: GetResponseAsync is the non-streaming call"),
        (nameof(InStreamErrors), "IChatClient throws its provider's errors; an ErrorContent a provider puts in an update's Contents is not looked for (LLM205)"));
}
