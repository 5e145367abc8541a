namespace LlmStreaming.Analyzers;

/// <summary>Stream termination — LLM2xx.</summary>
public static partial class DiagnosticIds
{
    public const string DoneSentinelNotHandled = "LLM201";
    public const string EndOfStreamAccepted = "LLM202";
    public const string FinishReasonNotObserved = "LLM203";
    public const string HandRolledSseParsing = "LLM204";
    public const string InStreamErrorIgnored = "LLM205";
}

/// <summary>Stream termination — LLM2xx.</summary>
public static partial class Descriptors
{
    public static readonly DiagnosticDescriptor LLM201_DoneSentinelNotHandled = Rule(
        DiagnosticIds.DoneSentinelNotHandled,
        "[DONE] sentinel is not handled",
        "'{0}' parses '{1}' without checking for 'data: [DONE]', the last event of OpenAI-compatible streams, which is not JSON: every answer ends in an exception; leave the loop on \"[DONE]\" first",
        DiagnosticSeverity.Warning,
        "A hand-rolled server-sent-events loop passes each 'data:' payload to a JSON parser with no check for the '[DONE]' sentinel before it. OpenAI-compatible APIs end the stream with 'data: [DONE]'; parsing it throws a JsonException at the very end of a successful answer.");

    public static readonly DiagnosticDescriptor LLM202_EndOfStreamAccepted = Rule(
        DiagnosticIds.EndOfStreamAccepted,
        "End of stream is accepted without a terminal marker",
        "This loop over {0} ends with the body without seeing {1}, so a cut-off stream looks complete; after the loop, throw or report the answer incomplete",
        DiagnosticSeverity.Warning,
        "A hand-rolled stream loop stops at the end of the response body ('ReadLineAsync' returns null, 'EndOfStream', the end of an SseParser enumeration) and carries on as if the answer were complete. A model stream ends with a terminal marker ('[DONE]', 'message_stop', 'done: true', 'response.completed' or a finish reason); when the body ends without one, the answer was cut off. Track whether the marker arrived, and after the loop throw an IOException (or report the answer incomplete) when it did not.");

    public static readonly DiagnosticDescriptor LLM203_FinishReasonNotObserved = Rule(
        DiagnosticIds.FinishReasonNotObserved,
        "Finish reason is never observed",
        "{0} is consumed without reading {1}, so a cut-off, length-limited or filtered answer looks complete; check it after the stream",
        DiagnosticSeverity.Warning,
        "An enumeration (or aggregation) of an SDK model stream never reads the finish or stop reason. The SDKs end a stream that lost its terminal event normally, so a truncated answer, and an answer stopped by the token limit or the content filter, is indistinguishable from a complete one unless the finish reason is checked: capture it and, after the stream, handle a missing value (cut off) and Length/ContentFilter. A hand-rolled loop that parses each event as JSON and never reads its protocol's reason (finish_reason, Ollama's done_reason, Anthropic's stop_reason) is reported too: a length or content-filter stop ends such a stream with its end marker, like a complete answer.");

    public static readonly DiagnosticDescriptor LLM204_HandRolledSseParsing = Rule(
        DiagnosticIds.HandRolledSseParsing,
        "Hand-rolled SSE parsing",
        "This loop splits server-sent events by hand ({0}), which breaks on multi-line data, comments and field spacing; enumerate 'SseParser.Create(stream).EnumerateAsync()' instead",
        DiagnosticSeverity.Info,
        "A 'ReadLine'/'ReadLineAsync' loop parses server-sent events by hand ('StartsWith(\"data:\")', 'Substring(6)', 'Replace(\"data: \", \"\")'). Hand-rolled parsers break on multi-line data, missing spaces after the colon, comments and event fields. System.Net.ServerSentEvents.SseParser (in .NET 9 and later, or the System.Net.ServerSentEvents package) implements the specification.");

    public static readonly DiagnosticDescriptor LLM205_InStreamErrorIgnored = Rule(
        DiagnosticIds.InStreamErrorIgnored,
        "In-stream error is ignored",
        "{0} without checking for an error: {1}; check for it and throw with the provider's message",
        DiagnosticSeverity.Warning,
        "Model APIs report failures that happen after the response started (overloaded, server error, rate limit) inside the 200 stream: an 'error' object or an 'event: error'. A loop that parses every event as an update silently drops them. Betalgo.Ranul.OpenAI yields HTTP and stream errors as items with Successful == false instead of throwing; OllamaSharp yields Ollama's error line as an update with no Message.");
}
