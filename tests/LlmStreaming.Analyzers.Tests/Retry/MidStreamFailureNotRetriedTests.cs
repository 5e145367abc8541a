using LlmStreaming.Analyzers.Tests.Families;
using System.Collections.Immutable;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Termination;
using LlmStreaming.CodeFixes.Retry;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Retry;

public class MidStreamFailureNotRetriedTests
{
    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_ExtensionsAI_EnumerationWithoutRetry(string family)
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
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

    [Fact]
    public Task Reports_OpenAI_SyncEnumerationAndAsyncLocal()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
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

                async Task PrintAsync(ChatClient client)
                {
                    var stream = client.CompleteChatStreamingAsync(new UserChatMessage("hi"));
                    await {|LLM101:foreach|} (var update in stream)
                    {
                        Console.Write(update.ContentUpdate.Count);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_SemanticKernel_Anthropic_Ollama_Betalgo()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> SemanticKernelAsync(Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService chat, ChatHistory history)
                {
                    var text = "";
                    await foreach (var part in chat.{|LLM101:GetStreamingChatMessageContentsAsync|}(history))
                    {
                        text += part.Content;
                    }

                    return text;
                }

                async Task<int> AnthropicAsync(AnthropicClient client, MessageCreateParams request)
                {
                    var count = 0;
                    await foreach (var streamEvent in client.Messages.{|LLM101:CreateStreaming|}(request))
                    {
                        count++;
                    }

                    return count;
                }

                async Task<string> OllamaAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var sb = new StringBuilder();
                    await foreach (var chunk in ollama.{|LLM101:ChatAsync|}(request))
                    {
                        sb.Append(chunk?.Message.Content);
                    }

                    return sb.ToString();
                }

                async Task<string> BetalgoAsync(Betalgo.Ranul.OpenAI.Interfaces.IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    var sb = new StringBuilder();
                    await foreach (var chunk in chat.{|LLM101:CreateCompletionAsStream|}(request))
                    {
                        sb.Append(chunk.Choices[0].Message.Content);
                    }

                    return sb.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_Aggregations()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;
            using Microsoft.Extensions.AI;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<ChatResponse> ExtensionsAIAsync(IChatClient client)
                    => await client.GetStreamingResponseAsync("hi").{|LLM101:ToChatResponseAsync|}();

                async Task<Anthropic.Models.Messages.Message> AnthropicAsync(AnthropicClient client, MessageCreateParams request)
                    => await client.Messages.CreateStreaming(request).{|LLM101:Aggregate|}();

                async Task<ChatDoneResponseStream?> OllamaAsync(IOllamaApiClient ollama, ChatRequest request)
                    => await ollama.ChatAsync(request).{|LLM101:StreamToEndAsync|}();
            }
            """);

    [Fact]
    public Task Reports_HandRolledSseLoop()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
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
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                    };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var sb = new StringBuilder();
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
            """);

    [Fact]
    public Task Reports_CatchThatRethrowsOrWraps()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task LogAndRethrowAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}("hi"))
                        {
                            Console.Write(update.Text);
                        }
                    }
                    catch (Exception ex)
                    {
                        Console.Error.WriteLine(ex);
                        throw;
                    }
                }

                async Task WrapAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}("hi"))
                        {
                            Console.Write(update.Text);
                        }
                    }
                    catch (IOException ex)
                    {
                        throw new InvalidOperationException("The model stream failed.", ex);
                    }
                }

                async Task FinallyOnlyAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}("hi"))
                        {
                            Console.Write(update.Text);
                        }
                    }
                    finally
                    {
                        Console.WriteLine();
                    }
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task NoDiagnostic_RetryLoopWhoseCatchContinues(string family)
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
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

    [Fact]
    public Task NoDiagnostic_CatchHandlesIOExceptionOrBase()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> KeepPartialAsync(IChatClient client)
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
                        answer.Append(" [interrupted]");
                    }

                    return answer.ToString();
                }

                async Task<string> ReturnOnAnyFailureAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (Exception)
                    {
                        return answer.ToString();
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_PollyPipelineAndConfiguredHelper()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            static class RetryHelper
            {
                public static Task RunAsync(Func<Task> action) => action();
            }

            class Chat
            {
                async Task PollyAsync(ResiliencePipeline pipeline, IChatClient client, CancellationToken ct)
                {
                    await pipeline.ExecuteAsync(async token =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: token))
                        {
                            Console.Write(update.Text);
                        }
                    }, ct);
                }

                async Task HelperAsync(IChatClient client)
                {
                    await RetryHelper.RunAsync(async () =>
                    {
                        var response = await client.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                        Console.Write(response.Text);
                    });
                }
            }
            """,
            References.Sdks,
            "llm_streaming.retry_methods = RetryHelper.RunAsync");

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task NoDiagnostic_PassThroughIterator(string family)
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
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

    // Real code (OllamaSharp's OllamaApiClient, Betalgo's chat service): the pass-through loop has no block around its yield.
    [Fact]
    public Task NoDiagnostic_PassThroughIteratorWithoutBraces()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async IAsyncEnumerable<ChatResponseStream?> ChatAsync(IOllamaApiClient client, ChatRequest request, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    await foreach (var result in client.ChatAsync(request, ct).ConfigureAwait(false))
                        yield return result;
                }

                async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi")) yield return update;
                }
            }
            """);

    // Real code (OllamaSharp, AIShell): Ollama's streaming API used for a request with Stream = false is one response.
    [Fact]
    public Task NoDiagnostic_OllamaRequestThatAsksForNoStream()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models;

            class Agent
            {
                private readonly GenerateRequest _request = new() { Model = "llama3.1" };

                async Task<string?> AskAsync(IOllamaApiClient client)
                {
                    if (_request.Stream)
                    {
                        var text = "";
                        await foreach (var update in client.{|LLM101:GenerateAsync|}(_request))
                        {
                            text += update?.Response;
                        }

                        return text;
                    }
                    else
                    {
                        var whole = await client.GenerateAsync(_request).StreamToEndAsync();
                        return whole?.Response;
                    }
                }

                async Task UnloadAsync(IOllamaApiClient client, string model)
                {
                    await foreach (var _ in client.GenerateAsync(new GenerateRequest { Model = model, Stream = false, KeepAlive = "0s" }))
                    {
                        break;
                    }
                }
            }
            """);

    // Real code (dotnet/ai-samples): a sample's canned IChatClient, alone or behind the builder pipeline, is no model.
    [Fact]
    public Task NoDiagnostic_CannedChatClientOfASample()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            public class SampleChatClient : IChatClient
            {
                public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
                {
                    await Task.Delay(300, cancellationToken);
                    return new(new ChatMessage(ChatRole.Assistant, "This is a sample response."));
                }

                public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    yield return new(ChatRole.Assistant, "This is the first part of the stream.");
                    await Task.Delay(300, cancellationToken);
                    yield return new(ChatRole.Assistant, "This is the second part of the stream.");
                }

                public object? GetService(Type serviceType, object? key = null) => null;

                public void Dispose()
                {
                }
            }

            public class Samples
            {
                public static async Task Streaming()
                {
                    IChatClient client = new SampleChatClient();
                    await foreach (var update in client.GetStreamingResponseAsync("What is AI?"))
                    {
                        Console.Write(update);
                    }
                }

                public static async Task ToolCalling()
                {
                    IChatClient client = new SampleChatClient().AsBuilder().UseFunctionInvocation().Build();
                    await foreach (var update in client.GetStreamingResponseAsync("What is AI?"))
                    {
                        Console.Write(update);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_PrivateHelperCalledOnlyFromRetry()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                public async Task<string> AskAsync(IChatClient client, CancellationToken ct)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            return await StreamOnceAsync(client, ct);
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 400) * (1 << attempt)), ct);
                        }
                    }
                }

                public async Task<string> AskWithPollyAsync(ResiliencePipeline pipeline, IChatClient client, CancellationToken ct)
                    => await pipeline.ExecuteAsync(StreamOnceAsync2, ct);

                private async Task<string> StreamOnceAsync(IChatClient client, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }

                private IChatClient? _client;

                private async ValueTask<string> StreamOnceAsync2(CancellationToken ct)
                {
                    var response = await _client!.GetStreamingResponseAsync("hi", cancellationToken: ct).ToChatResponseAsync(ct);
                    return response.Text;
                }
            }
            """);

    [Fact]
    public Task Reports_PrivateHelperAlsoCalledWithoutRetry()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                public async Task<string> AskAsync(IChatClient client)
                {
                    try
                    {
                        return await StreamOnceAsync(client);
                    }
                    catch (IOException)
                    {
                        return await StreamOnceAsync(client);
                    }
                }

                private async Task<string> StreamOnceAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}("hi"))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_WhereLLM106Fires()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel;
            using System.Net.Http;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client)
                {
                    var text = "";
                    try
                    {
                        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                text += part.Text;
                            }
                        }
                    }
                    catch (ClientResultException)
                    {
                        return text;
                    }
                    catch (HttpRequestException)
                    {
                        return text;
                    }

                    return text;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ReceivedStreamAndLookAlikes()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Ticker
            {
                private readonly HttpClient _http = new();

                async Task PrintAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
                {
                    await foreach (var update in updates)
                    {
                        Console.Write(update.Text);
                    }
                }

                async Task NumbersAsync(IAsyncEnumerable<int> numbers)
                {
                    await foreach (var n in numbers)
                    {
                        Console.Write(n);
                    }
                }

                async Task QuotesAsync()
                {
                    using var stream = await _http.GetStreamAsync("https://example.com/quotes");
                    using var reader = new StreamReader(stream);
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data:"))
                        {
                            Console.WriteLine(line.Substring(5));
                        }
                    }
                }
            }

            class FakeClient
            {
                public async IAsyncEnumerable<string> GetStreamingResponseAsync(string prompt)
                {
                    await Task.Yield();
                    yield return prompt;
                }

                async Task UseAsync()
                {
                    await foreach (var s in GetStreamingResponseAsync("x"))
                    {
                        Console.Write(s);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NoSdkReferenced()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;

            class Chat
            {
                async Task PrintAsync(IAsyncEnumerable<string> tokens)
                {
                    await foreach (var token in tokens)
                    {
                        Console.Write(token);
                    }
                }
            }
            """,
            ImmutableArray<MetadataReference>.Empty,
            editorConfig: null);

    [Fact]
    public Task Reports_ConfiguredStreamingMethod()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;

            class Gateway
            {
                public async IAsyncEnumerable<string> StreamTokensAsync(string prompt)
                {
                    await Task.Yield();
                    yield return prompt;
                }
            }

            class Chat
            {
                async Task PrintAsync(Gateway gateway)
                {
                    await foreach (var token in gateway.{|LLM101:StreamTokensAsync|}("hi"))
                    {
                        Console.Write(token);
                    }
                }
            }
            """,
            References.Sdks,
            "llm_streaming.streaming_methods = Gateway.StreamTokensAsync");

    [Fact]
    public Task NoDiagnostic_BrokenCode()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}("hi"))
                    {
                        {|CS0103:Missing|}(update.Text);
                    }
                    for (var i = 0; ; i++)
                    {
                        try { await foreach (var u in client.GetStreamingResponseAsync({|CS1503:i|})) { } }
                        catch ({|CS0246:Unknown|}) { }
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_ExtensionsAI950()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}("hi"))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }
            }
            """,
            References.ExtensionsAI950,
            editorConfig: null);

    /// <summary>
    /// LLM203's fix applied first (the order "dotnet format" or a user may take): its finish-reason declaration and the
    /// checks after the loop move into the attempt with the loop, so a stream found cut off is retried (issue 10, #8;
    /// the conformance suite's lightbulbs-reversed path).
    /// </summary>
    [Fact]
    public Task Fix_FinishCheckAfterTheLoop_MovesIntoTheAttempt()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        finishReason ??= update.FinishReason;
                        answer.Append(update.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.");
                    }

                    if (finishReason == ChatFinishReason.Length)
                    {
                        throw new InvalidOperationException("The model stopped at the token limit.");
                    }

                    return answer.ToString();
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
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.");
                            }

                            if (finishReason == ChatFinishReason.Length)
                            {
                                throw new InvalidOperationException("The model stopped at the token limit.");
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
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_ExtensionsAI_ResetsAccumulator(string family)
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>(FamilySources.F(family, """
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
            """), FamilySources.F(family, """
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

    /// <summary>
    /// Monitoring (issue 10): with an <c>ILogger</c> in scope, the retry logs each retry as a warning and the final failure
    /// as an error, both with the attempt number; a cancel by the caller is not logged as a failure.
    /// </summary>
    [Fact]
    public Task Fix_LoggerInScope_LogsEachRetryAndTheFinalFailure()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                private readonly ILogger<Chat> _logger;

                public Chat(ILogger<Chat> logger) => _logger = logger;

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
            """, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                private readonly ILogger<Chat> _logger;

                public Chat(ILogger<Chat> logger) => _logger = logger;

                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
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
                            _logger.LogWarning(ex, "The model stream failed on attempt {Attempt}; retrying", attempt + 1);
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception exception)
                        {
                            if (!ct.IsCancellationRequested)
                            {
                                _logger.LogError(exception, "The model stream failed on attempt {Attempt}; giving up", attempt + 1);
                            }

                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }

                    return answer.ToString();
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    /// <summary>The Polly form logs each retry from <c>OnRetry</c>, and the final failure around the pipeline.</summary>
    [Fact]
    public Task Fix_Polly_LoggerParameter_LogsEachRetryAndTheFinalFailure()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, ILogger logger, string question, CancellationToken ct)
                {
                    var text = "";
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        text += update.Text;
                    }

                    return text;
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;
            using Polly;
            using Polly.Retry;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, ILogger logger, string question, CancellationToken ct)
                {
                    var text = "";
                    var retryOptions = new RetryStrategyOptions
                    {
                        ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<HttpRequestException>(e => e.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError).Handle<OperationCanceledException>(_ => !ct.IsCancellationRequested),
                        MaxRetryAttempts = 3,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                        MaxDelay = TimeSpan.FromSeconds(30),
                        OnRetry = arguments =>
                        {
                            logger.LogWarning(arguments.Outcome.Exception, "The model stream failed on attempt {Attempt}; retrying", arguments.AttemptNumber + 1);
                            return default;
                        },
                    };
                    var pipeline = new ResiliencePipelineBuilder().AddRetry(retryOptions).Build();
                    try
                    {
                        await pipeline.ExecuteAsync(async token =>
                        {
                            text = "";
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                text += update.Text;
                            }
                        }, ct);
                    }
                    catch (Exception exception)
                    {
                        if (!ct.IsCancellationRequested)
                        {
                            logger.LogError(exception, "The model stream failed after its retries");
                        }

                        exception.Data["PartialOutput"] = text;
                        throw;
                    }

                    return text;
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.PollyKey);

    /// <summary>
    /// No logging where the logger cannot be used as written: an instance field from a static method, or a logger whose
    /// extension methods' namespace is not imported (the fix would not compile or would need a using of its own).
    /// </summary>
    [Theory]
    [InlineData("using Microsoft.Extensions.Logging;", "private ILogger Logger { get; } = null!;", "static")]
    [InlineData("", "private Microsoft.Extensions.Logging.ILogger Logger { get; } = null!;", "")]
    public Task Fix_LoggerNotUsable_NoLogging(string usingLine, string members, string modifier)
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>($$"""
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            {{usingLine}}

            class Chat
            {
                {{members}}

                {{modifier}} async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }
            }
            """, $$"""
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            {{usingLine}}

            class Chat
            {
                {{members}}

                {{modifier}} async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
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
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Fact]
    public Task Fix_OpenAI_SyncLoopThatWrites_GuardsOnNothingEmitted()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
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
                                    if (!string.IsNullOrEmpty(part.Text))
                                    {
                                        emitted = true;
                                    }
                                    Console.Write(part.Text);
                                }
                            }

                            break;
                        }
                        catch (Exception ex) when (!emitted && attempt < 3 && ex is IOException or OperationCanceledException)
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            Thread.Sleep(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                        catch (OperationCanceledException timedOut)
                        {
                            // Part of the answer was written out before the stream stalled: a timeout, not the caller's cancellation.
                            throw new TimeoutException("The model stream stalled after part of the answer was written out.", timedOut);
                        }
                    }
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_Aggregation_DeclarationIsHoisted(string family)
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>(FamilySources.F(family, """
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
            """), FamilySources.F(family, """
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

    [Fact]
    public Task Fix_Anthropic_ExpressionBodiedReturn()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
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
                        catch (Exception ex) when (attempt < 3 && ex is IOException or AnthropicSseException or OperationCanceledException)
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                    }
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Fact]
    public Task Fix_HandRolled_RetriesFromTheRequest()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
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
            using System.Net;
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
                        catch (Exception ex) when (attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = sb.ToString();
                            throw;
                        }
                    }

                    return sb.ToString();
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    /// <summary>
    /// The reads take the token of a source created inside the attempt (an idle timeout): it is out of scope in the
    /// catch, so the backoff waits on the method's own token.
    /// </summary>
    [Fact]
    public Task Fix_HandRolled_TokenOfALocalMadeInTheAttempt_BackoffUsesTheMethodsToken()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class Chat
            {
                private readonly HttpClient _http = new();

                async Task AskAsync(CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    idle.CancelAfter(TimeSpan.FromMinutes(2));
                    string? line;
                    {|LLM101:while|} ((line = await reader.ReadLineAsync(idle.Token)) != null)
                    {
                        idle.CancelAfter(TimeSpan.FromMinutes(2));
                        if (!line.StartsWith("data: ") || line == "data: [DONE]")
                        {
                            continue;
                        }

                        Console.Write(line.Substring(6));
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class Chat
            {
                private readonly HttpClient _http = new();

                async Task AskAsync(CancellationToken ct)
                {
                    var emitted = false;
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                            idle.CancelAfter(TimeSpan.FromMinutes(2));
                            string? line;
                            while ((line = await reader.ReadLineAsync(idle.Token)) != null)
                            {
                                idle.CancelAfter(TimeSpan.FromMinutes(2));
                                if (!line.StartsWith("data: ") || line == "data: [DONE]")
                                {
                                    continue;
                                }
                                emitted = true;

                                Console.Write(line.Substring(6));
                            }

                            break;
                        }
                        catch (Exception ex) when (!emitted && attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (OperationCanceledException timedOut) when (!ct.IsCancellationRequested)
                        {
                            // Part of the answer was written out before the stream stalled: a timeout, not the caller's cancellation.
                            throw new TimeoutException("The model stream stalled after part of the answer was written out.", timedOut);
                        }
                    }
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Fact]
    public Task Fix_HandRolled_AccumulatorDeclaredAfterTheRequest_StaysBeforeTheRetry()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Chat
            {
                async Task<string> AskAsync(HttpClient http, string body, CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                    };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));

                    var answer = new StringBuilder();
                    string? line;
                    {|LLM101:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        answer.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return answer.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Chat
            {
                async Task<string> AskAsync(HttpClient http, string body, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                            {
                                Content = new StringContent(body, Encoding.UTF8, "application/json"),
                            };
                            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                            string? line;
                            while ((line = await reader.ReadLineAsync(ct)) != null)
                            {
                                if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                                using var doc = JsonDocument.Parse(line.Substring(6));
                                answer.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
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
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Fact]
    public Task Fix_Polly_Statement()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
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
                        ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<HttpRequestException>(e => e.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError).Handle<HttpOperationException>(e => e.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError).Handle<OperationCanceledException>(_ => !ct.IsCancellationRequested),
                        MaxRetryAttempts = 3,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                        MaxDelay = TimeSpan.FromSeconds(30),
                    };
                    var pipeline = new ResiliencePipelineBuilder().AddRetry(retryOptions).Build();
                    try
                    {
                        await pipeline.ExecuteAsync(async token =>
                        {
                            text = "";
                            await foreach (var part in chat.GetStreamingChatMessageContentsAsync(history, cancellationToken: ct))
                            {
                                text += part.Content;
                            }
                        }, ct);
                    }
                    catch (Exception exception)
                    {
                        exception.Data["PartialOutput"] = text;
                        throw;
                    }

                    return text;
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.PollyKey);

    [Fact]
    public Task Fix_Polly_Declaration()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
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
            using System.Net;
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
                        ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<HttpRequestException>(e => e.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError).Handle<OperationCanceledException>(),
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
            """, MidStreamFailureNotRetriedCodeFix.PollyKey);

    [Fact]
    public Task Fix_FixAll_TwoLoopsInOneMethod_CSharp8()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
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
            using System.Net;
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
                        catch (Exception ex) when (attempt < 3 && (ex is IOException || ex is HttpRequestException failed && (failed.StatusCode == null || failed.StatusCode == HttpStatusCode.RequestTimeout || failed.StatusCode == HttpStatusCode.TooManyRequests || failed.StatusCode >= HttpStatusCode.InternalServerError) || ex is OperationCanceledException))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = first.ToString();
                            throw;
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
                        catch (Exception ex) when (attempt < 3 && (ex is IOException || ex is HttpRequestException failed && (failed.StatusCode == null || failed.StatusCode == HttpStatusCode.RequestTimeout || failed.StatusCode == HttpStatusCode.TooManyRequests || failed.StatusCode >= HttpStatusCode.InternalServerError) || ex is OperationCanceledException))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = second.ToString();
                            throw;
                        }
                    }

                    return first + "\n" + second;
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey, Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp8);

    [Fact]
    public Task NoFix_ShapesTheRewriteWouldBreak()
        => RetryVerify.NoFixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
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
        => RetryVerify.NoFixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
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
            """, MidStreamFailureNotRetriedCodeFix.PollyKey);

    /// <summary>
    /// A Polly execute whose delegate does not bind (code being edited) is still the retry: LLM101 stays silent, so
    /// its fix does not wrap the loop in a second pipeline (seen in the Fix All idempotence test).
    /// </summary>
    [Fact]
    public Task NoDiagnostic_PollyDelegateThatDoesNotBind()
        => TerminationTest.BrokenCodeAsync<MidStreamFailureNotRetriedAnalyzer>("""
            using System.Threading.Tasks;
            using OpenAI.Chat;
            using Polly;

            class Chat
            {
                async Task PrintAsync(ChatClient client, ResiliencePipeline pipeline)
                {
                    await pipeline.ExecuteAsync(async token =>
                    {
                        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                        {
                            System.Console.Write(update.ContentUpdate[0].Text + missing);
                        }
                    });
                }
            }
            """);
}
