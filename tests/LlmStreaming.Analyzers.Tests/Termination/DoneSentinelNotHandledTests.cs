using System.Collections.Immutable;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Termination;

public class DoneSentinelNotHandledTests
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

    /// <summary>A streamed body read whole and split into lines is parsed like a stream, and fails like one (issue 13).</summary>
    [Fact]
    public Task Reports_BodyReadWholeAndSplitIntoLines()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class WholeBody
            {
                private readonly HttpClient _http = new();

                public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
                {
                    using var response = await _http.PostAsync("https://api.openai.com/v1/chat/completions", payload, ct);
                    var events = await response.Content.ReadAsStringAsync(ct);
                    var text = new StringBuilder();
                    foreach (var line in events.Split('\n'))
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6).TrimEnd('\r');
                        using var doc = {|LLM201:JsonDocument.Parse(data)|};
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_JsonDocumentParse_WithoutDoneCheck()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new();

                public async Task<string> AskAsync(HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var stream = await response.Content.ReadAsStreamAsync(ct);
                    using var reader = new StreamReader(stream);
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        using var doc = {|LLM201:JsonDocument.Parse(data)|};
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_DeserializeOfInlineSlice_WithDto()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class Chunk
            {
                public List<Choice> Choices { get; set; } = new();
            }

            class Choice
            {
                public string? Text { get; set; }
            }

            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = "";
                    while (!reader.EndOfStream)
                    {
                        var line = await reader.ReadLineAsync();
                        if (line is null || !line.StartsWith("data:")) continue;
                        var chunk = {|LLM201:JsonSerializer.Deserialize<Chunk>(line.Substring(5).Trim())|};
                        text += chunk?.Choices[0].Text;
                    }

                    return text;
                }
            }
            """);

    [Fact]
    public Task Reports_DoneCheckedOnlyAfterTheParse()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.groq.com/openai/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var payload = line["data: ".Length..];
                        var node = {|LLM201:System.Text.Json.Nodes.JsonNode.Parse(payload)|};
                        if (payload == "[DONE]") break;
                        text.Append((string?)node?["choices"]?[0]?["delta"]?["content"]);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_SseParserItemData()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;

            class ChatClient
            {
                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var stream = await response.Content.ReadAsStreamAsync();
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync())
                    {
                        using var doc = {|LLM201:JsonDocument.Parse(item.Data)|};
                        yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_NewtonsoftJObjectParse()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            using Newtonsoft.Json.Linq;

            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data: "))
                        {
                            var json = {|LLM201:JObject.Parse(line.Replace("data: ", ""))|};
                            text.Append((string?)json["choices"]?[0]?["delta"]?["content"]);
                        }
                    }

                    return text.ToString();
                }
            }
            """, References.Sdks.AddRange(TerminationTest.Newtonsoft), editorConfig: null);

    [Theory]
    [InlineData("if (data == \"[DONE]\") break;")]
    [InlineData("if (data.Equals(\"[DONE]\", StringComparison.Ordinal)) break;")]
    [InlineData("if (data is \"[DONE]\") break;")]
    [InlineData("if (data.StartsWith(\"[DONE]\")) break;")]
    [InlineData("if (string.Equals(data, Done)) break;")]
    [InlineData("if (data == DoneMarker) break;")]
    [InlineData("if (IsDone(data)) break;")]
    [InlineData("if (!data.StartsWith(\"{\")) continue;")]
    [InlineData("switch (data) { case \"[DONE]\": return text.ToString(); }")]
    public Task NoDiagnostic_DoneCheckedBeforeTheParse(string check)
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private const string Done = "[DONE]";
                private static readonly string DoneMarker = "[DONE]";

                private static bool IsDone(string payload) => payload == "[DONE]";

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
            """ + "            " + check + "\n" + """
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_DoneCheckedInTheLoopCondition()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null && line != "data: [DONE]")
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ParseInTryCatchingJsonException()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
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
                        try
                        {
                            using var doc = JsonDocument.Parse(line.Substring(6));
                            text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                        catch (JsonException)
                        {
                        }
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NdjsonHasNoDoneSentinel()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class OllamaChat
            {
                public async Task<string> AskAsync(HttpClient http, string body)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost:11434/api/chat") { Content = new StringContent(body) };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        using var doc = JsonDocument.Parse(line);
                        text.Append(doc.RootElement.GetProperty("message").GetProperty("content").GetString());
                        if (doc.RootElement.GetProperty("done").GetBoolean()) break;
                    }

                    return text.ToString();
                }
            }
            """);

    private const string InternalGateway = Usings + """
        class GatewayClient
        {
            public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
            {
                request.RequestUri = new Uri("https://llm.internal.example/generate");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var text = new StringBuilder();
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data: ")) continue;
                    using var doc = [|JsonDocument.Parse(line.Substring(6))|];
                    text.Append(doc.RootElement.GetProperty("text").GetString());
                }

                return text.ToString();
            }
        }
        """;

    [Fact]
    public Task Reports_ConfiguredModelHost()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(
            InternalGateway.Replace("[|", "{|LLM201:").Replace("|]", "|}"),
            References.Sdks,
            "llm_streaming.model_hosts = llm.internal.example");

    [Fact]
    public Task NoDiagnostic_UnconfiguredHostIsNotAModel()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(InternalGateway.Replace("[|", "").Replace("|]", ""));

    [Fact]
    public Task NoDiagnostic_ProtocolsThatNeverSendDone()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class ClaudeClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.anthropic.com/v1/messages");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        if (doc.RootElement.GetProperty("type").GetString() == "content_block_delta")
                            text.Append(doc.RootElement.GetProperty("delta").GetProperty("text").GetString());
                    }

                    return text.ToString();
                }
            }

            class GeminiClient
            {
                private const string Url = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse";

                public async Task<string> AskAsync(HttpClient http)
                {
                    using var response = await http.PostAsync(Url, new StringContent("{}"));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data: ")) text.Append(JsonDocument.Parse(line[6..]).RootElement.GetProperty("candidates")[0].ToString());
                    }

                    return text.ToString();
                }
            }
            """);

    /// <summary>
    /// Issue 13: a client of several providers. Gemini's URL is assembled from a method name without the colon (Gemini
    /// sends no [DONE]); the OpenAI method of the same type parses only JSON objects (a [DONE] line never reaches the
    /// parser); the status feed's own request goes to a URL that is not a model endpoint, whatever the type's other
    /// methods say.
    /// </summary>
    [Fact]
    public Task NoDiagnostic_GeminiUrlWithoutColon_JsonObjectGuards_NonModelUrlInAModelType()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class MultiProviderClient
            {
                private readonly HttpClient _http = new();
                private readonly string _geminiBase = "https://gateway.example.com/gemini";

                public async Task<string> OpenAIAsync(HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: {")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }

                public async Task<string> OpenAIObjectsOnlyAsync(HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        var data = line.StartsWith("data:") ? line.Substring(5).Trim() : "";
                        if (data.StartsWith("{\"id\"") || data.StartsWith("{\"choices\""))
                        {
                            using var doc = JsonDocument.Parse(data);
                            text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    return text.ToString();
                }

                public async Task<string> GeminiAsync(string model, bool stream)
                {
                    var method = stream ? "streamGenerateContent" : "generateContent";
                    var url = $"{_geminiBase}/v1beta/models/{model}:{method}?alt=sse";
                    using var response = await _http.PostAsync(url, new StringContent("{}"));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data: ")) text.Append(JsonDocument.Parse(line[6..]).RootElement.GetProperty("candidates")[0].ToString());
                    }

                    return text.ToString();
                }

                public async Task<int> StatusEventsAsync()
                {
                    using var response = await _http.GetAsync("https://status.example.com/api/v2/events", HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var incidents = 0;
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        if (doc.RootElement.GetProperty("status").GetString() == "incident") incidents++;
                    }

                    return incidents;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_GenericSseReaderWithoutModelSignal()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class Quote
            {
                public string? Symbol { get; set; }
                public decimal Price { get; set; }
            }

            class TickerClient
            {
                public async Task<List<Quote>> ReadAsync(HttpClient http)
                {
                    using var response = await http.GetAsync("https://quotes.example.com/stream", HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var quotes = new List<Quote>();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        quotes.Add(JsonSerializer.Deserialize<Quote>(line.Substring(6))!);
                    }

                    return quotes;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_FileReaderIsNotAnHttpStream()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class Replay
            {
                public async Task<int> CountAsync(string path)
                {
                    using var reader = new StreamReader(path);
                    var count = 0;
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        if (doc.RootElement.TryGetProperty("choices", out _)) count++;
                    }

                    return count;
                }
            }
            """, ImmutableArray<MetadataReference>.Empty, editorConfig: null);

    [Fact]
    public Task Reports_BrokenCode_WithoutThrowing()
        => TerminationTest.BrokenCodeAsync<DoneSentinelNotHandledAnalyzer>(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", null);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != )
                    {
                        if (!line.StartsWith("data: ")) continue
                        var chunk = {|LLM201:JsonSerializer.Deserialize<>(line.Substring(6))|};
                        Undefined(chunk
                    }
            """);

    [Fact]
    public Task Fix_InsertsBreakBeforeTheParse()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.FixAsync(Usings + """
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
                        // one chunk
                        using var doc = {|LLM201:JsonDocument.Parse(data)|};
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
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
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        // one chunk
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """, DoneSentinelNotHandledCodeFix.Key);

    [Fact]
    public Task Fix_ParseInsideAConditionalBlock_CheckGoesBeforeTheBlock()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.FixAsync(Usings + """
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
                        if (data.Contains("\"error\""))
                        {
                            using var error = {|LLM201:JsonDocument.Parse(data)|};
                            throw new IOException(error.RootElement.GetProperty("error").ToString());
                        }

                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
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
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        if (data.Contains("\"error\""))
                        {
                            using var error = JsonDocument.Parse(data);
                            throw new IOException(error.RootElement.GetProperty("error").ToString());
                        }

                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """, DoneSentinelNotHandledCodeFix.Key);

    [Fact]
    public Task Fix_RepeatsAnInlineSlice()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.FixAsync(Usings + """
            class Chunk
            {
                public string? Id { get; set; }
                public string? finish_reason { get; set; }
            }

            class ChatClient
            {
                public async IAsyncEnumerable<Chunk> StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data:"))
                            yield return {|LLM201:JsonSerializer.Deserialize<Chunk>(line.Substring(5).Trim())|}!;
                    }
                }
            }
            """, Usings + """
            class Chunk
            {
                public string? Id { get; set; }
                public string? finish_reason { get; set; }
            }

            class ChatClient
            {
                public async IAsyncEnumerable<Chunk> StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data:"))
                        {
                            if (line.Substring(5).Trim() == "[DONE]") break;
                            yield return JsonSerializer.Deserialize<Chunk>(line.Substring(5).Trim())!;
                        }
                    }
                }
            }
            """, DoneSentinelNotHandledCodeFix.Key);

    [Fact]
    public Task Fix_YieldBreakFromASwitchInAnIterator()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, HttpRequestMessage request)
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
                                    yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                                }

                                break;
                        }
                    }
                }
            }
            """, Usings + """
            class ChatClient
            {
                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, HttpRequestMessage request)
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
                                if (data == "[DONE]") yield break;
                                using (var doc = JsonDocument.Parse(data))
                                {
                                    yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                                }

                                break;
                        }
                    }
                }
            }
            """, DoneSentinelNotHandledCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoops()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async Task StreamAsync(HttpClient http, HttpRequestMessage first, HttpRequestMessage second)
                {
                    first.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using (var reader = new StreamReader(await (await http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead)).Content.ReadAsStreamAsync()))
                    {
                        string? line;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (!line.StartsWith("data: ")) continue;
                            var data = line[6..];
                            Console.Write({|LLM201:JsonDocument.Parse(data)|}.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    using (var reader = new StreamReader(await (await http.SendAsync(second, HttpCompletionOption.ResponseHeadersRead)).Content.ReadAsStreamAsync()))
                    {
                        while (!reader.EndOfStream)
                        {
                            var line = await reader.ReadLineAsync() ?? "";
                            if (!line.StartsWith("data: ")) continue;
                            var data = line[6..];
                            Console.Write({|LLM201:JsonDocument.Parse(data)|}.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }
                }
            }
            """, Usings + """
            class ChatClient
            {
                public async Task StreamAsync(HttpClient http, HttpRequestMessage first, HttpRequestMessage second)
                {
                    first.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using (var reader = new StreamReader(await (await http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead)).Content.ReadAsStreamAsync()))
                    {
                        string? line;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (!line.StartsWith("data: ")) continue;
                            var data = line[6..];
                            if (data == "[DONE]") break;
                            Console.Write(JsonDocument.Parse(data).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    using (var reader = new StreamReader(await (await http.SendAsync(second, HttpCompletionOption.ResponseHeadersRead)).Content.ReadAsStreamAsync()))
                    {
                        while (!reader.EndOfStream)
                        {
                            var line = await reader.ReadLineAsync() ?? "";
                            if (!line.StartsWith("data: ")) continue;
                            var data = line[6..];
                            if (data == "[DONE]") break;
                            Console.Write(JsonDocument.Parse(data).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }
                }
            }
            """, DoneSentinelNotHandledCodeFix.Key);

    [Fact]
    public Task NoFix_WhenNoStatementCanLeaveTheLoop()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.NoFixAsync(Usings + """
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
                        switch (line.Length > 6 ? line.Substring(0, 6) : line)
                        {
                            case "data: ":
                                using (var doc = {|LLM201:JsonDocument.Parse(line.Substring(6))|})
                                {
                                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                                }

                                break;
                        }
                    }

                    return text.ToString();
                }
            }
            """);
}
