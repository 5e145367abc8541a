using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>
/// Microsoft Agent Framework (<c>Microsoft.Agents.AI</c>): <c>AIAgent.RunStreamingAsync</c>, on every agent
/// (<c>ChatClientAgent</c>, agents made with <c>AsAIAgent()</c>, delegating and custom agents). Its updates wrap
/// Microsoft.Extensions.AI's, so the rules and fixes that apply to those apply here.
/// </summary>
internal sealed class AgentFrameworkFamily : SdkFamily
{
    public override LlmFamily Id => LlmFamily.AgentFramework;

    public override string DisplayName => "Microsoft Agent Framework";

    public override ImmutableArray<string> AssemblyNamePrefixes { get; } = List("Microsoft.Agents.AI");

    public override ImmutableArray<string> Namespaces { get; } = List("Microsoft.Agents.AI");

    // ChatClientAgent's own overloads (taking ChatClientAgentRunOptions) match through its base.
    public override ImmutableArray<MethodRef> StreamingMethods { get; } = List(
        M("Microsoft.Agents.AI.AIAgent", "RunStreamingAsync"));

    public override ImmutableArray<NonStreamingTwin> NonStreamingTwins { get; } = List(
        new NonStreamingTwin("RunStreamingAsync", "RunAsync", "response.Text", TextIsParts: false, ExtensionsAIFamily.CutCheck));

    public override ImmutableArray<string> UpdateTypes { get; } = List("Microsoft.Agents.AI.AgentResponseUpdate");

    public override ImmutableArray<string> TextDeltaMembers { get; } = List("Text");

    public override ImmutableArray<string> ContentLists { get; } = List("Contents");

    // Like ToChatResponseAsync, it coalesces the updates' finish reasons into AgentResponse.FinishReason and never throws on a missing one.
    public override ImmutableArray<Aggregator> Aggregators { get; } = List(
        new Aggregator("Microsoft.Agents.AI.AgentResponseExtensions", "ToAgentResponseAsync", ThrowsOnMissingEnd: false));

    public override ImmutableArray<FinishSignalSpec> FinishSignals { get; } = List(
        FinishReasonProperty(FinishSignalKind.AgentFramework, List("Microsoft.Agents.AI.AgentResponseUpdate"), "Length", "ContentFilter"));

    // The agent's chat client may be any provider; HttpClient-based ones fail with an HttpRequestException.
    public override ImmutableArray<TransientException> TransientExceptions { get; } = List(HttpRequestFailure);

    public override ImmutableArray<string> ErrorExceptions => ImmutableArray<string>.Empty;

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(HttpClientReceiversWithOwnTimeout), "an agent takes no HttpClient itself: its chat client's provider does, which that family answers"),
        (nameof(ErrorExceptions), "an agent throws its chat client's exceptions unwrapped, which the provider's family names"),
        (nameof(Options), "agents have no retry or timeout option of their own: they are the chat client's, set where it is made"),
        (nameof(InStreamErrors), "an agent's updates wrap its chat client's, whose errors are thrown as Microsoft.Extensions.AI's are"),
        (nameof(StreamingSwitches), "streaming and one-answer calls are separate methods (RunStreamingAsync, RunAsync): no run option turns a stream off"),
        (nameof(CannedClients), "a custom AIAgent of the user's code, or an agent over a canned chat client, is not recognised as canned: its streams are taken as the model's"));
}
