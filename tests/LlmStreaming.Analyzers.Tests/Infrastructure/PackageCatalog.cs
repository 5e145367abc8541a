using System.Collections.Immutable;
using System.Reflection;
using LlmStreaming.CodeFixes.PartialOutput;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Tests.Infrastructure;

/// <summary>What the package ships, found by reflection: every analyzer, every fixer, every descriptor.</summary>
internal static class PackageCatalog
{
    public static readonly Assembly AnalyzerAssembly = typeof(Descriptors).Assembly;

    public static readonly Assembly CodeFixAssembly = typeof(DeltaOverwritesTextCodeFix).Assembly;

    public static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = AnalyzerAssembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static readonly ImmutableArray<CodeFixProvider> CodeFixes = CodeFixAssembly.GetTypes()
        .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    /// <summary>The public static descriptor fields of <see cref="Descriptors"/>.</summary>
    public static readonly ImmutableArray<DiagnosticDescriptor> Descriptors = typeof(Descriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToImmutableArray();
}
