using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>The official Anthropic SDK (<c>Anthropic</c>): message streams, beta included.</summary>
internal sealed class AnthropicFamily : SdkFamily
{
    public override LlmFamily Id => LlmFamily.Anthropic;

    public override string DisplayName => "Anthropic";

    public override ImmutableArray<string> AssemblyNamePrefixes { get; } = List("Anthropic");

    public override ImmutableArray<string> Namespaces { get; } = List("Anthropic");

    public override ImmutableArray<MethodRef> StreamingMethods { get; } = List(
        M("Anthropic.Services.IMessageService", "CreateStreaming"),
        M("Anthropic.Services.Beta.IMessageService", "CreateStreaming"),
        M("Anthropic.Helpers.Beta.BetaMessageThread", "SendStreaming"));

    public override ImmutableArray<string> UpdateTypes { get; } = List(
        "Anthropic.Models.Messages.RawMessageStreamEvent",
        "Anthropic.Models.Beta.Messages.BetaRawMessageStreamEvent");

    public override ImmutableArray<string> TextDeltaMembers { get; } = List("Text", "Thinking");

    // Aggregate() throws when the stream ends without message_stop.
    public override ImmutableArray<Aggregator> Aggregators { get; } = List(
        new Aggregator("Anthropic.SseAggregatorExtensions", "Aggregate", ThrowsOnMissingEnd: true));

    public override ImmutableArray<FinishSignalSpec> FinishSignals { get; } = List(
        new FinishSignalSpec(
            FinishSignalKind.Anthropic,
            List("Anthropic.Models.Messages.RawMessageStreamEvent", "Anthropic.Models.Beta.Messages.BetaRawMessageStreamEvent"),
            "the stop reason (message_delta's StopReason, message_stop)",
            Members: List("FinishReason", "StopReason"),
            UpdateMembers: ImmutableArray<string>.Empty,
            UpdateMethods: List("TryPickStop", "Switch", "Match"),
            Literals: List("message_stop"),
            TerminalTypes: List("Anthropic.Models.Messages.RawMessageStopEvent", "Anthropic.Models.Beta.Messages.BetaRawMessageStopEvent")));

    // The SDK retries a failed connection, 408, 429 and 5xx itself (AnthropicIOException, the rate-limit and 5xx
    // exceptions come after its retries); an error event inside the stream is left to the fix.
    public override ImmutableArray<TransientException> TransientExceptions { get; } = List(
        new TransientException("Anthropic.Exceptions.AnthropicSseException", StatusMember: null, WholeWithoutStatus: true));

    public override ImmutableArray<string> ErrorExceptions { get; } = List("Anthropic.Exceptions.AnthropicException");

    public override ImmutableArray<string> HttpClientReceiversWithOwnTimeout { get; } = List("N:Anthropic");

    public override ImmutableArray<SdkOption> Options { get; } = List(
        new SdkOption(SdkOptionKind.Timeout, "Timeout", "Anthropic", DeclaringType: null, Via: null, "Anthropic", QualifyOwner: true, Effect: "it bounds the wait for the headers, which a long-thinking model sends late"),
        new SdkOption(SdkOptionKind.RetryCount, "MaxRetries", "Anthropic", DeclaringType: null, Via: null, "Anthropic"));

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(ContentLists), "each event carries one content block delta, never a list that may be empty"),
        (nameof(NonStreamingTwins), "Create returns a Message whose content is a union of blocks: the fallback is not written for it"),
        (nameof(InStreamErrors), "the SDK throws the stream's error event as an AnthropicSseException instead of yielding it as an update"),
        (nameof(StreamingSwitches), "streaming and one-answer calls are separate methods (CreateStreaming, Create): no request option turns a stream off"),
        (nameof(CannedClients), "a fake IMessageService of the user's code is not recognised as canned: its streams are taken as the model's"));
}
