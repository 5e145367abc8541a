using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The one place the analyzers look a type up by its metadata name, once per compilation and name: the type tables
/// (<see cref="KnownTypes"/>, <c>RetryTypes</c>, the relay recogniser's), the families' tables (through
/// <see cref="LlmAnalysisContext.Resolve{T}"/>) and the no-SDK gate all ask it. One instance per compilation, kept
/// weakly on it like <see cref="LlmAnalysisContext"/> (which the gate runs before, and code fixes may run without).
/// </summary>
internal sealed class TypeResolver
{
    private static readonly ConditionalWeakTable<Compilation, TypeResolver> Instances = new();

    private readonly ConcurrentDictionary<string, INamedTypeSymbol?> _types = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ImmutableArray<INamedTypeSymbol>> _allTypes = new(StringComparer.Ordinal);
    private readonly Func<string, INamedTypeSymbol?> _lookUp;
    private readonly Func<string, ImmutableArray<INamedTypeSymbol>> _lookUpAll;

    private TypeResolver(Compilation compilation)
    {
        _lookUp = compilation.GetTypeByMetadataName;
        _lookUpAll = compilation.GetTypesByMetadataName;
        String = compilation.GetSpecialType(SpecialType.System_String);
    }

    /// <summary><see cref="string"/>.</summary>
    public INamedTypeSymbol String { get; }

    /// <summary>The resolver of <paramref name="compilation"/>.</summary>
    public static TypeResolver Get(Compilation compilation) => Instances.GetValue(compilation, static c => new TypeResolver(c));

    /// <summary>
    /// The type of that name: the compilation's own, else the one referenced assembly's; null when it is absent, or when
    /// several referenced assemblies declare it (Roslyn's <c>GetTypeByMetadataName</c>).
    /// </summary>
    public INamedTypeSymbol? Type(string metadataName)
        => _types.TryGetValue(metadataName, out var type) ? type : _types.GetOrAdd(metadataName, _lookUp);

    /// <summary>Every type of that name, in the compilation and every referenced assembly (Roslyn's <c>GetTypesByMetadataName</c>).</summary>
    public ImmutableArray<INamedTypeSymbol> Types(string metadataName)
        => _allTypes.TryGetValue(metadataName, out var types) ? types : _allTypes.GetOrAdd(metadataName, _lookUpAll);
}
