using System.Collections.Concurrent;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The cache every method summary keeps: one answer per symbol for the compilation, computed lazily and once
/// (concurrent askers wait for the first), with a count of the answers computed, which tests use to guard "once per
/// method per compilation". A summary that follows methods below another asks <see cref="TryGetKept"/> first: a kept
/// whole-depth answer serves; a partial one (less depth left) is computed apart and never kept.
/// </summary>
internal sealed class SummaryCache<TSymbol, TValue>
    where TSymbol : class, ISymbol
{
    private readonly ConcurrentDictionary<TSymbol, Lazy<TValue>> _answers = new(SymbolEqualityComparer.Default);
    private int _computedCount;

    /// <summary>How many answers have been computed and kept.</summary>
    public int ComputedCount => Volatile.Read(ref _computedCount);

    /// <summary>The kept answer for <paramref name="symbol"/>, computed by <paramref name="compute"/> the first time.</summary>
    public TValue Get(TSymbol symbol, Func<TSymbol, TValue> compute)
        => _answers.GetOrAdd(symbol, s => new Lazy<TValue>(
            () =>
            {
                Interlocked.Increment(ref _computedCount);
                return compute(s);
            },
            LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>True, with the answer, when one has been computed and kept for <paramref name="symbol"/>.</summary>
    public bool TryGetKept(TSymbol symbol, out TValue value)
    {
        if (_answers.TryGetValue(symbol, out var kept) && kept.IsValueCreated)
        {
            value = kept.Value;
            return true;
        }

        value = default!;
        return false;
    }
}
