namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>What the fake server does wrong (or right) with one request.</summary>
public enum FaultKind
{
    /// <summary>The whole answer, a normal finish reason, and the format's end marker.</summary>
    Normal,

    /// <summary>TCP RST after <see cref="Fault.Tokens"/> content tokens.</summary>
    ResetAfter,

    /// <summary>
    /// TCP RST after the frames that come before the first token: the role chunk (OpenAI chat); message_start,
    /// content_block_start, ping (Anthropic); response.created, output_item.added, content_part.added (Responses);
    /// just the headers (Ollama, which has no such frame).
    /// </summary>
    ResetAfterRole,

    /// <summary>After <see cref="Fault.Tokens"/> tokens, a chunk is declared whole but only half sent; then FIN without the terminating chunk.</summary>
    Truncated,

    /// <summary>Every token, then a clean end of the body (terminating chunk) with no finish reason and no end marker.</summary>
    NoEnd,

    /// <summary>After <see cref="Fault.Tokens"/> tokens, the format's in-stream error event; then a clean end of the body.</summary>
    ErrorEvent,

    /// <summary>After <see cref="Fault.Tokens"/> tokens, the "out of tokens" finish (length / max_tokens / length) and a clean end.</summary>
    Length,

    /// <summary>After <see cref="Fault.Tokens"/> tokens, the content filter finish (content_filter / refusal) and a clean end.</summary>
    ContentFilter,

    /// <summary>After <see cref="Fault.Tokens"/> tokens, silence until the client goes away or the server's connection cap.</summary>
    Stall,

    /// <summary>Every token after <see cref="Fault.Delay"/>; completes normally.</summary>
    Slow,

    /// <summary>An HTTP error status with the API's JSON error body (429 and 5xx with retry headers).</summary>
    Status,
}

/// <summary>One request's behaviour. Build with the static members: <c>Fault.ResetAfter(3)</c>, <c>Fault.Status(429)</c>.</summary>
public sealed record Fault(FaultKind Kind, int Tokens = 0, int StatusCode = 0, TimeSpan? RetryAfter = null, TimeSpan Delay = default, bool StreamingOnly = false)
{
    public static Fault Normal { get; } = new(FaultKind.Normal);

    public static Fault ResetAfterRole { get; } = new(FaultKind.ResetAfterRole);

    public static Fault NoEnd { get; } = new(FaultKind.NoEnd);

    public static Fault ResetAfter(int tokens) => new(FaultKind.ResetAfter, Tokens: tokens);

    public static Fault Truncated(int tokens = 3) => new(FaultKind.Truncated, Tokens: tokens);

    public static Fault ErrorEvent(int tokens = 3) => new(FaultKind.ErrorEvent, Tokens: tokens);

    public static Fault Length(int tokens = 4) => new(FaultKind.Length, Tokens: tokens);

    public static Fault ContentFilter(int tokens = 2) => new(FaultKind.ContentFilter, Tokens: tokens);

    public static Fault Stall(int tokens = 2) => new(FaultKind.Stall, Tokens: tokens);

    public static Fault Slow(TimeSpan delay) => new(FaultKind.Slow, Delay: delay);

    /// <summary><paramref name="fault"/> for a streaming request; a non-streaming one is answered normally.</summary>
    public static Fault WhenStreaming(Fault fault) => fault with { StreamingOnly = true };

    /// <summary>An error status. <paramref name="retryAfter"/> null: the server's <see cref="FakeModelServer.RetryAfter"/> (for 429 and 5xx only).</summary>
    public static Fault Status(int code, TimeSpan? retryAfter = null) => new(FaultKind.Status, StatusCode: code, RetryAfter: retryAfter);

    public override string ToString() => (StreamingOnly ? "streaming: " : string.Empty) + Kind switch
    {
        FaultKind.Status => $"Status({StatusCode})",
        FaultKind.Slow => $"Slow({Delay.TotalMilliseconds} ms)",
        FaultKind.Normal or FaultKind.ResetAfterRole or FaultKind.NoEnd => Kind.ToString(),
        _ => $"{Kind}({Tokens})",
    };
}

/// <summary>Ready-made scripts for <see cref="FakeModelServer.Script"/> (the argument is the 1-based request number).</summary>
public static class FaultScript
{
    public static Func<int, Fault> Always(Fault fault) => _ => fault;

    /// <summary>Requests 1..<paramref name="count"/> get <paramref name="fault"/>, the rest are normal.</summary>
    public static Func<int, Fault> FailFirst(int count, Fault fault) => attempt => attempt <= count ? fault : Fault.Normal;

    /// <summary>Request i (1-based) gets faults[i-1]; past the end, normal.</summary>
    public static Func<int, Fault> Sequence(params Fault[] faults) => attempt => attempt <= faults.Length ? faults[attempt - 1] : Fault.Normal;
}
