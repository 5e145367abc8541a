namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The names of the assemblies that hold the catalogue's types, as prefixes (a name matches when it is one of these or
/// starts with one and a dot: "Microsoft.Extensions.AI.Abstractions"). A compilation that references none of them, and is
/// none of them, has none of the SDKs: the check needs no type lookup (<see cref="LlmAnalysisContext.ReferencesAnSdk"/>).
/// </summary>
/// <remarks>
/// The union of every family's <see cref="Families.SdkFamily.AssemblyNamePrefixes"/>, written out here so that the gate of
/// an ordinary project never builds the families and the catalogue: the analyzers are loaded afresh for each build, and
/// building every family's tables was more than half of what the gate cost a project with no SDK. A test holds the two
/// equal.
/// </remarks>
internal static class SdkAssemblyNames
{
    public static readonly ImmutableArray<string> Prefixes = ImmutableArray.Create(
        "OpenAI",
        "Microsoft.Extensions.AI",
        "Microsoft.SemanticKernel",
        "Anthropic",
        "OllamaSharp",
        "Betalgo.Ranul.OpenAI",
        "Microsoft.Agents.AI",
        "Azure.AI.Inference");

    /// <summary>True when <paramref name="assemblyName"/> is the name of an assembly that may hold the catalogue's types.</summary>
    public static bool IsSdkAssemblyName(string? assemblyName)
    {
        if (assemblyName is null)
        {
            return false;
        }

        foreach (var prefix in Prefixes)
        {
            if (assemblyName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && (assemblyName.Length == prefix.Length || assemblyName[prefix.Length] == '.'))
            {
                return true;
            }
        }

        return false;
    }
}
