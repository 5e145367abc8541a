using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

public class SdkTimeoutTooShortTests
{
    [Fact]
    public Task Reports_OpenAI_NetworkTimeoutBelowMinimum()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel;
            using OpenAI;

            class Factory
            {
                OpenAIClient Create(string key)
                {
                    var options = new OpenAIClientOptions { {|LLM404:NetworkTimeout = TimeSpan.FromSeconds(30)|} };
                    {|LLM404:options.NetworkTimeout = TimeSpan.FromSeconds(60)|};
                    return new OpenAIClient(new ApiKeyCredential(key), options);
                }
            }
            """);

    [Fact]
    public Task Reports_Anthropic_ClientAndOptionsTimeout()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using Anthropic;
            using Anthropic.Core;

            class Factory
            {
                AnthropicClient A() => new AnthropicClient { {|LLM404:Timeout = TimeSpan.FromSeconds(45)|} };
                AnthropicClient B() => new AnthropicClient(new ClientOptions { {|LLM404:Timeout = TimeSpan.FromSeconds(90)|} });
                IAnthropicClient C(IAnthropicClient client) => client.WithOptions(o => o with { {|LLM404:Timeout = TimeSpan.FromSeconds(20)|} });
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_ExtensionsAI_CancelAfterWhoseTokenReachesTheStream(string family)
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
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

    [Fact]
    public Task Reports_OpenAI_TokenSourceWithDeadlineThroughWithCancellation()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task AskAsync(ChatClient client)
                {
                    using var cts = new CancellationTokenSource({|LLM404:TimeSpan.FromMinutes(1)|});
                    var token = cts.Token;
                    await foreach (var update in client.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage("hi") }).WithCancellation(token))
                    {
                        Console.Write(update.ContentUpdate.Count);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_SemanticKernel_TokenSourceInMilliseconds()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task AskAsync(IChatCompletionService service, ChatHistory history)
                {
                    using var cts = new CancellationTokenSource({|LLM404:45000|});
                    await foreach (var chunk in service.GetStreamingChatMessageContentsAsync(history, cancellationToken: cts.Token))
                    {
                        System.Console.Write(chunk.Content);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_OllamaAndBetalgo_LinkedSourceDeadline()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                private readonly CancellationTokenSource _shutdown = new CancellationTokenSource();

                async Task OllamaAsync(IOllamaApiClient ollama)
                {
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
                    linked.CancelAfter({|LLM404:30_000|});
                    await foreach (var chunk in ollama.ChatAsync(new ChatRequest(), linked.Token))
                    {
                        Console.Write(chunk?.Message.Content);
                    }
                }

                async Task BetalgoAsync(IOpenAIService service)
                {
                    using var cts = new CancellationTokenSource();
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                    cts.CancelAfter({|LLM404:TimeSpan.FromSeconds(40)|});
                    await foreach (var chunk in service.ChatCompletion.CreateCompletionAsStream(new ChatCompletionCreateRequest(), cancellationToken: linked.Token))
                    {
                        Console.Write(chunk.Successful);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolled_DeadlineOnTheReads()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Chat
            {
                async Task StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter({|LLM404:TimeSpan.FromSeconds(90)|});
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync(cts.Token)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var payload = line.Substring(6);
                        if (payload == "[DONE]") break;
                        using var doc = JsonDocument.Parse(payload);
                        Console.Write(doc.RootElement.GetProperty("choices")[0]);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LongEnoughOrUnknownValues()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Anthropic;
            using Microsoft.Extensions.AI;
            using OpenAI;

            class Chat
            {
                object A() => new OpenAIClientOptions { NetworkTimeout = TimeSpan.FromMinutes(5) };
                object B() => new OpenAIClientOptions { NetworkTimeout = Timeout.InfiniteTimeSpan };
                object C(TimeSpan configured) => new AnthropicClient { Timeout = configured };
                object D() => new AnthropicClient { Timeout = null };

                async Task AskAsync(IChatClient chat, int seconds)
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
                    using var other = new CancellationTokenSource();
                    other.CancelAfter(TimeSpan.FromSeconds(seconds));
                    await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
                    {
                        Console.Write(update.Text);
                    }

                    await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: other.Token))
                    {
                        Console.Write(update.Text);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_DeadlineThatDoesNotReachAnLlmStream()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Work
            {
                async Task<string> PingAsync(HttpClient http, IChatClient chat)
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await Task.Delay(100, cts.Token);
                    var health = await http.GetStringAsync("https://status.example/health", cts.Token);
                    using var unrelated = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await foreach (var update in chat.GetStreamingResponseAsync("hi"))
                    {
                        Console.Write(update.Text);
                    }

                    return health;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_PipelineOptionsOfANonModelClient()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel.Primitives;

            class Factory
            {
                ClientPipeline Create() => ClientPipeline.Create(new ClientPipelineOptions { NetworkTimeout = TimeSpan.FromSeconds(10) });
            }
            """);

    [Fact]
    public Task Options_PerRuleMinimum()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using OpenAI;

            class Factory
            {
                object A() => new OpenAIClientOptions { NetworkTimeout = TimeSpan.FromSeconds(30) };
                object B() => new OpenAIClientOptions { {|LLM404:NetworkTimeout = TimeSpan.FromSeconds(10)|} };
            }
            """, References.Sdks, "llm_streaming.min_timeout_seconds = 600\nllm_streaming.LLM404.min_timeout_seconds = 20\n");

    [Fact]
    public Task Fix_RaisesNetworkTimeoutAndDeadlines()
        => Verify<SdkTimeoutTooShortAnalyzer, SdkTimeoutTooShortCodeFix>.FixAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OpenAI;

            class Chat
            {
                object A() => new OpenAIClientOptions { {|LLM404:NetworkTimeout = TimeSpan.FromSeconds(30)|} };

                async Task AskAsync(IChatClient chat)
                {
                    using var cts = new CancellationTokenSource({|LLM404:30000|});
                    using var other = new CancellationTokenSource();
                    other.CancelAfter({|LLM404:TimeSpan.FromSeconds(10)|});
                    await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
                    {
                        Console.Write(update.Text);
                    }

                    await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: other.Token))
                    {
                        Console.Write(update.Text);
                    }
                }
            }
            """, """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OpenAI;

            class Chat
            {
                object A() => new OpenAIClientOptions { NetworkTimeout = TimeSpan.FromMinutes(2) };

                async Task AskAsync(IChatClient chat)
                {
                    using var cts = new CancellationTokenSource(120_000);
                    using var other = new CancellationTokenSource();
                    other.CancelAfter(TimeSpan.FromMinutes(2));
                    await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
                    {
                        Console.Write(update.Text);
                    }

                    await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: other.Token))
                    {
                        Console.Write(update.Text);
                    }
                }
            }
            """, SdkTimeoutTooShortCodeFix.RaiseKey);

    [Fact]
    public Task Fix_PerRuleMinimumIsTheNewValue()
        => Verify<SdkTimeoutTooShortAnalyzer, SdkTimeoutTooShortCodeFix>.FixAsync("""
            using System;
            using Anthropic;

            class Factory
            {
                AnthropicClient A() => new AnthropicClient { {|LLM404:Timeout = TimeSpan.FromSeconds(45)|} };
            }
            """, """
            using System;
            using Anthropic;

            class Factory
            {
                AnthropicClient A() => new AnthropicClient { Timeout = TimeSpan.FromSeconds(90) };
            }
            """, SdkTimeoutTooShortCodeFix.RaiseKey, editorConfig: "llm_streaming.LLM404.min_timeout_seconds = 90\n");

    [Fact]
    public Task NoCrash_IncompleteCode()
        => TimeoutTestHelpers.BrokenCodeAsync<SdkTimeoutTooShortAnalyzer>("""
            using System;
            using System.Threading;
            using Microsoft.Extensions.AI;
            using OpenAI;

            class Chat
            {
                object A() => new OpenAIClientOptions { NetworkTimeout = TimeSpan.FromSeconds( };
                async void B(IChatClient chat)
                {
                    var cts = new CancellationTokenSource({|LLM404:TimeSpan.FromSeconds(10)|};
                    cts.CancelAfter();
                    await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token
                }
            }
            """);
}
