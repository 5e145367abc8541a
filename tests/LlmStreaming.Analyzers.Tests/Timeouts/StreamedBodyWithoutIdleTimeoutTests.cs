using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

public partial class StreamedBodyWithoutIdleTimeoutTests
{
    [Fact]
    public Task Reports_HandRolled_ReadsWithoutToken()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.{|LLM406:ReadLineAsync|}()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        Console.Write(doc.RootElement.GetProperty("choices")[0]);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_SseParser_GetStreamAsyncEnumeratedWithoutToken()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using System.Net.ServerSentEvents;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http)
                {
                    var stream = await http.GetStreamAsync("https://api.openai.com/v1/responses");
                    await foreach (var item in SseParser.Create(stream).{|LLM406:EnumerateAsync|}())
                    {
                        if (item.Data == "[DONE]") break;
                        Console.Write(item.Data);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_NoneTokenAndSynchronousReads()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class OllamaStream
            {
                async Task A(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.{|LLM406:ReadLineAsync|}(CancellationToken.None)) != null)
                    {
                        using var doc = JsonDocument.Parse(line);
                        if (doc.RootElement.GetProperty("done").GetBoolean()) break;
                        Console.Write(doc.RootElement.GetProperty("done_reason"));
                    }
                }

                void B(HttpClient http, HttpRequestMessage request)
                {
                    using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(response.Content.ReadAsStream());
                    while (!reader.EndOfStream)
                    {
                        var line = reader.{|LLM406:ReadLine|}();
                        if (line is null) break;
                        using var doc = JsonDocument.Parse(line);
                        Console.Write(doc.RootElement.GetProperty("done_reason"));
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_TokenReachesTheReads()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync("""
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

                async Task B(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2), ct)) != null)
                    {
                        if (line == "data: [DONE]") break;
                    }
                }

                async Task C(HttpClient http, CancellationToken ct)
                {
                    var stream = await http.GetStreamAsync("https://api.openai.com/v1/responses", ct);
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync().WithCancellation(ct))
                    {
                        if (item.Data == "[DONE]") break;
                    }
                }

                async Task D(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var registration = ct.Register(() => response.Dispose());
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_BufferedBodyOrGenericSse()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task A(HttpClient http, HttpContent body)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", body);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                    }
                }

                async Task B(Stream body)
                {
                    using var reader = new StreamReader(body);
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                    }
                }
            }

            class Quotes
            {
                async Task TickerAsync(HttpClient http)
                {
                    var stream = await http.GetStreamAsync("https://quotes.example/stream");
                    using var reader = new StreamReader(stream);
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data:")) Console.WriteLine(line.Substring(5));
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_LinksTheMethodTokenAndReArmsPerRead()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    // Read the events.
                    while ((line = await reader.{|LLM406:ReadLineAsync|}()) != null)
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
                async Task StreamAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    // Read the events.
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    idleTimeout.CancelAfter(idleLimit);
                    while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        if (line == "data: [DONE]") break;
                        Console.Write(line);
                    }
                }
            }
            """, StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_SseParserWithoutTokenInScope()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.FixAsync("""
            using System;
            using System.Net.Http;
            using System.Net.ServerSentEvents;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http)
                {
                    var stream = await http.GetStreamAsync("https://api.openai.com/v1/responses");
                    await foreach (var item in SseParser.Create(stream).{|LLM406:EnumerateAsync|}())
                        Console.Write(item.Data == "[DONE]" ? "" : item.Data);
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
                async Task StreamAsync(HttpClient http)
                {
                    var stream = await http.GetStreamAsync("https://api.openai.com/v1/responses");
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = new CancellationTokenSource();
                    idleTimeout.CancelAfter(idleLimit);
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync(idleTimeout.Token))
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        Console.Write(item.Data == "[DONE]" ? "" : item.Data);
                    }
                }
            }
            """, StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_All_TwoLoopsGetTheirOwnTimeouts()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamTwiceAsync(HttpClient http, CancellationToken cancellationToken)
                {
                    using var first = new StreamReader(await http.GetStreamAsync("http://localhost:11434/api/chat", cancellationToken));
                    string? line;
                    while ((line = await first.{|LLM406:ReadLineAsync|}()) != null)
                    {
                        if (line == "data: [DONE]") break;
                    }

                    using var second = new StreamReader(await http.GetStreamAsync("http://localhost:11434/api/chat", cancellationToken));
                    while ((line = await second.{|LLM406:ReadLineAsync|}()) != null)
                    {
                        if (line == "data: [DONE]") break;
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
                async Task StreamTwiceAsync(HttpClient http, CancellationToken cancellationToken)
                {
                    using var first = new StreamReader(await http.GetStreamAsync("http://localhost:11434/api/chat", cancellationToken));
                    string? line;
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    idleTimeout.CancelAfter(idleLimit);
                    while ((line = await first.ReadLineAsync(idleTimeout.Token)) != null)
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        if (line == "data: [DONE]") break;
                    }

                    using var second = new StreamReader(await http.GetStreamAsync("http://localhost:11434/api/chat", cancellationToken));
                    var idleLimit2 = TimeSpan.FromMinutes(2);
                    using var idleTimeout2 = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    idleTimeout2.CancelAfter(idleLimit2);
                    while ((line = await second.ReadLineAsync(idleTimeout2.Token)) != null)
                    {
                        idleTimeout2.CancelAfter(idleLimit2);
                        if (line == "data: [DONE]") break;
                    }
                }
            }
            """, StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_IdleTimeoutFollowsTheConfiguredMinimum()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("http://localhost:11434/api/generate"));
                    string? line;
                    while ((line = await reader.{|LLM406:ReadLineAsync|}()) != null)
                    {
                        if (line.Contains("\"done\":true")) break;
                        if (line.StartsWith("data:")) Console.Write(line);
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
                async Task StreamAsync(HttpClient http)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("http://localhost:11434/api/generate"));
                    string? line;
                    var idleLimit = TimeSpan.FromSeconds(45);
                    using var idleTimeout = new CancellationTokenSource();
                    idleTimeout.CancelAfter(idleLimit);
                    while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        if (line.Contains("\"done\":true")) break;
                        if (line.StartsWith("data:")) Console.Write(line);
                    }
                }
            }
            """, StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey, editorConfig: "llm_streaming.min_timeout_seconds = 30\nllm_streaming.LLM406.min_timeout_seconds = 45\n");

    [Fact]
    public Task NoFix_EndOfStreamLoop()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.NoFixAsync("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions"));
                    while (!reader.EndOfStream)
                    {
                        var line = await reader.{|LLM406:ReadLineAsync|}();
                        if (line == "data: [DONE]") break;
                    }
                }
            }
            """);

    [Fact]
    public Task NoCrash_IncompleteCode()
        => TimeoutTestHelpers.BrokenCodeAsync<StreamedBodyWithoutIdleTimeoutAnalyzer>("""
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class ChatStream
            {
                async Task StreamAsync(HttpClient http)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync(;
                    string? line;
                    while ((line = await reader.ReadLineAsync(
                    {
                        if (line == "data: [DONE]") break;
                    }
                }
            }
            """);
}
