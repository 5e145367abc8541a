using LlmStreaming.Analyzers.Tests.Conformance.Harness;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>
/// Cells of the conformance matrix that do not meet the contract yet, each with its reason. Every cell a gap names must
/// still fail: a cell that starts to pass fails the suite until its gap is removed, so the list only shrinks.
/// </summary>
internal static class KnownGaps
{
    // Issue 10's failures, by its numbering.

    // Found by the suite beside issue 10's list.
    private const string UserRetryMissesTimeout = "a retry loop of the program's own that catches only IOException: \"Make this stream resilient\" adds the timeout (OperationCanceledException) to it, but no single rule's fix does";
    private const string AccumulatorInsideAttempt = "the program's own retry loop declares its accumulator inside the attempt: no fix can reach the text from the final failure (hoisting it is not done yet)";
    private const string SdkCannotBoundStall = "the SDK does not observe the token during a stalled read (OllamaSharp), or its Timeout covers only the headers (Anthropic): no fix of the loop can bound the stall (see 'Where a promise cannot be kept')";
    private const string BetalgoCannotBoundStall = "Betalgo does not observe the token during a stalled read, and its only timeout, its HttpClient's, covers the headers alone (both measured): nothing a fix of the loop can write ends the stall, the run hangs until the server closes (see 'Where a promise cannot be kept')";
    private const string OllamaNoContentFilter = "Ollama has no content-filter stop; the fake's done_reason \"content_filter\" is not a real value, and LLM203's fix treats only \"length\" as a truncation";
    private const string OllamaErrorLine = "OllamaSharp yields Ollama's {\"error\": …} line as an update with no message, so the program's own chunk?.Message.Content throws NullReferenceException; no rule checks an SDK stream's error updates for OllamaSharp";

    /// <summary>The mode name a gap gives (with <c>*</c> for the modes) when the fixed program does not compile.</summary>
    public const string CompileMode = "compile";

    internal sealed record Gap(string Programs, string Paths, string Modes, string Reason)
    {
        public bool Matches(Cell cell) => Matches(cell.Program.Name, cell.Path.Name, cell.Mode.Name);

        public bool Matches(string program, string path, string mode) => In(Programs, program) && In(Paths, path) && In(Modes, mode);

        private static bool In(string list, string name) => list == "*" || list.Split(' ').Contains(name);
    }

    /// <summary>(programs, fix paths, modes, reason); names separated by spaces.</summary>
    public static readonly IReadOnlyList<Gap> All = new Gap[]
    {
        new("openai-naive-retry", "lightbulbs lightbulbs-reversed format-warn format-info", "stall", UserRetryMissesTimeout),
        new("openai-naive-retry", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "reset-always stream-broken", AccumulatorInsideAttempt),
        new("openai-naive-retry", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "length", AccumulatorInsideAttempt),
        new("openai-naive-retry", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "content-filter", AccumulatorInsideAttempt),
        new("anthropic", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "stall", SdkCannotBoundStall),
        new("ollama", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "error-event", OllamaErrorLine),
        new("ollama", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "stall", SdkCannotBoundStall),
        new("ollama", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "content-filter", OllamaNoContentFilter),
        new("ndjson", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "content-filter", OllamaNoContentFilter),
        new("betalgo", "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info", "stall", BetalgoCannotBoundStall),
    };

    public static Gap? Find(Cell cell) => All.FirstOrDefault(g => g.Matches(cell));
}
