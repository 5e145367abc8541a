using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>
/// Azure AI Inference (<c>Azure.AI.Inference</c>): <c>ChatCompletionsClient.CompleteStreaming[Async]</c> against Azure AI
/// Foundry and GitHub Models endpoints (the OpenAI chat-completions wire format, through Azure.Core).
/// </summary>
internal sealed class AzureAIInferenceFamily : SdkFamily
{
    public override LlmFamily Id => LlmFamily.AzureAIInference;

    public override string DisplayName => "Azure AI Inference";

    public override ImmutableArray<string> AssemblyNamePrefixes { get; } = List("Azure.AI.Inference");

    public override ImmutableArray<string> Namespaces { get; } = List("Azure.AI.Inference");

    public override ImmutableArray<MethodRef> StreamingMethods { get; } = List(
        M("Azure.AI.Inference.ChatCompletionsClient", "CompleteStreamingAsync"),
        M("Azure.AI.Inference.ChatCompletionsClient", "CompleteStreaming"));

    public override ImmutableArray<string> UpdateTypes { get; } = List("Azure.AI.Inference.StreamingChatCompletionsUpdate");

    public override ImmutableArray<string> TextDeltaMembers { get; } = List("ContentUpdate");

    public override ImmutableArray<string> ContentLists { get; } = List("Choices");

    public override ImmutableArray<FinishSignalSpec> FinishSignals { get; } = List(
        FinishReasonProperty(FinishSignalKind.AzureAIInference, List("Azure.AI.Inference.StreamingChatCompletionsUpdate"), "TokenLimitReached", "ContentFiltered"));

    public override ImmutableArray<TransientException> TransientExceptions => ImmutableArray<TransientException>.Empty;

    public override ImmutableArray<string> ErrorExceptions { get; } = List("Azure.RequestFailedException");

    // Azure.Core's RetryOptions (options.Retry): NetworkTimeout bounds each network operation, the reads of a streamed body included.
    public override ImmutableArray<SdkOption> Options { get; } = List(
        new SdkOption(SdkOptionKind.Timeout, "NetworkTimeout", "Azure.AI.Inference", "Azure.Core.RetryOptions", "Retry", "Azure AI Inference", Effect: OpenAIFamily.ReadEffect),
        new SdkOption(SdkOptionKind.RetryCount, "MaxRetries", "Azure.AI.Inference", "Azure.Core.RetryOptions", "Retry", "Azure AI Inference"));

    // Measured (FakeModelServerTests): a body that ends without [DONE] is not the end of the enumeration; it waits, a core
    // busy, past Retry.NetworkTimeout, until the call's token fires, and then ends with no exception.
    public override bool WaitsForEndMarker => true;

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(HttpClientReceiversWithOwnTimeout), "Azure.Core takes an HttpClient through HttpClientTransport, which every Azure SDK shares: an HttpClient handed to it is not known to serve a model"),
        (nameof(Aggregators), "the SDK has no method that collects a stream into one result"),
        (nameof(NonStreamingTwins), "CompleteStreaming[Async] marks its ChatCompletionsOptions as streaming and CompleteAsync keeps the mark (measured: the same options then send \"stream\": true), so a fallback on the same arguments asks for a stream again; the options have no public way to unmark them"),
        (nameof(InStreamErrors), "a failed request throws (RequestFailedException) before the stream starts, and an error event inside the stream is not yielded: the SDK then waits for the [DONE] that does not come (WaitsForEndMarker), a wait LLM406's idle timeout ends"),
        (nameof(TransientExceptions), "Azure.Core retries a failed connection, 408, 429 and 5xx itself (RetryOptions, 3 retries by default) before the stream starts; once it has started, a failure is an IOException, which every retry takes"),
        (nameof(StreamingSwitches), "streaming and one-answer calls are separate methods (CompleteStreamingAsync, CompleteAsync): no option turns a stream off"),
        (nameof(CannedClients), "ChatCompletionsClient is a concrete client: a fake subclass of the user's code is not recognised as canned"));
}
