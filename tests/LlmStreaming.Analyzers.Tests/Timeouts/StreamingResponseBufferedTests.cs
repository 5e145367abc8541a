using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

public class StreamingResponseBufferedTests
{
    [Fact]
    public Task Reports_HandRolled_PostAsJsonAsyncFeedingAnSseLoop()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(string prompt, CancellationToken ct)
                {
                    var payload = new { model = "gpt-4o", stream = true, messages = new[] { new { role = "user", content = prompt } } };
                    using var response = await _http.{|LLM402:PostAsJsonAsync|}("https://api.openai.com/v1/chat/completions", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        Console.Write(doc.RootElement.GetProperty("choices")[0].GetProperty("delta"));
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolled_SendAsyncWithoutOptionFeedingSseParser()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using System.Net.ServerSentEvents;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    var response = await http.{|LLM402:SendAsync|}(request);
                    var stream = await response.EnsureSuccessStatusCode().Content.ReadAsStreamAsync();
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync())
                    {
                        if (item.Data == "[DONE]") break;
                        Console.Write(item.Data);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolled_GetAsyncFeedingNdjsonLoop()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Pull
            {
                async Task ReadAsync(HttpClient http)
                {
                    var response = await http.{|LLM402:GetAsync|}("http://localhost:11434/api/generate");
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        using var doc = JsonDocument.Parse(line);
                        if (doc.RootElement.GetProperty("done").GetBoolean()) break;
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_StreamingRequestWhoseResponseLeavesTheMethod()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;

            class Api
            {
                Task<HttpResponseMessage> StartAsync(HttpClient http, string model)
                {
                    var body = new StringContent("{\"model\": \"" + model + "\", \"stream\": true}", Encoding.UTF8, "application/json");
                    return http.{|LLM402:PostAsync|}("v1/chat/completions", body);
                }
            }
            """);

    [Fact]
    public Task Reports_StreamingRequestReadWholeAsString()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Threading.Tasks;

            class Ollama
            {
                async Task<string> AskAsync(HttpClient http, string prompt)
                {
                    var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "http://localhost:11434/api/chat")
                    {
                        Content = JsonContent.Create(new { model = "llama3.1", prompt, stream = true }),
                    }, HttpCompletionOption.ResponseHeadersRead);
                    return await response.Content.{|LLM402:ReadAsStringAsync|}();
                }
            }
            """);

    // Real code (m1Chat, five providers): the error body of a failed streaming request is read whole before throwing.
    [Fact]
    public Task NoDiagnostic_ErrorBodyOfAFailedStreamingRequest()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Threading.Tasks;

            class ChatStream
            {
                async IAsyncEnumerable<string> StreamAsync(HttpClient http, string model)
                {
                    using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "https://openrouter.ai/api/v1/chat/completions")
                    {
                        Content = JsonContent.Create(new { model, stream = true }),
                    }, HttpCompletionOption.ResponseHeadersRead);
                    if (!response.IsSuccessStatusCode)
                    {
                        var error = await response.Content.ReadAsStringAsync();
                        throw new Exception($"API error: {response.StatusCode} - {error}");
                    }

                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        if (line == "data: [DONE]") yield break;
                        if (line.StartsWith("data: ")) yield return line.Substring(6);
                    }
                }

                async Task<HttpResponseMessage> StartAsync(HttpClient http, string model)
                {
                    var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "http://localhost:11434/api/chat")
                    {
                        Content = JsonContent.Create(new { model, stream = true }),
                    }, HttpCompletionOption.ResponseHeadersRead);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        throw new HttpRequestException(await response.Content.ReadAsStringAsync());
                    }

                    return response;
                }

                async Task<HttpResponseMessage> CheckAsync(HttpClient http, string model)
                {
                    var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                    {
                        Content = JsonContent.Create(new { model, stream = true }),
                    }, HttpCompletionOption.ResponseHeadersRead);
                    if (response.IsSuccessStatusCode)
                    {
                        return response;
                    }
                    else
                    {
                        throw new HttpRequestException(await response.Content.ReadAsStringAsync());
                    }
                }
            }
            """);

    // The error-path read does not hide a buffered send of a streaming request: the send itself is still reported.
    [Fact]
    public Task Reports_BufferedStreamingSendWhoseOnlyWholeReadIsTheErrorBody()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task<HttpResponseMessage> StartAsync(HttpClient http, string model)
                {
                    var body = new StringContent("{\"model\": \"" + model + "\", \"stream\": true}", Encoding.UTF8, "application/json");
                    var response = await http.{|LLM402:PostAsync|}("https://api.openai.com/v1/chat/completions", body);
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new HttpRequestException(await response.Content.ReadAsStringAsync());
                    }

                    return response;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ResponseHeadersReadOrGetStreamAsync()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.ServerSentEvents;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task A(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (line == "data: [DONE]") break;
                    }
                }

                async Task B(HttpClient http, CancellationToken ct)
                {
                    var stream = await http.GetStreamAsync("https://api.openai.com/v1/responses", ct);
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
                    {
                        if (item.Data == "[DONE]") break;
                    }
                }

                async Task C(HttpClient http, HttpRequestMessage request, HttpCompletionOption option)
                {
                    using var response = await http.SendAsync(request, option);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    while (await reader.ReadLineAsync() is { } line && line != "data: [DONE]")
                    {
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NonStreamingModelRequestAndGenericSse()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Threading.Tasks;

            class Chat
            {
                async Task<string> AskAsync(HttpClient http)
                {
                    var response = await http.PostAsJsonAsync("https://api.openai.com/v1/chat/completions", new { model = "gpt-4o", stream = false });
                    return await response.Content.ReadAsStringAsync();
                }
            }

            class Quotes
            {

                async Task TickerAsync(HttpClient http)
                {
                    var response = await http.GetAsync("https://quotes.example/stream");
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data:")) Console.WriteLine(line.Substring(5));
                    }
                }
            }
            """);

    [Fact]
    public Task Options_ConfiguredModelHostMakesTheLoopAModelStream()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class Gateway
            {
                async Task StreamAsync(HttpClient http, HttpContent body)
                {
                    var response = await http.[|PostAsync|]("https://llm.internal.example/generate", body);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data:")) Console.Write(line.Substring(5));
                    }
                }
            }
            """;
        return Task.WhenAll(
            Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(source.Replace("[|", string.Empty).Replace("|]", string.Empty), References.Sdks, "llm_streaming.min_timeout_seconds = 600\n"),
            Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(source.Replace("[|", "{|LLM402:"), References.Sdks, "llm_streaming.model_hosts = llm.internal.example\n"));
    }

    [Fact]
    public Task Fix_PostAsJsonAsyncBuildsTheRequest()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(string prompt, CancellationToken ct)
                {
                    var payload = new { model = "gpt-4o", stream = true, messages = new[] { new { role = "user", content = prompt } } };
                    // The response is read as it arrives.
                    using var response = await _http.{|LLM402:PostAsJsonAsync|}("https://api.openai.com/v1/chat/completions", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        Console.Write(doc.RootElement.GetProperty("choices")[0].GetProperty("delta"));
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

            class ChatStream
            {
                private readonly HttpClient _http = new HttpClient();

                async Task StreamAsync(string prompt, CancellationToken ct)
                {
                    var payload = new { model = "gpt-4o", stream = true, messages = new[] { new { role = "user", content = prompt } } };
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = JsonContent.Create(payload) };
                    // The response is read as it arrives.
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        Console.Write(doc.RootElement.GetProperty("choices")[0].GetProperty("delta"));
                    }
                }
            }
            """, StreamingResponseBufferedCodeFix.EquivalenceKey);

    /// <summary>
    /// With ResponseHeadersRead the client's Timeout no longer covers the body, and nothing else bounds these reads: the
    /// fix also passes a token linked to an idle timeout (LLM406's fix), so that a stalled stream fails instead of hanging
    /// (issue 10, #2: LLM402's fix alone turned a clean failure after the timeout into a hang).
    /// </summary>
    [Fact]
    public Task Fix_AlsoBoundsTheReads_WhenNothingElseDoes()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Assistant
            {
                private readonly HttpClient _http = new HttpClient { Timeout = TimeSpan.FromSeconds(150) };

                async Task<string> AskAsync(string body, CancellationToken cancellationToken)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    using var response = await _http.{|LLM402:SendAsync|}(request, cancellationToken);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                    var answer = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
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
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class Assistant
            {
                private readonly HttpClient _http = new HttpClient { Timeout = TimeSpan.FromSeconds(150) };

                async Task<string> AskAsync(string body, CancellationToken cancellationToken)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                    var answer = new StringBuilder();
                    string? line;
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

    [Fact]
    public Task Fix_SendAsyncGainsTheOption()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
            using System;
            using System.Net.Http;
            using System.Net.ServerSentEvents;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    var response = await http.{|LLM402:SendAsync|}(request, ct).ConfigureAwait(false);
                    var stream = await response.Content.ReadAsStreamAsync(ct);
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
                    {
                        if (item.Data == "[DONE]") break;
                        Console.Write(item.Data);
                    }
                }
            }
            """, """
            using System;
            using System.Net.Http;
            using System.Net.ServerSentEvents;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                    var stream = await response.Content.ReadAsStreamAsync(ct);
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
                    {
                        if (item.Data == "[DONE]") break;
                        Console.Write(item.Data);
                    }
                }
            }
            """, StreamingResponseBufferedCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_All_PostAsyncCallsGetDistinctRequests()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;

            class Api
            {
                async Task<(HttpResponseMessage, HttpResponseMessage)> StartAsync(HttpClient http)
                {
                    var first = await http.{|LLM402:PostAsync|}("v1/chat/completions", new StringContent("{\"stream\": true}", Encoding.UTF8, "application/json"));
                    var second = await http.{|LLM402:PostAsync|}("v1/chat/completions", new StringContent("{\"stream\":true}"));
                    return (first, second);
                }
            }
            """, """
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;

            class Api
            {
                async Task<(HttpResponseMessage, HttpResponseMessage)> StartAsync(HttpClient http)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent("{\"stream\": true}", Encoding.UTF8, "application/json") };
                    var first = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var request2 = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent("{\"stream\":true}") };
                    var second = await http.SendAsync(request2, HttpCompletionOption.ResponseHeadersRead);
                    return (first, second);
                }
            }
            """, StreamingResponseBufferedCodeFix.EquivalenceKey);

    [Fact]
    public Task NoFix_BodyReadWholeAsString()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.NoFixAsync("""
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Threading.Tasks;

            class Ollama
            {
                async Task<string> AskAsync(HttpClient http, string prompt)
                {
                    var response = await http.PostAsJsonAsync("http://localhost:11434/api/chat", new { model = "llama3.1", prompt, stream = true });
                    return await response.Content.{|LLM402:ReadAsStringAsync|}();
                }
            }
            """);

    /// <summary>
    /// A streamed body read whole and split into lines (issue 13): the fix reads the lines from the body as they arrive,
    /// the send streams its headers, and the reads are bounded (LLM406's fix); the loop's body is kept.
    /// </summary>
    [Fact]
    public Task Fix_SplitBody_ReadsTheLinesAsTheyArrive()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
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
                    response.EnsureSuccessStatusCode();
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
                    response.EnsureSuccessStatusCode();
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                    var answer = new StringBuilder();
                    string? line;
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

    /// <summary>
    /// <c>PostAsync</c> gets its request built; the lines come from a local split with <c>RemoveEmptyEntries</c>, which
    /// the loop keeps by skipping empty lines.
    /// </summary>
    [Fact]
    public Task Fix_SplitLocalWithoutEmptyEntries_PostAsync()
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.FixAsync("""
            using System;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Ollama
            {
                private readonly HttpClient _http = new HttpClient();

                async Task<string> AskAsync(string prompt)
                {
                    var payload = JsonSerializer.Serialize(new { model = "llama3.1", prompt, stream = true });
                    using var response = await _http.PostAsync("http://localhost:11434/api/generate", new StringContent(payload));
                    var text = await response.Content.{|LLM402:ReadAsStringAsync|}();
                    var lines = text.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries);
                    var answer = new StringBuilder();
                    foreach (string line in lines)
                    {
                        using var json = JsonDocument.Parse(line);
                        answer.Append(json.RootElement.GetProperty("response").GetString());
                    }

                    return answer.ToString();
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

            class Ollama
            {
                private readonly HttpClient _http = new HttpClient();

                async Task<string> AskAsync(string prompt)
                {
                    var payload = JsonSerializer.Serialize(new { model = "llama3.1", prompt, stream = true });
                    using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost:11434/api/generate") { Content = new StringContent(payload) };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var answer = new StringBuilder();
                    string? line;
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = new CancellationTokenSource();
                    idleTimeout.CancelAfter(idleLimit);
                    while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        if (line.Length == 0)
                        {
                            continue;
                        }

                        using var json = JsonDocument.Parse(line);
                        answer.Append(json.RootElement.GetProperty("response").GetString());
                    }

                    return answer.ToString();
                }
            }
            """);

    [Theory]
    [InlineData("events.Split(',')", "")]
    [InlineData("events.Split('\\n')", "Console.WriteLine(events.Length);")]
    [InlineData("events.Split('\\n', 3)", "")]
    [InlineData("events.Split('\\n', StringSplitOptions.TrimEntries)", "")]
    [InlineData("events.Split('\\n')", "Func<string> last = () => line;")]
    public Task NoFix_SplitBodyWhoseRewriteWouldChangeTheLoop(string lines, string extra)
        => Verify<StreamingResponseBufferedAnalyzer, StreamingResponseBufferedCodeFix>.NoFixAsync($$"""
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
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await _http.SendAsync(request, cancellationToken);
                    var events = await response.Content.{|LLM402:ReadAsStringAsync|}(cancellationToken);
                    var answer = new StringBuilder();
                    foreach (var line in {{lines}})
                    {
                        {{extra}}
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

    [Fact]
    public Task NoCrash_IncompleteCode()
        => TimeoutTestHelpers.BrokenCodeAsync<StreamingResponseBufferedAnalyzer>("""
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http)
                {
                    var response = await http.PostAsync("v1/chat/completions", );
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null
                    {
                        if (line == "data: [DONE]") break;
                    }
                }
            }
            """);
}
