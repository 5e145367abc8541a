using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>Betalgo.Ranul.OpenAI: chat and completion streams.</summary>
internal sealed class BetalgoFamily : SdkFamily
{
    public override LlmFamily Id => LlmFamily.Betalgo;

    public override string DisplayName => "Betalgo.Ranul.OpenAI";

    public override ImmutableArray<string> AssemblyNamePrefixes { get; } = List("Betalgo.Ranul.OpenAI");

    public override ImmutableArray<string> Namespaces { get; } = List("Betalgo");

    public override ImmutableArray<MethodRef> StreamingMethods { get; } = List(
        M("Betalgo.Ranul.OpenAI.Interfaces.IChatCompletionService", "CreateCompletionAsStream"),
        M("Betalgo.Ranul.OpenAI.Interfaces.ICompletionService", "CreateCompletionAsStream"));

    public override ImmutableArray<string> UpdateTypes { get; } = List(
        "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.ChatCompletionCreateResponse",
        "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.CompletionCreateResponse");

    public override ImmutableArray<string> TextDeltaMembers { get; } = List("Content", "Text");

    public override ImmutableArray<string> ContentLists { get; } = List("Choices");

    public override ImmutableArray<FinishSignalSpec> FinishSignals { get; } = List(
        new FinishSignalSpec(
            FinishSignalKind.Betalgo,
            List(
                "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.ChatCompletionCreateResponse",
                "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.CompletionCreateResponse"),
            "Choices[i].FinishReason",
            Members: List("FinishReason", "StopReason", "FinishDetails"),
            UpdateMembers: ImmutableArray<string>.Empty,
            UpdateMethods: ImmutableArray<string>.Empty,
            Literals: ImmutableArray<string>.Empty,
            TerminalTypes: ImmutableArray<string>.Empty));

    public override ImmutableArray<TransientException> TransientExceptions { get; } = List(HttpRequestFailure);

    public override ImmutableArray<string> ErrorExceptions => ImmutableArray<string>.Empty;

    // A failed request, and an error event inside the stream, reach the loop as an item: Successful is false and Error
    // holds the provider's error (with the request's status in HttpStatusCode).
    public override ImmutableArray<InStreamError> InStreamErrors { get; } = List(
        new InStreamError(
            InStreamErrorShape.FailedItem,
            "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.BaseResponse",
            Member: "Successful",
            ErrorMember: "Error",
            ErrorTextMembers: List("Message", "Code"),
            StatusMember: "HttpStatusCode",
            Consequence: "Betalgo yields a failed request as an item with Successful == false instead of throwing"));

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(HttpClientReceiversWithOwnTimeout), "OpenAIService has no timeout of its own: the HttpClient's is the only one"),
        (nameof(ErrorExceptions), "Betalgo reports a failed call in its result (Successful, Error) and otherwise lets HttpClient's exceptions through"),
        (nameof(Options), "OpenAIService has no retry option, and its only timeout is the HttpClient's (LLM401)"),
        (nameof(NonStreamingTwins), "CreateCompletion reports failures in its result (Successful, Error) instead of throwing: the fallback is not written for it"),
        (nameof(Aggregators), "the SDK has no method that collects a stream into one result"),
        (nameof(StreamingSwitches), "streaming and one-answer calls are separate methods (CreateCompletionAsStream, CreateCompletion): the request's Stream is not read as turning a stream off"),
        (nameof(CannedClients), "a fake IChatCompletionService of the user's code is not recognised as canned: its streams are taken as the model's"));
}
