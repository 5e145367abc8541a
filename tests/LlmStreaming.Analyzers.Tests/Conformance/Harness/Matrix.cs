using System.Collections.Immutable;
using System.Text;
using System.Threading;
using LlmStreaming.Analyzers.Tests.Conformance.Programs;

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

    private static readonly Lazy<Task<ImmutableArray<Cell>>> Cells = new(ComputeAsync);

    public static Task<ImmutableArray<Cell>> GetAsync() => Cells.Value;

    private static async Task<ImmutableArray<Cell>> ComputeAsync()
    {
        // The fixes first, one at a time: they use the CPU, and the runs must not compete with them for it.
        var fixedPrograms = new List<FixedPrograms.Fixed>();
        foreach (var program in Corpus.All)
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
            foreach (var mode in Modes.All)
            {
                runs.Add(RunCellAsync(fixedProgram, mode, gate));
            }
        }

        return (await Task.WhenAll(runs)).ToImmutableArray();
    }

    private static async Task<Cell> RunCellAsync(FixedPrograms.Fixed fixedProgram, Mode mode, SemaphoreSlim gate)
    {
        var (program, path) = (fixedProgram.Program, fixedProgram.Path);
        await gate.WaitAsync();
        try
        {
            await using var server = new FakeModelServer { Script = mode.Script, ConnectionTimeout = Bound + TimeSpan.FromSeconds(5) };
            var outcome = await ProgramHost.RunAsync(fixedProgram.Image, server.BaseUrl, Bound, mode.CancelAfter);
            var requests = server.RequestCount;
            return new Cell(program, path, mode, outcome, requests, Contract.Judge(program, mode, outcome, requests));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The matrix as Markdown: per program, a row per mode and a column per fix path.</summary>
    public static string ToMarkdown(ImmutableArray<Cell> cells)
    {
        var text = new StringBuilder();
        foreach (var program in Corpus.All)
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
