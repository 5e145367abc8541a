using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>
/// Everything the rules and fixes know about one SDK, in one place: its assemblies, its streaming methods and their
/// non-streaming twins, its update types, its aggregators, its finish signal, its transient failures and where it takes
/// an <c>HttpClient</c>. One subclass per family (<c>Recognition/Families/*Family.cs</c>); <see cref="SdkFamilies.All"/>
/// lists them and <see cref="SdkCatalog"/> is their union. A question a family cannot answer is named in
/// <see cref="NotApplicable"/> with the reason; a meta test fails on any other empty answer.
/// </summary>
internal abstract class SdkFamily
{
    /// <summary>The family's identity, carried by every recognised stream.</summary>
    public abstract LlmFamily Id { get; }

    /// <summary>The name users know it by (messages, docs).</summary>
    public abstract string DisplayName { get; }

    /// <summary>
    /// The names of the assemblies that hold the family's types, as prefixes ("Microsoft.Extensions.AI" matches
    /// "Microsoft.Extensions.AI.Abstractions"): the no-SDK gate reads them.
    /// </summary>
    public abstract ImmutableArray<string> AssemblyNamePrefixes { get; }

    /// <summary>The namespaces of the family's types: an <c>HttpClient</c> handed to one of them serves model traffic.</summary>
    public abstract ImmutableArray<string> Namespaces { get; }

    /// <summary>Methods that start a model stream (implementations and overrides match too).</summary>
    public abstract ImmutableArray<MethodRef> StreamingMethods { get; }

    /// <summary>Streaming methods whose non-streaming twin takes the same arguments, and how to read the twin's result.</summary>
    public virtual ImmutableArray<NonStreamingTwin> NonStreamingTwins => ImmutableArray<NonStreamingTwin>.Empty;

    /// <summary>The element types of the family's streams (and their bases).</summary>
    public abstract ImmutableArray<string> UpdateTypes { get; }

    /// <summary>
    /// The string members of the update types (or of values taken from them) that carry a fragment of the answer
    /// (<c>update.Text</c>); a loop that appends them accumulates the answer.
    /// </summary>
    public abstract ImmutableArray<string> TextDeltaMembers { get; }

    /// <summary>The collection members of the update types that some updates leave empty (<c>update.Contents</c>).</summary>
    public virtual ImmutableArray<string> ContentLists => ImmutableArray<string>.Empty;

    /// <summary>Methods that enumerate a whole stream into one result.</summary>
    public virtual ImmutableArray<Aggregator> Aggregators => ImmutableArray<Aggregator>.Empty;

    /// <summary>The terminal signals the family's updates carry, by update type (LLM203 and its fix).</summary>
    public abstract ImmutableArray<FinishSignalSpec> FinishSignals { get; }

    /// <summary>
    /// The exceptions the family's calls throw for a transient failure that its own retries do not already take, which a
    /// retry written by a fix also takes (besides <c>IOException</c> and, where nobody can cancel, a timeout).
    /// </summary>
    public abstract ImmutableArray<TransientException> TransientExceptions { get; }

    /// <summary>
    /// The exception types (and their bases) the SDK throws for a failed call: a catch of only these (with the framework's
    /// <c>HttpRequestException</c>) misses a mid-stream <c>IOException</c> (LLM106).
    /// </summary>
    public abstract ImmutableArray<string> ErrorExceptions { get; }

    /// <summary>
    /// Where the SDK takes an <c>HttpClient</c> and still applies a timeout of its own, which the client's
    /// <c>HttpClient.Timeout</c> silently caps (LLM401): <c>T:</c> and a type's metadata name (the receiver is that type
    /// or derives from it), or <c>N:</c> and a namespace (the receiver is a type of it). Where the SDK has no timeout of its
    /// own once given a client, the client's is the only one (say so in <see cref="NotApplicable"/>).
    /// </summary>
    public virtual ImmutableArray<string> HttpClientReceiversWithOwnTimeout => ImmutableArray<string>.Empty;

    /// <summary>The client options that turn the SDK's own retries off (LLM103) or bound its waits (LLM404).</summary>
    public virtual ImmutableArray<SdkOption> Options => ImmutableArray<SdkOption>.Empty;

    /// <summary>
    /// How an error that the provider sends inside the stream reaches the loop, when the SDK yields it as an update instead
    /// of throwing (LLM205 and its fix): the update type and the members that show it.
    /// </summary>
    public virtual ImmutableArray<InStreamError> InStreamErrors => ImmutableArray<InStreamError>.Empty;

    /// <summary>
    /// The request options that turn streaming off on a streaming method: a call given a request that visibly sets one to
    /// false is answered in one item, an ordinary request rather than a model stream (the recogniser skips it).
    /// </summary>
    public virtual ImmutableArray<StreamingSwitch> StreamingSwitches => ImmutableArray<StreamingSwitch>.Empty;

    /// <summary>
    /// Where the user's code may implement the family's client: a class of the compilation whose streaming method only
    /// waits yields canned updates (a sample's or a test's fake), so a call on it, also through the client's builder
    /// pipeline, is not a model stream (the recogniser skips it).
    /// </summary>
    public virtual ImmutableArray<CannedClient> CannedClients => ImmutableArray<CannedClient>.Empty;

    /// <summary>
    /// True when the SDK's enumeration does not end when the body ends without the stream's end marker: it waits, past
    /// the SDK's own timeouts, until the token given to the streaming call fires, and then ends as if the answer were
    /// complete. Only a deadline on that token bounds such a stream (LLM406 reports a call given none, and its fix
    /// writes an idle timeout re-armed at each update). False (the default) when the enumeration ends with the body.
    /// </summary>
    public virtual bool WaitsForEndMarker => false;

    /// <summary>The questions above that do not apply to the family, each with the reason ("why is this empty").</summary>
    public virtual ImmutableDictionary<string, string> NotApplicable => ImmutableDictionary<string, string>.Empty;

    /// <summary>The question names <see cref="NotApplicable"/> may use, one per property above that can be empty.</summary>
    public static readonly ImmutableArray<string> Questions = ImmutableArray.Create(
        nameof(AssemblyNamePrefixes), nameof(Namespaces), nameof(StreamingMethods), nameof(NonStreamingTwins),
        nameof(UpdateTypes), nameof(TextDeltaMembers), nameof(ContentLists), nameof(Aggregators), nameof(FinishSignals),
        nameof(TransientExceptions), nameof(ErrorExceptions), nameof(HttpClientReceiversWithOwnTimeout), nameof(Options),
        nameof(InStreamErrors), nameof(StreamingSwitches), nameof(CannedClients));

    /// <summary>
    /// <c>HttpRequestException</c>, its retryable statuses only (or whole where they cannot be tested): the transient failure
    /// of every SDK that calls <c>HttpClient</c> and lets its exceptions through, and of a hand-rolled stream.
    /// </summary>
    public static readonly TransientException HttpRequestFailure = new("System.Net.Http.HttpRequestException", "StatusCode", WholeWithoutStatus: true);

    /// <summary>A method of a type, by the type's metadata name.</summary>
    protected static MethodRef M(string type, string method) => new(type, method);

    /// <summary>An immutable array of the arguments.</summary>
    protected static ImmutableArray<T> List<T>(params T[] items) => ImmutableArray.Create(items);

    /// <summary>
    /// The finish signal of updates with a nullable <c>FinishReason</c> property (OpenAI chat, Microsoft.Extensions.AI,
    /// Agent Framework, Azure AI Inference): read it, and its <paramref name="cutValues"/> mean a cut answer.
    /// </summary>
    protected static FinishSignalSpec FinishReasonProperty(FinishSignalKind kind, ImmutableArray<string> updateTypes, params string[] cutValues)
        => new(
            kind,
            updateTypes,
            "the update's FinishReason",
            Members: List("FinishReason", "StopReason"),
            UpdateMembers: ImmutableArray<string>.Empty,
            UpdateMethods: ImmutableArray<string>.Empty,
            Literals: ImmutableArray<string>.Empty,
            TerminalTypes: ImmutableArray<string>.Empty,
            CutValues: ImmutableArray.Create(cutValues));

    /// <summary>The not-applicable answers, as question/reason pairs.</summary>
    protected static ImmutableDictionary<string, string> Reasons(params (string Question, string Reason)[] reasons)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, string>();
        foreach (var (question, reason) in reasons)
        {
            builder.Add(question, reason);
        }

        return builder.ToImmutable();
    }
}

/// <summary>A method by its containing type's metadata name and its name.</summary>
internal sealed record MethodRef(string TypeMetadataName, string MethodName);

/// <summary>
/// A streaming method's non-streaming twin, which takes the same arguments (what "Make this stream resilient"'s
/// non-streaming fallback calls).
/// </summary>
/// <param name="StreamingMethod">The streaming method's name.</param>
/// <param name="Twin">The non-streaming method's name.</param>
/// <param name="Text">How to read the answer's text from the awaited result, named <c>response</c> (C#, a constant: the fix fills the name as a template slot).</param>
/// <param name="TextIsParts">True when <see cref="Text"/> gives the answer's parts, appended one by one (their <c>Text</c>).</param>
/// <param name="CutCheck">The test that the answer was cut by a length or content-filter stop (C#, a constant; <c>response</c> is the result).</param>
internal sealed record NonStreamingTwin(string StreamingMethod, string Twin, string Text, bool TextIsParts, string CutCheck);

/// <summary>
/// A method that enumerates a whole stream into one result; <paramref name="ThrowsOnMissingEnd"/> when it throws on a
/// stream that ended without its terminal signal (so its result cannot be a cut answer reported as a finished one).
/// </summary>
internal sealed record Aggregator(string TypeMetadataName, string MethodName, bool ThrowsOnMissingEnd);

/// <summary>
/// How the updates of <see cref="UpdateTypes"/> say the answer ended, and why.
/// </summary>
/// <param name="Kind">The shape LLM203's fix writes for it.</param>
/// <param name="UpdateTypes">The update types (metadata names, with their subclasses) that carry it.</param>
/// <param name="Description">What to read, for the message.</param>
/// <param name="Members">Members whose read (any receiver) counts as observing the end.</param>
/// <param name="UpdateMembers">Members of the update types themselves whose read counts as observing the end.</param>
/// <param name="UpdateMethods">Methods of the update types whose call counts as observing the end.</param>
/// <param name="Literals">Literals that name the terminal event.</param>
/// <param name="TerminalTypes">Types whose test (<c>is</c>, a pattern, a cast) counts as observing the end.</param>
/// <param name="CutValues">
/// For a <c>FinishReason</c> property of a nullable reason type (<see cref="FinishSignalKind.OpenAIChat"/> and the
/// kinds that share its fix): the reason type's members that mean a cut answer (a length or content-filter stop).
/// </param>
internal sealed record FinishSignalSpec(
    FinishSignalKind Kind,
    ImmutableArray<string> UpdateTypes,
    string Description,
    ImmutableArray<string> Members,
    ImmutableArray<string> UpdateMembers,
    ImmutableArray<string> UpdateMethods,
    ImmutableArray<string> Literals,
    ImmutableArray<string> TerminalTypes,
    ImmutableArray<string> CutValues = default);

/// <summary>
/// A transient exception type. With a <paramref name="StatusMember"/>, only the retryable statuses are taken (none,
/// 408, 429, 5xx); where that pattern cannot be written (no <c>HttpStatusCode.TooManyRequests</c>, or no such member on the
/// type of the target framework) the type is taken whole when <paramref name="WholeWithoutStatus"/>, else left out.
/// </summary>
internal sealed record TransientException(string TypeMetadataName, string? StatusMember, bool WholeWithoutStatus);

/// <summary>What an SDK option sets.</summary>
internal enum SdkOptionKind
{
    /// <summary>A <c>TimeSpan</c> that bounds the SDK's wait (LLM404 reports a constant below the minimum).</summary>
    Timeout,

    /// <summary>The number of retries of the initial request (LLM103 reports zero or less).</summary>
    RetryCount,

    /// <summary>A retry policy object (LLM103 reports <c>new ClientRetryPolicy(0)</c>: a first argument of zero or less).</summary>
    RetryPolicy,
}

/// <summary>An option of the SDK's clients that the timeout and retry rules read.</summary>
/// <param name="Kind">What it sets.</param>
/// <param name="Property">The property assigned.</param>
/// <param name="OwnerNamespace">The namespace of the options object the code configures.</param>
/// <param name="DeclaringType">The type (metadata name) that declares <paramref name="Property"/>, or a base of it; null when any property of that name on the owner counts.</param>
/// <param name="Via">The options object's property that holds the setting (<c>options.Retry.MaxRetries</c>); null when it is on the options object itself.</param>
/// <param name="SdkName">The SDK's name in the messages.</param>
/// <param name="QualifyOwner">Write the SDK's name before the options type's name in LLM404's message (its type name alone does not say it).</param>
/// <param name="Effect">What a short value does, for LLM404's message.</param>
internal sealed record SdkOption(
    SdkOptionKind Kind,
    string Property,
    string OwnerNamespace,
    string? DeclaringType,
    string? Via,
    string SdkName,
    bool QualifyOwner = false,
    string Effect = "");

/// <summary>How an SDK hands an in-stream error to the loop (what LLM205 looks for and its fix writes).</summary>
internal enum InStreamErrorShape
{
    /// <summary>
    /// The error is an item: its success flag (<see cref="InStreamError.Member"/>) is false and its error member holds the
    /// provider's error; the loop must read one of them (Betalgo's <c>Successful</c> and <c>Error</c>).
    /// </summary>
    FailedItem,

    /// <summary>
    /// The error line is an update whose <see cref="InStreamError.Member"/> is null: the loop must test it for null before it
    /// dereferences it (OllamaSharp's chat update with no <c>Message</c>).
    /// </summary>
    MissingMember,
}

/// <summary>An in-stream error that the SDK yields as an update (LLM205).</summary>
/// <param name="Shape">How it shows, and so what LLM205 looks for and its fix writes.</param>
/// <param name="UpdateType">The update type (metadata name, with its subclasses) that carries it.</param>
/// <param name="Member">
/// <see cref="InStreamErrorShape.FailedItem"/>: the boolean member that is false on a failed item;
/// <see cref="InStreamErrorShape.MissingMember"/>: the member that is null on the error line.
/// </param>
/// <param name="ErrorMember"><see cref="InStreamErrorShape.FailedItem"/>: the member that holds the provider's error; else null.</param>
/// <param name="ErrorTextMembers">The members of <paramref name="ErrorMember"/>'s value that the fix's message reads, in order of preference.</param>
/// <param name="StatusMember"><see cref="InStreamErrorShape.FailedItem"/>: the item's <c>HttpStatusCode</c> member (a failed request's status); else null.</param>
/// <param name="Consequence">What happens when the loop ignores it, for the message.</param>
/// <param name="FixMessage">For <see cref="InStreamErrorShape.MissingMember"/>: the text of the exception the fix throws (the SDK drops the provider's).</param>
internal sealed record InStreamError(
    InStreamErrorShape Shape,
    string UpdateType,
    string Member,
    string? ErrorMember,
    ImmutableArray<string> ErrorTextMembers,
    string? StatusMember,
    string Consequence,
    string FixMessage = "");

/// <summary>A request option that turns streaming off (<c>new ChatRequest { Stream = false }</c>).</summary>
/// <param name="RequestType">The request type (metadata name) a streaming method takes.</param>
/// <param name="Property">Its boolean property that asks for a stream; false asks for one answer.</param>
/// <param name="Parameter">The name of a factory method's boolean parameter that sets it (<c>Build(model, stream: false)</c>).</param>
internal sealed record StreamingSwitch(string RequestType, string Property, string Parameter);

/// <summary>A client of the family that the user's code may implement, and the builder calls that wrap one.</summary>
/// <param name="StreamingMethod">The streaming method such a class implements (its body is read).</param>
/// <param name="PipelineNamespace">The namespace of the builder calls that wrap an inner client (<c>client.AsBuilder().Use…().Build()</c>).</param>
/// <param name="PipelineSteps">The builder calls, by name, followed to the inner client.</param>
/// <param name="PipelineStepPrefix">The prefix of the builder's other calls (<c>Use…</c>), followed too.</param>
internal sealed record CannedClient(string StreamingMethod, string PipelineNamespace, ImmutableArray<string> PipelineSteps, string PipelineStepPrefix);

/// <summary>
/// One of a family's catalogue items with the family's id, as the rules keep them once resolved. A class, not a value
/// tuple: the catalogue's collections and queries then share the runtime's code for reference types, where a tuple
/// holding an enum would make the JIT compile each of them again for that tuple in every cold compiler process.
/// </summary>
/// <param name="Family">The family the item belongs to.</param>
/// <param name="Item">The item.</param>
/// <typeparam name="T">The item's type.</typeparam>
internal sealed record FamilyItem<T>(LlmFamily Family, T Item)
    where T : class;
