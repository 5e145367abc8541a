namespace LlmStreaming.Analyzers;

/// <summary>Timeouts — LLM4xx.</summary>
public static partial class DiagnosticIds
{
    public const string HttpClientTimeoutTooShort = "LLM401";
    public const string StreamingResponseBuffered = "LLM402";
    public const string StandardResilienceDefaults = "LLM403";
    public const string SdkTimeoutTooShort = "LLM404";
    public const string ResilienceTimeoutsInvalid = "LLM405";
    public const string StreamedBodyWithoutIdleTimeout = "LLM406";
    public const string TimeoutSwallowedAsCancellation = "LLM407";
}

/// <summary>Timeouts — LLM4xx.</summary>
public static partial class Descriptors
{
    public static readonly DiagnosticDescriptor LLM401_HttpClientTimeoutTooShort = Rule(
        DiagnosticIds.HttpClientTimeoutTooShort,
        "HttpClient timeout too short for LLM streaming",
        "{0} is {1} on an HttpClient {2}: {3}; {4}",
        DiagnosticSeverity.Warning,
        "HttpClient.Timeout (100 s by default) bounds the time to the response headers when the body is read with ResponseHeadersRead, and the whole generation otherwise; on a client handed to an SDK it also caps the SDK's own timeout. A constant below the minimum (llm_streaming.min_timeout_seconds, 120 s by default) cuts slow or long generations.");

    public static readonly DiagnosticDescriptor LLM402_StreamingResponseBuffered = Rule(
        DiagnosticIds.StreamingResponseBuffered,
        "Streaming response is buffered",
        "'{0}' buffers a streamed model response: {1}, so no token arrives before the last; send with HttpCompletionOption.ResponseHeadersRead and read the body as a stream",
        DiagnosticSeverity.Warning,
        "PostAsync, PostAsJsonAsync and SendAsync without HttpCompletionOption.ResponseHeadersRead download the whole response before they return. For a streamed model response this delays every token to the end of the generation and puts the whole generation under HttpClient.Timeout.");

    public static readonly DiagnosticDescriptor LLM403_StandardResilienceDefaults = Rule(
        DiagnosticIds.StandardResilienceDefaults,
        "Standard resilience handler's defaults cut LLM calls",
        "AddStandardResilienceHandler {0}; {1}",
        DiagnosticSeverity.Warning,
        "The standard resilience handler bounds each attempt to 10 s and the whole request to 30 s (time to the response headers), and sets the client's HttpClient.Timeout to infinite. A model that loads, queues or answers without streaming sends its headers later than that, and every attempt is cut. Raise the attempt and total timeouts, and the circuit-breaker sampling duration to at least twice the attempt timeout (the options validator requires it). Service defaults (Aspire's AddServiceDefaults) that add the handler to every client cut the model clients too; a handler of the client's own does not lift that one, RemoveAllResilienceHandlers() on the client does.");

    public static readonly DiagnosticDescriptor LLM404_SdkTimeoutTooShort = Rule(
        DiagnosticIds.SdkTimeoutTooShort,
        "SDK or cancellation timeout too short",
        "{0} is {1} {2}: {3}; raise it to at least {4}",
        DiagnosticSeverity.Warning,
        "System.ClientModel's NetworkTimeout (OpenAI, Azure OpenAI) bounds the wait for the headers and then each read of the body; Anthropic's Timeout bounds the wait for the headers; a CancellationTokenSource deadline cancels the whole stream. A constant below the minimum (llm_streaming.min_timeout_seconds, 120 s by default) cuts slow or long generations.");

    public static readonly DiagnosticDescriptor LLM405_ResilienceTimeoutsInvalid = Rule(
        DiagnosticIds.ResilienceTimeoutsInvalid,
        "Resilience timeouts fail validation at startup",
        "These resilience options fail validation at startup: {0}; {1}",
        DiagnosticSeverity.Warning,
        "HttpStandardResilienceOptions are validated when the pipeline is built: the total request timeout must be at least the attempt timeout, the circuit-breaker sampling duration at least twice the attempt timeout, timeouts between 10 ms and 24 h, the sampling duration between 0.5 s and 24 h. Raising only the attempt timeout for a slow model throws OptionsValidationException at startup.");

    public static readonly DiagnosticDescriptor LLM406_StreamedBodyWithoutIdleTimeout = Rule(
        DiagnosticIds.StreamedBodyWithoutIdleTimeout,
        "Streamed body has no idle timeout",
        "{0}; pass a token linked to an idle timeout re-armed after each {1}",
        DiagnosticSeverity.Info,
        "With HttpCompletionOption.ResponseHeadersRead, HttpClient.Timeout ends at the headers and the token given to SendAsync does not reach the body reads. A connection that stalls mid-stream without closing blocks ReadLineAsync forever unless a token reaches the reads. Azure AI Inference does not end a stream whose body ends without [DONE]: it waits, a core busy, until the token given to the call fires.");

    public static readonly DiagnosticDescriptor LLM407_TimeoutSwallowedAsCancellation = Rule(
        DiagnosticIds.TimeoutSwallowedAsCancellation,
        "Timeout swallowed as cancellation",
        "This catch takes every {0} from {1} as a cancellation, but timeouts throw it too and are swallowed; {2}",
        DiagnosticSeverity.Info,
        "HttpClient.Timeout, System.ClientModel's NetworkTimeout and the resilience handler's timeouts surface as TaskCanceledException (an OperationCanceledException). A catch that does not check whether its own token was cancelled reports a timed-out generation as a user cancel, and nothing retries or reports it. Filter the catch with 'when (token.IsCancellationRequested)' so that timeouts reach the retry or failure path.");
}
