using System;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers;

/// <summary>The common start of every analyzer: one compilation-start gate on the shared recognition context.</summary>
internal static class LlmAnalyzerSetup
{
    /// <summary>
    /// Registers <paramref name="register"/> for each compilation in which a model SDK or System.Net.Http is in play;
    /// registers nothing otherwise. (Each analyzer enables concurrent execution and excludes generated code itself.)
    /// </summary>
    public static void RegisterCompilationStart(AnalysisContext context, Action<CompilationStartAnalysisContext, LlmAnalysisContext> register)
    {
        context.RegisterCompilationStartAction(start =>
        {
            var llm = LlmAnalysisContext.Get(start.Compilation);
            if (llm is not null)
            {
                register(start, llm);
            }
        });
    }
}
