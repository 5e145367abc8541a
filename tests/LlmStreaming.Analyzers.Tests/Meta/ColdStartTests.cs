using System.Reflection;
using System.Runtime.CompilerServices;
using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// What the package costs a cold compiler process (docs/performance.md, the ninth re-measure). A build that does not use
/// the compiler server JIT-compiles every method of the package it reaches, and each collection, query or cache the
/// package keeps of one of its own value types is compiled once more for that type: the runtime shares one compiled
/// copy of generic code among reference types only. With the catalogue's entries and five other structs made classes
/// (and the catalogue's immutable dictionaries made plain ones), the benchmark's cold build compiled 116 methods of
/// generic library code for the package instead of 566. This guard keeps the package's own types references.
/// </summary>
public class ColdStartTests
{
    [Fact]
    public void ThePackageDeclaresNoValueTypesButEnums()
    {
        var structs = PackageCatalog.AnalyzerAssembly.GetTypes()
            .Where(t => t.IsValueType && !t.IsEnum && !IsCompilerGenerated(t))
            .Select(t => t.FullName)
            .ToList();

        Assert.True(structs.Count == 0, "Value types in the analyzer assembly (make each a sealed class or record): " + string.Join(", ", structs));
    }

    private static bool IsCompilerGenerated(Type type)
        => type.GetCustomAttribute<CompilerGeneratedAttribute>() is not null
            || type.Name.StartsWith('<')
            || type.DeclaringType is { } outer && IsCompilerGenerated(outer);
}
