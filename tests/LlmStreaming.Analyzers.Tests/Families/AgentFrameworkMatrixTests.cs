using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Combined;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.PartialOutput;
using LlmStreaming.Analyzers.Tests.Retry;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Combined;
using LlmStreaming.CodeFixes.PartialOutput;
using LlmStreaming.CodeFixes.Relays;
using LlmStreaming.CodeFixes.Retry;
using LlmStreaming.CodeFixes.Termination;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Families;

/// <summary>
/// Microsoft Agent Framework streams are Microsoft.Extensions.AI streams to every rule that applies to both (issue 12):
/// the same shapes, with <c>AIAgent.RunStreamingAsync</c> in place of <c>IChatClient.GetStreamingResponseAsync</c>, give
/// the same diagnostics and the same fixed code. Each test is one of the rules' own Microsoft.Extensions.AI tests, run
/// on both families; <see cref="F"/> rewrites its sources for the agent.
/// </summary>
public class AgentFrameworkMatrixTests
{
    public static IEnumerable<object[]> Families => new[] { new object[] { "ExtensionsAI" }, new object[] { "AgentFramework" } };

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

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_ExtensionsAI_EnumerationWithoutRetry(string family)
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(F(family, """
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task NoDiagnostic_RetryLoopWhoseCatchContinues(string family)
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(F(family, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> FallThroughAsync(IChatClient client, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt)), ct);
                        }
                    }
                }

                async Task<string> ExplicitContinueAsync(IChatClient client)
                {
                    var attempt = 0;
                    while (true)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                answer.Append(update.Text);
                            }
                        }
                        catch (IOException)
                        {
                            if (++attempt > 3)
                            {
                                throw;
                            }

                            await Task.Delay(100 * (1 << attempt));
                            continue;
                        }

                        return answer.ToString();
                    }
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_ExtensionsAI_ResetsAccumulator(string family)
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>(F(family, """
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    // Stream the answer.
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }
            }
            """), F(family, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    // Stream the answer.
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                answer.Append(update.Text);
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }

                    return answer.ToString();
                }
            }
            """), MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_Aggregation_DeclarationIsHoisted(string family)
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>(F(family, """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, CancellationToken cancellationToken)
                {
                    var response = await client.GetStreamingResponseAsync("hi", cancellationToken: cancellationToken).{|LLM101:ToChatResponseAsync|}(cancellationToken);
                    return response.Text;
                }
            }
            """), F(family, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, CancellationToken cancellationToken)
                {
                    ChatResponse response;
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            response = await client.GetStreamingResponseAsync("hi", cancellationToken: cancellationToken).ToChatResponseAsync(cancellationToken);
                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), cancellationToken);
                        }
                    }

                    return response.Text;
                }
            }
            """), MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task NoDiagnostic_PassThroughIterator(string family)
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(F(family, """
            using System.Collections.Generic;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        yield return update;
                    }
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_RetryLoopThatRebuildsTheRequestEachAttempt(string family)
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync(F(family, """
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                static string BuildPrompt(string question) => "Q: " + question;

                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var attempt = 0;
                    {|LLM102:while|} (attempt < 3)
                    {
                        var prompt = BuildPrompt(question);
                        try
                        {
                            var response = await client.GetStreamingResponseAsync(prompt).ToChatResponseAsync();
                            return response.Text;
                        }
                        catch (IOException)
                        {
                            attempt++;
                        }
                    }

                    return "";
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_NoDelay_InsertsJitteredBackoffWithTheToken(string family)
        => RetryVerify.FixAsync<RetryWithoutBackoffAnalyzer, RetryWithoutBackoffCodeFix>(F(family, """
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, CancellationToken ct)
                {
                    {|LLM102:for|} (var attempt = 0; ; attempt++)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                        }
                    }
                }
            }
            """), F(family, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, CancellationToken ct)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                    }
                }
            }
            """), RetryWithoutBackoffCodeFix.EquivalenceKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_MovesTheLoopIntoTheDelegate(string family)
        => RetryVerify.FixAsync<RetryWrapsUnstartedStreamAnalyzer, RetryWrapsUnstartedStreamCodeFix>(F(family, """
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task<string> AskAsync(ResiliencePipeline pipeline, IChatClient client, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    var stream = await pipeline.ExecuteAsync(token => ValueTask.FromResult(client.{|LLM104:GetStreamingResponseAsync|}("hi", cancellationToken: token)), ct);
                    await foreach (var update in stream.WithCancellation(ct))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }
            }
            """), F(family, """
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task<string> AskAsync(ResiliencePipeline pipeline, IChatClient client, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await pipeline.ExecuteAsync(async token =>
                    {
                        answer.Clear();
                        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: token).WithCancellation(ct))
                        {
                            answer.Append(update.Text);
                        }
                    }, ct);

                    return answer.ToString();
                }
            }
            """), RetryWrapsUnstartedStreamCodeFix.EquivalenceKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_AccumulatorNotResetPerAttempt(string family)
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync(F(family, """
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> StringBuilderAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                {|LLM105:answer.Append(update.Text)|};
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }

                async Task<List<ChatResponseStream?>> ListAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var chunks = new List<ChatResponseStream?>();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var chunk in ollama.ChatAsync(request))
                            {
                                {|LLM105:chunks.Add(chunk)|};
                            }

                            return chunks;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_ResetsAccumulatorsBeforeTheEnumeration(string family)
        => RetryVerify.FixAsync<RetryReplaysEmittedOutputAnalyzer, RetryReplaysEmittedOutputCodeFix>(F(family, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _summary = string.Empty;

                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                {|LLM105:answer.Append(update.Text)|};
                                _summary += update.Text;
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """), F(family, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _summary = string.Empty;

                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            answer.Clear();
                            _summary = "";
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                answer.Append(update.Text);
                                _summary += update.Text;
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """), RetryReplaysEmittedOutputCodeFix.EquivalenceKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_RetryLoopThatRetriesOnlyHttpRequestException(string family)
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync(F(family, """
            using System;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        {|LLM106:catch|} (HttpRequestException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble()));
                        }
                    }
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_RetryLoop_KeepsTheFilterPartsThatFit(string family)
        => RetryVerify.FixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>(F(family, """
            using System;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        {|LLM106:catch|} (HttpRequestException ex) when (attempt < 3 && ex.StatusCode != System.Net.HttpStatusCode.Unauthorized)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble()));
                        }
                    }
                }
            }
            """), F(family, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        catch (HttpRequestException ex) when (attempt < 3 && ex.StatusCode != System.Net.HttpStatusCode.Unauthorized)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble()));
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble()));
                        }
                    }
                }
            }
            """), CatchMissesMidStreamFailureCodeFix.EquivalenceKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_ExtensionsAI_LoopAndAggregation(string family)
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(F(family, """
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}();
                    return response.Text;
                }

                async Task<string> InlineAsync(IChatClient client, string question)
                    => (await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}()).Text;
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task NoDiagnostic_ExtensionsAI_CorrectPatterns(string family)
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(F(family, """
            using System;
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finish = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text);
                        finish ??= update.FinishReason;
                    }

                    return finish is null ? throw new InvalidOperationException() : text.ToString();
                }

                async IAsyncEnumerable<ChatResponseUpdate> RelayAsync(IChatClient client, string question)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        yield return update;
                    }
                }

                async Task<ChatResponse> CollectAsync(IChatClient client, string question)
                {
                    var updates = new List<ChatResponseUpdate>();
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        Console.Write(update.Text);
                        updates.Add(update);
                    }

                    return updates.ToChatResponse();
                }

                async Task<ChatResponse> ReturnAsync(IChatClient client, string question)
                    => await client.GetStreamingResponseAsync(question).ToChatResponseAsync();

                async Task<string> CheckAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).ToChatResponseAsync();
                    if (response.FinishReason != ChatFinishReason.Stop) throw new InvalidOperationException();
                    return response.Text;
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_ExtensionsAI_LoopWithoutBracesAndAggregation(string family)
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(F(family, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                        text.Append(update.Text);

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}();
                    return response.Text;
                }
            }
            """), F(family, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        finishReason ??= update.FinishReason;
                        text.Append(update.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).ToChatResponseAsync();
                    if (response.FinishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.");
                    }

                    if (response.FinishReason == ChatFinishReason.Length || response.FinishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {response.FinishReason}).");
                    }

                    return response.Text;
                }
            }
            """), FinishReasonNotObservedCodeFix.Key);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_ExtensionsAI_ReturnsConstant_WithMessage(string family)
        => PartialOutputDiscardedTests.Analyze(F(family, """
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    {|#0:catch|} (HttpRequestException)
                    {
                        {|#1:return "Sorry, something went wrong.";|}
                    }

                    return answer.ToString();
                }
            }
            """),
            Verify<PartialOutputDiscardedAnalyzer>.Diagnostic("LLM301").WithLocation(0).WithLocation(1)
                .WithArguments("answer", F(family, "'GetStreamingResponseAsync'"), "returning \"Sorry, something went wr…\""));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_RethrowsWithThePartialText(string family)
        => PartialOutputDiscardedTests.Fix(F(family, """
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    {|LLM301:catch|} (HttpRequestException)
                    {
                        return "Sorry, something went wrong.";
                    }

                    return answer.ToString();
                }
            }
            """), F(family, """
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (HttpRequestException ex)
                    {
                        ex.Data["PartialOutput"] = answer.ToString();
                        throw;
                    }

                    return answer.ToString();
                }
            }
            """), PartialOutputDiscardedCodeFix.RethrowWithPartialKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_ExtensionsAI_UpdateTextAssignedToField(string family)
        => DeltaOverwritesTextTests.Analyze(F(family, """
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _last = "";

                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        {|LLM302:_last = update.Text|};
                    }
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_ChangesAssignmentToAppend(string family)
        => DeltaOverwritesTextTests.Fix(F(family, """
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var text = "";
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        {|LLM302:text = update.Text|}; // keep me
                    }

                    return text;
                }
            }
            """), F(family, """
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var text = "";
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        text += update.Text; // keep me
                    }

                    return text;
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_ExtensionsAI_Contents(string family)
        => ContentPartIndexedWithoutGuardTests.Analyze(F(family, """
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task PrintAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        var content = {|LLM303:update.Contents[0]|};
                        Console.Write(content);
                    }
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_ExtensionsAI_LogsThenReturnsTheText_WithMessage(string family)
        => StreamFailureSwallowedTests.Analyze(F(family, """
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                private readonly ILogger<Chat> _logger;

                Chat(ILogger<Chat> logger) => _logger = logger;

                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    {|#0:catch|} (Exception ex)
                    {
                        _logger.LogError(ex, "The stream failed");
                    }

                    return answer.ToString();
                }
            }
            """),
            Verify<StreamFailureSwallowedAnalyzer>.Diagnostic("LLM304").WithLocation(0)
                .WithArguments(F(family, "'GetStreamingResponseAsync'"), "answer", "returned"));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_RethrowsAfterTheLog(string family)
        => StreamFailureSwallowedTests.Fix(F(family, """
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                private readonly ILogger _logger = null!;

                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    {|LLM304:catch|} (Exception ex)
                    {
                        _logger.LogError(ex, "The stream failed");
                    }

                    return answer.ToString();
                }
            }
            """), F(family, """
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                private readonly ILogger _logger = null!;

                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (Exception ex)
                    {
                        _logger.LogError(ex, "The stream failed");
                        ex.Data["PartialOutput"] = answer.ToString();
                        throw;
                    }

                    return answer.ToString();
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_ExtensionsAI_CancelAfterWhoseTokenReachesTheStream(string family)
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync(F(family, """
            using System;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient chat, CancellationToken ct)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    cts.CancelAfter({|LLM404:TimeSpan.FromSeconds(30)|});
                    var text = new StringBuilder();
                    await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_ExtensionsAI_CancelCatchAroundStream(string family)
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync(F(family, """
            using System;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient chat, string prompt, CancellationToken ct)
                {
                    var text = new StringBuilder();
                    try
                    {
                        await foreach (var update in chat.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            text.Append(update.Text);
                        }
                    }
                    catch {|LLM407:(OperationCanceledException)|}
                    {
                        return "Cancelled.";
                    }

                    return text.ToString();
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_AddsTheFilter(string family)
        => Verify<TimeoutSwallowedAsCancellationAnalyzer, TimeoutSwallowedAsCancellationCodeFix>.FixAsync(F(family, """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task A(IChatClient chat, CancellationToken ct)
                {
                    try
                    {
                        await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: ct)) Console.Write(u.Text);
                    }
                    catch {|LLM407:(OperationCanceledException)|}
                    {
                        Console.WriteLine("cancelled");
                    }
                }

                async Task B(IOllamaApiClient ollama)
                {
                    using var cts = new CancellationTokenSource();
                    try
                    {
                        await foreach (var chunk in ollama.ChatAsync(new ChatRequest(), cts.Token)) Console.Write(chunk?.Message.Content);
                    }
                    catch {|LLM407:(TaskCanceledException)|} // stopped by the user
                    {
                    }
                }
            }
            """), F(family, """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task A(IChatClient chat, CancellationToken ct)
                {
                    try
                    {
                        await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: ct)) Console.Write(u.Text);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        Console.WriteLine("cancelled");
                    }
                }

                async Task B(IOllamaApiClient ollama)
                {
                    using var cts = new CancellationTokenSource();
                    try
                    {
                        await foreach (var chunk in ollama.ChatAsync(new ChatRequest(), cts.Token)) Console.Write(chunk?.Message.Content);
                    }
                    catch (TaskCanceledException) when (cts.Token.IsCancellationRequested) // stopped by the user
                    {
                    }
                }
            }
            """), TimeoutSwallowedAsCancellationCodeFix.EquivalenceKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_ExtensionsAI_PlainRetryLoop(string family)
        => ResilientStreamTests.FixAsync(F(family, ResilientStreamTests.ExtensionsAISource), F(family, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            ChatFinishReason? finishReason = null;
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                finishReason ??= update.FinishReason;
                                answer.Append(update.Text);
                            }

                            if (finishReason is null)
                            {
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }

                    return answer.ToString();
                }
            }
            """), ResilientStreamCodeFix.PlainKey);

    [Theory]
    [MemberData(nameof(Families))]
    public Task Reports_MinimalApi_LogsThenDone(string family)
        => Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync(F(family, """
            using System;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response, ILogger<IChatClient> logger, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                            {
                                await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                            }
                        }
                        {|#0:catch|} (Exception ex)
                        {
                            logger.LogError(ex, "The stream failed");
                            await response.WriteAsync("data: [DONE]\n\n", ct);
                        }
                    });
                }
            }
            """),
            Verify<RelayHidesUpstreamFailureAnalyzer>.Diagnostic("LLM501").WithLocation(0)
                .WithArguments(F(family, "'GetStreamingResponseAsync'"), "writes a normal end ('[DONE]')", "write an SSE error event and no end marker, or abort the connection"));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_Sse_WritesAnErrorEventInsteadOfDone_AndReturns(string family)
        => Verify<RelayHidesUpstreamFailureAnalyzer, RelayHidesUpstreamFailureCodeFix>.FixAsync(F(family, """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                            {
                                await response.WriteAsync("data: " + System.Text.Json.JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                            }
                        }
                        {|LLM501:catch|} (Exception ex)
                        {
                            Console.Error.WriteLine(ex);
                            await response.WriteAsync("data: [DONE]\n\n", ct);
                        }

                        await response.WriteAsync("data: [DONE]\n\n", ct);
                    });
                }
            }
            """), F(family, """
            using System;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                            {
                                await response.WriteAsync("data: " + System.Text.Json.JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                            }
                        }
                        catch (Exception ex)
                        {
                            Console.Error.WriteLine(ex);
                            await response.WriteAsync("event: error\ndata: " + JsonSerializer.Serialize(new { message = "The model stream failed before the answer was complete." }) + "\n\n");
                            return;
                        }

                        await response.WriteAsync("data: [DONE]\n\n", ct);
                    });
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_AddsTheHandlersToken(string family)
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.FixAsync(F(family, """
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (string prompt, IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.{|LLM502:GetStreamingResponseAsync|}(prompt))
                        {
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                        }
                    });
                }
            }
            """), F(family, """
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (string prompt, IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                        }
                    });
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_JsonEncodesTheDelta_AndAddsTheUsing(string family)
        => Verify<SseDataCarriesRawModelTextAnalyzer, SseDataCarriesRawModelTextCodeFix>.FixAsync(F(family, """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (string prompt, IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {{|LLM503:update.Text|}}\n\n", ct);
                            await response.WriteAsync("event: delta\ndata: " + {|LLM503:update.Text|} + "\n\n", ct);
                        }
                    });
                }
            }
            """), F(family, """
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (string prompt, IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                            await response.WriteAsync("event: delta\ndata: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                        }
                    });
                }
            }
            """));

    [Theory]
    [MemberData(nameof(Families))]
    public Task Fix_ExtensionsAI_NonStreamingFallback(string family)
        => ResilientStreamTests.FixAsync(F(family, ResilientStreamTests.ExtensionsAISource), F(family, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            ChatFinishReason? finishReason = null;
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                finishReason ??= update.FinishReason;
                                answer.Append(update.Text);
                            }

                            if (finishReason is null)
                            {
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception ex) when (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested)
                        {
                            // Every streaming attempt failed: the same request once more, without streaming.
                            try
                            {
                                var response = await client.GetResponseAsync(question, cancellationToken: ct);
                                if (response.FinishReason == ChatFinishReason.Length || response.FinishReason == ChatFinishReason.ContentFilter)
                                {
                                    throw new InvalidOperationException("The model stopped before the end of the answer (non-streaming fallback).");
                                }

                                answer.Clear();
                                answer.Append(response.Text);
                                break;
                            }
                            catch (Exception fallbackFailure)
                            {
                                fallbackFailure.Data["PartialOutput"] = answer.ToString();
                                throw;
                            }
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }

                    return answer.ToString();
                }
            }
            """), ResilientStreamCodeFix.FallbackKey);
}
