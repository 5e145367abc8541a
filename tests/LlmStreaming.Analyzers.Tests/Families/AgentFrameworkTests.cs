using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.Families;

/// <summary>
/// What only Microsoft Agent Framework has: every kind of agent (<c>ChatClientAgent</c> and its own overloads, an agent
/// made with <c>AsAIAgent()</c>, a custom <c>AIAgent</c>), an earlier served version, and look-alikes that are not
/// agents. The rules' shapes on agent streams run in the rules' own tests, on both families (<see cref="FamilySources"/>).
/// </summary>
public class AgentFrameworkTests
{
    private const string EveryAgent = """
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Agents.AI;
        using Microsoft.Extensions.AI;

        class Chat
        {
            async Task<string> ChatClientAgentAsync(IChatClient client, string question)
            {
                var agent = new ChatClientAgent(client, instructions: "Be brief.");
                var answer = new StringBuilder();
                await foreach (var update in agent.{|LLM101:RunStreamingAsync|}(question, options: new ChatClientAgentRunOptions()))
                {
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }

            async Task<string> AsAIAgentAsync(IChatClient client, string question, CancellationToken ct)
            {
                AIAgent agent = client.AsAIAgent(instructions: "Be brief.");
                var session = await agent.CreateSessionAsync(ct);
                var answer = new StringBuilder();
                var stream = agent.RunStreamingAsync(question, session, cancellationToken: ct);
                await {|LLM101:foreach|} (var update in stream)
                {
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }

            async Task<string> AggregatedAsync(AIAgent agent, IEnumerable<ChatMessage> messages, CancellationToken ct)
            {
                var response = await agent.RunStreamingAsync(messages, cancellationToken: ct).{|LLM101:ToAgentResponseAsync|}(ct);
                return response.Text;
            }
        }
        """;

    [Fact]
    public Task LLM101_EveryKindOfAgent()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(EveryAgent);

    [Fact]
    public Task LLM101_EveryKindOfAgent_AgentFramework120()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(EveryAgent, References.SdksWithAgentFramework120, editorConfig: null);

    private const string FinishReasonNeverRead = """
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Agents.AI;
        using Microsoft.Extensions.AI;

        class Chat
        {
            async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
            {
                var agent = client.AsAIAgent(instructions: "Be brief.");
                var answer = new StringBuilder();
                await {|LLM203:foreach|} (var update in agent.RunStreamingAsync(question, cancellationToken: ct))
                {
                    answer.Append(update.Text);
                }

                var response = await agent.RunStreamingAsync(question, cancellationToken: ct).{|LLM203:ToAgentResponseAsync|}(ct);
                return answer.ToString() + response.Text;
            }
        }
        """;

    [Fact]
    public Task LLM203_LoopAndAggregation()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(FinishReasonNeverRead);

    [Fact]
    public Task LLM203_LoopAndAggregation_AgentFramework120()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(FinishReasonNeverRead, References.SdksWithAgentFramework120, editorConfig: null);

    /// <summary>
    /// Not agents: a type of the code's own with a <c>RunStreamingAsync</c> of text (not derived from <c>AIAgent</c>), a
    /// stream of the agent's updates made from a list, and an agent's non-streaming <c>RunAsync</c>.
    /// </summary>
    [Fact]
    public Task NoDiagnostic_LookAlikes()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Linq;
            using System.Runtime.CompilerServices;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Agents.AI;

            class Worker
            {
                public async IAsyncEnumerable<string> RunStreamingAsync(string job, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    await Task.Yield();
                    yield return job;
                }
            }

            class Chat
            {
                async Task<string> RunAsync(Worker worker, AIAgent agent, List<AgentResponseUpdate> recorded)
                {
                    var log = new StringBuilder();
                    await foreach (var line in worker.RunStreamingAsync("job"))
                    {
                        log.Append(line);
                    }

                    foreach (var update in recorded)
                    {
                        log.Append(update.Text);
                    }

                    var response = await agent.RunAsync("hi");
                    return log.ToString() + response.Text;
                }
            }
            """);
}
