namespace LlmStreaming.Analyzers;

/// <summary>
/// The base of every rule's analyzer: it owns <see cref="Initialize"/> (concurrent execution, no generated code, and the
/// no-SDK gate of <see cref="LlmAnalyzerSetup"/>), so that a rule writes only what it registers once a compilation may
/// have model traffic and its <see cref="LlmAnalysisContext"/> is built.
/// </summary>
public abstract class LlmAnalyzer : DiagnosticAnalyzer
{
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        LlmAnalyzerSetup.RegisterCompilationStart(context, Register);
    }

    /// <summary>Registers the rule's actions for a compilation that passed the gate.</summary>
    private protected abstract void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm);
}
