namespace LlmStreaming.Analyzers;

/// <summary>Retry and backoff — LLM1xx.</summary>
public static partial class DiagnosticIds
{
    public const string MidStreamFailureNotRetried = "LLM101";
    public const string RetryWithoutBackoff = "LLM102";
    public const string SdkRetriesDisabled = "LLM103";
    public const string RetryWrapsUnstartedStream = "LLM104";
    public const string RetryReplaysEmittedOutput = "LLM105";
    public const string CatchMissesMidStreamFailure = "LLM106";
}

/// <summary>Retry and backoff — LLM1xx.</summary>
public static partial class Descriptors
{
    public static readonly DiagnosticDescriptor LLM101_MidStreamFailureNotRetried = Rule(
        DiagnosticIds.MidStreamFailureNotRetried,
        "Streaming LLM call has no retry for mid-stream failures",
        "This enumeration of {0} has no retry: the SDKs retry only the initial request, so a connection lost mid-answer fails it; wrap it in a bounded retry with backoff",
        DiagnosticSeverity.Warning,
        "The SDKs retry the initial request (OpenAI 3 times, Anthropic twice) but nothing retries a stream that fails after it started: MoveNext throws an IOException mid-way. An enumeration of an LLM stream should run inside a retry construct (a loop whose catch goes round again, a Polly pipeline, a configured retry helper) or a catch that handles the failure: a bounded retry with exponential backoff and jitter that resets the output of the failed attempt.");

    public static readonly DiagnosticDescriptor LLM102_RetryWithoutBackoff = Rule(
        DiagnosticIds.RetryWithoutBackoff,
        "Retry loop has no backoff",
        "This retry loop around {0} retries {1}: clients retrying in lockstep overload a failing provider; wait an exponentially growing delay with jitter",
        DiagnosticSeverity.Warning,
        "A retry loop around an LLM call should wait between attempts, exponentially longer each time and with random jitter, so that retries spread out instead of arriving together at an overloaded or rate-limiting provider.");

    public static readonly DiagnosticDescriptor LLM103_SdkRetriesDisabled = Rule(
        DiagnosticIds.SdkRetriesDisabled,
        "SDK retries are disabled",
        "'{0}' turns off the {1} SDK's own retries (connection errors, 408, 429, 5xx), so a transient failure fails the call; remove it, or set a small positive count",
        DiagnosticSeverity.Warning,
        "The OpenAI and Anthropic SDKs retry the initial request with backoff, honouring Retry-After. Setting their retry count to zero turns that off for every call of the client.");

    public static readonly DiagnosticDescriptor LLM104_RetryWrapsUnstartedStream = Rule(
        DiagnosticIds.RetryWrapsUnstartedStream,
        "Retry wraps a stream that has not started",
        "The retry {1} returns the stream of '{0}' unenumerated: the request is sent later, outside the retry, so nothing is retried; enumerate the stream inside the {1}",
        DiagnosticSeverity.Warning,
        "LLM streaming calls return a lazy stream: the request is sent when the enumeration starts. A retry whose delegate or attempt only creates the stream and returns it never sees a failure, so it retries nothing.");

    public static readonly DiagnosticDescriptor LLM105_RetryReplaysEmittedOutput = Rule(
        DiagnosticIds.RetryReplaysEmittedOutput,
        "Retry replays output already emitted",
        "{0} keeps the output of {1} across retry attempts, so a retried stream repeats the text; reset it at the start of each attempt, or retry only while nothing has been emitted",
        DiagnosticSeverity.Warning,
        "A retry restarts an LLM stream from the first token. Output written before the failure (to the console, a response, a callback, or an accumulator that is not cleared per attempt) is then written again.");

    public static readonly DiagnosticDescriptor LLM106_CatchMissesMidStreamFailure = Rule(
        DiagnosticIds.CatchMissesMidStreamFailure,
        "Catch misses mid-stream transport failures",
        "This catch handles {0} around {1}, but a connection lost mid-stream throws IOException, which escapes it; add an IOException clause with the same handling",
        DiagnosticSeverity.Warning,
        "SDK and HTTP exceptions (ClientResultException, HttpRequestException, HttpOperationException, AnthropicException…) report failures of the initial request. Once the response has started, a dropped connection is thrown by MoveNext as an IOException (HttpIOException on .NET 8+), which such a catch does not handle.");
}
