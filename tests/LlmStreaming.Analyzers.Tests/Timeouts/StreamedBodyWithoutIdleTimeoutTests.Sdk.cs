using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

/// <summary>
/// LLM406 on the stream of an SDK that waits for its end marker (Azure AI Inference: a body that ends without
/// <c>[DONE]</c> is not the end of its enumeration, which waits, a core busy, until the call's token fires).
/// </summary>
public partial class StreamedBodyWithoutIdleTimeoutTests
{
    [Fact]
    public Task Reports_AzureInference_CallWithoutATokenWithADeadline()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> CallersTokenAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in await client.{|LLM406:CompleteStreamingAsync|}(options, ct))
                    {
                        answer.Append(update.ContentUpdate);
                    }

                    return answer.ToString();
                }

                async Task NoTokenAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
                {
                    var response = await client.CompleteStreamingAsync(options);
                    await {|LLM406:foreach|} (var update in response)
                    {
                        Console.Write(update.ContentUpdate);
                    }
                }

                async Task NoneTokenAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
                {
                    await foreach (var update in client.{|LLM406:CompleteStreaming|}(options, CancellationToken.None))
                    {
                        Console.Write(update.ContentUpdate);
                    }
                }

                async Task LinkedWithoutTimerAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    await foreach (var update in await client.{|LLM406:CompleteStreamingAsync|}(options, linked.Token))
                    {
                        Console.Write(update.ContentUpdate);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_AzureInference_TokenWithADeadline_OrOtherSdks()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;

            class Chat
            {
                async Task IdleTimeoutAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    idleTimeout.CancelAfter(idleLimit);
                    await foreach (var update in await client.CompleteStreamingAsync(options, idleTimeout.Token))
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        Console.Write(update.ContentUpdate);
                    }
                }

                async Task TotalDeadlineAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
                    await foreach (var update in await client.CompleteStreamingAsync(options, deadline.Token))
                    {
                        Console.Write(update.ContentUpdate);
                    }
                }

                // The other SDKs end their enumeration with the body: their stalls are LLM404's and their SDK's business.
                async Task OpenAIAsync(ChatClient client, CancellationToken ct)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new OpenAI.Chat.ChatMessage[] { new UserChatMessage("hi") }, cancellationToken: ct))
                    {
                        Console.Write(update.ContentUpdate.Count);
                    }
                }

                async Task ExtensionsAIAsync(IChatClient client, CancellationToken ct)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
                    {
                        Console.Write(update.Text);
                    }
                }

                // Not a model stream: an Azure type's name on something else.
                async Task LookAlikeAsync(System.Collections.Generic.IAsyncEnumerable<string> CompleteStreamingAsync)
                {
                    await foreach (var text in CompleteStreamingAsync)
                    {
                        Console.Write(text);
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_AzureInference_LinksTheCallsToken_AndFailsWhenTheIdleTimeoutEndsTheStream()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.FixAsync("""
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in await client.{|LLM406:CompleteStreamingAsync|}(options, ct))
                        answer.Append(update.ContentUpdate);

                    return answer.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    idleTimeout.CancelAfter(idleLimit);
                    await foreach (var update in await client.CompleteStreamingAsync(options, idleTimeout.Token))
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        answer.Append(update.ContentUpdate);
                    }

                    if (idleTimeout.IsCancellationRequested)
                    {
                        ct.ThrowIfCancellationRequested();
                        throw new IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
                    }

                    return answer.ToString();
                }
            }
            """, StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_AzureInference_OmittedToken_PassedByName_LinkedToTheMethodsToken()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.FixAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken cancellationToken)
                {
                    await foreach (var update in client.{|LLM406:CompleteStreaming|}(options))
                    {
                        Console.Write(update.ContentUpdate);
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken cancellationToken)
                {
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    idleTimeout.CancelAfter(idleLimit);
                    await foreach (var update in client.CompleteStreaming(options, cancellationToken: idleTimeout.Token))
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        Console.Write(update.ContentUpdate);
                    }

                    if (idleTimeout.IsCancellationRequested)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
                    }
                }
            }
            """, StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey);

    [Fact]
    public Task NoFix_AzureInference_StreamStartedBeforeTheLoop()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.NoFixAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var response = await client.CompleteStreamingAsync(options, ct);
                    await {|LLM406:foreach|} (var update in response)
                    {
                        Console.Write(update.ContentUpdate);
                    }
                }
            }
            """);

    /// <summary>
    /// LLM101's retry written after this fix (the lightbulbs highest ID first): the idle timeout's setup and its check go
    /// into each attempt (a fired one would cancel every later attempt), and the retry's filter and backoff keep the
    /// caller's token, not the idle one.
    /// </summary>
    [Fact]
    public Task RetryAfterTheFix_MovesTheIdleTimeoutIntoEachAttempt_AndKeepsTheCallersToken()
        => Retry.RetryVerify.FixAsync<LlmStreaming.Analyzers.Retry.MidStreamFailureNotRetriedAnalyzer, CodeFixes.Retry.MidStreamFailureNotRetriedCodeFix>("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    idleTimeout.CancelAfter(idleLimit);
                    await foreach (var update in await client.{|LLM101:CompleteStreamingAsync|}(options, idleTimeout.Token))
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        answer.Append(update.ContentUpdate);
                    }

                    if (idleTimeout.IsCancellationRequested)
                    {
                        ct.ThrowIfCancellationRequested();
                        throw new IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
                    }

                    return answer.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            var idleLimit = TimeSpan.FromMinutes(2);
                            using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                            idleTimeout.CancelAfter(idleLimit);
                            await foreach (var update in await client.CompleteStreamingAsync(options, idleTimeout.Token))
                            {
                                idleTimeout.CancelAfter(idleLimit);
                                answer.Append(update.ContentUpdate);
                            }

                            if (idleTimeout.IsCancellationRequested)
                            {
                                ct.ThrowIfCancellationRequested();
                                throw new IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException || ex is OperationCanceledException && !ct.IsCancellationRequested))
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
            """, CodeFixes.Retry.MidStreamFailureNotRetriedCodeFix.RetryLoopKey);
}
