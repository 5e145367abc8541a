using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

public class TimeoutSwallowedAsCancellationTests
{
    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_ExtensionsAI_CancelCatchAroundStream(string family)
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
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

    [Fact]
    public Task Reports_OpenAIAnthropicAndAggregation_TaskCanceledCatches()
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;

            class Chat
            {
                async Task OpenAIAsync(ChatClient client, List<OpenAI.Chat.ChatMessage> messages, CancellationToken cancellationToken)
                {
                    try
                    {
                        await foreach (var update in client.CompleteChatStreamingAsync(messages).WithCancellation(cancellationToken))
                        {
                            Console.Write(update.ContentUpdate.Count);
                        }
                    }
                    catch {|LLM407:(TaskCanceledException e)|}
                    {
                        Console.WriteLine(e.Message);
                    }
                }

                async Task AnthropicAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    using var cts = new CancellationTokenSource();
                    try
                    {
                        await foreach (var e in client.Messages.CreateStreaming(parameters, cts.Token))
                        {
                            Console.Write(e);
                        }
                    }
                    catch {|LLM407:(OperationCanceledException)|}
                    {
                    }
                }

                async Task<ChatResponse?> AggregateAsync(IChatClient chat, CancellationToken ct)
                {
                    try
                    {
                        return await chat.GetStreamingResponseAsync("hi", cancellationToken: ct).ToChatResponseAsync(ct);
                    }
                    catch {|LLM407:(OperationCanceledException)|}
                    {
                        return null;
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolled_LoopWithToken()
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    try
                    {
                        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                        string? line;
                        while ((line = await reader.ReadLineAsync(ct)) != null)
                        {
                            if (line == "data: [DONE]") break;
                            Console.Write(line);
                        }
                    }
                    catch {|LLM407:(OperationCanceledException)|}
                    {
                        Console.WriteLine("stopped");
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_OwnTokenCheckedOrRethrown()
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task A(IChatClient chat, CancellationToken ct)
                {
                    try { await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: ct)) Console.Write(u.Text); }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
                }

                async Task B(IChatClient chat, CancellationToken ct)
                {
                    try { await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: ct)) Console.Write(u.Text); }
                    catch (OperationCanceledException)
                    {
                        if (!ct.IsCancellationRequested) Console.WriteLine("timed out");
                    }
                }

                async Task C(IChatClient chat, CancellationToken ct)
                {
                    try { await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: ct)) Console.Write(u.Text); }
                    catch (OperationCanceledException) { Console.WriteLine("cancelled"); throw; }
                }

                async Task D(IChatClient chat, CancellationToken ct)
                {
                    try { await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: ct)) Console.Write(u.Text); }
                    catch (OperationCanceledException e) when (e.CancellationToken == ct) { }
                    catch (Exception) { }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NotAnLlmStreamOrNoTokenInPlay()
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Work
            {
                async Task DelayAsync(CancellationToken ct)
                {
                    try { await Task.Delay(1000, ct); }
                    catch (OperationCanceledException) { }
                }

                async Task<string> AskWithoutTokenAsync(IChatClient chat)
                {
                    try
                    {
                        var text = "";
                        await foreach (var u in chat.GetStreamingResponseAsync("hi")) text += u.Text;
                        return text;
                    }
                    catch (TaskCanceledException)
                    {
                        return "The model timed out.";
                    }
                }
            }
            """);

    [Fact]
    public Task Options_TheMinimumDoesNotApply()
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task A(IChatClient chat, CancellationToken ct)
                {
                    try { await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: ct)) Console.Write(u.Text); }
                    catch {|LLM407:(OperationCanceledException)|} { }
                }
            }
            """, References.Sdks, "llm_streaming.min_timeout_seconds = 1\nllm_streaming.LLM407.min_timeout_seconds = 100000\n");

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_AddsTheFilter(string family)
        => Verify<TimeoutSwallowedAsCancellationAnalyzer, TimeoutSwallowedAsCancellationCodeFix>.FixAsync(FamilySources.F(family, """
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
            """), FamilySources.F(family, """
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

    [Fact]
    public Task NoCrash_IncompleteCode()
        => TimeoutTestHelpers.BrokenCodeAsync<TimeoutSwallowedAsCancellationAnalyzer>("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task A(IChatClient chat, CancellationToken ct)
                {
                    try { await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: )) Console.Write(u.Text); }
                    catch (OperationCanceledException
                    catch ( ) { }
                }
            }
            """);
}
