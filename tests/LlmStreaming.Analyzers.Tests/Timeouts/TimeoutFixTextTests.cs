using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

/// <summary>
/// Fixed code of the timeout fixes in the shapes their own tests leave out, pinned when the fixes moved from text put
/// together to constant templates with slots (issue 16): the same code must come out.
/// </summary>
public class TimeoutFixTextTests
{
    /// <summary>LLM402: a <c>PostAsJsonAsync&lt;T&gt;</c> given its type (one inference would not find) and serializer options keeps both in <c>JsonContent.Create</c>.</summary>
    [Fact]
    public Task StreamingResponseBuffered_TypedPostAsJsonAsyncWithOptions()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Question
            {
                public string Model { get; set; } = "gpt-4o";
                public bool Stream { get; set; } = true;
            }

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(Question question, JsonSerializerOptions options, CancellationToken ct)
                {
                    using var response = await _http.{|LLM402:PostAsJsonAsync<object>|}("https://api.openai.com/v1/chat/completions", question, options, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (line == "data: [DONE]") break;
                        Console.Write(line);
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Question
            {
                public string Model { get; set; } = "gpt-4o";
                public bool Stream { get; set; } = true;
            }

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(Question question, JsonSerializerOptions options, CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = JsonContent.Create<object>(question, options: options) };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (line == "data: [DONE]") break;
                        Console.Write(line);
                    }
                }
            }
            """, StreamingResponseBufferedCodeFix.EquivalenceKey);

    /// <summary>LLM402: <c>PostAsJsonAsync</c> with a <c>JsonTypeInfo</c> hands it to <c>JsonContent.Create</c>.</summary>
    [Fact]
    public Task StreamingResponseBuffered_PostAsJsonAsyncWithTypeInfo()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Text.Json.Serialization.Metadata;
            using System.Threading;
            using System.Threading.Tasks;

            class Question
            {
                public string Model { get; set; } = "gpt-4o";
            }

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(Question question, JsonTypeInfo<Question> info, CancellationToken ct)
                {
                    using var response = await _http.{|LLM402:PostAsJsonAsync|}("https://api.openai.com/v1/chat/completions", question, info, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (line == "data: [DONE]") break;
                        Console.Write(line);
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Text.Json.Serialization.Metadata;
            using System.Threading;
            using System.Threading.Tasks;

            class Question
            {
                public string Model { get; set; } = "gpt-4o";
            }

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(Question question, JsonTypeInfo<Question> info, CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = JsonContent.Create(question, info) };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (line == "data: [DONE]") break;
                        Console.Write(line);
                    }
                }
            }
            """, StreamingResponseBufferedCodeFix.EquivalenceKey);

    /// <summary>
    /// LLM402 in C# 7.3: the request is a plain local, and the idle timeout LLM406's fix adds is held by a using
    /// statement around the loop.
    /// </summary>
    [Fact]
    public Task StreamingResponseBuffered_CSharp73_PlainRequestAndUsingStatement()
        => CSharp73.FixAsync<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(HttpContent body, CancellationToken ct)
                {
                    var response = await _http.{|LLM402:PostAsync|}("https://api.openai.com/v1/chat/completions", body, ct);
                    var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                        Console.Write(line);
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(HttpContent body, CancellationToken ct)
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = body };
                    var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string line;
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using (var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
                        {
                            idleTimeout.CancelAfter(idleLimit);
                            if (line == "data: [DONE]") break;
                            Console.Write(line);
                        }
                    }
                }
            }
            """, StreamingResponseBufferedCodeFix.EquivalenceKey);

    /// <summary>LLM402's lines rewrite with nullable annotations off: the line is declared <c>string line;</c>.</summary>
    [Fact]
    public Task StreamingResponseBuffered_SplitBody_NullableOff()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
            #nullable disable
            using System;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Assistant
            {
                private readonly HttpClient _http = new HttpClient();

                async Task<string> AskAsync(HttpRequestMessage request, CancellationToken cancellationToken)
                {
                    using var response = await _http.SendAsync(request, cancellationToken);
                    var events = await response.Content.{|LLM402:ReadAsStringAsync|}(cancellationToken);
                    var answer = new StringBuilder();
                    foreach (var line in events.Split('\n'))
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]")
                        {
                            continue;
                        }

                        using var json = JsonDocument.Parse(line.Substring(6));
                        answer.Append(json.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return answer.ToString();
                }
            }
            """, """
            #nullable disable
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Assistant
            {
                private readonly HttpClient _http = new HttpClient();

                async Task<string> AskAsync(HttpRequestMessage request, CancellationToken cancellationToken)
                {
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                    var answer = new StringBuilder();
                    string line;
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    idleTimeout.CancelAfter(idleLimit);
                    while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        if (!line.StartsWith("data: ") || line == "data: [DONE]")
                        {
                            continue;
                        }

                        using var json = JsonDocument.Parse(line.Substring(6));
                        answer.Append(json.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return answer.ToString();
                }
            }
            """);

    /// <summary>LLM406 on an SDK stream with no token in sight: the idle timeout is a fresh source, and a fired one only fails.</summary>
    [Fact]
    public Task StreamedBodyWithoutIdleTimeout_AzureInference_NoTokenInScope()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.FixAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
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
                async Task AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
                {
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = new CancellationTokenSource();
                    idleTimeout.CancelAfter(idleLimit);
                    await foreach (var update in client.CompleteStreaming(options, cancellationToken: idleTimeout.Token))
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        Console.Write(update.ContentUpdate);
                    }

                    if (idleTimeout.IsCancellationRequested)
                    {
                        throw new IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
                    }
                }
            }
            """, StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey);
}
