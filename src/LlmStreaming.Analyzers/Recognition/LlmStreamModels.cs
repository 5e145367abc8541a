namespace LlmStreaming.Analyzers.Recognition;

/// <summary>How the enumerated value reached the loop.</summary>
internal enum StreamOrigin
{
    /// <summary>The loop (or a local it reads) calls the streaming method itself: the loop owns the request.</summary>
    Call,

    /// <summary>A parameter, field or property of a stream type: someone else started it.</summary>
    Received,
}

/// <summary>
/// The shapes of stream loops a rule asks for. <see cref="Direct"/> is what every rule sees: a loop over an SDK stream
/// or a hand-rolled read loop in the method itself. The cross-method shapes are opted into, rule by rule, where the
/// rule's logic holds on them.
/// </summary>
[System.Flags]
internal enum StreamShapes
{
    /// <summary>A <c>foreach</c> over an SDK stream, or a hand-rolled read loop.</summary>
    Direct = 1,

    /// <summary>
    /// A <c>foreach</c> over a call of a source method that returns a model text stream (it enumerates an SDK stream, or
    /// reads its own model response by hand, and yields the updates' text): see <see cref="MethodSummaries"/>.
    /// </summary>
    Wrapper = 2,

    /// <summary><c>while (await e.MoveNextAsync())</c> over the enumerator of an SDK stream.</summary>
    ManualEnumeration = 4,

    /// <summary>Every shape above (not <see cref="ParameterFed"/>, which a rule asks for by name).</summary>
    All = Direct | Wrapper | ManualEnumeration,

    /// <summary>
    /// A hand-rolled read loop of a parser that gets the reader, stream or response as a parameter, which a caller
    /// of this compilation hands a model response (see <see cref="ModelStreamParameters"/>).
    /// </summary>
    ParameterFed = 8,
}

/// <summary>A value recognised as a model stream.</summary>
/// <param name="Family">The SDK family of the stream.</param>
/// <param name="Origin">Where the stream comes from.</param>
/// <param name="Call">The call that starts the stream, when it is visible.</param>
/// <param name="ElementType">The update type (<c>T</c> of the stream), when known.</param>
/// <param name="Wrapper">When <see cref="Call"/> calls a source method that returns a model text stream: its summary (the SDK stream it enumerates, and through how many methods). Null for an SDK stream.</param>
internal sealed record LlmStreamSource(LlmFamily Family, StreamOrigin Origin, IInvocationOperation? Call, ITypeSymbol? ElementType, ModelTextStream? Wrapper = null)
{
    /// <summary>The name to show in a message: the streaming method's name, else the update type's.</summary>
    public string DisplayName => Call?.TargetMethod.Name ?? ElementType?.Name ?? "stream";
}

internal enum LlmStreamKind
{
    /// <summary>A <c>foreach</c>/<c>await foreach</c> over an SDK stream.</summary>
    Sdk,

    /// <summary>A loop reading an HTTP response body line by line (or with SseParser) that carries a model signal.</summary>
    HandRolled,
}

/// <summary>Facts about a hand-rolled stream loop.</summary>
/// <param name="IsSse">Lines are matched against <c>data:</c> (or read by SseParser); false for NDJSON.</param>
/// <param name="UsesSseParser">The loop enumerates <c>SseParser</c> items instead of reading lines.</param>
/// <param name="Reads">The <c>ReadLine</c>/<c>ReadLineAsync</c> calls of the loop (empty with SseParser).</param>
/// <param name="LineVariable">The local that receives each line (or the SseParser item), when there is one.</param>
/// <param name="JsonParses">JSON parse calls inside the loop (<c>JsonSerializer.Deserialize</c>, <c>JsonDocument.Parse</c>…).</param>
/// <param name="SplitsBufferedBody">A foreach over the lines of a body read whole (<c>ReadAsStringAsync()</c>, then <c>Split('\n')</c>): parsed like a stream, and like one it ends when the lines run out, with or without the terminal marker.</param>
/// <param name="FedBy">The caller that hands the loop's parser a model response (a <see cref="StreamShapes.ParameterFed"/> loop), else null.</param>
internal sealed record HandRolledStream(bool IsSse, bool UsesSseParser, ImmutableArray<IInvocationOperation> Reads, ILocalSymbol? LineVariable, ImmutableArray<IInvocationOperation> JsonParses, bool SplitsBufferedBody = false, string? FedBy = null)
{
    /// <summary>The loop is a foreach whose enumeration ends at the end of the body (SseParser, or the lines of a split body).</summary>
    public bool EndsWithEnumeration => UsesSseParser || SplitsBufferedBody;
}

/// <summary>A loop that enumerates a model stream.</summary>
/// <param name="Loop">The loop.</param>
/// <param name="Kind">An SDK stream or a hand-rolled read loop.</param>
/// <param name="Family">The SDK family (<see cref="LlmFamily.HandRolled"/> for a read loop).</param>
/// <param name="Source">The SDK stream (null for hand-rolled loops).</param>
/// <param name="IterationVariable">The foreach variable (SDK loops), the line variable (hand-rolled loops), or the local a loop driven by hand initialises from <c>e.Current</c>.</param>
/// <param name="ElementType">The update type of an SDK loop.</param>
/// <param name="HandRolled">The facts of a hand-rolled loop (null for an SDK loop).</param>
/// <param name="Enumerator">The enumerator local of a loop driven by hand (<c>while (await e.MoveNextAsync())</c>), else null.</param>
internal sealed record LlmStreamLoop(ILoopOperation Loop, LlmStreamKind Kind, LlmFamily Family, LlmStreamSource? Source, ILocalSymbol? IterationVariable, ITypeSymbol? ElementType, HandRolledStream? HandRolled, ILocalSymbol? Enumerator = null)
{
    /// <summary>Which shape the loop is (a loop has exactly one).</summary>
    public StreamShapes Shape => Enumerator is not null ? StreamShapes.ManualEnumeration
        : Source?.Wrapper is not null ? StreamShapes.Wrapper
        : HandRolled?.FedBy is not null ? StreamShapes.ParameterFed
        : StreamShapes.Direct;

    /// <summary>The name of the stream: the SDK call's name, <c>SseParser</c>, or a description of a hand-rolled body.</summary>
    public string DisplayName => Source?.DisplayName
        ?? (HandRolled?.FedBy is { } caller ? "the model response '" + caller + "' hands in"
        : HandRolled?.UsesSseParser == true ? "SseParser" : "the response body");

    /// <summary>
    /// The stream as a message shows it: code quoted (<c>'GetStreamingResponseAsync'</c>, <c>'SseParser'</c>), prose not
    /// (<c>the response body</c>). Message formats insert it without quotes of their own.
    /// </summary>
    public string MessageName => Source is not null || HandRolled is { UsesSseParser: true, FedBy: null } ? "'" + DisplayName + "'" : DisplayName;

    /// <summary>The loop's body.</summary>
    public IOperation Body => Loop.Body;
}
