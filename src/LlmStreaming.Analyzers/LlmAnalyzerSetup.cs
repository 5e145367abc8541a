namespace LlmStreaming.Analyzers;

/// <summary>The common start of every analyzer: one compilation-start gate on the shared recognition context.</summary>
internal static class LlmAnalyzerSetup
{
    /// <summary>
    /// Registers <paramref name="register"/> for each compilation in which a model SDK is referenced, or System.Net.Http
    /// with some sign of model traffic in the sources or options (<see cref="ModelTrafficScan.MayHaveModelTraffic"/>);
    /// registers nothing otherwise. (Each analyzer enables concurrent execution and excludes generated code itself.)
    /// </summary>
    public static void RegisterCompilationStart(AnalysisContext context, Action<CompilationStartAnalysisContext, LlmAnalysisContext> register)
    {
        context.RegisterCompilationStartAction(start =>
        {
            // The gate first: an ordinary project (no SDK, no sign of model traffic) builds no context at all.
            if (!ModelTrafficScan.MayHaveModelTraffic(start.Compilation, start.Options, start.CancellationToken))
            {
                return;
            }

            var llm = LlmAnalysisContext.Get(start.Compilation);
            if (llm is not null)
            {
                register(start, llm);
            }
        });
    }
}
