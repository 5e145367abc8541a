using LlmStreaming.Analyzers.Tests.Conformance.Harness;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>
/// Cells of the conformance matrix that do not meet the contract yet, each with its reason. Every cell a gap names must
/// still fail: a cell that starts to pass fails the suite until its gap is removed, so the list only shrinks.
/// </summary>
internal static class KnownGaps
{
    // Found by the suite beside issue 10's list.
    private const string UserRetryMissesTimeout = "a retry loop of the program's own that catches only IOException: \"Make this stream resilient\" adds the timeout (OperationCanceledException) to it, but no single rule's fix does (LLM106 asks only for IOException)";
    private const string UserRetryLosesPartial = "a retry loop of the program's own that lets the last failure leave as it is, with its accumulator declared inside the attempt: \"Make this stream resilient\" moves the declaration out and attaches the text, but no single rule's fix does (LLM203's exceptions do not carry the accumulated text; LLM301 accepts a failure that leaves unchanged)";
    private const string SdkCannotBoundStall = "the SDK does not observe the token during a stalled read (OllamaSharp), or its Timeout covers only the headers (Anthropic): no fix of the loop can bound the stall (see 'Where a promise cannot be kept')";
    private const string BetalgoCannotBoundStall = "Betalgo does not observe the token during a stalled read, and its only timeout, its HttpClient's, covers the headers alone (both measured): nothing a fix of the loop can write ends the stall, the run hangs until the server closes (see 'Where a promise cannot be kept')";

    /// <summary>The mode name a gap gives (with <c>*</c> for the modes) when the fixed program does not compile.</summary>
    public const string CompileMode = "compile";

    /// <summary>
    /// Cells where the contract is not met. <paramref name="Limit"/>: a promise no fix can keep (an SDK that gives the
    /// code no way to bound a stall), decided and said plainly on docs/conformance.md; otherwise a gap still to mend.
    /// </summary>
    internal sealed record Gap(string Programs, string Paths, string Modes, string Reason, bool Limit = false)
    {
        public bool Matches(Cell cell) => Matches(cell.Program.Name, cell.Path.Name, cell.Mode.Name);

        public bool Matches(string program, string path, string mode) => In(Programs, program) && In(Paths, path) && In(Modes, mode);

        private static bool In(string list, string name) => list == "*" || list.Split(' ').Contains(name);
    }

    private const string EveryPath = "resilient resilient-polly resilient-fallback lightbulbs lightbulbs-reversed format-warn format-info";
    private const string SinglePaths = "lightbulbs lightbulbs-reversed format-warn format-info";

    /// <summary>(programs, fix paths, modes, reason); names separated by spaces.</summary>
    public static readonly IReadOnlyList<Gap> All = new Gap[]
    {
        new("openai-naive-retry", SinglePaths, "stall", UserRetryMissesTimeout),
        new("openai-naive-retry", SinglePaths, "reset-always stream-broken length content-filter", UserRetryLosesPartial),
        new("anthropic", EveryPath, "stall", SdkCannotBoundStall, Limit: true),
        new("ollama", EveryPath, "stall", SdkCannotBoundStall, Limit: true),
        new("betalgo", EveryPath, "stall", BetalgoCannotBoundStall, Limit: true),
    };

    public static Gap? Find(Cell cell) => All.FirstOrDefault(g => g.Matches(cell));
}
