using System.Collections.Immutable;
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

    private const string Cut = "{0}.Value.FinishReason == global::Azure.AI.Inference.CompletionsFinishReason.TokenLimitReached || {0}.Value.FinishReason == global::Azure.AI.Inference.CompletionsFinishReason.ContentFiltered";

    public override ImmutableArray<NonStreamingTwin> NonStreamingTwins { get; } = List(
        new NonStreamingTwin("CompleteStreamingAsync", "CompleteAsync", "{0}.Value.Content", Cut),
        new NonStreamingTwin("CompleteStreaming", "Complete", "{0}.Value.Content", Cut));

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

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(HttpClientReceiversWithOwnTimeout), "Azure.Core takes an HttpClient through HttpClientTransport, which every Azure SDK shares: an HttpClient handed to it is not known to serve a model"),
        (nameof(Aggregators), "the SDK has no method that collects a stream into one result"),
        (nameof(InStreamErrors), "Azure.Core throws a failed request (RequestFailedException) before the stream starts; the SDK yields no update that LLM205 knows to carry an error"),
        (nameof(TransientExceptions), "Azure.Core retries a failed connection, 408, 429 and 5xx itself (RetryOptions, 3 retries by default) before the stream starts; once it has started, a failure is an IOException, which every retry takes"),
        (nameof(StreamingSwitches), "streaming and one-answer calls are separate methods (CompleteStreamingAsync, CompleteAsync): no option turns a stream off"),
        (nameof(CannedClients), "ChatCompletionsClient is a concrete client: a fake subclass of the user's code is not recognised as canned"));
}
