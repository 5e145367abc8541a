using LlmStreaming.Analyzers.Recognition;

namespace LlmStreaming.Analyzers.Tests.Families;

/// <summary>
/// One SDK family as the rule matrix (<see cref="RuleFamilyMatrixTests"/>) writes it: a streaming call on a method
/// parameter, and the few ways a loop over its updates reads them. Every member is C# text spliced into a rule's
/// template; <c>update</c> is the loop's variable, <c>ct</c> the token in scope.
/// </summary>
/// <param name="Id">The family, as <c>SdkFamilies.All</c> knows it.</param>
/// <param name="Usings">The family's using directives (one a line).</param>
/// <param name="Parameters">The method parameters the call needs (the client first).</param>
/// <param name="Receiver">What the streaming method is called on.</param>
/// <param name="Method">The streaming method (where LLM101, LLM104 and LLM502 report).</param>
/// <param name="Arguments">Its arguments; <c>{0}</c> is the cancellation token.</param>
/// <param name="ElementType">The type of the stream's updates.</param>
/// <param name="TextLoop">
/// The statements that read the update's text fragments: <c>{0}</c> is a statement, written once per fragment, in which
/// <see cref="Delta"/> is the fragment.
/// </param>
/// <param name="Delta">The text fragment (a <c>string</c> or <c>string?</c>) inside <see cref="TextLoop"/>.</param>
/// <param name="ObserveFinish">
/// The correct read of the finish reason, in the loop: it sets the bool <c>finished</c> when, and only when, the model
/// says it ended the answer normally (not on a length or content-filter stop).
/// </param>
/// <param name="SdkException">The exception type the SDK throws for a failed call (LLM106: catching only it misses an <c>IOException</c>).</param>
/// <param name="ContentList">A per-update list some updates leave empty (LLM303), or null.</param>
/// <param name="Twin">The non-streaming twin's call on <see cref="Receiver"/> (no token; awaited when its name ends in Async), or null.</param>
/// <param name="TwinText">The text of the twin's awaited result (<c>{0}</c>).</param>
/// <param name="AggregatorMethod">The SDK's aggregation of the stream, called on it (where LLM101 reports), or null.</param>
/// <param name="AggregatorArguments">The aggregation's arguments.</param>
/// <param name="NotApplicable">Matrix rows that do not apply to the family, each with the reason.</param>
/// <param name="ErrorCheck">
/// The correct test, in the loop, for an error the SDK hands over as an update instead of throwing (LLM205), or null
/// when it throws.
/// </param>
/// <param name="UncheckedDelta">The text fragment read as a loop that ignores that error reads it, where it differs from <see cref="Delta"/>.</param>
/// <param name="AggregateFinishCheck">
/// The correct test of the aggregated result's (<c>result</c>) finish reason, a statement; null where the aggregation
/// throws on a stream cut before its end (or there is none).
/// </param>
/// <param name="ClientOptions">The SDK's client options with an initializer, <c>%</c> its member assignment (LLM103, LLM404), or null.</param>
/// <param name="TimeoutOption">The option that bounds the SDK's waits (LLM404), or null.</param>
/// <param name="RetriesOff">The option assignment that turns the SDK's retries off (LLM103), or null.</param>
/// <param name="RetriesOn">Its correct value (the SDK's retries kept).</param>
/// <param name="HandHttpClient">An expression that hands the <c>HttpClient http</c> to the SDK (LLM401), or null.</param>
/// <param name="HttpClientTimeout">The correct timeout of that HttpClient: infinite where the SDK bounds its waits itself, else minutes.</param>
/// <param name="Variant">For another streaming method of the family (<see cref="FamilyShapes.Variants"/>), what it is; null for the family's shape.</param>
/// <param name="Sync">The stream is enumerated with <c>foreach</c>, not <c>await foreach</c>.</param>
/// <param name="AwaitCall">The streaming call is awaited before it is enumerated (it sends the request).</param>
/// <param name="KnownDifferences">
/// Rows whose positive the analyzer does not report on this shape, each with the reason: a gap, recorded and not fixed
/// here. The cell asserts the gap (no diagnostic), so that closing it fails the cell and the entry goes.
/// </param>
internal sealed record FamilyShape(
    LlmFamily Id,
    string Usings,
    string Parameters,
    string Receiver,
    string Method,
    string Arguments,
    string ElementType,
    string TextLoop,
    string Delta,
    string ObserveFinish,
    string SdkException,
    string? ContentList,
    string? Twin,
    string? TwinText,
    string? AggregatorMethod,
    string? AggregatorArguments,
    IReadOnlyDictionary<string, string> NotApplicable,
    string? ErrorCheck = null,
    string? UncheckedDelta = null,
    string? AggregateFinishCheck = null,
    string? ClientOptions = null,
    string? TimeoutOption = null,
    string? RetriesOff = null,
    string? RetriesOn = null,
    string? HandHttpClient = null,
    string? HttpClientTimeout = null,
    string? Variant = null,
    bool Sync = false,
    bool AwaitCall = false,
    IReadOnlyDictionary<string, string>? KnownDifferences = null)
{
    /// <summary>The shape's name in the cells: the family, and the variant.</summary>
    public string Name => Variant is null ? Id.ToString() : Id + " " + Variant;

    /// <summary>The loop's keyword (<paramref name="keyword"/>, marked or not), with its <c>await</c> when the stream is asynchronous.</summary>
    public string ForEach(string keyword = "foreach") => (Sync ? string.Empty : "await ") + keyword;

    /// <summary>The streaming call with <paramref name="token"/>; <paramref name="marker"/> marks its method name (<c>LLM101</c>).</summary>
    public string Call(string token = "ct", string? marker = null)
        => (AwaitCall ? "await " : string.Empty) + Receiver + "." + (marker is null ? Method : "{|" + marker + ":" + Method + "|}") + "(" + string.Format(Arguments, token) + ")";

    /// <summary>The text loop with <paramref name="statement"/> applied to each fragment.</summary>
    public string Text(Func<string, string> statement) => string.Format(TextLoop, statement(Delta));

    /// <summary>The text loop as a loop that ignores an in-stream error writes it.</summary>
    public string UncheckedText(Func<string, string> statement) => string.Format(TextLoop, statement(UncheckedDelta ?? Delta));

    public override string ToString() => Name;
}

/// <summary>The eight SDK families, each described once.</summary>
internal static class FamilyShapes
{
    private static IReadOnlyDictionary<string, string> Reasons(params (string Row, string Reason)[] reasons)
        => reasons.ToDictionary(r => r.Row, r => r.Reason);

    public static readonly FamilyShape OpenAI = new(
        LlmFamily.OpenAI,
        "using OpenAI.Chat;",
        "ChatClient client, string question",
        "client",
        "CompleteChatStreamingAsync",
        "[new UserChatMessage(question)], cancellationToken: {0}",
        "StreamingChatCompletionUpdate",
        "foreach (var part in update.ContentUpdate)\n{{\n    {0}\n}}",
        "part.Text",
        "if (update.FinishReason == ChatFinishReason.Stop) finished = true;",
        "System.ClientModel.ClientResultException",
        ContentList: "update.ContentUpdate",
        Twin: "CompleteChatAsync(new UserChatMessage(question))",
        TwinText: "string.Concat({0}.Value.Content.Select(part => part.Text))",
        AggregatorMethod: null,
        AggregatorArguments: null,
        Reasons(
            ("LLM101 (aggregation)", "the OpenAI SDK has no method that collects a stream into one result"),
            ("LLM203 (aggregation)", "the OpenAI SDK has no method that collects a stream into one result"),
            ("LLM205", "the OpenAI SDK throws for an error in the stream (ClientResultException); no update carries one")),
        ClientOptions: "new global::OpenAI.OpenAIClientOptions { % }",
        TimeoutOption: "NetworkTimeout",
        RetriesOff: "RetryPolicy = new global::System.ClientModel.Primitives.ClientRetryPolicy(0)",
        RetriesOn: "RetryPolicy = new global::System.ClientModel.Primitives.ClientRetryPolicy(3)",
        HandHttpClient: "new global::OpenAI.OpenAIClientOptions { Transport = new global::System.ClientModel.Primitives.HttpClientPipelineTransport(http) }",
        HttpClientTimeout: "System.Threading.Timeout.InfiniteTimeSpan");

    public static readonly FamilyShape ExtensionsAI = new(
        LlmFamily.ExtensionsAI,
        "using Microsoft.Extensions.AI;",
        "IChatClient client, string question",
        "client",
        "GetStreamingResponseAsync",
        "question, cancellationToken: {0}",
        "ChatResponseUpdate",
        "{0}",
        "update.Text",
        "if (update.FinishReason == ChatFinishReason.Stop) finished = true;",
        "System.Net.Http.HttpRequestException",
        ContentList: "update.Contents",
        Twin: "GetResponseAsync(question)",
        TwinText: "{0}.Text",
        AggregatorMethod: "ToChatResponseAsync",
        AggregatorArguments: "ct",
        Reasons(
            ("LLM205", "IChatClient throws its provider's exceptions for an error in the stream; an update carries none"),
            ("LLM103", "IChatClient has no retry or timeout option of its own: they are the provider client's"),
            ("LLM404 (options)", "IChatClient has no retry or timeout option of its own: they are the provider client's"),
            ("LLM401", "IChatClient takes no HttpClient itself: its provider's client does")),
        AggregateFinishCheck: "if (result.FinishReason != ChatFinishReason.Stop) throw new IOException(\"The answer was cut off.\");");

    public static readonly FamilyShape SemanticKernel = new(
        LlmFamily.SemanticKernel,
        "using Microsoft.SemanticKernel;\nusing Microsoft.SemanticKernel.ChatCompletion;",
        "IChatCompletionService service, ChatHistory history",
        "service",
        "GetStreamingChatMessageContentsAsync",
        "history, cancellationToken: {0}",
        "StreamingChatMessageContent",
        "{0}",
        "update.Content",
        "if (update.Metadata is { } metadata && metadata.TryGetValue(\"FinishReason\", out var reason) && reason?.ToString() is \"Stop\" or \"stop\") finished = true;",
        "Microsoft.SemanticKernel.HttpOperationException",
        ContentList: "update.Items",
        Twin: null,
        TwinText: null,
        AggregatorMethod: null,
        AggregatorArguments: null,
        Reasons(
            ("LLM101 (aggregation)", "Semantic Kernel has no method that collects a stream into one result"),
            ("LLM203 (aggregation)", "Semantic Kernel has no method that collects a stream into one result"),
            ("LLM205", "Semantic Kernel's connectors throw for an error in the stream (HttpOperationException); no update carries one"),
            ("LLM103", "Semantic Kernel has no retry option of its own: its OpenAI connector's client takes OpenAI's options"),
            ("LLM404 (options)", "no options type of the Semantic Kernel packages the tests reference derives from ClientPipelineOptions: its OpenAI connector takes OpenAI's OpenAIClientOptions (the OpenAI row)")),
        HandHttpClient: "Kernel.CreateBuilder().AddOpenAIChatCompletion(\"gpt-4o\", \"key\", httpClient: http).Build()",
        HttpClientTimeout: "TimeSpan.FromMinutes(10)");

    public static readonly FamilyShape Anthropic = new(
        LlmFamily.Anthropic,
        "using Anthropic;\nusing Anthropic.Models.Messages;",
        "AnthropicClient client, MessageCreateParams request",
        "client.Messages",
        "CreateStreaming",
        "request, {0}",
        "RawMessageStreamEvent",
        "if (update.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var piece))\n{{\n    {0}\n}}",
        "piece.Text",
        "if (update.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason == StopReason.EndTurn) finished = true;",
        "Anthropic.Exceptions.AnthropicException",
        ContentList: null,
        Twin: null,
        TwinText: null,
        AggregatorMethod: "Aggregate",
        AggregatorArguments: "",
        Reasons(
            ("LLM303", "each event carries one content block delta, never a list that may be empty"),
            ("LLM205", "the SDK throws AnthropicSseException for an error event; no update carries one"),
            ("LLM203 (aggregation)", "Aggregate() throws when the stream ends without message_stop, so the rule does not ask for the result's stop reason")),
        ClientOptions: "new AnthropicClient { % }",
        TimeoutOption: "Timeout",
        RetriesOff: "MaxRetries = 0",
        RetriesOn: "MaxRetries = 2",
        HandHttpClient: "new AnthropicClient { HttpClient = http }",
        HttpClientTimeout: "System.Threading.Timeout.InfiniteTimeSpan");

    public static readonly FamilyShape Ollama = new(
        LlmFamily.Ollama,
        "using OllamaSharp;\nusing OllamaSharp.Models.Chat;",
        "IOllamaApiClient client, ChatRequest request",
        "client",
        "ChatAsync",
        "request, {0}",
        "ChatResponseStream?",
        "{0}",
        "update?.Message?.Content",
        "if (update is ChatDoneResponseStream { DoneReason: \"stop\" }) finished = true;",
        "OllamaSharp.Models.Exceptions.OllamaException",
        ContentList: null,
        Twin: null,
        TwinText: null,
        AggregatorMethod: "StreamToEndAsync",
        AggregatorArguments: "",
        Reasons(
            ("LLM303", "each update carries one message or one response text, never a list"),
            ("LLM203 (aggregation)", "StreamToEndAsync throws when the stream ends without its done line, so the rule does not ask for the result's done reason"),
            ("LLM103", "OllamaApiClient has no retry option, and its only timeout is the HttpClient's (LLM401)"),
            ("LLM404 (options)", "OllamaApiClient has no retry option, and its only timeout is the HttpClient's (LLM401)")),
        HandHttpClient: "new OllamaApiClient(http)",
        HttpClientTimeout: "TimeSpan.FromMinutes(10)",
        ErrorCheck: "if (update is { Message: null }) throw new IOException(\"Ollama reported an error in the stream.\");",
        UncheckedDelta: "update?.Message.Content");

    public static readonly FamilyShape Betalgo = new(
        LlmFamily.Betalgo,
        "using Betalgo.Ranul.OpenAI.Interfaces;\nusing Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;",
        "IOpenAIService service, ChatCompletionCreateRequest request",
        "service.ChatCompletion",
        "CreateCompletionAsStream",
        "request, cancellationToken: {0}",
        "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.ChatCompletionCreateResponse",
        "foreach (var choice in update.Choices)\n{{\n    {0}\n}}",
        "choice.Message?.Content",
        "foreach (var choice in update.Choices)\n{\n    if (choice.FinishReason == \"stop\") finished = true;\n}",
        "System.Net.Http.HttpRequestException",
        ContentList: "update.Choices",
        Twin: null,
        TwinText: null,
        AggregatorMethod: null,
        AggregatorArguments: null,
        Reasons(
            ("LLM101 (aggregation)", "the SDK has no method that collects a stream into one result"),
            ("LLM203 (aggregation)", "the SDK has no method that collects a stream into one result"),
            ("LLM103", "OpenAIService has no retry option, and its only timeout is the HttpClient's (LLM401)"),
            ("LLM404 (options)", "OpenAIService has no retry option, and its only timeout is the HttpClient's (LLM401)")),
        HandHttpClient: "new global::Betalgo.Ranul.OpenAI.Managers.OpenAIService(new global::Betalgo.Ranul.OpenAI.OpenAIOptions { ApiKey = \"key\" }, http)",
        HttpClientTimeout: "TimeSpan.FromMinutes(10)",
        ErrorCheck: "if (!update.Successful) throw new IOException(\"The model stream reported an error: \" + update.Error?.Message);");

    public static readonly FamilyShape AgentFramework = new(
        LlmFamily.AgentFramework,
        "using Microsoft.Agents.AI;\nusing Microsoft.Extensions.AI;",
        "AIAgent agent, string question",
        "agent",
        "RunStreamingAsync",
        "question, cancellationToken: {0}",
        "AgentResponseUpdate",
        "{0}",
        "update.Text",
        "if (update.FinishReason == ChatFinishReason.Stop) finished = true;",
        "System.Net.Http.HttpRequestException",
        ContentList: "update.Contents",
        Twin: "RunAsync(question)",
        TwinText: "{0}.Text",
        AggregatorMethod: "ToAgentResponseAsync",
        AggregatorArguments: "ct",
        Reasons(
            ("LLM205", "an agent throws its chat client's exceptions for an error in the stream; an update carries none"),
            ("LLM103", "agents have no retry or timeout option of their own: they are the chat client's"),
            ("LLM404 (options)", "agents have no retry or timeout option of their own: they are the chat client's"),
            ("LLM401", "an agent takes no HttpClient itself: its chat client's provider does")),
        AggregateFinishCheck: "if (result.FinishReason != ChatFinishReason.Stop) throw new IOException(\"The answer was cut off.\");");

    public static readonly FamilyShape AzureAIInference = new(
        LlmFamily.AzureAIInference,
        "using Azure.AI.Inference;",
        "ChatCompletionsClient client, ChatCompletionsOptions options",
        "client",
        "CompleteStreaming",
        "options, {0}",
        "StreamingChatCompletionsUpdate",
        "{0}",
        "update.ContentUpdate",
        "if (update.FinishReason == CompletionsFinishReason.Stopped) finished = true;",
        "Azure.RequestFailedException",
        ContentList: "update.Choices",
        Twin: null,
        TwinText: null,
        AggregatorMethod: null,
        AggregatorArguments: null,
        Reasons(
            ("LLM101 (aggregation)", "the SDK has no method that collects a stream into one result"),
            ("LLM203 (aggregation)", "the SDK has no method that collects a stream into one result"),
            ("LLM205", "an error event is not yielded as an update: the SDK then waits for the [DONE] that does not come, which LLM406's idle timeout ends"),
            ("LLM401", "Azure.Core takes an HttpClient through HttpClientTransport, which every Azure SDK shares: an HttpClient handed to it is not known to serve a model")),
        ClientOptions: "new AzureAIInferenceClientOptions { Retry = { % } }",
        TimeoutOption: "NetworkTimeout",
        RetriesOff: "MaxRetries = 0",
        RetriesOn: "MaxRetries = 3");

    /// <summary>Where a variant differs from its family's shape: the rows that do not apply to it.</summary>
    private static IReadOnlyDictionary<string, string> With(IReadOnlyDictionary<string, string> reasons, params (string Row, string Reason)[] more)
        => reasons.Concat(more.Select(m => new KeyValuePair<string, string>(m.Row, m.Reason))).ToDictionary(r => r.Key, r => r.Value);

    /// <summary>
    /// Other streaming methods of the families, run over the same rows (except the client-level ones, which the family's
    /// shape runs): a synchronous stream, an awaited call, another update type.
    /// </summary>
    public static readonly IReadOnlyList<FamilyShape> Variants = new[]
    {
        OpenAI with
        {
            Variant = "(sync)",
            Method = "CompleteChatStreaming",
            Sync = true,
            Twin = "CompleteChat(new UserChatMessage(question))",
        },
        OpenAI with
        {
            Variant = "(Responses)",
            Usings = "using OpenAI.Responses;",
            Parameters = "ResponsesClient client, CreateResponseOptions options",
            Method = "CreateResponseStreamingAsync",
            Arguments = "options, {0}",
            AwaitCall = true,
            KnownDifferences = new Dictionary<string, string>
            {
                ["LLM104"] = "LLM104 takes an awaited streaming call as started (its page's decision 'Awaited wrappers are not lazy'; Retry/LazyStreams.cs), though its page says the body is still read outside the delegate, and LLM101 does not report the enumeration of the delegate's result outside the pipeline either: 'var stream = await pipeline.ExecuteAsync(async token => await client.CreateResponseStreamingAsync(options, token), ct); await foreach (var update in stream) …' retries the request but not a failure mid-stream, and no rule says so",
            },
            ElementType = "StreamingResponseUpdate",
            TextLoop = "if (update is StreamingResponseOutputTextDeltaUpdate textDelta)\n{{\n    {0}\n}}",
            Delta = "textDelta.Delta",
            ObserveFinish = "if (update is StreamingResponseCompletedUpdate) finished = true;",
            ContentList = null,
            Twin = null,
            TwinText = null,
            NotApplicable = With(OpenAI.NotApplicable, ("LLM303", "a Responses update carries no per-update list: each text delta is its own event")),
        },
        AgentFramework with
        {
            Variant = "(ChatClientAgent)",
            Parameters = "ChatClientAgent agent, string question",
        },
        SemanticKernel with
        {
            Variant = "(kernel prompt)",
            Parameters = "Kernel kernel, string prompt",
            Receiver = "kernel",
            Method = "InvokePromptStreamingAsync",
            Arguments = "prompt, cancellationToken: {0}",
            ElementType = "StreamingKernelContent",
            Delta = "update.ToString()",
            ObserveFinish = "if (update.Metadata is { } metadata && metadata.TryGetValue(\"FinishReason\", out var reason) && reason?.ToString() is \"Stop\" or \"stop\") finished = true;",
            ContentList = null,
            NotApplicable = With(SemanticKernel.NotApplicable, ("LLM303", "a kernel's StreamingKernelContent has no per-update list (Items is the chat content's)")),
        },
        Ollama with
        {
            Variant = "(generate)",
            Parameters = "IOllamaApiClient client, OllamaSharp.Models.GenerateRequest request",
            Method = "GenerateAsync",
            ElementType = "GenerateResponseStream?",
            Delta = "update?.Response",
            ObserveFinish = "if (update is OllamaSharp.Models.GenerateDoneResponseStream { DoneReason: \"stop\" }) finished = true;",
            ErrorCheck = null,
            UncheckedDelta = null,
            NotApplicable = With(Ollama.NotApplicable, ("LLM205", "Ollama's error line arrives on a generate stream as an update with no Response, which a loop reads as an empty fragment (LLM205 looks at the chat stream's Message)")),
        },
        Betalgo with
        {
            Variant = "(completions)",
            Parameters = "IOpenAIService service, CompletionCreateRequest request",
            Receiver = "service.Completions",
            ElementType = "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.CompletionCreateResponse",
            Delta = "choice.Text",
        },
        AzureAIInference with
        {
            Variant = "(async)",
            Method = "CompleteStreamingAsync",
            AwaitCall = true,
            KnownDifferences = new Dictionary<string, string>
            {
                ["LLM104"] = "LLM104 takes an awaited streaming call as started (its page's decision 'Awaited wrappers are not lazy'; Retry/LazyStreams.cs), though its page says the body is still read outside the delegate, and LLM101 does not report the enumeration of the delegate's result outside the pipeline either: 'var stream = await pipeline.ExecuteAsync(async token => await client.CompleteStreamingAsync(options, token), ct); await foreach (var update in stream) …' retries the request but not a failure mid-stream, and no rule says so",
            },
        },
        Anthropic with
        {
            Variant = "(beta)",
            Parameters = "AnthropicClient client, Anthropic.Models.Beta.Messages.MessageCreateParams request",
            Receiver = "client.Beta.Messages",
            ElementType = "Anthropic.Models.Beta.Messages.BetaRawMessageStreamEvent",
            ObserveFinish = "if (update.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason == Anthropic.Models.Beta.Messages.BetaStopReason.EndTurn) finished = true;",
        },
    };

    /// <summary>Every family of the matrix, in the order of <c>SdkFamilies.All</c>.</summary>
    public static readonly IReadOnlyList<FamilyShape> All = new[]
    {
        OpenAI, ExtensionsAI, SemanticKernel, Anthropic, Ollama, Betalgo, AgentFramework, AzureAIInference,
    };
}
