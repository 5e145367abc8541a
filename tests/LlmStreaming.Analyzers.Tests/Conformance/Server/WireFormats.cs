using System.Text.Json;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>Which API a request path belongs to.</summary>
public enum WireApi
{
    Unknown,
    OpenAIChat,
    OpenAIResponses,
    Anthropic,
    OllamaChat,
    OllamaGenerate,
}

/// <summary>How a stream ends (the finish reason in each API's words).</summary>
internal enum Finish
{
    Stop,
    Length,
    ContentFilter,
}

/// <summary>
/// One API's wire format: the frames of a stream (each is one HTTP chunk), the non-streaming body, the error body.
/// The server decides which frames to send, cut or drop.
/// </summary>
internal abstract class WireFormat
{
    public const string Model = "fake-model";

    public abstract string StreamContentType { get; }

    /// <summary>Whether a request body asks for a stream (OpenAI and Anthropic: "stream": true; Ollama: unless "stream": false).</summary>
    public virtual bool IsStreaming(JsonElement? body)
        => body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;

    /// <summary>Frames before the first token (role chunk, message_start...). <see cref="FaultKind.ResetAfterRole"/> resets after them.</summary>
    public abstract IEnumerable<string> Head();

    public abstract string Token(string text, int index);

    /// <summary>Frames after the last token: finish reason and end marker. <paramref name="text"/> is what was sent.</summary>
    public abstract IEnumerable<string> Tail(Finish finish, string text, int tokenCount);

    public abstract string ErrorEvent();

    public abstract string Complete(string text, Finish? finish, int tokenCount);

    public abstract string ErrorBody(int status);

    protected static string Json(string value) => JsonSerializer.Serialize(value);

    protected static string Sse(string data) => "data: " + data + "\n\n";

    protected static string Sse(string eventName, string data) => "event: " + eventName + "\ndata: " + data + "\n\n";

    public static WireFormat? ForPath(string path, out WireApi api)
    {
        var p = path.TrimEnd('/');
        if (p.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            api = WireApi.OpenAIChat;
            return OpenAIChatFormat.Instance;
        }

        if (p.EndsWith("/responses", StringComparison.Ordinal))
        {
            api = WireApi.OpenAIResponses;
            return OpenAIResponsesFormat.Instance;
        }

        if (p.EndsWith("/messages", StringComparison.Ordinal))
        {
            api = WireApi.Anthropic;
            return AnthropicFormat.Instance;
        }

        if (p == "/api/chat")
        {
            api = WireApi.OllamaChat;
            return OllamaFormat.Chat;
        }

        if (p == "/api/generate")
        {
            api = WireApi.OllamaGenerate;
            return OllamaFormat.Generate;
        }

        api = WireApi.Unknown;
        return null;
    }

    /// <summary>The error body for a path no format claims (OpenAI's shape).</summary>
    public static string UnknownPathBody(string path)
        => "{\"error\":{\"message\":" + Json("No fake route for " + path) + ",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"unknown_url\"}}";
}

/// <summary>OpenAI chat completions: <c>data: {chunk}</c> lines, then <c>data: [DONE]</c>.</summary>
internal sealed class OpenAIChatFormat : WireFormat
{
    public static readonly OpenAIChatFormat Instance = new();

    private const string Id = "chatcmpl-fake";
    private const string Created = "1700000000";

    public override string StreamContentType => "text/event-stream";

    private static string Chunk(string delta, string finishReason)
        => Sse("{\"id\":\"" + Id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + Created + ",\"model\":\"" + Model
            + "\",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finishReason + "}]}");

    public override IEnumerable<string> Head() => [Chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null")];

    public override string Token(string text, int index) => Chunk("{\"content\":" + Json(text) + "}", "null");

    public override IEnumerable<string> Tail(Finish finish, string text, int tokenCount)
        => [Chunk("{}", Json(Reason(finish))), Sse("[DONE]")];

    private static string Reason(Finish finish) => finish switch
    {
        Finish.Length => "length",
        Finish.ContentFilter => "content_filter",
        _ => "stop",
    };

    public override string ErrorEvent()
        => Sse("{\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");

    public override string Complete(string text, Finish? finish, int tokenCount)
        => "{\"id\":\"" + Id + "\",\"object\":\"chat.completion\",\"created\":" + Created + ",\"model\":\"" + Model
            + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + Json(text) + ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":"
            + (finish is { } f ? Json(Reason(f)) : "null") + "}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":" + tokenCount + ",\"total_tokens\":" + (5 + tokenCount) + "}}";

    public override string ErrorBody(int status) => OpenAIError(status);

    public static string OpenAIError(int status)
    {
        var (type, code, message) = status switch
        {
            400 => ("invalid_request_error", "invalid_value", "Invalid request (fake)."),
            401 => ("invalid_request_error", "invalid_api_key", "Incorrect API key provided (fake)."),
            403 => ("invalid_request_error", "unsupported_country_region_territory", "Forbidden (fake)."),
            404 => ("invalid_request_error", "model_not_found", "The model does not exist (fake)."),
            429 => ("requests", "rate_limit_exceeded", "Rate limit reached (fake)."),
            503 => ("server_error", "service_unavailable", "The engine is currently overloaded (fake)."),
            _ => ("server_error", "server_error", "The server had an error while processing your request (fake)."),
        };
        return "{\"error\":{\"message\":" + Json(message) + ",\"type\":" + Json(type) + ",\"param\":null,\"code\":" + Json(code) + "}}";
    }
}

/// <summary>OpenAI Responses: typed SSE events, response.created ... response.output_text.delta ... response.completed.</summary>
internal sealed class OpenAIResponsesFormat : WireFormat
{
    public static readonly OpenAIResponsesFormat Instance = new();

    private const string Id = "resp_fake";
    private const string ItemId = "msg_fake";

    public override string StreamContentType => "text/event-stream";

    // The sequence number only has to grow; the token index keeps it simple.
    private static string Event(string type, int sequence, string rest)
        => Sse(type, "{\"type\":\"" + type + "\",\"sequence_number\":" + sequence + "," + rest + "}");

    private static string Response(string status, string output, string? incomplete)
        => "{\"id\":\"" + Id + "\",\"object\":\"response\",\"created_at\":1700000000,\"status\":\"" + status + "\",\"error\":null,\"incomplete_details\":"
            + (incomplete is null ? "null" : "{\"reason\":" + Json(incomplete) + "}")
            + ",\"instructions\":null,\"max_output_tokens\":null,\"model\":\"" + Model + "\",\"output\":[" + output
            + "],\"parallel_tool_calls\":true,\"previous_response_id\":null,\"temperature\":1.0,\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":null,\"metadata\":{}}";

    private static string Message(string status, string? text)
        => "{\"id\":\"" + ItemId + "\",\"type\":\"message\",\"status\":\"" + status + "\",\"role\":\"assistant\",\"content\":["
            + (text is null ? string.Empty : Part(text)) + "]}";

    private static string Part(string text) => "{\"type\":\"output_text\",\"text\":" + Json(text) + ",\"annotations\":[]}";

    public override IEnumerable<string> Head() =>
    [
        Event("response.created", 0, "\"response\":" + Response("in_progress", string.Empty, null)),
        Event("response.output_item.added", 1, "\"output_index\":0,\"item\":" + Message("in_progress", null)),
        Event("response.content_part.added", 2, "\"item_id\":\"" + ItemId + "\",\"output_index\":0,\"content_index\":0,\"part\":" + Part(string.Empty)),
    ];

    public override string Token(string text, int index)
        => Event("response.output_text.delta", 3 + index, "\"item_id\":\"" + ItemId + "\",\"output_index\":0,\"content_index\":0,\"delta\":" + Json(text));

    public override IEnumerable<string> Tail(Finish finish, string text, int tokenCount)
    {
        var n = 3 + tokenCount;
        var messageStatus = finish == Finish.Stop ? "completed" : "incomplete";
        yield return Event("response.output_text.done", n, "\"item_id\":\"" + ItemId + "\",\"output_index\":0,\"content_index\":0,\"text\":" + Json(text));
        yield return Event("response.content_part.done", n + 1, "\"item_id\":\"" + ItemId + "\",\"output_index\":0,\"content_index\":0,\"part\":" + Part(text));
        yield return Event("response.output_item.done", n + 2, "\"output_index\":0,\"item\":" + Message(messageStatus, text));
        yield return finish == Finish.Stop
            ? Event("response.completed", n + 3, "\"response\":" + Response("completed", Message("completed", text), null))
            : Event("response.incomplete", n + 3, "\"response\":" + Response("incomplete", Message("incomplete", text), finish == Finish.Length ? "max_output_tokens" : "content_filter"));
    }

    public override string ErrorEvent()
        => Sse("error", "{\"type\":\"error\",\"sequence_number\":99,\"code\":\"server_error\",\"message\":\"The server had an error while processing your request.\",\"param\":null}");

    public override string Complete(string text, Finish? finish, int tokenCount)
        => finish is null or Finish.Stop
            ? Response("completed", Message("completed", text), null)
            : Response("incomplete", Message("incomplete", text), finish == Finish.Length ? "max_output_tokens" : "content_filter");

    public override string ErrorBody(int status) => OpenAIChatFormat.OpenAIError(status);
}

/// <summary>Anthropic Messages: message_start, content_block_start, content_block_delta..., content_block_stop, message_delta, message_stop.</summary>
internal sealed class AnthropicFormat : WireFormat
{
    public static readonly AnthropicFormat Instance = new();

    private const string Id = "msg_fake";

    public override string StreamContentType => "text/event-stream";

    private static string Reason(Finish finish) => finish switch
    {
        Finish.Length => "max_tokens",
        Finish.ContentFilter => "refusal",
        _ => "end_turn",
    };

    public override IEnumerable<string> Head() =>
    [
        Sse("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + Id + "\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"" + Model
            + "\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"),
        Sse("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
        Sse("ping", "{\"type\":\"ping\"}"),
    ];

    public override string Token(string text, int index)
        => Sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":" + Json(text) + "}}");

    public override IEnumerable<string> Tail(Finish finish, string text, int tokenCount) =>
    [
        Sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
        Sse("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":" + Json(Reason(finish)) + ",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + tokenCount + "}}"),
        Sse("message_stop", "{\"type\":\"message_stop\"}"),
    ];

    public override string ErrorEvent()
        => Sse("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");

    public override string Complete(string text, Finish? finish, int tokenCount)
        => "{\"id\":\"" + Id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + Model + "\",\"content\":[{\"type\":\"text\",\"text\":" + Json(text)
            + "}],\"stop_reason\":" + (finish is { } f ? Json(Reason(f)) : "null") + ",\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":" + tokenCount + "}}";

    public override string ErrorBody(int status)
    {
        var (type, message) = status switch
        {
            400 => ("invalid_request_error", "Invalid request (fake)."),
            401 => ("authentication_error", "invalid x-api-key (fake)"),
            403 => ("permission_error", "Forbidden (fake)."),
            404 => ("not_found_error", "Not found (fake)."),
            413 => ("request_too_large", "Request too large (fake)."),
            429 => ("rate_limit_error", "Rate limited (fake)."),
            529 or 503 => ("overloaded_error", "Overloaded (fake)."),
            _ => ("api_error", "Internal server error (fake)."),
        };
        return "{\"type\":\"error\",\"error\":{\"type\":" + Json(type) + ",\"message\":" + Json(message) + "},\"request_id\":\"req_fake\"}";
    }
}

/// <summary>Ollama: one JSON object a line (NDJSON), done:false chunks, then done:true with done_reason.</summary>
internal sealed class OllamaFormat : WireFormat
{
    public static readonly OllamaFormat Chat = new(generate: false);
    public static readonly OllamaFormat Generate = new(generate: true);

    private const string CreatedAt = "\"created_at\":\"2024-01-01T00:00:00.000000Z\"";

    private readonly bool generate;

    private OllamaFormat(bool generate) => this.generate = generate;

    public override string StreamContentType => "application/x-ndjson";

    // Ollama streams unless told not to.
    public override bool IsStreaming(JsonElement? body)
        => !(body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.False);

    private string Line(string text, bool done, string tail)
        => "{\"model\":\"" + Model + "\"," + CreatedAt + ","
            + (generate ? "\"response\":" + Json(text) : "\"message\":{\"role\":\"assistant\",\"content\":" + Json(text) + "}")
            + ",\"done\":" + (done ? "true" : "false") + tail + "}";

    private static string Reason(Finish finish) => finish switch
    {
        Finish.Length => "length",
        Finish.ContentFilter => "content_filter", // Ollama has no such reason; sent so a test can see it arrive.
        _ => "stop",
    };

    private string Stats(int tokenCount)
        => (generate ? ",\"context\":[1,2,3]" : string.Empty)
            + ",\"total_duration\":1000000,\"load_duration\":1000,\"prompt_eval_count\":5,\"prompt_eval_duration\":1000,\"eval_count\":" + tokenCount + ",\"eval_duration\":1000";

    public override IEnumerable<string> Head() => [];

    public override string Token(string text, int index) => Line(text, done: false, string.Empty) + "\n";

    public override IEnumerable<string> Tail(Finish finish, string text, int tokenCount)
        => [Line(string.Empty, done: true, ",\"done_reason\":" + Json(Reason(finish)) + Stats(tokenCount)) + "\n"];

    public override string ErrorEvent() => "{\"error\":\"an error was encountered while running the model (fake)\"}\n";

    public override string Complete(string text, Finish? finish, int tokenCount)
        => finish is { } f
            ? Line(text, done: true, ",\"done_reason\":" + Json(Reason(f)) + Stats(tokenCount))
            : Line(text, done: false, string.Empty);

    public override string ErrorBody(int status) => status switch
    {
        404 => "{\"error\":\"model 'fake-model' not found (fake)\"}",
        _ => "{\"error\":" + Json("fake error " + status) + "}",
    };
}
