using System.Collections.Concurrent;

namespace LlmStreaming.Analyzers.Relays;

/// <summary>How the relay rules visit the loops of a compilation.</summary>
internal static class RelayLoops
{
    /// <summary>
    /// The stream loops a relay rule looks at: a model stream enumerated in the relay itself, or a call of a service
    /// method whose summary says it returns a model text stream (<see cref="MethodSummaries.ReturnedTextStream"/>).
    /// </summary>
    public const StreamShapes Shapes = StreamShapes.Direct | StreamShapes.Wrapper;

    /// <summary>
    /// Calls <paramref name="analyze"/> on every loop of every body, and reports what it found at the end of the body:
    /// a relay's finding is often on code before or around the loop (the call that starts the stream, the catch around
    /// it), and a diagnostic must lie within the node its action analysed.
    /// </summary>
    public static void RegisterReportedPerBody(CompilationStartAnalysisContext start, Action<OperationAnalysisContext, ConcurrentQueue<Diagnostic>> analyze)
        => start.RegisterOperationBlockStartAction(block =>
        {
            var found = new ConcurrentQueue<Diagnostic>();
            block.RegisterOperationAction(c => analyze(c, found), OperationKind.Loop);
            block.RegisterOperationBlockEndAction(end =>
            {
                foreach (var diagnostic in found)
                {
                    end.ReportDiagnostic(diagnostic);
                }
            });
        });
}
