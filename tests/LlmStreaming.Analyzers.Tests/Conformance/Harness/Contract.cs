using LlmStreaming.Analyzers.Tests.Conformance.Programs;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>One run of one program in one mode, judged.</summary>
internal sealed record Cell(FlawedProgram Program, FixPath Path, Mode Mode, RunOutcome Outcome, int Requests, IReadOnlyList<string> Violations)
{
    public bool Meets => Violations.Count == 0;

    /// <summary>A short, stable description of what the user got, for the matrix (no timings, no messages).</summary>
    public string Summary => Contract.Classify(Outcome) + " · " + Requests + (Requests == 1 ? " request" : " requests");
}

/// <summary>
/// The contract of <c>rules.md</c> ("What a fix must do at run time"), as checks on what a program did in a mode.
/// </summary>
internal static class Contract
{
    /// <summary>How long after the caller cancels the program must have stopped.</summary>
    public static readonly TimeSpan PromptCancellation = TimeSpan.FromSeconds(1.5);

    /// <summary>Modes whose fault comes after some text was generated (and written out, by a program that writes).</summary>
    private static readonly HashSet<string> FaultAfterOutput = new(StringComparer.Ordinal) { "reset", "truncated", "no-end", "error-event", "stall", "reset-always", "stream-broken" };

    /// <summary>
    /// The least total wait between the attempts of a stream that keeps failing (reset-always: three retries). A full
    /// jitter backoff of up to 0.5 s, 1 s and 2 s waits less than this with a chance of about one in a million; a retry
    /// with no backoff waits nothing.
    /// </summary>
    public static readonly TimeSpan LeastBackoff = TimeSpan.FromMilliseconds(20);

    /// <summary>The most: minutes between attempts is no retry a user waits for.</summary>
    public static readonly TimeSpan MostBackoff = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The verdict on one run. <paramref name="fallback"/>: the fixed program has the non-streaming fallback, which after
    /// the streaming attempts makes one non-streaming request: when only the streaming path is broken it must return the
    /// full answer after that request, and when every request fails it fails after it.
    /// </summary>
    public static IReadOnlyList<string> Judge(FlawedProgram program, Mode mode, RunOutcome outcome, IReadOnlyList<FakeRequest> log, bool fallback = false)
    {
        var requests = log.Count;
        var violations = new List<string>();
        var answer = FakeModelServer.Answer;
        if (outcome.TimedOut)
        {
            violations.Add("hangs: no answer and no failure within the bound");
            return violations;
        }

        var expectation = mode.Expectation;
        var expectedRequests = mode.Requests(program);
        if (program.Emits && expectation != Expectation.Cancelled && FaultAfterOutput.Contains(mode.Name))
        {
            // Text was written before the fault: a retry would write it again, so the run must fail clearly instead.
            expectation = Expectation.ClearFailure;
            expectedRequests = 1;
        }

        if (fallback && mode.Name == "stream-broken")
        {
            expectation = Expectation.FullAnswer;
            expectedRequests += 1;
        }
        else if (fallback && mode.Name == "reset-always")
        {
            expectedRequests += program.SdkRequestsOnPersistentFailure; // the SDK retries the fallback's initial request itself
        }

        if (program.Emits && !(answer.StartsWith(outcome.Written, StringComparison.Ordinal)))
        {
            violations.Add("wrote \"" + outcome.Written + "\": not a prefix of the answer (duplicated or wrong text)");
        }

        switch (expectation)
        {
            case Expectation.FullAnswer:
                if (outcome.Answer != answer)
                {
                    violations.Add("expected the full answer, got " + outcome);
                }
                else if (program.Emits && outcome.Written != answer)
                {
                    violations.Add("returned the answer but wrote \"" + outcome.Written + "\"");
                }

                break;

            case Expectation.ClearFailure:
                if (outcome.Failure is null)
                {
                    violations.Add("expected a clear failure, got " + outcome);
                }
                else if (outcome.Failure is OperationCanceledException)
                {
                    violations.Add("failed with " + outcome.Failure.GetType().Name + ", which callers take for their own cancellation");
                }
                else if (!program.Emits && mode.Name is "reset-always" or "stream-broken" or "length" or "content-filter" && !IsPartial(outcome.PartialOutput))
                {
                    violations.Add("the text generated before the failure is not attached (Data[\"PartialOutput\"])");
                }

                break;

            case Expectation.Cancelled:
                if (outcome.Failure is not OperationCanceledException)
                {
                    violations.Add("expected OperationCanceledException for the caller's cancellation, got " + outcome);
                }
                else if (outcome.Elapsed > mode.CancelAfter!.Value + PromptCancellation)
                {
                    violations.Add("stopped " + (outcome.Elapsed - mode.CancelAfter!.Value).TotalSeconds.ToString("0.0") + " s after the cancellation");
                }

                break;
        }

        if (program.Logs)
        {
            violations.AddRange(JudgeLogging(mode, outcome, requests));
        }

        if (requests != expectedRequests)
        {
            violations.Add("made " + requests + " requests, expected " + expectedRequests);
        }
        else if (mode.Name == "reset-always" && requests > 1 && Backoff(log) is { } waited && (waited < LeastBackoff || waited > MostBackoff))
        {
            violations.Add("waited " + waited.TotalMilliseconds.ToString("0") + " ms in all between " + requests + " attempts: no backoff with jitter");
        }

        return violations;
    }

    /// <summary>
    /// Monitoring: a program whose client makes no retries of its own logs one warning per retry ("attempt 1" … "attempt
    /// n-1" for n requests) and, when the call fails for any reason but the caller's cancellation, one error with the last
    /// attempt's number; a run that succeeds at once logs nothing.
    /// </summary>
    private static IEnumerable<string> JudgeLogging(Mode mode, RunOutcome outcome, int requests)
    {
        var lines = outcome.Written.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var warnings = lines.Where(l => l.StartsWith("Warning: ", StringComparison.Ordinal)).ToList();
        var errors = lines.Where(l => l.StartsWith("Error: ", StringComparison.Ordinal)).ToList();
        var expectedWarnings = Enumerable.Range(1, Math.Max(0, requests - 1)).Select(n => "attempt " + n + ";").ToList();
        if (warnings.Count != expectedWarnings.Count || warnings.Zip(expectedWarnings, (w, e) => w.Contains(e, StringComparison.Ordinal)).Any(ok => !ok))
        {
            yield return "logged " + warnings.Count + " retry warnings (" + string.Join(" | ", warnings) + "), expected one per retry: " + expectedWarnings.Count;
        }

        var failedForReal = outcome.Failure is not null && !(mode.Expectation == Expectation.Cancelled && outcome.Failure is OperationCanceledException);
        if (failedForReal && (errors.Count != 1 || !errors[0].Contains("attempt " + requests + ";", StringComparison.Ordinal)))
        {
            yield return "logged " + errors.Count + " errors (" + string.Join(" | ", errors) + "), expected one for the final failure at attempt " + requests;
        }
        else if (!failedForReal && errors.Count > 0)
        {
            yield return "logged an error although the call " + (outcome.Failure is null ? "succeeded" : "was cancelled by the caller") + ": " + errors[0];
        }
    }

    /// <summary>The time between the end of each request and the start of the next, added up.</summary>
    private static TimeSpan? Backoff(IReadOnlyList<FakeRequest> log)
    {
        var total = TimeSpan.Zero;
        var ordered = log.OrderBy(r => r.Number).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i - 1].FinishedAt is not { } finished)
            {
                return null;
            }

            total += ordered[i].ReceivedAt - finished;
        }

        return total;
    }

    private static bool IsPartial(string? text)
        => text is { Length: > 0 } && FakeModelServer.Answer.StartsWith(text, StringComparison.Ordinal) && text != FakeModelServer.Answer;

    /// <summary>What the user got, in a few words.</summary>
    public static string Classify(RunOutcome outcome)
    {
        var answer = FakeModelServer.Answer;
        if (outcome.Failure is InvalidOperationException { Message: var message } && message.StartsWith("The fixed program does not compile", StringComparison.Ordinal))
        {
            return "does not compile";
        }

        if (outcome.TimedOut)
        {
            return "hangs";
        }

        if (outcome.Failure is { } failure)
        {
            return "fails: " + failure.GetType().Name + (outcome.PartialOutput is { Length: > 0 } ? ", partial kept" : string.Empty);
        }

        return outcome.Answer == answer ? "full answer"
            : outcome.Answer is { Length: > 0 } text && answer.StartsWith(text, StringComparison.Ordinal) ? "cut-off answer as complete"
            : outcome.Answer is { Length: 0 } ? "empty answer"
            : outcome.Answer is { } other && other.Contains(answer, StringComparison.Ordinal) ? "duplicated text"
            : "another answer (\"" + Shorten(outcome.Answer) + "\")";
    }

    private static string Shorten(string? text) => text is null ? "null" : text.Length <= 24 ? text : text.Substring(0, 21) + "...";
}
