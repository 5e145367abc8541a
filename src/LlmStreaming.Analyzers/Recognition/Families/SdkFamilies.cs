using LlmStreaming.Analyzers.Termination;

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

    /// <summary>The family of <paramref name="id"/>; null for hand-rolled, configured and unknown streams.</summary>
    public static SdkFamily? Get(LlmFamily id)
    {
        foreach (var family in All)
        {
            if (family.Id == id)
            {
                return family;
            }
        }

        return null;
    }

    /// <summary>The finish signal of <paramref name="kind"/> (the first family's that names it); null for <see cref="FinishSignalKind.None"/>.</summary>
    public static FinishSignalSpec? FinishSignal(FinishSignalKind kind)
        => All.SelectMany(f => f.FinishSignals).FirstOrDefault(s => s.Kind == kind);

    /// <summary>The in-stream error carried by the update type <paramref name="updateType"/> (its metadata name, as the family names it); null when none is.</summary>
    public static InStreamError? InStreamErrorOf(string updateType)
        => All.SelectMany(f => f.InStreamErrors).FirstOrDefault(e => e.UpdateType == updateType);
}
