using Microsoft.CodeAnalysis;

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
        "'{0}' parses the SSE payload '{1}' without checking for the '[DONE]' sentinel first: OpenAI-compatible streams end with 'data: [DONE]', which is not JSON, so the parse throws at the end of every successful answer; check 'if ({1} == \"[DONE]\")' and leave the loop before parsing",
        DiagnosticSeverity.Warning,
        "A hand-rolled server-sent-events loop passes each 'data:' payload to a JSON parser with no check for the '[DONE]' sentinel before it. OpenAI-compatible APIs end the stream with 'data: [DONE]'; parsing it throws a JsonException at the very end of a successful answer.");

    public static readonly DiagnosticDescriptor LLM202_EndOfStreamAccepted = Rule(
        DiagnosticIds.EndOfStreamAccepted,
        "End of stream is accepted without a terminal marker",
        "This loop over {0} ends normally when the body ends, without having seen {1}: a stream cut off by a proxy, an idle timeout or a server restart looks exactly like a complete answer; track whether the terminal marker arrived and throw an IOException (or report the answer incomplete) after the loop when it did not",
        DiagnosticSeverity.Warning,
        "A hand-rolled stream loop stops at the end of the response body ('ReadLineAsync' returns null, 'EndOfStream', the end of an SseParser enumeration) and carries on as if the answer were complete. A model stream ends with a terminal marker ('[DONE]', 'message_stop', 'done: true', 'response.completed' or a finish reason); when the body ends without one, the answer was cut off.");

    public static readonly DiagnosticDescriptor LLM203_FinishReasonNotObserved = Rule(
        DiagnosticIds.FinishReasonNotObserved,
        "Finish reason is never observed",
        "'{0}' is consumed without ever reading {1}: every SDK ends a stream that lost its end marker or was closed early normally, and an answer cut at the token limit or by the content filter looks complete; capture {1} and, after the stream, handle a missing value (cut off) and Length/ContentFilter",
        DiagnosticSeverity.Warning,
        "An enumeration (or aggregation) of an SDK model stream never reads the finish or stop reason. The SDKs end a stream that lost its terminal event normally, so a truncated answer, and an answer stopped by the token limit or the content filter, is indistinguishable from a complete one unless the finish reason is checked.");

    public static readonly DiagnosticDescriptor LLM204_HandRolledSseParsing = Rule(
        DiagnosticIds.HandRolledSseParsing,
        "Hand-rolled SSE parsing",
        "This loop splits server-sent events by hand ({0}); System.Net.ServerSentEvents.SseParser is available and handles multi-line data, comments, event types and field spacing correctly; enumerate 'SseParser.Create(stream).EnumerateAsync()' instead",
        DiagnosticSeverity.Info,
        "A 'ReadLine'/'ReadLineAsync' loop parses server-sent events by hand ('StartsWith(\"data:\")', 'Substring(6)', 'Replace(\"data: \", \"\")'). Hand-rolled parsers break on multi-line data, missing spaces after the colon, comments and event fields. System.Net.ServerSentEvents.SseParser (in .NET 9 and later, or the System.Net.ServerSentEvents package) implements the specification.");

    public static readonly DiagnosticDescriptor LLM205_InStreamErrorIgnored = Rule(
        DiagnosticIds.InStreamErrorIgnored,
        "In-stream error is ignored",
        "{0} without checking for an error: {1}, so the failure passes as the end of the answer; check for the error and throw with the provider's message",
        DiagnosticSeverity.Warning,
        "Model APIs report failures that happen after the response started (overloaded, server error, rate limit) inside the 200 stream: an 'error' object or an 'event: error'. A loop that parses every event as an update silently drops them. Betalgo.Ranul.OpenAI yields HTTP and stream errors as items with Successful == false instead of throwing.");
}
