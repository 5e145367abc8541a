using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Retry;

namespace LlmStreaming.Analyzers.Tests.Retry;

public class RetryReplaysEmittedOutputTests
{
    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_AccumulatorNotResetPerAttempt(string family)
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
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

    [Fact]
    public Task Reports_OutputWrittenInsideRetry()
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;
            using Polly;

            class Chat
            {
                async Task ConsoleAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                {|LLM105:Console.Write(update.Text)|};
                            }

                            return;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }

                async Task WriterAndCallbackAsync(IChatCompletionService chat, ChatHistory history, TextWriter writer, Func<string, Task> onToken, ResiliencePipeline pipeline)
                {
                    await pipeline.ExecuteAsync(async token =>
                    {
                        await foreach (var part in chat.GetStreamingChatMessageContentsAsync(history, cancellationToken: token))
                        {
                            await {|LLM105:writer.WriteAsync(part.Content)|};
                            await onToken(part.Content ?? "");
                        }
                    });
                }

                async Task ChannelAsync(IChatClient client, ChannelWriter<string> output)
                {
                    while (true)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                {|LLM105:output.TryWrite(update.Text)|};
                            }

                            break;
                        }
                        catch (IOException)
                        {
                            await Task.Delay(Random.Shared.Next(500, 1500));
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ResetPerAttemptOrGuarded()
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task<string> ClearedAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
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
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }

                async Task<string> DeclaredPerAttemptAsync(IChatClient client, ResiliencePipeline pipeline)
                {
                    return await pipeline.ExecuteAsync(async token =>
                    {
                        var text = "";
                        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: token))
                        {
                            text += update.Text;
                        }

                        return text;
                    });
                }

                async Task GuardedAsync(IChatClient client)
                {
                    var emitted = false;
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                emitted = true;
                                Console.Write(update.Text);
                            }

                            return;
                        }
                        catch (IOException) when (!emitted && attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }

                async Task<string> ResumesFromPartialAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            var prompt = answer.Length == 0 ? "hi" : "Continue exactly after: " + answer;
                            await foreach (var update in client.GetStreamingResponseAsync(prompt))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3 && answer.Length < 10_000)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }

                async Task NoRetryAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        Console.Write(update.Text);
                    }
                }

                async Task NotDerivedAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                Console.Write('.');
                            }

                            return;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            Console.WriteLine("retrying");
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolledStreamInRetry()
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;

            class Chat
            {
                private readonly HttpClient _http = new();
                private string _text = "";

                async Task AskAsync()
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            using var response = await _http.PostAsync("http://localhost:11434/api/generate", new StringContent("{\"model\":\"llama3\"}"));
                            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                            while (await reader.ReadLineAsync() is { } line)
                            {
                                var chunk = System.Text.Json.JsonDocument.Parse(line);
                                {|LLM105:_text += chunk.RootElement.GetProperty("response").GetString()|};
                            }

                            return;
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
    public Task Reports_OpenAI_Anthropic_Betalgo()
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
            using OpenAI.Chat;

            class Chat
            {
                string OpenAI(ChatClient client)
                {
                    var text = "";
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                            {
                                foreach (var part in update.ContentUpdate)
                                {
                                    {|LLM105:text += part.Text|};
                                }
                            }

                            return text;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            Thread.Sleep(Random.Shared.Next(100, 300) << attempt);
                        }
                    }
                }

                async Task AnthropicAsync(AnthropicClient client, MessageCreateParams request, IProgress<string> progress)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var streamEvent in client.Messages.CreateStreaming(request))
                            {
                                if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var text))
                                {
                                    {|LLM105:progress.Report(text.Text)|};
                                }
                            }

                            return;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(Random.Shared.Next(100, 300) << attempt);
                        }
                    }
                }

                async Task<string> BetalgoAsync(Betalgo.Ranul.OpenAI.Interfaces.IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var chunk in chat.CreateCompletionAsStream(request))
                            {
                                {|LLM105:answer.Append(chunk.Choices.Count > 0 ? chunk.Choices[0].Message.Content : null)|};
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(Random.Shared.Next(100, 300) << attempt);
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LoopOverWorkItemsIsNotARetry()
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AllAnswersAsync(IChatClient client, IReadOnlyList<string> questions)
                {
                    var all = new StringBuilder();
                    for (var i = 0; i < questions.Count; i++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(questions[i]))
                            {
                                all.Append(update.Text);
                                Console.Write(update.Text);
                            }
                        }
                        catch (IOException)
                        {
                            Console.WriteLine(" [interrupted]");
                        }
                    }

                    return all.ToString();
                }
            }
            """);

    /// <summary>
    /// Issue 13: a console chat loop reads a new line each round (and goes on with <c>continue</c> on an empty one); the
    /// catch moves on to the next question, it does not retry the last one.
    /// </summary>
    [Fact]
    public Task NoDiagnostic_ConsoleChatLoopIsNotARetry()
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task RunAsync(IChatClient client)
                {
                    var history = new List<ChatMessage>();
                    while (true)
                    {
                        Console.Write("> ");
                        var input = Console.ReadLine();
                        if (string.IsNullOrWhiteSpace(input))
                        {
                            continue;
                        }

                        history.Add(new ChatMessage(ChatRole.User, input));
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(history))
                            {
                                Console.Write(update.Text);
                                answer.Append(update.Text);
                            }
                        }
                        catch (Exception ex)
                        {
                            Console.WriteLine("Error: " + ex.Message);
                        }

                        history.Add(new ChatMessage(ChatRole.Assistant, answer.ToString()));
                    }
                }

                async Task RunWithReaderAsync(IChatClient client, System.IO.TextReader input)
                {
                    var history = new List<ChatMessage>();
                    for (;;)
                    {
                        history.Add(new ChatMessage(ChatRole.User, await Console.In.ReadLineAsync() ?? ""));
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(history))
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

    [Fact]
    public Task NoDiagnostic_BrokenCode()
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task AskAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                {|CS0103:missing|}.Append(update.Text);
                            }

                            return;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                        }
                    }
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_ResetsAccumulatorsBeforeTheEnumeration(string family)
        => RetryVerify.FixAsync<RetryReplaysEmittedOutputAnalyzer, RetryReplaysEmittedOutputCodeFix>(FamilySources.F(family, """
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
            """), FamilySources.F(family, """
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

    [Fact]
    public Task Fix_Polly_ResetsInsideTheDelegate()
        => RetryVerify.FixAsync<RetryReplaysEmittedOutputAnalyzer, RetryReplaysEmittedOutputCodeFix>("""
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;
            using Polly;

            class Chat
            {
                async Task<int> CountAsync(AnthropicClient client, MessageCreateParams request, ResiliencePipeline pipeline, CancellationToken ct)
                {
                    var text = "";
                    await pipeline.ExecuteAsync(async token =>
                    {
                        await foreach (var streamEvent in client.Messages.CreateStreaming(request, token))
                        {
                            if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                            {
                                {|LLM105:text += textDelta.Text|};
                            }
                        }
                    }, ct);

                    return text.Length;
                }
            }
            """, """
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;
            using Polly;

            class Chat
            {
                async Task<int> CountAsync(AnthropicClient client, MessageCreateParams request, ResiliencePipeline pipeline, CancellationToken ct)
                {
                    var text = "";
                    await pipeline.ExecuteAsync(async token =>
                    {
                        text = "";
                        await foreach (var streamEvent in client.Messages.CreateStreaming(request, token))
                        {
                            if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                            {
                                text += textDelta.Text;
                            }
                        }
                    }, ct);

                    return text.Length;
                }
            }
            """, RetryReplaysEmittedOutputCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_WritesOut_GuardsTheRetry()
        => RetryVerify.FixAsync<RetryReplaysEmittedOutputAnalyzer, RetryReplaysEmittedOutputCodeFix>("""
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task PrintAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                if (update.Text.Length > 0)
                                {
                                    {|LLM105:Console.Write(update.Text)|};
                                }
                            }

                            return;
                        }
                        catch (IOException) when (attempt < 3 || attempt < 5)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task PrintAsync(IChatClient client)
                {
                    var emitted = false;
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                if (update.Text.Length > 0)
                                {
                                    if (!string.IsNullOrEmpty(update.Text))
                                    {
                                        emitted = true;
                                    }
                                    Console.Write(update.Text);
                                }
                            }

                            return;
                        }
                        catch (IOException) when (!emitted && (attempt < 3 || attempt < 5))
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """, RetryReplaysEmittedOutputCodeFix.EquivalenceKey);

    [Fact]
    public Task NoFix_PollyDelegateThatWritesOut()
        => RetryVerify.NoFixAsync<RetryReplaysEmittedOutputAnalyzer, RetryReplaysEmittedOutputCodeFix>("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task PrintAsync(IChatClient client, ResiliencePipeline pipeline)
                {
                    await pipeline.ExecuteAsync(async token =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: token))
                        {
                            {|LLM105:Console.Write(update.Text)|};
                        }
                    });
                }
            }
            """);
}
