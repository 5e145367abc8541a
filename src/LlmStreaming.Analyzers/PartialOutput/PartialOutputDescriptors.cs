namespace LlmStreaming.Analyzers;

/// <summary>Partial output — LLM3xx.</summary>
public static partial class DiagnosticIds
{
    public const string PartialOutputDiscarded = "LLM301";
    public const string DeltaOverwritesText = "LLM302";
    public const string ContentPartIndexedWithoutGuard = "LLM303";
    public const string StreamFailureSwallowed = "LLM304";
}

/// <summary>Partial output — LLM3xx.</summary>
public static partial class Descriptors
{
    public static readonly DiagnosticDescriptor LLM301_PartialOutputDiscarded = Rule(
        DiagnosticIds.PartialOutputDiscarded,
        "Partial output is discarded on failure",
        "This catch discards the text accumulated in '{0}' from {1}, losing the answer generated before the failure; return, store or attach '{0}' instead of {2}",
        DiagnosticSeverity.Warning,
        "A catch around an LLM stream enumeration that accumulated text returns or assigns something not derived from the accumulator, or throws a new exception that does not carry it. Keep the partial output: return it marked incomplete, or attach it to the thrown exception.");

    public static readonly DiagnosticDescriptor LLM302_DeltaOverwritesText = Rule(
        DiagnosticIds.DeltaOverwritesText,
        "Streamed delta overwrites instead of appending",
        "'{0}' is assigned the delta '{1}' on every update of {2}, so only the last token survives the loop; append with '+=' or StringBuilder.Append",
        DiagnosticSeverity.Warning,
        "Each update of an LLM stream carries a fragment (delta) of the answer. Assigning the fragment to a variable that outlives the loop keeps only the last fragment.");

    public static readonly DiagnosticDescriptor LLM303_ContentPartIndexedWithoutGuard = Rule(
        DiagnosticIds.ContentPartIndexedWithoutGuard,
        "Content part indexed without a guard",
        "'{0}' is indexed without a count check: updates of {1} with only a role, usage or finish reason have no parts, so it throws; check the count or iterate the parts",
        DiagnosticSeverity.Warning,
        "Role-only, usage-only and final updates of an LLM stream carry no content parts (and some providers send chunks with no choices). Indexing the first element without checking the count throws mid-stream.");

    public static readonly DiagnosticDescriptor LLM304_StreamFailureSwallowed = Rule(
        DiagnosticIds.StreamFailureSwallowed,
        "Stream failure swallowed; a cut-off answer passes as complete",
        "This catch swallows the failure of {0} and '{1}' is then {2} as if complete; rethrow after handling, or return a result that says the answer is incomplete",
        DiagnosticSeverity.Warning,
        "A catch around an LLM stream enumeration handles the mid-stream failure without rethrowing, throwing or recording anything, and the method then returns, stores or shows the accumulated text: the caller gets a cut-off answer as if it were the whole answer. Rethrow after handling, throw an exception that carries the partial text, or return a result that says the answer is incomplete.");
}
