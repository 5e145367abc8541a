using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Retry;

namespace LlmStreaming.Analyzers.Tests.Retry;

public class CatchMissesMidStreamFailureTests
{
    [Fact]
    public Task Reports_OpenAI_ClientResultExceptionOnly()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync("""
            using System.ClientModel;
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
                    {|LLM106:catch|} (ClientResultException)
                    {
                        return text + " [failed]";
                    }

                    return text;
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_RetryLoopThatRetriesOnlyHttpRequestException(string family)
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
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

    [Fact]
    public Task Reports_SemanticKernel_Anthropic_Ollama()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Exceptions;
            using Anthropic.Models.Messages;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;
            using OllamaSharp.Models.Exceptions;

            class Chat
            {
                async Task SemanticKernelAsync(IChatCompletionService chat, ChatHistory history)
                {
                    try
                    {
                        await foreach (var part in chat.GetStreamingChatMessageContentsAsync(history))
                        {
                            Console.Write(part.Content);
                        }
                    }
                    {|LLM106:catch|} (HttpOperationException ex) when (ex.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
                    {
                        Console.WriteLine("rate limited");
                    }
                }

                async Task AnthropicAsync(AnthropicClient client, MessageCreateParams request)
                {
                    try
                    {
                        var message = await client.Messages.CreateStreaming(request).Aggregate();
                        Console.Write(message.Content.Count);
                    }
                    {|LLM106:catch|} (AnthropicException ex)
                    {
                        Console.WriteLine(ex.Message);
                    }
                }

                async Task OllamaAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    try
                    {
                        await foreach (var chunk in ollama.ChatAsync(request))
                        {
                            Console.Write(chunk?.Message.Content);
                        }
                    }
                    {|LLM106:catch|} (OllamaException)
                    {
                        Console.WriteLine("ollama failed");
                    }
                    catch (InvalidOperationException)
                    {
                        Console.WriteLine("bad state");
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_FilterThatNarrowsToHttpTypes()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task AskAsync(IChatClient client)
                {
                    try
                    {
                        var response = await client.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                        Console.Write(response.Text);
                    }
                    {|LLM106:catch|} (Exception ex) when (ex is HttpRequestException or ClientResultException)
                    {
                        Console.WriteLine("failed");
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ClausesThatAlsoCatchIOExceptionOrABase()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task WithIOExceptionAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            Console.Write(update.Text);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Console.WriteLine("failed");
                    }
                    catch (IOException)
                    {
                        Console.WriteLine("dropped");
                    }
                }

                async Task WithFilterAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            Console.Write(update.Text);
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
                    {
                        Console.WriteLine("failed");
                    }
                }

                async Task WithExceptionAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            Console.Write(update.Text);
                        }
                    }
                    catch (ClientResultException)
                    {
                        Console.WriteLine("rejected");
                    }
                    catch (Exception)
                    {
                        Console.WriteLine("failed");
                    }
                }

                async Task OuterCatchesAsync(IChatClient client)
                {
                    try
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("hi"))
                            {
                                Console.Write(update.Text);
                            }
                        }
                        catch (HttpRequestException)
                        {
                            Console.WriteLine("failed");
                        }
                    }
                    catch (IOException)
                    {
                        Console.WriteLine("dropped");
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NotAnLlmStreamOrNotTransportTypes()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task NumbersAsync(IAsyncEnumerable<int> numbers, HttpClient http)
                {
                    try
                    {
                        await foreach (var n in numbers)
                        {
                            Console.Write(await http.GetStringAsync("https://example.com/" + n));
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Console.WriteLine("failed");
                    }
                }

                async Task JsonAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            Console.Write(JsonSerializer.Serialize(update));
                        }
                    }
                    catch (JsonException)
                    {
                        Console.WriteLine("bad json");
                    }
                }

                async Task CancelAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            Console.Write(update.Text);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        Console.WriteLine("cancelled");
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolledStream()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Threading.Tasks;

            class Chat
            {
                private readonly HttpClient _http = new();

                async Task AskAsync()
                {
                    try
                    {
                        using var response = await _http.PostAsJsonAsync("http://localhost:11434/api/chat", new { model = "llama3", stream = true });
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                        while (await reader.ReadLineAsync() is { } line)
                        {
                            var chunk = System.Text.Json.JsonDocument.Parse(line);
                            Console.Write(chunk.RootElement.GetProperty("message").GetProperty("content").GetString());
                        }
                    }
                    {|LLM106:catch|} (HttpRequestException ex)
                    {
                        Console.WriteLine(ex.Message);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_Betalgo()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task AskAsync(Betalgo.Ranul.OpenAI.Interfaces.IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    try
                    {
                        await foreach (var chunk in chat.CreateCompletionAsStream(request))
                        {
                            Console.Write(chunk.Choices.Count);
                        }
                    }
                    {|LLM106:catch|} (HttpRequestException ex)
                    {
                        Console.WriteLine(ex.StatusCode);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_BrokenCode()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync("""
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task AskAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            {|CS0103:Missing|}(update.Text);
                        }
                    }
                    catch ({|CS0246:Unknown|})
                    {
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_TypedClause_WidensToIOException()
        => RetryVerify.FixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>("""
            using System.ClientModel;
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
                    {|LLM106:catch|} (ClientResultException ex)
                    {
                        return text + " [failed: " + ex.Message + "]";
                    }

                    return text;
                }
            }
            """, """
            using System;
            using System.ClientModel;
            using System.IO;
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
                    catch (Exception ex) when (ex is ClientResultException or IOException)
                    {
                        return text + " [failed: " + ex.Message + "]";
                    }

                    return text;
                }
            }
            """, CatchMissesMidStreamFailureCodeFix.EquivalenceKey);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_RetryLoop_KeepsTheFilterPartsThatFit(string family)
        => RetryVerify.FixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>(FamilySources.F(family, """
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
            """), FamilySources.F(family, """
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

    /// <summary>A filter that fits IOException is kept on one widened clause: the handler (and its comments) is not copied.</summary>
    [Fact]
    public Task Fix_RetryLoopFilter_WidensTheClauseInsteadOfCopyingIt()
        => RetryVerify.FixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>("""
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
                        {|LLM106:catch|} (HttpRequestException) when (attempt < 3 || Environment.GetEnvironmentVariable("RETRY") == "always")
                        {
                            // The gateway dropped the request: wait, then go round again.
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble()));
                        }
                    }
                }
            }
            """, """
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
                        catch (Exception ex) when ((ex is HttpRequestException or IOException) && (attempt < 3 || Environment.GetEnvironmentVariable("RETRY") == "always"))
                        {
                            // The gateway dropped the request: wait, then go round again.
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble()));
                        }
                    }
                }
            }
            """, CatchMissesMidStreamFailureCodeFix.EquivalenceKey);

    /// <summary>When part of the filter needs the SDK type the handler is copied, but not its comments, which speak of the SDK exception.</summary>
    [Fact]
    public Task Fix_CopiedHandler_LeavesTheCommentsOut()
        => RetryVerify.FixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>("""
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
                        {|LLM106:catch|} (HttpRequestException ex) when (attempt < 3 && ex.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
                        {
                            // Rate limited: the provider asked us to slow down.
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble())); /* full jitter */
                        }
                    }
                }
            }
            """, """
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
                        catch (HttpRequestException ex) when (attempt < 3 && ex.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
                        {
                            // Rate limited: the provider asked us to slow down.
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble())); /* full jitter */
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble()));
                        }
                    }
                }
            }
            """, CatchMissesMidStreamFailureCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_FilterOnBaseType_WidensTheTypeTest()
        => RetryVerify.FixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>("""
            using System;
            using System.ClientModel;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> PatternAsync(IChatClient client)
                {
                    try
                    {
                        var response = await client.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                        return response.Text;
                    }
                    {|LLM106:catch|} (Exception ex) when (ex is HttpRequestException or ClientResultException)
                    {
                        return "failed";
                    }
                }

                async Task<string> OrAsync(IChatClient client, bool retry)
                {
                    try
                    {
                        var response = await client.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                        return response.Text;
                    }
                    {|LLM106:catch|} (Exception ex) when (retry && ex is HttpRequestException)
                    {
                        return "failed";
                    }
                }
            }
            """, """
            using System;
            using System.ClientModel;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> PatternAsync(IChatClient client)
                {
                    try
                    {
                        var response = await client.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                        return response.Text;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or ClientResultException or IOException)
                    {
                        return "failed";
                    }
                }

                async Task<string> OrAsync(IChatClient client, bool retry)
                {
                    try
                    {
                        var response = await client.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                        return response.Text;
                    }
                    catch (Exception ex) when (retry && (ex is HttpRequestException || ex is IOException))
                    {
                        return "failed";
                    }
                }
            }
            """, CatchMissesMidStreamFailureCodeFix.EquivalenceKey);

    [Fact]
    public Task NoFix_HandlerNeedsTheSdkType()
        => RetryVerify.NoFixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>("""
            using System;
            using System.ClientModel;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task AskAsync(ChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                        {
                            Console.Write(update.ContentUpdate.Count);
                        }
                    }
                    {|LLM106:catch|} (ClientResultException ex)
                    {
                        Console.WriteLine(ex.Status);
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_TypedClauseWithoutVariable_CSharp8()
        => RetryVerify.FixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    try
                    {
                        await foreach (var chunk in ollama.ChatAsync(request))
                        {
                            Console.Write(chunk?.Message.Content);
                        }
                    }
                    {|LLM106:catch|} (HttpRequestException)
                    {
                        Console.WriteLine("Ollama is not reachable.");
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    try
                    {
                        await foreach (var chunk in ollama.ChatAsync(request))
                        {
                            Console.Write(chunk?.Message.Content);
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
                    {
                        Console.WriteLine("Ollama is not reachable.");
                    }
                }
            }
            """, CatchMissesMidStreamFailureCodeFix.EquivalenceKey, Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp8);
}
