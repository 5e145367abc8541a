using LlmStreaming.Analyzers.Tests.Conformance.Harness;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>
/// Cells of the conformance matrix that do not meet the contract, each with its reason and kind (to mend, a limit no fix
/// can keep, a decision). Every cell an entry names must still fail: a cell that starts to pass fails the suite until its
/// entry is removed, so the list only shrinks.
/// </summary>
internal static class KnownGaps
{
    // A retry loop of the program's own that the rules accept (LLM106 asks only that it catch IOException; LLM301 accepts
    // a failure that leaves unchanged, as it accepts `throw;`): no single rule reports it, so no single rule's fix
    // rewrites it; "Make this stream resilient" completes it (the three combined paths meet the contract).
    private const string UserRetryMissesTimeout = "a retry loop of the program's own that catches IOException only, which the rules accept (LLM106): it does not retry the timeout that ends a stall (TaskCanceledException); \"Make this stream resilient\" adds that catch, and no single rule's fix rewrites a retry loop no rule reports";
    private const string UserRetryLosesPartial = "a retry loop of the program's own that lets its last failure leave unchanged, which the rules accept (as LLM301 accepts `throw;`), with its accumulator declared inside the attempt: the text is out of reach of the failure; \"Make this stream resilient\" moves the declaration out and attaches the text, and no single rule's fix rewrites a retry loop no rule reports";
    private const string SdkCannotBoundStall = "the SDK does not observe the token during a stalled read (OllamaSharp), or its Timeout covers only the headers (Anthropic): no fix of the loop can bound the stall (see 'Where a promise cannot be kept')";
    private const string BetalgoCannotBoundStall = "Betalgo does not observe the token during a stalled read, and its only timeout, its HttpClient's, covers the headers alone (both measured): nothing a fix of the loop can write ends the stall, the run hangs until the server closes (see 'Where a promise cannot be kept')";

    private const string IdleTimeoutIsInfo = "Azure AI Inference waits, a core busy, for the [DONE] of a body that has ended; only the idle timeout of LLM406's fix ends that wait, and LLM406 is an Info rule (its hand-rolled hang needs a stalled connection), so `dotnet format analyzers --severity warn` does not apply it: \"Make this stream resilient\", the lightbulbs and `--severity info` do";

    /// <summary>The mode name a gap gives (with <c>*</c> for the modes) when the fixed program does not compile.</summary>
    public const string CompileMode = "compile";

    /// <summary>Why a cell does not meet the contract.</summary>
    internal enum GapKind
    {
        /// <summary>A fix falls short: to be mended.</summary>
        ToMend,

        /// <summary>A promise no fix can keep (an SDK that gives the code no way to bound a stall), said plainly on docs/conformance.md.</summary>
        Limit,

        /// <summary>Code the rules accept, which a single rule's fix therefore leaves as it is; decided, and said on docs/conformance.md.</summary>
        Decision,
    }

    /// <summary>Cells where the contract is not met, and why (<paramref name="Kind"/>).</summary>
    internal sealed record Gap(string Programs, string Paths, string Modes, string Reason, GapKind Kind = GapKind.ToMend)
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
        new("openai-naive-retry", SinglePaths, "stall", UserRetryMissesTimeout, GapKind.Decision),
        new("openai-naive-retry", SinglePaths, "reset-always stream-broken", UserRetryLosesPartial, GapKind.Decision),
        new("anthropic", EveryPath, "stall", SdkCannotBoundStall, GapKind.Limit),
        new("ollama", EveryPath, "stall", SdkCannotBoundStall, GapKind.Limit),
        new("betalgo", EveryPath, "stall", BetalgoCannotBoundStall, GapKind.Limit),
        new("azure-inference", "format-warn", "no-end error-event", IdleTimeoutIsInfo, GapKind.Decision),
    };

    public static Gap? Find(Cell cell) => All.FirstOrDefault(g => g.Matches(cell));
}
