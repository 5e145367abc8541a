using System.Collections.Immutable;
using System.Text;
using System.Threading;
using LlmStreaming.Analyzers.Tests.Conformance.Programs;
using LlmStreaming.CodeFixes.Combined;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>Every program, fixed every way, run in every mode against its own fake server; computed once per test run.</summary>
internal static class Matrix
{
    /// <summary>A run that has neither answered nor failed by then hangs.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Runs at once: they mostly wait (backoff, stalls), so more than the cores, but few enough that a loaded machine
    /// still answers a program's first request well within its 2 s timeouts.
    /// </summary>
    private const int Parallelism = 8;

    /// <summary>
    /// A run still going after this long is waiting, not working (a program that meets the contract answers or fails in a
    /// few seconds; past this, one that hangs on a stall nothing bounds waits out <see cref="Bound"/>): it gives its slot
    /// to the next run, so that the hangs do not hold a slot each for 20 s.
    /// </summary>
    private static readonly TimeSpan SlotHold = TimeSpan.FromSeconds(5);

    private static readonly Lazy<Task<ImmutableArray<Cell>>> Cells = new(ComputeAsync);

    public static Task<ImmutableArray<Cell>> GetAsync() => Cells.Value;

    private static async Task<ImmutableArray<Cell>> ComputeAsync()
    {
        // The fixes first, one at a time: they use the CPU, and the runs must not compete with them for it.
        var fixedPrograms = new List<FixedPrograms.Fixed>();
        foreach (var program in Corpus.All.Where(Selected))
        {
            foreach (var path in FixPaths.All)
            {
                fixedPrograms.Add(await FixedPrograms.GetAsync(program, path));
            }
        }

        using var gate = new SemaphoreSlim(Parallelism);
        var runs = new List<Task<Cell>>();
        foreach (var fixedProgram in fixedPrograms)
        {
            foreach (var mode in Modes.All.Where(m => m.NotApplicable(fixedProgram.Program) is null))
            {
                runs.Add(RunCellAsync(fixedProgram, mode, gate));
            }
        }

        var cells = (await Task.WhenAll(runs)).ToList();

        // A fixed program's cell that breaks the contract where no known gap says it does is run again, alone: the
        // contract judges time (a cancellation heeded within 1.5 s, a backoff, a 2 s stall), and eight runs beside the
        // test process's own work on 2 cores have once made a program that heeds a cancellation at once stop 1.8 s late. A
        // program that really breaks the contract breaks it alone too, and that run is the verdict; the first verdict is kept
        // in Confirmations, so that the run says what it confirmed.
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            if (cell.Path != FixPaths.Original && !cell.Meets && KnownGaps.Find(cell) is null)
            {
                using var alone = new SemaphoreSlim(1);
                var again = await RunCellAsync(fixedPrograms.Single(f => f.Program == cell.Program && f.Path == cell.Path), cell.Mode, alone);
                ConfirmationLog.Enqueue($"{cell.Program.Name} / {cell.Path.Name} / {cell.Mode.Name}: {string.Join("; ", cell.Violations)}; run alone: {(again.Meets ? "meets the contract" : string.Join("; ", again.Violations))}");
                cells[i] = again;
            }
        }

        return cells.ToImmutableArray();
    }

    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> ConfirmationLog = new();

    /// <summary>The cells that broke the contract beside the other runs and were run again alone, with both verdicts.</summary>
    public static IReadOnlyCollection<string> Confirmations => ConfirmationLog;

    /// <summary>
    /// A debugging aid: <c>LLM_CONFORMANCE_PROGRAMS="ollama betalgo"</c> runs only those programs (the page must then not
    /// be regenerated from the run).
    /// </summary>
    private static bool Selected(FlawedProgram program)
        => Environment.GetEnvironmentVariable("LLM_CONFORMANCE_PROGRAMS") is not { Length: > 0 } names
            || names.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(program.Name);

    private static async Task<Cell> RunCellAsync(FixedPrograms.Fixed fixedProgram, Mode mode, SemaphoreSlim gate)
    {
        var (program, path) = (fixedProgram.Program, fixedProgram.Path);
        if (fixedProgram.Image is null)
        {
            var error = fixedProgram.Errors.FirstOrDefault() ?? "no image";
            var outcome = new RunOutcome(null, new InvalidOperationException("The fixed program does not compile: " + error), string.Empty, TimeSpan.Zero, TimedOut: false);
            return new Cell(program, path, mode, outcome, 0, new[] { "the fixed program does not compile: " + error });
        }

        await gate.WaitAsync();
        var released = 0;
        void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }

        try
        {
            await using var server = new FakeModelServer { Script = mode.Script, ConnectionTimeout = Bound + TimeSpan.FromSeconds(5) };
            var run = ProgramHost.RunAsync(fixedProgram.Image, server.BaseUrl, Bound, mode.CancelAfter);
            if (await Task.WhenAny(run, Task.Delay(SlotHold)) != run)
            {
                Release();
            }

            var outcome = await run;
            var log = server.Requests;
            var fallback = fixedProgram.Source.Contains(NonStreamingFallback.Marker, StringComparison.Ordinal);
            return new Cell(program, path, mode, outcome, log.Count, Contract.Judge(program, mode, outcome, log, fallback));
        }
        finally
        {
            Release();
        }
    }

    public const string BeginMarker = "<!-- matrix:begin (generated by the conformance suite: LLM_UPDATE_CONFORMANCE=1 dotnet test --filter Conformance) -->";
    public const string EndMarker = "<!-- matrix:end -->";

    /// <summary>The known gaps as Markdown: each reason with the cells it covers.</summary>
    /// <summary>A cell whose mode cannot happen to the program's provider.</summary>
    public const string NotApplicableMark = "— n/a";

    /// <summary>The known gaps (to mend), the limits (promises no fix can keep), the decisions and the cells not run, as Markdown.</summary>
    public static string GapsToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("#### Known gaps (to mend)\n\n");
        AppendGaps(text, KnownGaps.All.Where(g => g.Kind == KnownGaps.GapKind.ToMend), "None.\n");
        text.Append("\n#### Limits: promises no fix can keep\n\n");
        AppendGaps(text, KnownGaps.All.Where(g => g.Kind == KnownGaps.GapKind.Limit), "None.\n");
        text.Append("\n#### Decisions: code the rules accept, left as it is by a single rule's fix\n\n");
        AppendGaps(text, KnownGaps.All.Where(g => g.Kind == KnownGaps.GapKind.Decision), "None.\n");
        text.Append("\n#### Not applicable\n\n");
        foreach (var mode in Modes.All)
        {
            var programs = Corpus.All.Where(p => mode.NotApplicable(p) is not null).ToList();
            foreach (var reason in programs.GroupBy(p => mode.NotApplicable(p)!))
            {
                text.Append("- ").Append(mode.Name).Append(" for ").Append(string.Join(", ", reason.Select(p => "`" + p.Name + "`"))).Append(": ").Append(reason.Key).Append(".\n");
            }
        }

        return text.ToString();
    }

    private static void AppendGaps(StringBuilder text, IEnumerable<KnownGaps.Gap> gaps, string none)
    {
        var any = false;
        foreach (var reason in gaps.GroupBy(g => g.Reason))
        {
            any = true;
            text.Append("- ").Append(reason.Key).Append(": ");
            text.Append(string.Join("; ", reason.Select(g => "`" + g.Programs + "` × " + g.Paths + " × " + g.Modes))).Append(".\n");
        }

        if (!any)
        {
            text.Append(none);
        }
    }

    /// <summary>The matrix as Markdown: per program, a row per mode and a column per fix path.</summary>
    public static string ToMarkdown(ImmutableArray<Cell> cells)
    {
        var text = new StringBuilder();
        foreach (var program in Corpus.All.Where(Selected))
        {
            text.Append("### `").Append(program.Name).Append("`: ").Append(program.Description).Append("\n\n");
            text.Append("| mode |");
            foreach (var path in FixPaths.All)
            {
                text.Append(' ').Append(path.Name).Append(" |");
            }

            text.Append("\n|---|");
            foreach (var _ in FixPaths.All)
            {
                text.Append("---|");
            }

            text.Append('\n');
            foreach (var mode in Modes.All)
            {
                text.Append("| ").Append(mode.Name).Append(" |");
                foreach (var path in FixPaths.All)
                {
                    if (mode.NotApplicable(program) is not null)
                    {
                        text.Append(' ').Append(NotApplicableMark).Append(" |");
                        continue;
                    }

                    var cell = cells.Single(c => c.Program == program && c.Path == path && c.Mode == mode);
                    text.Append(' ').Append(cell.Meets ? "✅ " : "❌ ").Append(cell.Summary).Append(" |");
                }

                text.Append('\n');
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
