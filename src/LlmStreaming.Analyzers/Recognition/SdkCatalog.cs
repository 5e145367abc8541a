using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The union of the recognised SDK families' facts (<see cref="SdkFamilies"/>, one file each): which methods start a
/// model stream, which types are their streaming updates, which methods aggregate a stream. Matched by symbol (type
/// metadata name + member name), never by text.
/// </summary>
internal static class SdkCatalog
{
    internal sealed class StreamingMethod
    {
        public StreamingMethod(string typeMetadataName, string methodName, LlmFamily family)
        {
            TypeMetadataName = typeMetadataName;
            MethodName = methodName;
            Family = family;
        }

        public string TypeMetadataName { get; }
        public string MethodName { get; }
        public LlmFamily Family { get; }
    }

    /// <summary>Methods that start a model stream. The type may be an interface or a base class: implementations and overrides match too.</summary>
    public static readonly ImmutableArray<StreamingMethod> StreamingMethods = SdkFamilies.All
        .SelectMany(f => f.StreamingMethods.Select(m => new StreamingMethod(m.TypeMetadataName, m.MethodName, f.Id)))
        .ToImmutableArray();

    internal sealed class UpdateType
    {
        public UpdateType(string metadataName, LlmFamily family)
        {
            MetadataName = metadataName;
            Family = family;
        }

        public string MetadataName { get; }
        public LlmFamily Family { get; }
    }

    /// <summary>The element types of the SDKs' streams (and their bases): a method returning a stream of these is a model stream.</summary>
    public static readonly ImmutableArray<UpdateType> UpdateTypes = SdkFamilies.All
        .SelectMany(f => f.UpdateTypes.Select(t => new UpdateType(t, f.Id)))
        .ToImmutableArray();

    /// <summary>
    /// Methods that enumerate a whole stream into one result (they count as an enumeration of their stream argument).
    /// </summary>
    public static readonly ImmutableArray<(string TypeMetadataName, string MethodName)> Aggregators = SdkFamilies.All
        .SelectMany(f => f.Aggregators.Select(a => (a.TypeMetadataName, a.MethodName)))
        .ToImmutableArray();

    /// <summary>The names of <see cref="Aggregators"/> (<c>StreamRecognizer.TryGetAggregation</c> answers null at a call of any other name).</summary>
    public static readonly ImmutableArray<string> AggregatorNames = Aggregators.Select(a => a.MethodName).Distinct(StringComparer.Ordinal).ToImmutableArray();

    /// <summary>The names of the aggregators that never throw on a stream without its end (their result's finish reason must be read).</summary>
    public static readonly ImmutableHashSet<string> AggregatorsThatAcceptACutStream = SdkFamilies.All
        .SelectMany(f => f.Aggregators.Where(a => !a.ThrowsOnMissingEnd).Select(a => a.MethodName))
        .ToImmutableHashSet();

    /// <summary>The namespaces of the SDKs' types (an <c>HttpClient</c> handed to one of them serves model traffic).</summary>
    public static readonly ImmutableArray<string> Namespaces = SdkFamilies.All.SelectMany(f => f.Namespaces).Distinct().ToImmutableArray();

    /// <summary>Wrappers that keep the stream they are called on: <c>WithCancellation</c>, <c>ConfigureAwait</c>.</summary>
    public static readonly ImmutableHashSet<string> PassThroughWrappers = ImmutableHashSet.Create("WithCancellation", "ConfigureAwait");
}
