using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>OllamaSharp: chat and generate streams, and its <c>Chat</c> helper (which yields the text itself).</summary>
internal sealed class OllamaFamily : SdkFamily
{
    public override LlmFamily Id => LlmFamily.Ollama;

    public override string DisplayName => "OllamaSharp";

    public override ImmutableArray<string> AssemblyNamePrefixes { get; } = List("OllamaSharp");

    public override ImmutableArray<string> Namespaces { get; } = List("OllamaSharp");

    public override ImmutableArray<MethodRef> StreamingMethods { get; } = List(
        M("OllamaSharp.IOllamaApiClient", "ChatAsync"),
        M("OllamaSharp.IOllamaApiClient", "GenerateAsync"),
        M("OllamaSharp.Chat", "SendAsync"),
        M("OllamaSharp.Chat", "SendAsAsync"));

    public override ImmutableArray<string> UpdateTypes { get; } = List(
        "OllamaSharp.Models.Chat.ChatResponseStream",
        "OllamaSharp.Models.GenerateResponseStream");

    public override ImmutableArray<string> TextDeltaMembers { get; } = List("Content", "Response", "Thinking");

    // StreamToEndAsync throws when the stream ends without its done line.
    public override ImmutableArray<Aggregator> Aggregators { get; } = List(
        new Aggregator("OllamaSharp.IAsyncEnumerableExtensions", "StreamToEndAsync", ThrowsOnMissingEnd: true));

    // An image model's picture arrives only with the final (done) response: reading it observes the end.
    public override ImmutableArray<FinishSignalSpec> FinishSignals { get; } = List(
        new FinishSignalSpec(
            FinishSignalKind.Ollama,
            List("OllamaSharp.Models.Chat.ChatResponseStream", "OllamaSharp.Models.GenerateResponseStream"),
            "Done and DoneReason",
            Members: List("FinishReason", "StopReason", "Done", "DoneReason"),
            UpdateMembers: List("Image"),
            UpdateMethods: ImmutableArray<string>.Empty,
            Literals: ImmutableArray<string>.Empty,
            TerminalTypes: List("OllamaSharp.Models.Chat.ChatDoneResponseStream", "OllamaSharp.Models.GenerateDoneResponseStream")));

    public override ImmutableArray<TransientException> TransientExceptions { get; } = List(HttpRequestFailure);

    public override ImmutableArray<string> ErrorExceptions { get; } = List("OllamaSharp.Models.Exceptions.OllamaException");

    // Ollama's error line ({"error": "…"}, sent when the model runner fails mid-answer) has no message: OllamaSharp yields
    // it as a chat update whose Message is null, and drops the error's text.
    public override ImmutableArray<InStreamError> InStreamErrors { get; } = List(
        new InStreamError(
            InStreamErrorShape.MissingMember,
            "OllamaSharp.Models.Chat.ChatResponseStream",
            Member: "Message",
            ErrorMember: null,
            ErrorTextMembers: ImmutableArray<string>.Empty,
            StatusMember: null,
            Consequence: "OllamaSharp yields Ollama's error line as an update with no Message (NullReferenceException)",
            FixMessage: "Ollama sent an error line, which OllamaSharp yields as an update with no message."));

    // The same methods serve a request with Stream = false, answered in one update.
    public override ImmutableArray<StreamingSwitch> StreamingSwitches { get; } = List(
        new StreamingSwitch("OllamaSharp.Models.Chat.ChatRequest", "Stream", "stream"),
        new StreamingSwitch("OllamaSharp.Models.GenerateRequest", "Stream", "stream"));

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(HttpClientReceiversWithOwnTimeout), "OllamaApiClient has no timeout of its own: the HttpClient's is the only one"),
        (nameof(Options), "OllamaApiClient has no retry option, and its only timeout is the HttpClient's (LLM401)"),
        (nameof(ContentLists), "each update carries one message or one response text, never a list"),
        (nameof(NonStreamingTwins), "the same methods serve both: a request with Stream = false is answered in one update"),
        (nameof(CannedClients), "a fake IOllamaApiClient of the user's code is not recognised as canned: its streams are taken as the model's"));
}
