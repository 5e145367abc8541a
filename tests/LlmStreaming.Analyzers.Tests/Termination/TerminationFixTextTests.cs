using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.Termination;

/// <summary>
/// Fixed code of the termination fixes in the shapes their own tests leave out, pinned when the fixes moved from text put
/// together to constant templates with slots (issue 16): the same code must come out.
/// </summary>
public class TerminationFixTextTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    private const string UsingsWithSseParser = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Net.ServerSentEvents;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    /// <summary>LLM201: a switch between the parse and the loop, in a method that returns a Task: <c>return</c> leaves.</summary>
    [Fact]
    public Task DoneSentinel_ReturnFromASwitchInATaskMethod()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async Task StreamAsync(HttpClient http, HttpRequestMessage request, StringBuilder text)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    string? eventType = null;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("event:")) { eventType = line.Substring(6).Trim(); continue; }
                        if (!line.StartsWith("data:")) continue;
                        switch (eventType)
                        {
                            case "ping":
                                break;
                            default:
                                var data = line.Substring(5).Trim();
                                using (var doc = {|LLM201:JsonDocument.Parse(data)|})
                                {
                                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                                }

                                break;
                        }
                    }
                }
            }
            """, Usings + """
            class ChatClient
            {
                public async Task StreamAsync(HttpClient http, HttpRequestMessage request, StringBuilder text)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    string? eventType = null;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("event:")) { eventType = line.Substring(6).Trim(); continue; }
                        if (!line.StartsWith("data:")) continue;
                        switch (eventType)
                        {
                            case "ping":
                                break;
                            default:
                                var data = line.Substring(5).Trim();
                                if (data == "[DONE]") return;
                                using (var doc = JsonDocument.Parse(data))
                                {
                                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                                }

                                break;
                        }
                    }
                }
            }
            """, DoneSentinelNotHandledCodeFix.Key);

    /// <summary>LLM204 on synchronous reads: the loop becomes <c>foreach</c> over <c>SseParser.Enumerate()</c>.</summary>
    [Fact]
    public Task HandRolledSse_SynchronousReadsEnumerate()
        => Verify<HandRolledSseParsingAnalyzer, HandRolledSseParsingCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public string Ask(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var stream = response.Content.ReadAsStream(ct);
                    using var reader = new StreamReader(stream);
                    var text = new StringBuilder();
                    string? line;
                    while ((line = {|LLM204:reader.ReadLine()|}) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6).Trim();
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """, UsingsWithSseParser + """
            class ChatClient
            {
                public string Ask(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var stream = response.Content.ReadAsStream(ct);
                    var text = new StringBuilder();
                    foreach (var item in SseParser.Create(stream).Enumerate())
                    {
                        var data = item.Data;
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """, HandRolledSseParsingCodeFix.Key);

    /// <summary>LLM205 in C# 7.3 (no using declarations): a using statement holds the error check.</summary>
    [Fact]
    public Task InStreamError_HandRolled_CSharp73_UsingStatement()
        => CSharp73.FixAsync<InStreamErrorIgnoredAnalyzer, InStreamErrorIgnoredCodeFix>(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using (var doc = {|LLM205:JsonDocument.Parse(data)|})
                        {
                            text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    return text.ToString();
                }
            }
            """, Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        if (data.IndexOf("\"error\"", StringComparison.Ordinal) >= 0)
                        {
                            using (var errorDocument = JsonDocument.Parse(data))
                            {
                                if (errorDocument.RootElement.ValueKind == JsonValueKind.Object && errorDocument.RootElement.TryGetProperty("error", out var error))
                                {
                                    throw new IOException("The model stream reported an error: " + (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) ? message.ToString() : error.ToString()));
                                }
                            }
                        }

                        using (var doc = JsonDocument.Parse(data))
                        {
                            text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    return text.ToString();
                }
            }
            """, InStreamErrorIgnoredCodeFix.Key);
}
