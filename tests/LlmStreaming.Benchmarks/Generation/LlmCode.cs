using System;

namespace LlmStreaming.Benchmarks.Generation;

/// <summary>
/// LLM streaming code of every family and every rule's shapes (drawn from docs/samples/ChatSample and the rule tests):
/// the flawed shapes of LLM101–LLM407, the correct patterns, and look-alikes. A few percent of a generated project.
/// </summary>
internal static class LlmCode
{
    /// <summary>The templates, one file each; a project cycles through them.</summary>
    public static readonly Func<int, string>[] Templates =
    {
        Retry,
        Termination,
        PartialOutput,
        Timeouts,
        Families,
        HandRolled,
        Correct,
        LookAlikes,
    };

    public static int Kinds => Templates.Length;

    /// <summary>The <paramref name="ordinal"/>-th LLM file of a project (its kind cycles), its names suffixed with <paramref name="id"/>.</summary>
    public static string File(int ordinal, int id) => Templates[ordinal % Templates.Length](id);

    // LLM101–LLM106 (docs/samples/ChatSample/RetryFlaws.cs).
    private static string Retry(int i) => $$"""
        using System;
        using System.ClientModel;
        using System.ClientModel.Primitives;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI;
        using OpenAI.Chat;
        using Polly;
        using Polly.Retry;

        namespace Bench.Llm{{i}};

        internal static class RetryFlaws{{i}}
        {
            private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
                .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 3, BackoffType = DelayBackoffType.Exponential, UseJitter = true })
                .Build();

            public static async Task<string> AskAsync(IChatClient chat, string question, CancellationToken ct)
            {
                var answer = new StringBuilder();
                await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: ct))
                {
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }

            public static async Task<string> RetryAtOnceAsync(IChatClient chat, string question, CancellationToken ct)
            {
                for (var attempt = 0; ; attempt++)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: ct))
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

            public static OpenAIClient CreateClient(string apiKey)
                => new(new ApiKeyCredential(apiKey), new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(0) });

            public static async Task<string> RetryTheWrongPartAsync(IChatClient chat, string question, CancellationToken ct)
            {
                var answer = new StringBuilder();
                var stream = await Pipeline.ExecuteAsync(token => ValueTask.FromResult(chat.GetStreamingResponseAsync(question, cancellationToken: token)), ct);
                await foreach (var update in stream)
                {
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }

            public static async Task<string> DuplicateOnRetryAsync(IChatClient chat, string question, CancellationToken ct)
            {
                var answer = new StringBuilder();
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: ct))
                        {
                            answer.Append(update.Text);
                        }

                        return answer.ToString();
                    }
                    catch (IOException) when (attempt < 3)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(250, 500) << attempt), ct);
                    }
                }
            }

            public static async Task<string> CatchTheWrongExceptionAsync(ChatClient client, string question)
            {
                var answer = new StringBuilder();
                try
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            answer.Append(part.Text);
                        }
                    }
                }
                catch (ClientResultException ex)
                {
                    answer.Append($" [failed: {ex.Message}]");
                }

                return answer.ToString();
            }
        }
        """;

    // LLM201–LLM205 (docs/samples/ChatSample/TerminationFlaws.cs).
    private static string Termination(int i) => $$"""
        using System.IO;
        using System.Net.Http;
        using System.Net.Http.Headers;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI.Chat;

        namespace Bench.Llm{{i}};

        internal static class TerminationFlaws{{i}}
        {
            public static async Task<string> AskByHandAsync(HttpClient http, string apiKey, string question, CancellationToken ct)
            {
                var body = JsonSerializer.Serialize(new
                {
                    model = "gpt-4o-mini",
                    stream = true,
                    messages = new[] { new { role = "user", content = question } },
                });

                using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                response.EnsureSuccessStatusCode();
                using var stream = await response.Content.ReadAsStreamAsync(ct);
                using var reader = new StreamReader(stream);

                var answer = new StringBuilder();
                string? line;
                while ((line = await reader.ReadLineAsync(ct)) != null)
                {
                    if (!line.StartsWith("data: ")) continue;
                    var data = line.Substring(6);
                    using var chunk = JsonDocument.Parse(data);
                    var delta = chunk.RootElement.GetProperty("choices")[0].GetProperty("delta");
                    if (delta.TryGetProperty("content", out var content))
                    {
                        answer.Append(content.GetString());
                    }
                }

                return answer.ToString();
            }

            public static async Task<string> AskWithSdkAsync(ChatClient client, string question)
            {
                var answer = new StringBuilder();
                await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                {
                    foreach (var part in update.ContentUpdate)
                    {
                        answer.Append(part.Text);
                    }
                }

                return answer.ToString();
            }

            public static async Task<string> SummarizeAsync(IChatClient chat, string text)
            {
                var response = await chat.GetStreamingResponseAsync($"Summarize: {text}").ToChatResponseAsync();
                return response.Text;
            }
        }
        """;

    // LLM301–LLM303 (docs/samples/ChatSample/PartialOutputFlaws.cs).
    private static string PartialOutput(int i) => $$"""
        using System;
        using System.Net.Http;
        using System.Text;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI.Chat;

        namespace Bench.Llm{{i}};

        internal static class PartialOutputFlaws{{i}}
        {
            public static async Task<string> AskAsync(IChatClient chat, string question)
            {
                var answer = new StringBuilder();
                try
                {
                    await foreach (var update in chat.GetStreamingResponseAsync(question))
                    {
                        answer.Append(update.Text);
                    }
                }
                catch (HttpRequestException)
                {
                    return "Sorry, something went wrong.";
                }

                return answer.ToString();
            }

            public static async Task<string> LastTokenOnlyAsync(IChatClient chat, string question)
            {
                var text = "";
                await foreach (var update in chat.GetStreamingResponseAsync(question))
                {
                    text = update.Text;
                }

                return text;
            }

            public static async Task PrintAsync(ChatClient client, string question)
            {
                await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                {
                    Console.Write(update.ContentUpdate[0].Text);
                }
            }
        }
        """;

    // LLM401–LLM407 (docs/samples/ChatSample/TimeoutFlaws.cs).
    private static string Timeouts(int i) => $$"""
        using System;
        using System.ClientModel;
        using System.ClientModel.Primitives;
        using System.IO;
        using System.Net.Http;
        using System.Net.Http.Json;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using Microsoft.Extensions.DependencyInjection;
        using OpenAI;
        using OpenAI.Chat;

        namespace Bench.Llm{{i}};

        internal static class TimeoutFlaws{{i}}
        {
            public static ChatClient CreateClient(string apiKey)
            {
                var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                var options = new OpenAIClientOptions { Transport = new HttpClientPipelineTransport(http) };
                return new ChatClient("gpt-4o-mini", new ApiKeyCredential(apiKey), options);
            }

            public static void Register(IServiceCollection services)
            {
                services.AddHttpClient("openai{{i}}", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                    .AddStandardResilienceHandler();

                services.AddHttpClient("ollama{{i}}", c => c.BaseAddress = new Uri("http://localhost:11434/"))
                    .AddStandardResilienceHandler(o => o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3));
            }

            public static async Task<string> AskAsync(IChatClient chat, string question, CancellationToken cancellationToken)
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(TimeSpan.FromSeconds(30));
                var answer = new StringBuilder();
                try
                {
                    await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: deadline.Token))
                    {
                        answer.Append(update.Text);
                    }
                }
                catch (OperationCanceledException)
                {
                    return "Cancelled.";
                }

                return answer.ToString();
            }

            public static async Task StreamBufferedAsync(HttpClient http, string question, CancellationToken cancellationToken)
            {
                var payload = new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = question } } };
                using var response = await http.PostAsJsonAsync("https://api.openai.com/v1/chat/completions", payload, cancellationToken);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                string? line;
                while ((line = await reader.ReadLineAsync(cancellationToken)) != null)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var data = line["data: ".Length..];
                    if (data == "[DONE]")
                    {
                        break;
                    }

                    using var chunk = JsonDocument.Parse(data);
                    foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
                    {
                        Console.Write(choice.GetProperty("delta"));
                    }
                }
            }

            public static async Task StreamWithoutIdleTimeoutAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (line == "data: [DONE]")
                    {
                        break;
                    }

                    Console.Write(line);
                }
            }
        }
        """;

    // Semantic Kernel, Anthropic, OllamaSharp, Betalgo: loops and aggregations (LLM101, LLM203, LLM301, LLM302).
    private static string Families(int i) => $$"""
        using System;
        using System.IO;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Anthropic;
        using Anthropic.Models.Messages;
        using Betalgo.Ranul.OpenAI.Interfaces;
        using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
        using Microsoft.SemanticKernel;
        using Microsoft.SemanticKernel.ChatCompletion;
        using OllamaSharp;
        using OllamaSharp.Models.Chat;

        namespace Bench.Llm{{i}};

        internal sealed class FamilyChats{{i}}
        {
            public async Task<string> SemanticKernelAsync(Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService service, ChatHistory history, Kernel kernel)
            {
                var text = new StringBuilder();
                await foreach (var content in service.GetStreamingChatMessageContentsAsync(history))
                {
                    text.Append(content.Content);
                }

                await foreach (var content in kernel.InvokePromptStreamingAsync("Tell me a joke"))
                {
                    text.Append(content);
                }

                return text.ToString();
            }

            public async Task<string> AnthropicAsync(AnthropicClient client, MessageCreateParams parameters)
            {
                var text = new StringBuilder();
                await foreach (var streamEvent in client.Messages.CreateStreaming(parameters))
                {
                    if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                    {
                        text.Append(textDelta.Text);
                    }
                }

                return text.ToString();
            }

            public async Task<Anthropic.Models.Messages.Message> AnthropicAggregateAsync(AnthropicClient client, MessageCreateParams request)
                => await client.Messages.CreateStreaming(request).Aggregate();

            public async Task<string> OllamaAsync(IOllamaApiClient ollama, ChatRequest request)
            {
                var text = new StringBuilder();
                try
                {
                    await foreach (var chunk in ollama.ChatAsync(request))
                    {
                        text.Append(chunk?.Message?.Content);
                    }
                }
                catch (IOException)
                {
                    return "";
                }

                return text.ToString();
            }

            public async Task<string?> OllamaToEndAsync(IOllamaApiClient ollama, ChatRequest request)
            {
                var done = await ollama.ChatAsync(request).StreamToEndAsync();
                return done?.Message?.Content;
            }

            public async Task<string> BetalgoAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
            {
                var last = "";
                await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                {
                    if (chunk.Successful)
                    {
                        last = chunk.Choices.FirstOrDefault()?.Message?.Content ?? "";
                    }
                }

                return last;
            }
        }
        """;

    // Hand-rolled NDJSON and SseParser loops (LLM202, LLM204, LLM406) from the termination and timeout tests.
    private static string HandRolled(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Net.ServerSentEvents;
        using System.Text;
        using System.Text.Json;
        using System.Threading.Tasks;

        namespace Bench.Llm{{i}};

        internal sealed class OllamaChunk{{i}}
        {
            public Message{{i}}? message { get; set; }
            public bool done { get; set; }
        }

        internal sealed class Message{{i}}
        {
            public string? content { get; set; }
        }

        internal sealed class HandRolledClients{{i}}
        {
            public async Task<string> OllamaAsync(HttpClient http, string body)
            {
                using var response = await http.PostAsync("http://localhost:11434/api/chat", new StringContent(body));
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var text = "";
                while (!reader.EndOfStream)
                {
                    var line = await reader.ReadLineAsync();
                    if (string.IsNullOrWhiteSpace(line)) continue;
                    var chunk = JsonSerializer.Deserialize<OllamaChunk{{i}}>(line);
                    text += chunk?.message?.content;
                    if (chunk?.done == true)
                    {
                        break;
                    }
                }

                return text;
            }

            public async IAsyncEnumerable<string> ClaudeAsync(HttpClient http, HttpRequestMessage request)
            {
                request.RequestUri = new Uri("https://api.anthropic.com/v1/messages");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var stream = await response.Content.ReadAsStreamAsync();
                await foreach (var item in SseParser.Create(stream).EnumerateAsync())
                {
                    if (item.EventType == "message_stop") yield break;
                    if (item.EventType != "content_block_delta") continue;
                    using var doc = JsonDocument.Parse(item.Data);
                    yield return doc.RootElement.GetProperty("delta").GetProperty("text").GetString() ?? "";
                }
            }

            public async Task<string> MistralAsync(HttpClient http, HttpRequestMessage request)
            {
                request.RequestUri = new Uri("https://api.mistral.ai/v1/chat/completions");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var text = new StringBuilder();
                while (true)
                {
                    var line = await reader.ReadLineAsync();
                    if (line == null) return text.ToString();
                    if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                    using var doc = JsonDocument.Parse(line.Substring(6));
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                }
            }
        }
        """;

    // The correct patterns (tests/LlmStreaming.Analyzers.Tests/Corpus/Valid): no rule fires.
    private static string Correct(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Runtime.CompilerServices;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI.Chat;

        namespace Bench.Llm{{i}};

        public sealed class StreamIncompleteException : IOException
        {
            public StreamIncompleteException(string message, string partialText) : base(message) => PartialText = partialText;

            public string PartialText { get; }
        }

        public sealed class ResilientChat{{i}}
        {
            private const int MaxRetries = 3;
            private readonly IChatClient _client;

            public ResilientChat{{i}}(IChatClient client) => _client = client;

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var answer = new StringBuilder();
                for (var attempt = 0; ; attempt++)
                {
                    answer.Clear();
                    try
                    {
                        Microsoft.Extensions.AI.ChatFinishReason? finishReason = null;
                        await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: cancellationToken))
                        {
                            answer.Append(update.Text);
                            finishReason ??= update.FinishReason;
                        }

                        if (finishReason is null)
                        {
                            throw new StreamIncompleteException("The stream ended without a finish reason.", answer.ToString());
                        }

                        if (finishReason == Microsoft.Extensions.AI.ChatFinishReason.Length || finishReason == Microsoft.Extensions.AI.ChatFinishReason.ContentFilter)
                        {
                            throw new StreamIncompleteException("The answer was cut off: " + finishReason, answer.ToString());
                        }

                        return answer.ToString();
                    }
                    catch (Exception ex) when (ex is IOException or HttpRequestException && attempt < MaxRetries && !cancellationToken.IsCancellationRequested)
                    {
                        var backoff = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)(500 * Math.Pow(2, attempt))));
                        await Task.Delay(backoff, cancellationToken);
                    }
                    catch (Exception ex) when (ex is IOException or HttpRequestException)
                    {
                        ex.Data["PartialOutput"] = answer.ToString();
                        throw;
                    }
                }
            }
        }

        public sealed class GuardedOpenAIChat{{i}}
        {
            private readonly ChatClient _client;

            public GuardedOpenAIChat{{i}}(ChatClient client) => _client = client;

            public async IAsyncEnumerable<StreamingChatCompletionUpdate> StreamAsync(string question, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await foreach (var update in _client.CompleteChatStreamingAsync(new OpenAI.Chat.ChatMessage[] { new UserChatMessage(question) }, cancellationToken: cancellationToken))
                {
                    yield return update;
                }
            }

            public static string Render(IEnumerable<StreamingChatCompletionUpdate> updates)
            {
                var text = new StringBuilder();
                foreach (var update in updates)
                {
                    foreach (var part in update.ContentUpdate)
                    {
                        text.Append(part.Text);
                    }

                    if (update.ContentUpdate.Count > 0 && update.ContentUpdate[0].Kind == ChatMessageContentPartKind.Text)
                    {
                        Console.Write(update.ContentUpdate[0].Text);
                    }
                }

                return text.ToString();
            }
        }
        """;

    // Look-alikes (tests/LlmStreaming.Analyzers.Tests/Corpus/Valid/LookAlikes.cs): streaming code with no model behind it.
    private static string LookAlikes(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Bench.Llm{{i}};

        public sealed record Quote(string Symbol, decimal Price);

        public sealed class StockTicker{{i}}
        {
            private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10), BaseAddress = new Uri("https://quotes.example.com") };
            private string _lastSymbol = "";

            public async Task WatchAsync(CancellationToken cancellationToken)
            {
                using var response = await _http.GetAsync("/stream/quotes", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                string? line;
                while ((line = await reader.ReadLineAsync(cancellationToken)) != null)
                {
                    if (!line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var quote = JsonSerializer.Deserialize<Quote>(line.Substring(5));
                    if (quote is not null)
                    {
                        _lastSymbol = quote.Symbol;
                    }
                }
            }

            public string LastSymbol => _lastSymbol;

            public static async Task<string> LastLineAsync(IAsyncEnumerable<string> lines)
            {
                var last = "";
                var all = new StringBuilder();
                try
                {
                    await foreach (var line in lines)
                    {
                        last = line;
                        all.Append(line);
                    }
                }
                catch (IOException)
                {
                    return "";
                }

                return last + all.Length;
            }

            public static string FirstItem(List<List<string>> batches)
            {
                foreach (var batch in batches)
                {
                    return batch[0];
                }

                return "";
            }
        }
        """;
}
