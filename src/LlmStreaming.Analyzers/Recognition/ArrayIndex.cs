namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Indexes the package builds once and only reads after (a catalogue by method name, the traffic scan's words by
/// anchor): plain dictionaries of arrays. Immutable dictionaries or LINQ groupings of tuples would make every cold
/// compiler process JIT-compile that library code for those tuples first (docs/performance.md, ninth re-measure).
/// </summary>
internal static class ArrayIndex
{
    /// <summary>Adds <paramref name="item"/> at the end of <paramref name="key"/>'s array.</summary>
    public static void Append<TKey, T>(Dictionary<TKey, T[]> index, TKey key, T item)
        where TKey : notnull
    {
        index.TryGetValue(key, out var items);
        var grown = new T[(items?.Length ?? 0) + 1];
        items?.CopyTo(grown, 0);
        grown[grown.Length - 1] = item;
        index[key] = grown;
    }
}
