using System.Collections.Immutable;
using LlmStreaming.Analyzers.Tests.Conformance.Programs;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>What the contract expects of a fixed program in a mode.</summary>
internal enum Expectation
{
    /// <summary>The full answer exactly once, after the given number of requests (a transient fault retried).</summary>
    FullAnswer,

    /// <summary>A clear exception, no answer, with the partial text attached where some was generated.</summary>
    ClearFailure,

    /// <summary>The caller's own cancellation: an <c>OperationCanceledException</c>, at once, not retried.</summary>
    Cancelled,
}

/// <summary>
/// One fault mode of the conformance suite: how the fake server behaves request by request, what the caller does, and
/// what the contract of <c>rules.md</c> ("What a fix must do at run time") expects of a fixed program.
/// </summary>
internal sealed record Mode(string Name, string Description, Func<int, Fault> Script, Expectation Expectation, Func<FlawedProgram, int> Requests, TimeSpan? CancelAfter = null)
{
    /// <summary>Why the mode cannot happen to a program (its provider has no such fault), or null: such cells are not run.</summary>
    public Func<FlawedProgram, string?> NotApplicable { get; init; } = _ => null;

    public override string ToString() => Name;
}

internal static class Modes
{
    /// <summary>The fixes' retries after the first attempt: a stream that keeps failing makes 1 + this many requests.</summary>
    public const int FixRetries = 3;

    /// <summary>A mid-stream fault happens after this many tokens (so something was generated, and written, before it).</summary>
    private const int TokensBeforeFault = 3;

    private static int One(FlawedProgram program) => 1;

    private static int Two(FlawedProgram program) => 2;

    /// <summary>A fault before the first token: the SDK retries it itself where it retries the initial request.</summary>
    private static int AllAttempts(FlawedProgram program) => 1 + FixRetries;

    /// <summary>A failing status on every request: the SDK's own retries of the initial request, never multiplied by the fix's.</summary>
    private static int SdkOrFixAttempts(FlawedProgram program) => program.SdkRequestsOnPersistentFailure > 1 ? program.SdkRequestsOnPersistentFailure : 1 + FixRetries;

    /// <summary>The reason the content-filter mode is not run for Ollama's protocol.</summary>
    public const string NoOllamaContentFilter = "Ollama has no content-filter stop: its done_reason is stop, length, load or unload, so a fix has no such stop to meet";

    public static readonly ImmutableArray<Mode> All = ImmutableArray.Create(
        new Mode("normal", "a normal stream", FaultScript.Always(Fault.Normal), Expectation.FullAnswer, One),
        new Mode("slow", "every token 150 ms apart, alive", FaultScript.Always(Fault.Slow(TimeSpan.FromMilliseconds(150))), Expectation.FullAnswer, One),
        new Mode("reset", "RST after 3 tokens, then a good attempt", FaultScript.FailFirst(1, Fault.ResetAfter(TokensBeforeFault)), Expectation.FullAnswer, Two),
        new Mode("reset-role", "RST right after the role chunk, then a good attempt", FaultScript.FailFirst(1, Fault.ResetAfterRole), Expectation.FullAnswer, Two),
        new Mode("truncated", "chunked body cut after 3 tokens, then a good attempt", FaultScript.FailFirst(1, Fault.Truncated(TokensBeforeFault)), Expectation.FullAnswer, Two),
        new Mode("no-end", "every token, then a clean end with no finish and no end marker, then a good attempt", FaultScript.FailFirst(1, Fault.NoEnd), Expectation.FullAnswer, Two),
        new Mode("error-event", "an error event inside the 200 stream after 3 tokens, then a good attempt", FaultScript.FailFirst(1, Fault.ErrorEvent(TokensBeforeFault)), Expectation.FullAnswer, Two),
        new Mode("stall", "silence after 2 tokens, then a good attempt", FaultScript.FailFirst(1, Fault.Stall(2)), Expectation.FullAnswer, Two),
        new Mode("429", "429 with Retry-After, then a good attempt", FaultScript.FailFirst(1, Fault.Status(429)), Expectation.FullAnswer, Two),
        new Mode("503", "503, then a good attempt", FaultScript.FailFirst(1, Fault.Status(503)), Expectation.FullAnswer, Two),
        new Mode("reset-always", "RST after 3 tokens on every attempt", FaultScript.Always(Fault.ResetAfter(TokensBeforeFault)), Expectation.ClearFailure, AllAttempts),
        new Mode("stream-broken", "RST after 3 tokens on every streaming request; a non-streaming request is answered", FaultScript.Always(Fault.WhenStreaming(Fault.ResetAfter(TokensBeforeFault))), Expectation.ClearFailure, AllAttempts),
        new Mode("length", "a length stop after 4 tokens", FaultScript.Always(Fault.Length()), Expectation.ClearFailure, One),
        new Mode("content-filter", "a content-filter stop after 2 tokens", FaultScript.Always(Fault.ContentFilter()), Expectation.ClearFailure, One)
        {
            NotApplicable = program => program.Format == Programs.WireFormat.Ollama ? NoOllamaContentFilter : null,
        },
        new Mode("500-always", "500 on every request", FaultScript.Always(Fault.Status(500)), Expectation.ClearFailure, SdkOrFixAttempts),
        new Mode("400", "400 Bad Request", FaultScript.Always(Fault.Status(400)), Expectation.ClearFailure, One),
        new Mode("401", "401 Unauthorized", FaultScript.Always(Fault.Status(401)), Expectation.ClearFailure, One),
        new Mode("403", "403 Forbidden", FaultScript.Always(Fault.Status(403)), Expectation.ClearFailure, One),
        new Mode("404", "404 Not Found", FaultScript.Always(Fault.Status(404)), Expectation.ClearFailure, One),
        new Mode("cancel", "the caller cancels 500 ms into a slow stream", FaultScript.Always(Fault.Slow(TimeSpan.FromMilliseconds(200))), Expectation.Cancelled, One, CancelAfter: TimeSpan.FromMilliseconds(500)));
}
