using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>What one run of a program did: the answer it returned, or the exception it threw, and what it wrote out.</summary>
internal sealed record RunOutcome(string? Answer, Exception? Failure, string Written, TimeSpan Elapsed, bool TimedOut)
{
    /// <summary>The partial text the failure carries (<c>Data["PartialOutput"]</c>, on it or an inner exception).</summary>
    public string? PartialOutput
    {
        get
        {
            for (var exception = Failure; exception is not null; exception = exception.InnerException)
            {
                if (exception.Data["PartialOutput"] is string partial)
                {
                    return partial;
                }
            }

            return null;
        }
    }

    public override string ToString()
        => TimedOut ? "timed out after " + Elapsed.TotalSeconds.ToString("0.0") + " s"
            : Failure is not null ? Failure.GetType().Name + ": " + Failure.Message + (PartialOutput is { } partial ? " [partial: \"" + partial + "\"]" : string.Empty)
            : "answer \"" + Answer + "\"";
}

/// <summary>
/// Loads a compiled program into a collectible load context (the SDK assemblies come from the test process) and runs its
/// entry, <c>ConformanceEntry.RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)</c>, bounded in time.
/// </summary>
internal static class ProgramHost
{
    public const string EntryType = "ConformanceEntry";
    public const string EntryMethod = "RunAsync";

    /// <summary>
    /// Runs the entry once. <paramref name="cancelAfter"/> cancels the caller's token after that time (the user cancels);
    /// past <paramref name="bound"/> the run is abandoned (its token is cancelled) and reported as timed out.
    /// </summary>
    public static async Task<RunOutcome> RunAsync(byte[] image, string baseUrl, TimeSpan bound, TimeSpan? cancelAfter = null)
    {
        var context = new AssemblyLoadContext("conformance-program", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(new MemoryStream(image));
            var entry = assembly.GetType(EntryType)?.GetMethod(EntryMethod, BindingFlags.Public | BindingFlags.Static)
                ?? throw new InvalidOperationException("The program has no public static " + EntryType + "." + EntryMethod);
            using var caller = new CancellationTokenSource();
            if (cancelAfter is { } after)
            {
                caller.CancelAfter(after);
            }

            var output = new StringWriter();
            var stopwatch = Stopwatch.StartNew();
            Task<string> run;
            try
            {
                // Start on a thread of its own: a synchronous program blocks the thread it runs on (its reads, its
                // backoff), and eight of them on thread-pool threads starved the pool that the fake server and every
                // timer run on, so that a 150 ms token arrived after the 2 s idle timeout on a 2-core machine.
                run = Task.Factory.StartNew(
                    () => (Task<string>)entry.Invoke(null, new object[] { baseUrl, TextWriter.Synchronized(output), caller.Token })!,
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default).Unwrap();
            }
            catch (TargetInvocationException invocation) when (invocation.InnerException is { } inner)
            {
                return new RunOutcome(null, inner, output.ToString(), stopwatch.Elapsed, TimedOut: false);
            }

            var finished = await Task.WhenAny(run, Task.Delay(bound));
            if (finished != run)
            {
                caller.Cancel();
                // Give the abandoned run a moment to notice, so that it does not outlive the test by much.
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(2)));
                return new RunOutcome(null, null, output.ToString(), stopwatch.Elapsed, TimedOut: true);
            }

            try
            {
                var answer = await run;
                return new RunOutcome(answer, null, output.ToString(), stopwatch.Elapsed, TimedOut: false);
            }
            catch (Exception exception)
            {
                return new RunOutcome(null, exception is TargetInvocationException { InnerException: { } inner } ? inner : exception, output.ToString(), stopwatch.Elapsed, TimedOut: false);
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
