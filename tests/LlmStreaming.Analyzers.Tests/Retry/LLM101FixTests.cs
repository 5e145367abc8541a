using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Retry;

namespace LlmStreaming.Analyzers.Tests.Retry;

public class LLM101FixTests
{
    [Fact]
    public Task Fix_ExtensionsAI_ResetsAccumulator()
        => RetryVerify.FixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
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
            """, """
            using System;
            using System.ClientModel;
            using System.IO;
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
                        catch (Exception ex) when (attempt < 3 && ex is IOException or HttpRequestException or ClientResultException { Status: 0 or 408 or 429 or >= 500 })
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                    }

                    return answer.ToString();
                }
            }
            """, MidStreamRetryCodeFixProvider.RetryLoopKey);

    [Fact]
    public Task Fix_OpenAI_SyncLoopThatWrites_GuardsOnNothingEmitted()
        => RetryVerify.FixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
            using System;
            using OpenAI.Chat;

            class Chat
            {
                void Print(ChatClient client)
                {
                    foreach (var update in client.{|LLM101:CompleteChatStreaming|}(new UserChatMessage("hi")))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            Console.Write(part.Text);
                        }
                    }
                }
            }
            """, """
            using System;
            using System.ClientModel;
            using System.IO;
            using System.Threading;
            using OpenAI.Chat;

            class Chat
            {
                void Print(ChatClient client)
                {
                    var emitted = false;
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                            {
                                foreach (var part in update.ContentUpdate)
                                {
                                    emitted = true;
                                    Console.Write(part.Text);
                                }
                            }

                            break;
                        }
                        catch (Exception ex) when (!emitted && attempt < 3 && ex is IOException or ClientResultException { Status: 0 or 408 or 429 or >= 500 })
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            Thread.Sleep(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                    }
                }
            }
            """, MidStreamRetryCodeFixProvider.RetryLoopKey);

    [Fact]
    public Task Fix_Aggregation_DeclarationIsHoisted()
        => RetryVerify.FixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
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
            """, """
            using System;
            using System.ClientModel;
            using System.IO;
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
                        catch (Exception ex) when (attempt < 3 && ex is IOException or HttpRequestException or ClientResultException { Status: 0 or 408 or 429 or >= 500 })
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), cancellationToken);
                        }
                    }

                    return response.Text;
                }
            }
            """, MidStreamRetryCodeFixProvider.RetryLoopKey);

    [Fact]
    public Task Fix_Anthropic_ExpressionBodiedReturn()
        => RetryVerify.FixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<Message> AskAsync(AnthropicClient client, MessageCreateParams request)
                    => await client.Messages.CreateStreaming(request).{|LLM101:Aggregate|}();
            }
            """, """
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Exceptions;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<Message> AskAsync(AnthropicClient client, MessageCreateParams request)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            return await client.Messages.CreateStreaming(request).Aggregate();
                        }
                        catch (Exception ex) when (attempt < 3 && ex is IOException or AnthropicIOException or Anthropic5xxException or AnthropicRateLimitException or AnthropicSseException)
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                    }
                }
            }
            """, MidStreamRetryCodeFixProvider.RetryLoopKey);

    [Fact]
    public Task Fix_HandRolled_RetriesFromTheRequest()
        => RetryVerify.FixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Chat
            {
                private readonly HttpClient _http = new();

                async Task<string> AskAsync(string body, CancellationToken ct)
                {
                    var sb = new StringBuilder();
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                    };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    response.EnsureSuccessStatusCode();
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    {|LLM101:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]")
                        {
                            continue;
                        }

                        using var doc = JsonDocument.Parse(line.Substring(6));
                        sb.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return sb.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Chat
            {
                private readonly HttpClient _http = new();

                async Task<string> AskAsync(string body, CancellationToken ct)
                {
                    var sb = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        sb.Clear();
                        try
                        {
                            using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                            {
                                Content = new StringContent(body, Encoding.UTF8, "application/json"),
                            };
                            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                            response.EnsureSuccessStatusCode();
                            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                            string? line;
                            while ((line = await reader.ReadLineAsync(ct)) != null)
                            {
                                if (!line.StartsWith("data: ") || line == "data: [DONE]")
                                {
                                    continue;
                                }

                                using var doc = JsonDocument.Parse(line.Substring(6));
                                sb.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && ex is IOException or HttpRequestException)
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                    }

                    return sb.ToString();
                }
            }
            """, MidStreamRetryCodeFixProvider.RetryLoopKey);

    [Fact]
    public Task Fix_Polly_Statement()
        => RetryVerify.FixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService chat, ChatHistory history, CancellationToken ct)
                {
                    var text = "";
                    await foreach (var part in chat.{|LLM101:GetStreamingChatMessageContentsAsync|}(history, cancellationToken: ct))
                    {
                        text += part.Content;
                    }

                    return text;
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;
            using Polly;
            using Polly.Retry;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService chat, ChatHistory history, CancellationToken ct)
                {
                    var text = "";
                    var retryOptions = new RetryStrategyOptions
                    {
                        ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<HttpRequestException>().Handle<HttpOperationException>(e => e.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError),
                        MaxRetryAttempts = 3,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                        MaxDelay = TimeSpan.FromSeconds(30),
                    };
                    var pipeline = new ResiliencePipelineBuilder().AddRetry(retryOptions).Build();
                    await pipeline.ExecuteAsync(async token =>
                    {
                        text = "";
                        await foreach (var part in chat.GetStreamingChatMessageContentsAsync(history, cancellationToken: ct))
                        {
                            text += part.Content;
                        }
                    }, ct);

                    return text;
                }
            }
            """, MidStreamRetryCodeFixProvider.PollyKey);

    [Fact]
    public Task Fix_Polly_Declaration()
        => RetryVerify.FixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string?> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var done = await ollama.ChatAsync(request).{|LLM101:StreamToEndAsync|}();
                    return done?.Message.Content;
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;
            using Polly;
            using Polly.Retry;

            class Chat
            {
                async Task<string?> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var retryOptions = new RetryStrategyOptions
                    {
                        ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<HttpRequestException>(),
                        MaxRetryAttempts = 3,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                        MaxDelay = TimeSpan.FromSeconds(30),
                    };
                    var pipeline = new ResiliencePipelineBuilder().AddRetry(retryOptions).Build();
                    var done = await pipeline.ExecuteAsync(async token => await ollama.ChatAsync(request).StreamToEndAsync());
                    return done?.Message.Content;
                }
            }
            """, MidStreamRetryCodeFixProvider.PollyKey);

    [Fact]
    public Task Fix_FixAll_TwoLoopsInOneMethod_CSharp8()
        => RetryVerify.FixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskTwiceAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    var first = new StringBuilder();
                    await foreach (var chunk in chat.{|LLM101:CreateCompletionAsStream|}(request))
                    {
                        first.Append(chunk.Choices.Count > 0 ? chunk.Choices[0].Message.Content : null);
                    }

                    var second = new StringBuilder();
                    await foreach (var chunk in chat.{|LLM101:CreateCompletionAsStream|}(request))
                    {
                        second.Append(chunk.Choices.Count > 0 ? chunk.Choices[0].Message.Content : null);
                    }

                    return first + "\n" + second;
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskTwiceAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    var first = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        first.Clear();
                        try
                        {
                            await foreach (var chunk in chat.CreateCompletionAsStream(request))
                            {
                                first.Append(chunk.Choices.Count > 0 ? chunk.Choices[0].Message.Content : null);
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException || ex is HttpRequestException))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                    }

                    var second = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        second.Clear();
                        try
                        {
                            await foreach (var chunk in chat.CreateCompletionAsStream(request))
                            {
                                second.Append(chunk.Choices.Count > 0 ? chunk.Choices[0].Message.Content : null);
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException || ex is HttpRequestException))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                    }

                    return first + "\n" + second;
                }
            }
            """, MidStreamRetryCodeFixProvider.RetryLoopKey, Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp8);

    [Fact]
    public Task NoFix_ShapesTheRewriteWouldBreak()
        => RetryVerify.NoFixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task EmbeddedAsync(IChatClient client, bool verbose)
                {
                    if (verbose)
                        await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}("hi"))
                            Console.Write(update.Text);
                }

                Task<ChatResponse> NotAwaited(IChatClient client)
                    => client.GetStreamingResponseAsync("hi").{|LLM101:ToChatResponseAsync|}();

                async Task<int> RequestFromCallerAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var count = 0;
                    {|LLM101:while|} (await reader.ReadLineAsync() is { } line)
                    {
                        if (line.StartsWith("data: ") && line != "data: [DONE]")
                        {
                            count++;
                        }
                    }

                    return count;
                }

                async Task<string?> ResponseUsedAfterAsync(HttpClient http)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("{}"));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    {|LLM101:while|} (await reader.ReadLineAsync() is { } line)
                    {
                        if (line == "data: [DONE]")
                        {
                            break;
                        }
                    }

                    return response.Headers.ETag?.Tag;
                }
            }
            """);

    [Fact]
    public Task NoFix_PollyVariantWhenOutputIsWrittenOut()
        => RetryVerify.NoFixAsync<MidStreamRetryAnalyzer, MidStreamRetryCodeFixProvider>("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task PrintAsync(IChatClient client)
                {
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}("hi"))
                    {
                        Console.Write(update.Text);
                    }
                }
            }
            """, MidStreamRetryCodeFixProvider.PollyKey);
}
