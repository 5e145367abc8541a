using System.Collections.Immutable;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>The recognised SDK families: adding one is a subclass of <see cref="SdkFamily"/> and its line here.</summary>
internal static class SdkFamilies
{
    /// <summary>Every family, in the order they are asked (the first whose update type matches wins).</summary>
    public static readonly ImmutableArray<SdkFamily> All = ImmutableArray.Create<SdkFamily>(
        new OpenAIFamily(),
        new ExtensionsAIFamily(),
        new SemanticKernelFamily(),
        new AnthropicFamily(),
        new OllamaFamily(),
        new BetalgoFamily(),
        new AgentFrameworkFamily(),
        new AzureAIInferenceFamily());

    private static readonly ImmutableDictionary<LlmFamily, SdkFamily> ById = All.ToImmutableDictionary(f => f.Id);

    /// <summary>The family of <paramref name="id"/>; null for hand-rolled, configured and unknown streams.</summary>
    public static SdkFamily? Get(LlmFamily id) => ById.TryGetValue(id, out var family) ? family : null;
}
