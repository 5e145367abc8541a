using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.Termination;

public class HandRolledSseParsingTests
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

    [Fact]
    public Task Reports_ReadLineAsyncLoopSplittingSse()
        => Verify<HandRolledSseParsingAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await {|LLM204:reader.ReadLineAsync(ct)|}) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }

                public string Ask(HttpClient http, HttpRequestMessage request)
                {
                    using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(response.Content.ReadAsStream());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = {|LLM204:reader.ReadLine()|}) != null)
                    {
                        if (line == "data: [DONE]") break;
                        if (line.StartsWith("data: ")) text.Append(line.Replace("data: ", ""));
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_SseParserNdjsonAndGenericSse()
        => Verify<HandRolledSseParsingAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;

            class ChatClient
            {
                public async Task<string> ParsedAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    var text = new StringBuilder();
                    await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
                    {
                        if (item.Data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(item.Data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }

                public async Task<string> NdjsonAsync(HttpClient http)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/generate", new StringContent("{}"));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        using var doc = JsonDocument.Parse(line);
                        text.Append(doc.RootElement.GetProperty("response").GetString());
                    }

                    return text.ToString();
                }
            }

            class TickerClient
            {
                public async Task<List<string>> ReadAsync(HttpClient http)
                {
                    using var response = await http.GetAsync("https://quotes.example.com/stream", HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var quotes = new List<string>();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data: ")) quotes.Add(line.Substring(6));
                    }

                    return quotes;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_WhenSseParserIsNotAvailable()
        => TerminationTest.AnalyzerWithFrameworkAsync<HandRolledSseParsingAnalyzer>(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        text.Append(data);
                    }

                    return text.ToString();
                }
            }
            """, TerminationTest.FrameworkWithoutSseParser);

    [Fact]
    public Task Reports_BrokenCode_WithoutThrowing()
        => TerminationTest.BrokenCodeAsync<HandRolledSseParsingAnalyzer>(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", null);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await {|LLM204:reader.ReadLineAsync()|}) != null)
                    {
                        if (!line.StartsWith("data: ")) continue
                        Undefined(line.Substring(6)
            """);

    [Fact]
    public Task Fix_RewritesTheLoopOverSseParser()
        => Verify<HandRolledSseParsingAnalyzer, HandRolledSseParsingCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var stream = await response.Content.ReadAsStreamAsync(ct);
                    using var reader = new StreamReader(stream);
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await {|LLM204:reader.ReadLineAsync(ct)|}) != null)
                    {
                        if (string.IsNullOrWhiteSpace(line) || line.StartsWith(":")) continue;
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
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var stream = await response.Content.ReadAsStreamAsync(ct);
                    var text = new StringBuilder();
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
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

    [Fact]
    public Task Fix_EndOfStreamLoopWithAWrapperAndALineCheck()
        => Verify<HandRolledSseParsingAnalyzer, HandRolledSseParsingCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    while (!reader.EndOfStream)
                    {
                        var line = await {|LLM204:reader.ReadLineAsync()|};
                        if (line is null) continue;
                        if (line == "data: [DONE]") yield break;
                        if (line.StartsWith("data:"))
                        {
                            using var doc = JsonDocument.Parse(line.Replace("data: ", ""));
                            yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                        }
                    }
                }
            }
            """, UsingsWithSseParser + """
            class ChatClient
            {
                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var stream = await response.Content.ReadAsStreamAsync();
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync())
                    {
                        if (item.Data == "[DONE]") yield break;
                        using var doc = JsonDocument.Parse(item.Data);
                        yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                    }
                }
            }
            """, HandRolledSseParsingCodeFix.Key);

    /// <summary>The new stream local is 'stream' when only a member is called so (the request's "stream": true).</summary>
    [Fact]
    public Task Fix_NamesTheNewStreamLocal_Stream_BesideAStreamMember()
        => Verify<HandRolledSseParsingAnalyzer, HandRolledSseParsingCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, string question)
                {
                    var body = JsonSerializer.Serialize(new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = question } } });
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new StringContent(body) };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await {|LLM204:reader.ReadLineAsync()|}) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        text.Append(data);
                    }

                    return text.ToString();
                }
            }
            """, UsingsWithSseParser + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, string question)
                {
                    var body = JsonSerializer.Serialize(new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = question } } });
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new StringContent(body) };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var stream = await response.Content.ReadAsStreamAsync();
                    var text = new StringBuilder();
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync())
                    {
                        var data = item.Data;
                        if (data == "[DONE]") break;
                        text.Append(data);
                    }

                    return text.ToString();
                }
            }
            """, HandRolledSseParsingCodeFix.Key);

    /// <summary>A local or parameter already called 'stream': the new one is 'responseStream', not 'stream2'.</summary>
    [Fact]
    public Task Fix_NamesTheNewStreamLocal_ResponseStream_WhenStreamIsTaken()
        => Verify<HandRolledSseParsingAnalyzer, HandRolledSseParsingCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, bool stream)
                {
                    if (!stream) return "";
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await {|LLM204:reader.ReadLineAsync()|}) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        text.Append(data);
                    }

                    return text.ToString();
                }
            }
            """, UsingsWithSseParser + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, bool stream)
                {
                    if (!stream) return "";
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var responseStream = await response.Content.ReadAsStreamAsync();
                    var text = new StringBuilder();
                    await foreach (var item in SseParser.Create(responseStream).EnumerateAsync())
                    {
                        var data = item.Data;
                        if (data == "[DONE]") break;
                        text.Append(data);
                    }

                    return text.ToString();
                }
            }
            """, HandRolledSseParsingCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoops_OneOfThemDeclined()
        => TerminationTest.FixWithRemainingAsync<HandRolledSseParsingAnalyzer, HandRolledSseParsingCodeFix>(Usings + """
            class ChatClient
            {
                public async Task<string> AskTwiceAsync(HttpClient http, Stream first, Stream second)
                {
                    var text = new StringBuilder();
                    using var firstReader = new StreamReader(first);
                    string? line;
                    while ((line = await {|LLM204:firstReader.ReadLineAsync()|}) != null)
                    {
                        if (line.StartsWith("data: ") && line != "data: [DONE]") text.Append(line[6..]);
                    }

                    using var secondReader = new StreamReader(second);
                    string? other;
                    while ((other = await {|LLM204:secondReader.ReadLineAsync()|}) != null)
                    {
                        if (!other.StartsWith("data: ")) continue;
                        if (other.Substring("data: ".Length) == "[DONE]") break;
                        text.Append(other.Substring("data: ".Length));
                    }

                    await http.PostAsync("https://api.openai.com/v1/chat/completions", null);
                    return text.ToString();
                }
            }
            """, UsingsWithSseParser + """
            class ChatClient
            {
                public async Task<string> AskTwiceAsync(HttpClient http, Stream first, Stream second)
                {
                    var text = new StringBuilder();
                    using var firstReader = new StreamReader(first);
                    string? line;
                    while ((line = await {|LLM204:firstReader.ReadLineAsync()|}) != null)
                    {
                        if (line.StartsWith("data: ") && line != "data: [DONE]") text.Append(line[6..]);
                    }

                    await foreach (var item in SseParser.Create(second).EnumerateAsync())
                    {
                        if (item.Data == "[DONE]") break;
                        text.Append(item.Data);
                    }

                    await http.PostAsync("https://api.openai.com/v1/chat/completions", null);
                    return text.ToString();
                }
            }
            """, HandRolledSseParsingCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoops()
        => Verify<HandRolledSseParsingAnalyzer, HandRolledSseParsingCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskTwiceAsync(HttpClient http, Stream first, Stream second)
                {
                    var text = new StringBuilder();
                    using (var reader = new StreamReader(first))
                    {
                        string? line;
                        while ((line = await {|LLM204:reader.ReadLineAsync()|}) != null)
                        {
                            if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                            text.Append(line[6..]);
                        }
                    }

                    var secondReader = new StreamReader(second);
                    string? other;
                    while ((other = await {|LLM204:secondReader.ReadLineAsync()|}) != null)
                    {
                        if (!other.StartsWith("data: ")) continue;
                        if (other.Substring("data: ".Length) == "[DONE]") break;
                        text.Append(other.Substring("data: ".Length));
                    }

                    await http.PostAsync("https://api.openai.com/v1/chat/completions", null);
                    return text.ToString();
                }
            }
            """, UsingsWithSseParser + """
            class ChatClient
            {
                public async Task<string> AskTwiceAsync(HttpClient http, Stream first, Stream second)
                {
                    var text = new StringBuilder();
                    using (var reader = new StreamReader(first))
                    {
                        await foreach (var item in SseParser.Create(first).EnumerateAsync())
                        {
                            if (item.Data == "[DONE]") continue;
                            text.Append(item.Data);
                        }
                    }

                    await foreach (var item2 in SseParser.Create(second).EnumerateAsync())
                    {
                        if (item2.Data == "[DONE]") break;
                        text.Append(item2.Data);
                    }

                    await http.PostAsync("https://api.openai.com/v1/chat/completions", null);
                    return text.ToString();
                }
            }
            """, HandRolledSseParsingCodeFix.Key);

    [Fact]
    public Task NoFix_WhenTheLoopHandlesEventLines()
        => Verify<HandRolledSseParsingAnalyzer, HandRolledSseParsingCodeFix>.NoFixAsync(Usings + """
            class ClaudeClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.anthropic.com/v1/messages");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    var eventType = "";
                    string? line;
                    while ((line = await {|LLM204:reader.ReadLineAsync()|}) != null)
                    {
                        if (line.StartsWith("event: ")) { eventType = line.Substring(7); continue; }
                        if (eventType == "message_stop") break;
                        if (eventType == "content_block_delta" && line.StartsWith("data: "))
                        {
                            using var doc = JsonDocument.Parse(line.Substring(6));
                            text.Append(doc.RootElement.GetProperty("delta").GetProperty("text").GetString());
                        }
                    }

                    return text.ToString();
                }
            }
            """);
}
