using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Retry;

namespace LlmStreaming.Analyzers.Tests.Retry;

public class RetryWithoutBackoffTests
{
    [Fact]
    public Task Reports_RetryLoopWithoutDelay_AllFamilies()
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> ExtensionsAIAsync(IChatClient client)
                {
                    {|LLM102:for|} (var attempt = 0; ; attempt++)
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
                        catch (IOException) when (attempt < 3)
                        {
                        }
                    }
                }

                string OpenAI(ChatClient client)
                {
                    var attempts = 0;
                    {|LLM102:while|} (true)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                            {
                                foreach (var part in update.ContentUpdate)
                                {
                                    answer.Append(part.Text);
                                }
                            }

                            return answer.ToString();
                        }
                        catch (IOException)
                        {
                            if (++attempts > 3)
                            {
                                throw;
                            }
                        }
                    }
                }

                async Task<Message> AnthropicAsync(AnthropicClient client, MessageCreateParams request)
                {
                    var attempt = 0;
                    {|LLM102:do|}
                    {
                        try
                        {
                            return await client.Messages.CreateStreaming(request).Aggregate();
                        }
                        catch (Exception) when (attempt < 3)
                        {
                            attempt++;
                            continue;
                        }
                    }
                    while (true);
                }
            }
            """);

    [Fact]
    public Task Reports_ConstantDelayWithoutJitter()
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

                async Task<string> LiteralAsync(IChatCompletionService chat, ChatHistory history, CancellationToken ct)
                {
                    {|LLM102:for|} (var attempt = 0; ; attempt++)
                    {
                        var text = new StringBuilder();
                        try
                        {
                            await foreach (var part in chat.GetStreamingChatMessageContentsAsync(history, cancellationToken: ct))
                            {
                                text.Append(part.Content);
                            }

                            return text.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(1000, ct);
                        }
                    }
                }

                async Task<string> FieldAndLocalAsync(IChatCompletionService chat, ChatHistory history)
                {
                    var pause = TimeSpan.FromMilliseconds(500);
                    {|LLM102:for|} (var attempt = 0; ; attempt++)
                    {
                        var text = new StringBuilder();
                        try
                        {
                            await foreach (var part in chat.GetStreamingChatMessageContentsAsync(history))
                            {
                                text.Append(part.Content);
                            }

                            return text.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(attempt == 0 ? pause : RetryDelay);
                            await Task.Delay(RetryDelay);
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ExponentialJitteredOrComputedDelay()
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> ExponentialAsync(IChatClient client, CancellationToken ct)
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
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt)), ct);
                        }
                    }
                }

                async Task<string> JitteredAsync(IChatClient client)
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
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(Random.Shared.Next(500, 1500));
                        }
                    }
                }

                async Task<string> GrowingLocalAsync(IChatClient client)
                {
                    var delay = TimeSpan.FromMilliseconds(250);
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
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(delay);
                            delay *= 2;
                        }
                    }
                }

                async Task<string> HelperAsync(IChatClient client)
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
                        catch (IOException) when (attempt < 3)
                        {
                            await WaitBeforeRetryAsync(attempt);
                        }
                    }
                }

                private static Task WaitBeforeRetryAsync(int attempt) => Task.Delay(100 << attempt);
            }
            """);

    [Fact]
    public Task NoDiagnostic_NotARetryOrNotAnLlmCall()
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task QuestionsAsync(IChatClient client, IEnumerable<string> questions)
                {
                    foreach (var question in questions)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(question))
                            {
                                Console.Write(update.Text);
                            }
                        }
                        catch (IOException)
                        {
                            Console.WriteLine("skipped");
                            break;
                        }
                    }
                }

                async Task DatabaseAsync(Func<Task> save)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await save();
                            return;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                        }
                    }
                }

                async Task PollyAsync(ResiliencePipeline pipeline, IChatClient client)
                {
                    await pipeline.ExecuteAsync(async token =>
                    {
                        var response = await client.GetStreamingResponseAsync("hi", cancellationToken: token).ToChatResponseAsync(token);
                        Console.Write(response.Text);
                    });
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LoopOverWorkItemsIsNotARetry()
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task QuestionsAsync(IChatClient client, IEnumerable<string> questions)
                {
                    foreach (var question in questions)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(question))
                            {
                                Console.Write(update.Text);
                            }
                        }
                        catch (IOException ex)
                        {
                            Console.Error.WriteLine(ex.Message);
                        }
                    }
                }

                async Task LinesAsync(IChatClient client, TextReader input)
                {
                    string? line;
                    while ((line = await input.ReadLineAsync()) != null)
                    {
                        try
                        {
                            var response = await client.GetStreamingResponseAsync(line).ToChatResponseAsync();
                            Console.WriteLine(response.Text);
                        }
                        catch (IOException)
                        {
                        }
                    }
                }
            }
            """);

    // Real code (OllamaSharp's demo consoles): a chat loop reads the next user message each turn, and its catch prints
    // the error and asks for the next message. It never sends the same request again.
    [Fact]
    public Task NoDiagnostic_ReadEvalLoopOverUserInputIsNotARetry()
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Console2
            {
                static string ReadInput() => Console.ReadLine() ?? "";

                async Task ChatAsync(IChatClient client)
                {
                    string message;
                    do
                    {
                        message = ReadInput();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(message))
                            {
                                Console.Write(update.Text);
                            }
                        }
                        catch (Exception ex)
                        {
                            Console.WriteLine(ex.Message);
                        }
                    }
                    while (!string.IsNullOrEmpty(message));
                }

                async Task ReplAsync(IChatClient client)
                {
                    while (true)
                    {
                        var input = Console.ReadLine();
                        if (input is null or "exit")
                        {
                            break;
                        }

                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(input))
                            {
                                Console.Write(update.Text);
                            }
                        }
                        catch (Exception ex)
                        {
                            Console.WriteLine(ex.Message);
                        }
                    }
                }
            }
            """);

    // A request rebuilt by a call on each attempt is still the same request: the loop is a retry.
    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_RetryLoopThatRebuildsTheRequestEachAttempt(string family)
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
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

    [Fact]
    public Task Reports_Ollama_Betalgo_HandRolled()
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                private readonly HttpClient _http = new();

                async Task<string> OllamaAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    {|LLM102:for|} (var attempt = 0; ; attempt++)
                    {
                        var text = new StringBuilder();
                        try
                        {
                            await foreach (var chunk in ollama.ChatAsync(request))
                            {
                                text.Append(chunk?.Message.Content);
                            }

                            return text.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(1));
                        }
                    }
                }

                async Task<string> BetalgoAsync(Betalgo.Ranul.OpenAI.Interfaces.IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    {|LLM102:for|} (var attempt = 0; ; attempt++)
                    {
                        var text = new StringBuilder();
                        try
                        {
                            await foreach (var chunk in chat.CreateCompletionAsStream(request))
                            {
                                text.Append(chunk.Choices.Count > 0 ? chunk.Choices[0].Message.Content : null);
                            }

                            return text.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                        }
                    }
                }

                async Task<int> HandRolledAsync()
                {
                    {|LLM102:for|} (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            using var response = await _http.PostAsync("https://api.anthropic.com/v1/messages", new StringContent("{}"));
                            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                            var events = 0;
                            while (await reader.ReadLineAsync() is { } line)
                            {
                                if (line.StartsWith("data:"))
                                {
                                    events++;
                                }
                            }

                            return events;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            Thread.Sleep(500);
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_BrokenCode()
        => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task AskAsync(IChatClient client)
                {
                    {|LLM102:for|} (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                {|CS0103:Missing|}(update.Text);
                            }

                            return;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay({|CS0103:unknown|});
                        }
                    }
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_NoDelay_InsertsJitteredBackoffWithTheToken(string family)
        => RetryVerify.FixAsync<RetryWithoutBackoffAnalyzer, RetryWithoutBackoffCodeFix>(FamilySources.F(family, """
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
            """), FamilySources.F(family, """
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

    [Fact]
    public Task Fix_ConstantDelay_ReplacesTheArgument()
        => RetryVerify.FixAsync<RetryWithoutBackoffAnalyzer, RetryWithoutBackoffCodeFix>("""
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService chat, ChatHistory history, CancellationToken ct)
                {
                    var attempts = 0;
                    {|LLM102:while|} (true)
                    {
                        var text = new StringBuilder();
                        try
                        {
                            await foreach (var part in chat.GetStreamingChatMessageContentsAsync(history, cancellationToken: ct))
                            {
                                text.Append(part.Content);
                            }

                            return text.ToString();
                        }
                        catch (IOException)
                        {
                            if (++attempts > 3)
                            {
                                throw;
                            }

                            await Task.Delay(1000, ct);
                        }
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService chat, ChatHistory history, CancellationToken ct)
                {
                    var attempts = 0;
                    while (true)
                    {
                        var text = new StringBuilder();
                        try
                        {
                            await foreach (var part in chat.GetStreamingChatMessageContentsAsync(history, cancellationToken: ct))
                            {
                                text.Append(part.Content);
                            }

                            return text.ToString();
                        }
                        catch (IOException)
                        {
                            if (++attempts > 3)
                            {
                                throw;
                            }

                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempts))), ct);
                        }
                    }
                }
            }
            """, RetryWithoutBackoffCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_NoCounter_SyncLoopBeforeContinue()
        => RetryVerify.FixAsync<RetryWithoutBackoffAnalyzer, RetryWithoutBackoffCodeFix>("""
            using System;
            using System.IO;
            using System.Text;
            using OpenAI.Chat;

            class Chat
            {
                string Ask(ChatClient client, Func<bool> shouldRetry)
                {
                    {|LLM102:while|} (true)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                            {
                                foreach (var part in update.ContentUpdate)
                                {
                                    answer.Append(part.Text);
                                }
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (shouldRetry())
                        {
                            continue;
                        }
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using OpenAI.Chat;

            class Chat
            {
                string Ask(ChatClient client, Func<bool> shouldRetry)
                {
                    var attempt = 0;
                    while (true)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                            {
                                foreach (var part in update.ContentUpdate)
                                {
                                    answer.Append(part.Text);
                                }
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (shouldRetry())
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            Thread.Sleep(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                            attempt++;
                            continue;
                        }
                    }
                }
            }
            """, RetryWithoutBackoffCodeFix.EquivalenceKey);
}
