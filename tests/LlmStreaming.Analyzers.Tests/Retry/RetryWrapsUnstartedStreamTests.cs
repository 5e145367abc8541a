using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Retry;

namespace LlmStreaming.Analyzers.Tests.Retry;

public class RetryWrapsUnstartedStreamTests
{
    [Fact]
    public Task Reports_PollyDelegateReturnsTheLazyStream()
        => Verify<RetryWrapsUnstartedStreamAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;
            using Polly;

            class Chat
            {
                async Task ExtensionsAIAsync(ResiliencePipeline pipeline, IChatClient client, CancellationToken ct)
                {
                    var stream = await pipeline.ExecuteAsync(token => ValueTask.FromResult(client.{|LLM104:GetStreamingResponseAsync|}("hi", cancellationToken: token)), ct);
                    await foreach (var update in stream)
                    {
                        Console.Write(update.Text);
                    }
                }

                void OpenAISync(ResiliencePipeline pipeline, ChatClient client)
                {
                    var updates = pipeline.Execute(() => client.{|LLM104:CompleteChatStreaming|}(new UserChatMessage("hi")));
                    foreach (var update in updates)
                    {
                        Console.Write(update.ContentUpdate.Count);
                    }
                }

                async Task<IAsyncEnumerable<ChatResponseUpdate>> BlockBodyAsync(ResiliencePipeline pipeline, IChatClient client)
                {
                    return await pipeline.ExecuteAsync(async token =>
                    {
                        await Task.Yield();
                        return client.{|LLM104:GetStreamingResponseAsync|}("hi", cancellationToken: token);
                    });
                }
            }
            """);

    [Fact]
    public Task Reports_RetryLoopAndConfiguredHelper()
        => Verify<RetryWrapsUnstartedStreamAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            static class Retry
            {
                public static Task<T> RunAsync<T>(Func<Task<T>> action) => action();
            }

            class Chat
            {
                IAsyncEnumerable<StreamingChatMessageContent> Loop(IChatCompletionService chat, ChatHistory history)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            return chat.{|LLM104:GetStreamingChatMessageContentsAsync|}(history);
                        }
                        catch (HttpOperationException) when (attempt < 3)
                        {
                        }
                    }
                }

                async Task AssignedAsync(IChatCompletionService chat, ChatHistory history)
                {
                    IAsyncEnumerable<StreamingChatMessageContent>? stream = null;
                    for (var attempt = 0; attempt < 3; attempt++)
                    {
                        try
                        {
                            stream = chat.{|LLM104:GetStreamingChatMessageContentsAsync|}(history);
                            break;
                        }
                        catch (HttpOperationException)
                        {
                        }
                    }

                    await foreach (var part in stream!)
                    {
                        Console.Write(part.Content);
                    }
                }

                async Task HelperAsync(AnthropicClient client, MessageCreateParams request)
                {
                    var events = await Retry.RunAsync(() => Task.FromResult(client.Messages.{|LLM104:CreateStreaming|}(request)));
                    await foreach (var streamEvent in events)
                    {
                        Console.Write(streamEvent.ToString());
                    }
                }
            }
            """,
            References.Sdks,
            "llm_streaming.retry_methods = Retry.RunAsync");

    [Fact]
    public Task NoDiagnostic_EnumeratedInsideOrNotARetry()
        => Verify<RetryWrapsUnstartedStreamAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task<string> InsideAsync(ResiliencePipeline pipeline, IChatClient client, CancellationToken ct)
                {
                    return await pipeline.ExecuteAsync(async token =>
                    {
                        var text = new StringBuilder();
                        var stream = client.GetStreamingResponseAsync("hi", cancellationToken: token);
                        await foreach (var update in stream)
                        {
                            text.Append(update.Text);
                        }

                        return text.ToString();
                    }, ct);
                }

                async Task<ChatResponse> AggregatedAsync(ResiliencePipeline pipeline, IChatClient client)
                    => await pipeline.ExecuteAsync(async token => await client.GetStreamingResponseAsync("hi", cancellationToken: token).ToChatResponseAsync(token));

                IAsyncEnumerable<ChatResponseUpdate> NoRetry(IChatClient client) => client.GetStreamingResponseAsync("hi");

                async Task<List<int>> NumbersAsync(ResiliencePipeline pipeline, Func<IAsyncEnumerable<int>> numbers)
                {
                    var list = new List<int>();
                    var stream = await pipeline.ExecuteAsync(token => ValueTask.FromResult(numbers()));
                    await foreach (var n in stream)
                    {
                        list.Add(n);
                    }

                    return list;
                }

                async Task<string> LocalOfTheAttemptAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        var text = new StringBuilder();
                        try
                        {
                            var stream = client.GetStreamingResponseAsync("hi");
                            await foreach (var update in stream)
                            {
                                text.Append(update.Text);
                            }

                            return text.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_Ollama_Betalgo()
        => Verify<RetryWrapsUnstartedStreamAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;
            using Polly;

            class Chat
            {
                async Task OllamaAsync(ResiliencePipeline pipeline, IOllamaApiClient ollama, ChatRequest request)
                {
                    var chunks = await pipeline.ExecuteAsync(async token => ollama.{|LLM104:ChatAsync|}(request, token));
                    await foreach (var chunk in chunks)
                    {
                        System.Console.Write(chunk?.Message.Content);
                    }
                }

                async Task BetalgoAsync(ResiliencePipeline pipeline, Betalgo.Ranul.OpenAI.Interfaces.IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    var chunks = await pipeline.ExecuteAsync(token => new ValueTask<System.Collections.Generic.IAsyncEnumerable<Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.ChatCompletionCreateResponse>>(chat.{|LLM104:CreateCompletionAsStream|}(request, cancellationToken: token)));
                    await foreach (var chunk in chunks)
                    {
                        System.Console.Write(chunk.Choices.Count);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_BrokenCode()
        => Verify<RetryWrapsUnstartedStreamAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task AskAsync(ResiliencePipeline pipeline, IChatClient client)
                {
                    var stream = await pipeline.ExecuteAsync(token => ValueTask.FromResult(client.{|CS1061:Missing|}("hi")));
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_MovesTheLoopIntoTheDelegate(string family)
        => RetryVerify.FixAsync<RetryWrapsUnstartedStreamAnalyzer, RetryWrapsUnstartedStreamCodeFix>(FamilySources.F(family, """
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
            """), FamilySources.F(family, """
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

    [Fact]
    public Task Fix_Sync_OpenAI()
        => RetryVerify.FixAsync<RetryWrapsUnstartedStreamAnalyzer, RetryWrapsUnstartedStreamCodeFix>("""
            using System.Collections.Generic;
            using OpenAI.Chat;
            using Polly;

            class Chat
            {
                int Count(ResiliencePipeline pipeline, ChatClient client)
                {
                    var parts = new List<string>();
                    var updates = pipeline.Execute(() => client.{|LLM104:CompleteChatStreaming|}(new UserChatMessage("hi")));
                    var label = "answer";
                    foreach (var update in updates)
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            parts.Add(label + part.Text);
                        }
                    }

                    return parts.Count;
                }
            }
            """, """
            using System.Collections.Generic;
            using OpenAI.Chat;
            using Polly;

            class Chat
            {
                int Count(ResiliencePipeline pipeline, ChatClient client)
                {
                    var parts = new List<string>();
                    var label = "answer";
                    pipeline.Execute(() =>
                    {
                        parts.Clear();
                        foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                parts.Add(label + part.Text);
                            }
                        }
                    });

                    return parts.Count;
                }
            }
            """, RetryWrapsUnstartedStreamCodeFix.EquivalenceKey);

    [Fact]
    public Task NoFix_LoopReturnsOrStreamUsedTwiceOrLoopRetry()
        => RetryVerify.NoFixAsync<RetryWrapsUnstartedStreamAnalyzer, RetryWrapsUnstartedStreamCodeFix>("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task<string?> FirstAsync(ResiliencePipeline pipeline, IChatClient client)
                {
                    var stream = await pipeline.ExecuteAsync(token => ValueTask.FromResult(client.{|LLM104:GetStreamingResponseAsync|}("hi", cancellationToken: token)));
                    await foreach (var update in stream)
                    {
                        return update.Text;
                    }

                    return null;
                }

                async Task TwiceAsync(ResiliencePipeline pipeline, IChatClient client)
                {
                    var stream = await pipeline.ExecuteAsync(token => ValueTask.FromResult(client.{|LLM104:GetStreamingResponseAsync|}("hi", cancellationToken: token)));
                    Console.WriteLine(stream.GetHashCode());
                    await foreach (var update in stream)
                    {
                        Console.Write(update.Text.Length);
                    }
                }

                async Task PrintsAsync(ResiliencePipeline pipeline, IChatClient client)
                {
                    var stream = await pipeline.ExecuteAsync(token => ValueTask.FromResult(client.{|LLM104:GetStreamingResponseAsync|}("hi", cancellationToken: token)));
                    await foreach (var update in stream)
                    {
                        Console.Write(update.Text);
                    }
                }

                IAsyncEnumerable<ChatResponseUpdate> Loop(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            return client.{|LLM104:GetStreamingResponseAsync|}("hi");
                        }
                        catch (InvalidOperationException) when (attempt < 3)
                        {
                        }
                    }
                }
            }
            """);
}
