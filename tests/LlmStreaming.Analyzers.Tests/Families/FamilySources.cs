using System.Text.RegularExpressions;

namespace LlmStreaming.Analyzers.Tests.Families;

/// <summary>
/// Microsoft Agent Framework streams are Microsoft.Extensions.AI streams to every rule that applies to both (issue 12):
/// the same shapes, with <c>AIAgent.RunStreamingAsync</c> in place of <c>IChatClient.GetStreamingResponseAsync</c>, give
/// the same diagnostics and the same fixed code. The rules' own Microsoft.Extensions.AI tests that show it run on both
/// families (<c>[MemberData(nameof(FamilySources.ChatClientFamilies), …)]</c>), their sources passed through
/// <see cref="F"/>.
/// </summary>
internal static class FamilySources
{
    /// <summary>The families a chat-client test runs on: Microsoft.Extensions.AI, and Agent Framework through <see cref="F"/>.</summary>
    public static IEnumerable<object[]> ChatClientFamilies => new[] { new object[] { "ExtensionsAI" }, new object[] { "AgentFramework" } };

    /// <summary>
    /// The source for <paramref name="family"/>: as written for Microsoft.Extensions.AI, or with the agent's API in place of
    /// the chat client's (its type, its streaming method and non-streaming twin, its aggregation and their results).
    /// </summary>
    internal static string F(string family, string source)
    {
        if (family == "ExtensionsAI")
        {
            return source;
        }

        var agent = source
            .Replace("IChatClient ", "AIAgent ")
            .Replace("GetStreamingResponseAsync", "RunStreamingAsync")
            .Replace("GetResponseAsync", "RunAsync")
            .Replace("ToChatResponseAsync", "ToAgentResponseAsync")
            .Replace("ToChatResponse(", "ToAgentResponse(");
        agent = Regex.Replace(agent, @"\bChatResponse(Update)?\b", "AgentResponse$1");

        // The agent's using, in order among the others (a fix adds its own usings in order only to sorted ones).
        var lines = agent.Split('\n').ToList();
        var at = lines.FindIndex(l => l.TrimStart().StartsWith("using Microsoft.", StringComparison.Ordinal)
            && string.CompareOrdinal(l.Trim(), "using Microsoft.Agents.AI;") > 0);
        if (at >= 0 && agent.Contains("using Microsoft.Extensions.AI;", StringComparison.Ordinal))
        {
            lines.Insert(at, lines[at].Substring(0, lines[at].Length - lines[at].TrimStart().Length) + "using Microsoft.Agents.AI;");
        }

        return string.Join("\n", lines);
    }
}
