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
    string? UncheckedDelta = null)
{
    /// <summary>The streaming call with <paramref name="token"/>; <paramref name="marker"/> marks its method name (<c>LLM101</c>).</summary>
    public string Call(string token = "ct", string? marker = null)
        => Receiver + "." + (marker is null ? Method : "{|" + marker + ":" + Method + "|}") + "(" + string.Format(Arguments, token) + ")";

    /// <summary>The text loop with <paramref name="statement"/> applied to each fragment.</summary>
    public string Text(Func<string, string> statement) => string.Format(TextLoop, statement(Delta));

    /// <summary>The text loop as a loop that ignores an in-stream error writes it.</summary>
    public string UncheckedText(Func<string, string> statement) => string.Format(TextLoop, statement(UncheckedDelta ?? Delta));

    public override string ToString() => Id.ToString();
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
            ("LLM205", "the OpenAI SDK throws for an error in the stream (ClientResultException); no update carries one")));

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
            ("LLM205", "IChatClient throws its provider's exceptions for an error in the stream; an update carries none")));

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
            ("LLM205", "Semantic Kernel's connectors throw for an error in the stream (HttpOperationException); no update carries one")));

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
            ("LLM205", "the SDK throws AnthropicSseException for an error event; no update carries one")));

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
            ("LLM303", "each update carries one message or one response text, never a list")),
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
            ("LLM101 (aggregation)", "the SDK has no method that collects a stream into one result")),
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
            ("LLM205", "an agent throws its chat client's exceptions for an error in the stream; an update carries none")));

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
        Twin: "Complete(options)",
        TwinText: "{0}.Value.Content",
        AggregatorMethod: null,
        AggregatorArguments: null,
        Reasons(
            ("LLM101 (aggregation)", "the SDK has no method that collects a stream into one result"),
            ("LLM205", "the stream's reader throws for an error event; no update carries one")));

    /// <summary>Every family of the matrix, in the order of <c>SdkFamilies.All</c>.</summary>
    public static readonly IReadOnlyList<FamilyShape> All = new[]
    {
        OpenAI, ExtensionsAI, SemanticKernel, Anthropic, Ollama, Betalgo, AgentFramework, AzureAIInference,
    };
}
