using System.Collections.Immutable;
using System.IO;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Termination;

/// <summary>Helpers of the termination tests: references beyond the shared sets, and runs that tolerate broken code.</summary>
internal static class TerminationTest
{
    /// <summary>The framework with Newtonsoft.Json (restored with the test project's dependencies).</summary>
    public static readonly ImmutableArray<MetadataReference> Newtonsoft = ImmutableArray.Create<MetadataReference>(
        MetadataReference.CreateFromFile(Path.Combine(AppContext.BaseDirectory, "Newtonsoft.Json.dll")));

    /// <summary>The framework without System.Net.ServerSentEvents (a target before .NET 9 that lacks the package).</summary>
    public static readonly ImmutableArray<MetadataReference> FrameworkWithoutSseParser = References.Framework
        .Where(r => r.Display is null || !r.Display.EndsWith("System.Net.ServerSentEvents.dll", StringComparison.OrdinalIgnoreCase))
        .ToImmutableArray();

    /// <summary>Runs <typeparamref name="TAnalyzer"/> with the framework references replaced by <paramref name="framework"/>.</summary>
    public static Task AnalyzerWithFrameworkAsync<TAnalyzer>(string source, ImmutableArray<MetadataReference> framework, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source };
        TestSettings.Apply(test, ImmutableArray<MetadataReference>.Empty, editorConfig: null);
        test.TestState.AdditionalReferences.Clear();
        test.TestState.AdditionalReferences.AddRange(framework);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>Runs a fix where some diagnostics are left in place (marked up in <paramref name="fixedSource"/>): the fix declines them.</summary>
    public static Task FixWithRemainingAsync<TAnalyzer, TCodeFix>(string source, string fixedSource, string equivalenceKey)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        return test.RunAsync();
    }

    /// <summary>Runs <typeparamref name="TAnalyzer"/> on code that does not compile: only the analyzer's diagnostics are compared, and it must not throw.</summary>
    public static Task BrokenCodeAsync<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            TestCode = source,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

public class LLM201Tests
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(
            InternalGateway.Replace("[|", "{|LLM201:").Replace("|]", "|}"),
            References.Sdks,
            "llm_streaming.model_hosts = llm.internal.example");

    [Fact]
    public Task NoDiagnostic_UnconfiguredHostIsNotAModel()
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(InternalGateway.Replace("[|", "").Replace("|]", ""));

    [Fact]
    public Task NoDiagnostic_ProtocolsThatNeverSendDone()
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<DoneSentinelAnalyzer>.AnalyzerAsync(Usings + """
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
        => TerminationTest.BrokenCodeAsync<DoneSentinelAnalyzer>(Usings + """
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
        => Verify<DoneSentinelAnalyzer, DoneSentinelCodeFix>.FixAsync(Usings + """
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
            """, DoneSentinelCodeFix.Key);

    [Fact]
    public Task Fix_ParseInsideAConditionalBlock_CheckGoesBeforeTheBlock()
        => Verify<DoneSentinelAnalyzer, DoneSentinelCodeFix>.FixAsync(Usings + """
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
            """, DoneSentinelCodeFix.Key);

    [Fact]
    public Task Fix_RepeatsAnInlineSlice()
        => Verify<DoneSentinelAnalyzer, DoneSentinelCodeFix>.FixAsync(Usings + """
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
            """, DoneSentinelCodeFix.Key);

    [Fact]
    public Task Fix_YieldBreakFromASwitchInAnIterator()
        => Verify<DoneSentinelAnalyzer, DoneSentinelCodeFix>.FixAsync(Usings + """
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
            """, DoneSentinelCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoops()
        => Verify<DoneSentinelAnalyzer, DoneSentinelCodeFix>.FixAsync(Usings + """
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
            """, DoneSentinelCodeFix.Key);

    [Fact]
    public Task NoFix_WhenNoStatementCanLeaveTheLoop()
        => Verify<DoneSentinelAnalyzer, DoneSentinelCodeFix>.NoFixAsync(Usings + """
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

public class LLM202Tests
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
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class WholeBody
            {
                private readonly HttpClient _http = new();

                public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
                {
                    using var response = await _http.PostAsync("https://api.openai.com/v1/chat/completions", payload, ct);
                    var events = await response.Content.ReadAsStringAsync(ct);
                    var text = new StringBuilder();
                    {|LLM202:foreach|} (var line in events.Split('\n'))
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6).TrimEnd('\r');
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_SseLoopThatBreaksOnDoneButAcceptsEndOfBody()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    /// <summary>
    /// A check of the finish reason's value after the loop (LLM203's fix on a hand-rolled loop) is not a check of the end:
    /// a stream cut off before its finish reason passes it, so LLM202 still reports the loop, in whichever order the two
    /// fixes are applied. A check for a missing value is one.
    /// </summary>
    [Fact]
    public Task Reports_WhenOnlyTheFinishReasonValueIsCheckedAfterTheLoop()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    string? finishReason = null;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        var choice = doc.RootElement.GetProperty("choices")[0];
                        if (choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String) finishReason = choice.GetProperty("finish_reason").GetString();
                        text.Append(choice.GetProperty("delta").GetProperty("content").GetString());
                    }

                    if (finishReason == "length" || finishReason == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).");
                    }

                    return text.ToString();
                }

                public async Task<string> MissingReasonAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    string? finishReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        var choice = doc.RootElement.GetProperty("choices")[0];
                        if (choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String) finishReason = choice.GetProperty("finish_reason").GetString();
                        text.Append(choice.GetProperty("delta").GetProperty("content").GetString());
                    }

                    if (finishReason == "length")
                    {
                        throw new InvalidOperationException("The model stopped at the token limit.");
                    }
                    else if (finishReason is null)
                    {
                        throw new IOException("The stream was cut off.");
                    }

                    return text.ToString();
                }
            }
            """);

    /// <summary>
    /// The flag is checked after the retry loop that the attempt leaves with 'break' once the stream ended (the shape
    /// LLM101's fix and LLM202's fix make together): what follows the retry loop runs after the stream loop.
    /// </summary>
    [Fact]
    public Task NoDiagnostic_FlagCheckedAfterTheRetryLoop()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, CancellationToken ct)
                {
                    var text = new StringBuilder();
                    var sawTerminal = false;
                    for (var attempt = 0; ; attempt++)
                    {
                        text.Clear();
                        try
                        {
                            using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                            string? line;
                            while ((line = await reader.ReadLineAsync(ct)) != null)
                            {
                                if (!line.StartsWith("data: ")) continue;
                                var data = line.Substring(6);
                                if (data == "[DONE]")
                                {
                                    sawTerminal = true;
                                    break;
                                }

                                text.Append(data);
                            }

                            break;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * 500 * Math.Pow(2, attempt)), ct);
                        }
                    }

                    if (!sawTerminal)
                    {
                        throw new IOException("The model stream ended before its terminal marker.");
                    }

                    return text.ToString();
                }
            }
            """);

    /// <summary>Without the 'break' after the stream loop the retry loop goes round again: a check after it does not count.</summary>
    [Fact]
    public Task Reports_FlagCheckedAfterALoopThatDoesNotLeave()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task AskAsync(HttpClient http, Queue<string> questions, CancellationToken ct)
                {
                    var sawTerminal = false;
                    while (questions.Count > 0)
                    {
                        questions.Dequeue();
                        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                        string? line;
                        {|LLM202:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                        {
                            if (!line.StartsWith("data: ")) continue;
                            var data = line.Substring(6);
                            if (data == "[DONE]")
                            {
                                sawTerminal = true;
                                break;
                            }

                            Console.Write(data);
                        }
                    }

                    if (!sawTerminal)
                    {
                        throw new IOException("The model stream ended before its terminal marker.");
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_OllamaNdjsonThatBreaksOnDone()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class OllamaChunk
            {
                public Message? message { get; set; }
                public bool done { get; set; }
            }

            class Message
            {
                public string? content { get; set; }
            }

            class OllamaChat
            {
                public async Task<string> AskAsync(HttpClient http, string body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", new StringContent(body));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = "";
                    {|LLM202:while|} (!reader.EndOfStream)
                    {
                        var line = await reader.ReadLineAsync();
                        if (string.IsNullOrWhiteSpace(line)) continue;
                        var chunk = JsonSerializer.Deserialize<OllamaChunk>(line);
                        text += chunk?.message?.content;
                        if (chunk?.done == true)
                        {
                            break;
                        }
                    }

                    return text;
                }
            }
            """);

    [Fact]
    public Task Reports_AnthropicSseParserLoop()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;

            class ClaudeClient
            {
                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.anthropic.com/v1/messages");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var stream = await response.Content.ReadAsStreamAsync();
                    await {|LLM202:foreach|} (var item in SseParser.Create(stream).EnumerateAsync())
                    {
                        if (item.EventType == "message_stop") yield break;
                        if (item.EventType != "content_block_delta") continue;
                        using var doc = JsonDocument.Parse(item.Data);
                        yield return doc.RootElement.GetProperty("delta").GetProperty("text").GetString() ?? "";
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_EndOfBodyBranchReturnsTheText()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.mistral.ai/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    {|LLM202:while|} (true)
                    {
                        var line = await reader.ReadLineAsync();
                        if (line == null) return text.ToString();
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }
                }
            }
            """);

    // Real code (the Anthropic SDK's own SSE reader): every event, message_stop included, is yielded to the caller,
    // whose aggregator throws when message_stop never came.
    [Fact]
    public Task NoDiagnostic_ParserThatYieldsTheTerminalEventItself()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;
            using System.Runtime.CompilerServices;

            static class Sse
            {
                internal static async IAsyncEnumerable<T> Enumerate<T>(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    using var stream = await response.Content.ReadAsStreamAsync(ct);
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
                    {
                        switch (item.EventType)
                        {
                            case "message_start":
                            case "content_block_delta":
                            case "message_delta":
                            case "message_stop":
                                yield return JsonSerializer.Deserialize<T>(item.Data) ?? throw new InvalidDataException("empty event");
                                break;
                            case "ping":
                                continue;
                            case "error":
                                throw new IOException(item.Data);
                        }
                    }
                }
            }
            """);

    // The same iterator that swallows the marker ('yield break' on [DONE]) leaves the caller no way to tell a cut-off body.
    [Fact]
    public Task Reports_IteratorThatSwallowsTheTerminalMarker()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class Chunk
            {
                public string? Text { get; set; }
            }

            class ChatClient
            {
                public async IAsyncEnumerable<Chunk> StreamAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data:")) continue;
                        var data = line.Substring(5).TrimStart();
                        if (data == "[DONE]")
                        {
                            yield break;
                        }

                        yield return JsonSerializer.Deserialize<Chunk>(data)!;
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_FlagTrackedAndChecked()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    var sawDone = false;
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") { sawDone = true; break; }
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    if (!sawDone)
                    {
                        throw new IOException("The stream was cut off.");
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_CompletionFlagSetByAHelper()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private bool _completed;

                public async Task<(string Text, bool Complete)> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        if (Handle(line.Substring(6), text)) break;
                    }

                    return (text.ToString(), _completed);
                }

                private bool Handle(string data, StringBuilder text)
                {
                    if (data == "[DONE]") return _completed = true;
                    using var doc = JsonDocument.Parse(data);
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    return false;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_CompletenessReportedToTheCaller()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<(string Text, bool Complete)> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? finishReason = null;
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        var choice = doc.RootElement.GetProperty("choices")[0];
                        if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String) finishReason = reason.GetString();
                        text.Append(choice.GetProperty("delta").GetProperty("content").GetString());
                    }

                    return (text.ToString(), finishReason is not null);
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ReturnsOnDoneAndThrowsAfterTheLoop()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
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
                        if (data == "[DONE]") return text.ToString();
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    throw new IOException("The stream ended before [DONE].");
                }
            }
            """);

    [Theory]
    [InlineData("var line = await reader.ReadLineAsync() ?? throw new IOException(\"cut off\");")]
    [InlineData("var line = await reader.ReadLineAsync(); if (line is null) throw new IOException(\"cut off\");")]
    public Task NoDiagnostic_EndOfBodyThrows(string read)
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    while (true)
                    {
            """ + "            " + read + "\n" + """
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_GenericSseReaderWithoutModelSignal()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
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
    public Task NoDiagnostic_SdkLoopIsNotHandRolled()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            using OpenAI.Chat;

            class Chat
            {
                public async Task<string> AskAsync(ChatClient client)
                {
                    var text = new StringBuilder();
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_BrokenCode_WithoutThrowing()
        => TerminationTest.BrokenCodeAsync<EndOfStreamAcceptedAnalyzer>(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", null);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue
                        if (line == "data: [DONE]") break;
                        Undefined(line
                    }
                    return
            """);

    [Fact]
    public Task Fix_TracksTheFlagAndThrowsAfterTheLoop()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamCodeFix>.FixAsync("""
            using System;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading.Tasks;

            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new System.IO.StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading.Tasks;

            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new System.IO.StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    var sawTerminal = false;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]")
                        {
                            sawTerminal = true;
                            break;
                        }

                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    if (!sawTerminal)
                    {
                        throw new IOException("The model stream ended before its terminal marker: the response is incomplete.");
                    }

                    return text.ToString();
                }
            }
            """, EndOfStreamCodeFix.Key);

    [Fact]
    public Task Fix_NdjsonDoneInABlockAndAYieldBreak()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamCodeFix>.FixAsync(Usings + """
            class OllamaChat
            {
                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, string body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/generate", new StringContent(body));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    {|LLM202:while|} (!reader.EndOfStream)
                    {
                        var line = await reader.ReadLineAsync();
                        if (string.IsNullOrEmpty(line)) continue;
                        using var doc = JsonDocument.Parse(line);
                        yield return doc.RootElement.GetProperty("response").GetString() ?? "";
                        if (doc.RootElement.GetProperty("done").GetBoolean())
                        {
                            Console.WriteLine();
                            yield break;
                        }
                    }
                }
            }
            """, Usings + """
            class OllamaChat
            {
                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, string body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/generate", new StringContent(body));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var sawTerminal = false;
                    while (!reader.EndOfStream)
                    {
                        var line = await reader.ReadLineAsync();
                        if (string.IsNullOrEmpty(line)) continue;
                        using var doc = JsonDocument.Parse(line);
                        yield return doc.RootElement.GetProperty("response").GetString() ?? "";
                        if (doc.RootElement.GetProperty("done").GetBoolean())
                        {
                            Console.WriteLine();
                            sawTerminal = true;
                            yield break;
                        }
                    }

                    if (!sawTerminal)
                    {
                        throw new IOException("The model stream ended before its terminal marker: the response is incomplete.");
                    }
                }
            }
            """, EndOfStreamCodeFix.Key);

    /// <summary>
    /// An NDJSON loop that never reads <c>done</c> (issue 10: the conformance program <c>ndjson</c> passed a stream with no
    /// final object off as complete): the flag is set from the final <c>"done": true</c> object, the loop is not left early.
    /// </summary>
    [Fact]
    public Task Fix_NdjsonLoopThatNeverReadsDone_SetsTheFlagFromTheDoneObject()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamCodeFix>.FixAsync(Usings + """
            class OllamaChat
            {
                public async Task<string> AskAsync(HttpClient http, string body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", new StringContent(body));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var answer = new StringBuilder();
                    string? line;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.Length == 0)
                        {
                            continue;
                        }

                        using var json = JsonDocument.Parse(line);
                        answer.Append(json.RootElement.GetProperty("message").GetProperty("content").GetString());
                    }

                    return answer.ToString();
                }
            }
            """, Usings + """
            class OllamaChat
            {
                public async Task<string> AskAsync(HttpClient http, string body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", new StringContent(body));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var answer = new StringBuilder();
                    string? line;
                    var sawTerminal = false;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.Length == 0)
                        {
                            continue;
                        }

                        using var json = JsonDocument.Parse(line);
                        if (json.RootElement.ValueKind == JsonValueKind.Object
                            && json.RootElement.TryGetProperty("done", out var doneValue)
                            && doneValue.ValueKind == JsonValueKind.True)
                        {
                            sawTerminal = true;
                        }

                        answer.Append(json.RootElement.GetProperty("message").GetProperty("content").GetString());
                    }

                    if (!sawTerminal)
                    {
                        throw new IOException("The model stream ended before its final done object: the response is incomplete.");
                    }

                    return answer.ToString();
                }
            }
            """, EndOfStreamCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoopsGetTwoFlags()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamCodeFix>.FixAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskTwiceAsync(HttpClient http, HttpRequestMessage first, HttpRequestMessage second)
                {
                    first.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    var text = new StringBuilder();
                    using (var reader = new StreamReader(await (await http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead)).Content.ReadAsStreamAsync()))
                    {
                        string? line;
                        {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (line == "data: [DONE]") break;
                            if (line.StartsWith("data: ")) text.Append(JsonDocument.Parse(line.Substring(6)).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    using (var reader = new StreamReader(await (await http.SendAsync(second, HttpCompletionOption.ResponseHeadersRead)).Content.ReadAsStreamAsync()))
                    {
                        string? line;
                        {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (line == "data: [DONE]") break;
                            if (line.StartsWith("data: ")) text.Append(JsonDocument.Parse(line.Substring(6)).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    return text.ToString();
                }
            }
            """, Usings + """
            class ChatClient
            {
                public async Task<string> AskTwiceAsync(HttpClient http, HttpRequestMessage first, HttpRequestMessage second)
                {
                    first.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    var text = new StringBuilder();
                    using (var reader = new StreamReader(await (await http.SendAsync(first, HttpCompletionOption.ResponseHeadersRead)).Content.ReadAsStreamAsync()))
                    {
                        string? line;
                        var sawTerminal = false;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (line == "data: [DONE]")
                            {
                                sawTerminal = true;
                                break;
                            }

                            if (line.StartsWith("data: ")) text.Append(JsonDocument.Parse(line.Substring(6)).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }

                        if (!sawTerminal)
                        {
                            throw new IOException("The model stream ended before its terminal marker: the response is incomplete.");
                        }
                    }

                    using (var reader = new StreamReader(await (await http.SendAsync(second, HttpCompletionOption.ResponseHeadersRead)).Content.ReadAsStreamAsync()))
                    {
                        string? line;
                        var sawTerminal2 = false;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (line == "data: [DONE]")
                            {
                                sawTerminal2 = true;
                                break;
                            }

                            if (line.StartsWith("data: ")) text.Append(JsonDocument.Parse(line.Substring(6)).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }

                        if (!sawTerminal2)
                        {
                            throw new IOException("The model stream ended before its terminal marker: the response is incomplete.");
                        }
                    }

                    return text.ToString();
                }
            }
            """, EndOfStreamCodeFix.Key);

    [Fact]
    public Task NoFix_WhenTheLoopNeverLeavesOnATerminalMarker()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamCodeFix>.NoFixAsync(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: {")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);
}

public partial class LLM203Tests
{
    [Fact]
    public Task Reports_OpenAI_ChatLoopWithoutFinishReason()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            text.Append(part.Text);
                        }
                    }

                    return text.ToString();
                }

                string Ask(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    {|LLM203:foreach|} (var update in client.CompleteChatStreaming(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_OpenAI_ResponsesLoopWithoutTerminalEvent()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class Chat
            {
                async Task<string> AskAsync(ResponsesClient client, CreateResponseOptions options)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in await client.CreateResponseStreamingAsync(options))
                    {
                        if (update is StreamingResponseOutputTextDeltaUpdate delta)
                        {
                            text.Append(delta.Delta);
                        }
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_ExtensionsAI_LoopAndAggregation()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}();
                    return response.Text;
                }

                async Task<string> InlineAsync(IChatClient client, string question)
                    => (await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}()).Text;
            }
            """);

    [Fact]
    public Task Reports_ExtensionsAI950_LoopWithoutFinishReason()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, IList<ChatMessage> messages)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(messages))
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }
            }
            """, References.ExtensionsAI950, editorConfig: null);

    [Fact]
    public Task Reports_SemanticKernel_ChatLoop()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService service, ChatHistory history, Kernel kernel)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var content in service.GetStreamingChatMessageContentsAsync(history))
                    {
                        text.Append(content.Content);
                    }

                    await {|LLM203:foreach|} (var content in kernel.InvokePromptStreamingAsync("Tell me a joke"))
                    {
                        text.Append(content);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_Anthropic_EventLoop()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                        if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                        {
                            text.Append(textDelta.Text);
                        }
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_Ollama_ChatLoop()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var chunk in ollama.ChatAsync(request))
                    {
                        text.Append(chunk?.Message?.Content);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_Betalgo_StreamLoop()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Linq;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (chunk.Successful)
                        {
                            text.Append(chunk.Choices.FirstOrDefault()?.Message?.Content);
                        }
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_IteratorThatYieldsOnlyTheText()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async IAsyncEnumerable<string> StreamAsync(IChatClient client, string question)
                {
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        yield return update.Text;
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HelperThatOnlyPrintsTheUpdate()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task PrintAsync(IChatClient client, string question)
                {
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        Show(update);
                        Console.WriteLine(update);
                    }
                }

                static void Show(ChatResponseUpdate update) => Console.Write(update.Text);
            }
            """);

    [Theory]
    [InlineData("if (update.FinishReason == ChatFinishReason.Length) throw new InvalidOperationException();")]
    [InlineData("finish = update.FinishReason ?? finish;")]
    [InlineData("Track(update);")]
    public Task NoDiagnostic_OpenAI_FinishReasonRead(string statement)
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                private ChatFinishReason? _last;

                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finish = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
            """ + "            " + statement + "\n" + """
                    }

                    return text.ToString() + finish;
                }

                private void Track(StreamingChatCompletionUpdate update) => _last = update.FinishReason ?? _last;
            }
            """);

    [Theory]
    [InlineData("if (update is StreamingResponseCompletedUpdate) completed = true;")]
    [InlineData("if (update.Kind == StreamingResponseUpdateKind.ResponseIncomplete) throw new InvalidOperationException();")]
    [InlineData("switch (update) { case StreamingResponseIncompleteUpdate incomplete: throw new InvalidOperationException(incomplete.Response.IncompleteStatusDetails?.Reason?.ToString()); }")]
    public Task NoDiagnostic_Responses_TerminalEventHandled(string statement)
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class Chat
            {
                async Task<string> AskAsync(ResponsesClient client, CreateResponseOptions options)
                {
                    var text = new StringBuilder();
                    var completed = false;
                    await foreach (var update in await client.CreateResponseStreamingAsync(options))
                    {
                        if (update is StreamingResponseOutputTextDeltaUpdate delta) text.Append(delta.Delta);
            """ + "            " + statement + "\n" + """
                    }

                    return completed ? text.ToString() : "";
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ExtensionsAI_CorrectPatterns()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finish = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text);
                        finish ??= update.FinishReason;
                    }

                    return finish is null ? throw new InvalidOperationException() : text.ToString();
                }

                async IAsyncEnumerable<ChatResponseUpdate> RelayAsync(IChatClient client, string question)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        yield return update;
                    }
                }

                async Task<ChatResponse> CollectAsync(IChatClient client, string question)
                {
                    var updates = new List<ChatResponseUpdate>();
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        Console.Write(update.Text);
                        updates.Add(update);
                    }

                    return updates.ToChatResponse();
                }

                async Task<ChatResponse> ReturnAsync(IChatClient client, string question)
                    => await client.GetStreamingResponseAsync(question).ToChatResponseAsync();

                async Task<string> CheckAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).ToChatResponseAsync();
                    if (response.FinishReason != ChatFinishReason.Stop) throw new InvalidOperationException();
                    return response.Text;
                }
            }
            """);

    [Theory]
    [InlineData("if (content.Metadata?[\"FinishReason\"] is \"Length\") throw new InvalidOperationException();")]
    [InlineData("if ((content as OpenAIStreamingChatMessageContent)?.FinishReason is not null) done = true;")]
    public Task NoDiagnostic_SemanticKernel_FinishReasonRead(string statement)
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;
            using Microsoft.SemanticKernel.Connectors.OpenAI;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService service, ChatHistory history, Kernel kernel)
                {
                    var text = new StringBuilder();
                    var done = false;
                    await foreach (var content in service.GetStreamingChatMessageContentsAsync(history))
                    {
                        text.Append(content.Content);
            """ + "            " + statement + "\n" + """
                    }

                    await foreach (var piece in kernel.InvokePromptStreamingAsync<string>("Tell me a joke"))
                    {
                        text.Append(piece);
                    }

                    return done ? text.ToString() : "";
                }
            }
            """);

    [Theory]
    [InlineData("if (streamEvent.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason is { } reason) stop = reason.Raw();")]
    [InlineData("if (streamEvent.TryPickStop(out _)) stop = \"end\";")]
    [InlineData("if (streamEvent.Value is RawMessageStopEvent) stop = \"end\";")]
    [InlineData("streamEvent.Switch(_ => { }, _ => { }, _ => stop = \"end\", _ => { }, _ => { }, _ => { });")]
    public Task NoDiagnostic_Anthropic_StopObserved(string statement)
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var text = new StringBuilder();
                    string? stop = null;
                    await foreach (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                        if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta)) text.Append(textDelta.Text);
            """ + "            " + statement + "\n" + """
                    }

                    return stop is null ? "" : text.ToString();
                }

                async Task<Message> AggregateAsync(AnthropicClient client, MessageCreateParams parameters)
                    => await client.Messages.CreateStreaming(parameters).Aggregate();
            }
            """);

    // Real code (the Anthropic SDK's own examples): CollectAsync feeds an aggregator while handing the events on, and throws
    // when the stream ends without message_stop, like Aggregate().
    [Fact]
    public Task NoDiagnostic_Anthropic_CollectAsyncIntoAnAggregator()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Helpers;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<Message> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    IAsyncEnumerable<RawMessageStreamEvent> updates = client.Messages.CreateStreaming(parameters);
                    var aggregator = new MessageContentAggregator();
                    await foreach (var rawEvent in updates.CollectAsync(aggregator))
                    {
                        if (rawEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var text))
                        {
                            Console.Write(text.Text);
                        }
                    }

                    return aggregator.Message();
                }

                async Task PrintAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var aggregator = new MessageContentAggregator();
                    await foreach (var rawEvent in aggregator.CollectAsync(client.Messages.CreateStreaming(parameters)))
                    {
                        Console.Write(rawEvent);
                    }
                }
            }
            """);

    // Real code (OllamaSharp's image generation demo): the image arrives only with the final (done) response.
    [Fact]
    public Task NoDiagnostic_Ollama_ImageReadFromTheFinalResponse()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models;

            class Images
            {
                async Task<string?> GenerateAsync(IOllamaApiClient ollama, GenerateRequest request)
                {
                    string? lastImage = null;
                    await foreach (var response in ollama.GenerateAsync(request))
                    {
                        if (response is null)
                        {
                            continue;
                        }

                        if (!string.IsNullOrEmpty(response.Image))
                        {
                            lastImage = response.Image;
                        }
                    }

                    return lastImage;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_Ollama_DoneReadAndTextStreams()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var text = new StringBuilder();
                    var done = false;
                    await foreach (var chunk in ollama.ChatAsync(request))
                    {
                        text.Append(chunk?.Message?.Content);
                        done |= chunk?.Done == true;
                    }

                    return done ? text.ToString() : throw new InvalidOperationException();
                }

                async Task<string> TextAsync(OllamaSharp.Chat chat)
                {
                    var text = new StringBuilder();
                    await foreach (var token in chat.SendAsync("hi"))
                    {
                        text.Append(token);
                    }

                    return text.ToString();
                }

                async Task<ChatDoneResponseStream?> ToEndAsync(IOllamaApiClient ollama, ChatRequest request)
                    => await ollama.ChatAsync(request).StreamToEndAsync();
            }
            """);

    [Fact]
    public Task NoDiagnostic_Betalgo_FinishReasonRead()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    string? finish = null;
                    await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (!chunk.Successful) break;
                        if (chunk.Choices.Count == 0) continue;
                        text.Append(chunk.Choices[0].Delta?.Content);
                        finish = chunk.Choices[0].FinishReason ?? finish;
                    }

                    return finish is null ? "" : text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LoopThatTakesTheFirstUpdateOnly()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string?> FirstWordAsync(IChatClient client, string question)
                {
                    string? first = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        first = update.Text;
                        break;
                    }

                    return first;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LookAlikeUserStream()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;

            class Update
            {
                public string? Text { get; set; }
            }

            class Chat
            {
                async Task<string> ReadAsync(IAsyncEnumerable<Update> updates)
                {
                    var text = new StringBuilder();
                    await foreach (var update in updates)
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LibraryAbsent()
        => Verify<FinishReasonAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;

            class Chat
            {
                async Task<string> ReadAsync(IAsyncEnumerable<string> tokens)
                {
                    var text = new StringBuilder();
                    await foreach (var token in tokens) text.Append(token);
                    return text.ToString();
                }
            }
            """, ImmutableArray<MetadataReference>.Empty, editorConfig: null);

    [Fact]
    public Task Reports_BrokenCode_WithoutThrowing()
        => TerminationTest.BrokenCodeAsync<FinishReasonAnalyzer>("""
            using System.Text;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text;
                        Missing(update.
                    }
                    var response = await client.GetStreamingResponseAsync().{|LLM203:ToChatResponseAsync|}(
            """);

    [Fact]
    public Task Fix_OpenAI_CapturesAndChecksTheFinishReason()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            text.Append(part.Text);
                        }
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        finishReason ??= update.FinishReason;
                        foreach (var part in update.ContentUpdate)
                        {
                            text.Append(part.Text);
                        }
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonCodeFix.Key);

    [Fact]
    public Task Fix_ExtensionsAI_LoopWithoutBracesAndAggregation()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                        text.Append(update.Text);

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}();
                    return response.Text;
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        finishReason ??= update.FinishReason;
                        text.Append(update.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).ToChatResponseAsync();
                    if (response.FinishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.");
                    }

                    if (response.FinishReason == ChatFinishReason.Length || response.FinishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {response.FinishReason}).");
                    }

                    return response.Text;
                }
            }
            """, FinishReasonCodeFix.Key);

    [Fact]
    public Task Fix_ExtensionsAI_AmbiguousWithOpenAIChatFinishReason()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    Microsoft.Extensions.AI.ChatFinishReason? finishReason = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        finishReason ??= update.FinishReason;
                        text.Append(update.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == Microsoft.Extensions.AI.ChatFinishReason.Length || finishReason == Microsoft.Extensions.AI.ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonCodeFix.Key);

    [Fact]
    public Task Fix_SemanticKernel_ReadsTheMetadata()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService service, ChatHistory history)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var content in service.GetStreamingChatMessageContentsAsync(history))
                    {
                        text.Append(content.Content);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService service, ChatHistory history)
                {
                    var text = new StringBuilder();
                    object? finishReason = null;
                    await foreach (var content in service.GetStreamingChatMessageContentsAsync(history))
                    {
                        if (content.Metadata is { } metadata && metadata.TryGetValue("FinishReason", out var reason) && reason is not null)
                        {
                            finishReason = reason;
                        }

                        text.Append(content.Content);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason.ToString() is "Length" or "ContentFilter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonCodeFix.Key);

    [Fact]
    public Task Fix_Anthropic_CapturesTheStopReason()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                        if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                        {
                            text.Append(textDelta.Text);
                        }
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Core;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var text = new StringBuilder();
                    ApiEnum<string, StopReason>? stopReason = null;
                    await foreach (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                        if (streamEvent.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason is { } reason)
                        {
                            stopReason = reason;
                        }

                        if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                        {
                            text.Append(textDelta.Text);
                        }
                    }

                    if (stopReason is null)
                    {
                        throw new IOException("The model stream ended without a stop reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (stopReason == StopReason.MaxTokens || stopReason == StopReason.ModelContextWindowExceeded || stopReason == StopReason.Refusal)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (stop reason: {stopReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonCodeFix.Key);

    [Fact]
    public Task Fix_Ollama_CapturesTheDoneReason()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var chunk in ollama.ChatAsync(request))
                    {
                        text.Append(chunk?.Message?.Content);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var text = new StringBuilder();
                    string? doneReason = null;
                    await foreach (var chunk in ollama.ChatAsync(request))
                    {
                        if (chunk?.Done == true)
                        {
                            doneReason = (chunk as ChatDoneResponseStream)?.DoneReason ?? "stop";
                        }

                        text.Append(chunk?.Message?.Content);
                    }

                    if (doneReason is null)
                    {
                        throw new IOException("The model stream ended before its final 'done' chunk: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (doneReason == "length")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (done reason: {doneReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonCodeFix.Key);

    [Fact]
    public Task Fix_Betalgo_CapturesTheFirstChoiceFinishReason()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (!chunk.Successful) throw new IOException(chunk.Error?.Message);
                        text.Append(chunk.Choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    string? finishReason = null;
                    await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (chunk.Choices is { Count: > 0 } choices && choices[0].FinishReason is { } reason)
                        {
                            finishReason = reason;
                        }

                        if (!chunk.Successful) throw new IOException(chunk.Error?.Message);
                        text.Append(chunk.Choices[0].Delta?.Content);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == "length" || finishReason == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonCodeFix.Key);

    [Fact]
    public Task Fix_Responses_WaitsForTheTerminalEvent()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class Chat
            {
                async Task<string> AskAsync(ResponsesClient client, CreateResponseOptions options)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in await client.CreateResponseStreamingAsync(options))
                    {
                        if (update is StreamingResponseOutputTextDeltaUpdate delta)
                        {
                            text.Append(delta.Delta);
                        }
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class Chat
            {
                async Task<string> AskAsync(ResponsesClient client, CreateResponseOptions options)
                {
                    var text = new StringBuilder();
                    StreamingResponseUpdate? terminalUpdate = null;
                    await foreach (var update in await client.CreateResponseStreamingAsync(options))
                    {
                        if (update is StreamingResponseCompletedUpdate or StreamingResponseIncompleteUpdate)
                        {
                            terminalUpdate = update;
                        }

                        if (update is StreamingResponseOutputTextDeltaUpdate delta)
                        {
                            text.Append(delta.Delta);
                        }
                    }

                    if (terminalUpdate is null)
                    {
                        throw new IOException("The model stream ended before response.completed: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (terminalUpdate is StreamingResponseIncompleteUpdate incomplete)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer ({incomplete.Response.IncompleteStatusDetails?.Reason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoopsInOneMethod()
        => Verify<FinishReasonAnalyzer, FinishReasonCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskTwiceAsync(ChatClient client)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage("first")))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage("second")))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskTwiceAsync(ChatClient client)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("first")))
                    {
                        finishReason ??= update.FinishReason;
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    ChatFinishReason? finishReason2 = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("second")))
                    {
                        finishReason2 ??= update.FinishReason;
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    if (finishReason2 is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason2 == ChatFinishReason.Length || finishReason2 == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason2}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonCodeFix.Key);
}

public class LLM204Tests
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
        => Verify<HandRolledSseAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<HandRolledSseAnalyzer>.AnalyzerAsync(Usings + """
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
        => TerminationTest.AnalyzerWithFrameworkAsync<HandRolledSseAnalyzer>(Usings + """
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
        => TerminationTest.BrokenCodeAsync<HandRolledSseAnalyzer>(Usings + """
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
        => Verify<HandRolledSseAnalyzer, SseParserCodeFix>.FixAsync(Usings + """
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
            """, SseParserCodeFix.Key);

    [Fact]
    public Task Fix_EndOfStreamLoopWithAWrapperAndALineCheck()
        => Verify<HandRolledSseAnalyzer, SseParserCodeFix>.FixAsync(Usings + """
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
            """, SseParserCodeFix.Key);

    /// <summary>The new stream local is 'stream' when only a member is called so (the request's "stream": true).</summary>
    [Fact]
    public Task Fix_NamesTheNewStreamLocal_Stream_BesideAStreamMember()
        => Verify<HandRolledSseAnalyzer, SseParserCodeFix>.FixAsync(Usings + """
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
            """, SseParserCodeFix.Key);

    /// <summary>A local or parameter already called 'stream': the new one is 'responseStream', not 'stream2'.</summary>
    [Fact]
    public Task Fix_NamesTheNewStreamLocal_ResponseStream_WhenStreamIsTaken()
        => Verify<HandRolledSseAnalyzer, SseParserCodeFix>.FixAsync(Usings + """
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
            """, SseParserCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoops_OneOfThemDeclined()
        => TerminationTest.FixWithRemainingAsync<HandRolledSseAnalyzer, SseParserCodeFix>(Usings + """
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
            """, SseParserCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoops()
        => Verify<HandRolledSseAnalyzer, SseParserCodeFix>.FixAsync(Usings + """
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
            """, SseParserCodeFix.Key);

    [Fact]
    public Task NoFix_WhenTheLoopHandlesEventLines()
        => Verify<HandRolledSseAnalyzer, SseParserCodeFix>.NoFixAsync(Usings + """
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

public partial class LLM205Tests
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
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + """
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
                        if (data == "[DONE]") break;
                        using var doc = {|LLM205:JsonDocument.Parse(data)|};
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolledSseNdjsonAndSseParser()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;

            class Chunk
            {
                public List<Choice>? Choices { get; set; }
            }

            class Choice
            {
                public Delta? Delta { get; set; }
            }

            class Delta
            {
                public string? Content { get; set; }
            }

            class ChatClient
            {
                public async Task<string> OpenAIAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        var chunk = {|LLM205:JsonSerializer.Deserialize<Chunk>(data)|};
                        text.Append(chunk?.Choices?[0].Delta?.Content);
                    }

                    return text.ToString();
                }

                public async Task<string> OllamaAsync(HttpClient http, string body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", new StringContent(body));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        using var doc = {|LLM205:JsonDocument.Parse(line)|};
                        if (doc.RootElement.GetProperty("done").GetBoolean()) break;
                        text.Append(doc.RootElement.GetProperty("message").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }

                public async IAsyncEnumerable<string> ClaudeAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.anthropic.com/v1/messages");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
                    {
                        if (item.EventType == "message_stop") yield break;
                        using var doc = {|LLM205:JsonDocument.Parse(item.Data)|};
                        if (doc.RootElement.TryGetProperty("delta", out var delta) && delta.TryGetProperty("text", out var text))
                        {
                            yield return text.GetString() ?? "";
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_BetalgoLoopThatNeverReadsSuccessful()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM205:foreach|} (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (chunk.Choices.Count > 0) text.Append(chunk.Choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }
            }
            """);

    [Theory]
    [InlineData("if (doc.RootElement.TryGetProperty(\"error\", out var error)) throw new IOException(error.ToString());")]
    [InlineData("if (doc.RootElement.GetProperty(\"type\").GetString() is \"error\") throw new IOException(data);")]
    [InlineData("ThrowIfError(doc);")]
    public Task NoDiagnostic_ErrorChecked(string check)
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private static void ThrowIfError(JsonDocument doc)
                {
                    if (doc.RootElement.TryGetProperty("error", out var error)) throw new IOException(error.ToString());
                }

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
                        using var doc = JsonDocument.Parse(data);
            """ + "            " + check + "\n" + """
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_DtoErrorMemberAndEventTypeChecked()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;

            class Chunk
            {
                public List<string>? Choices { get; set; }
                public ApiError? Error { get; set; }
            }

            class ApiError
            {
                public string? Message { get; set; }
            }

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
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var chunk = JsonSerializer.Deserialize<Chunk>(line.Substring(6));
                        if (chunk?.Error is { } error) throw new IOException(error.Message);
                        text.Append(chunk?.Choices?[0]);
                    }

                    return text.ToString();
                }

                public async IAsyncEnumerable<string> ClaudeAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.anthropic.com/v1/messages");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
                    {
                        if (item.EventType == "error") throw new IOException(item.Data);
                        if (item.EventType == "message_stop") yield break;
                        using var doc = JsonDocument.Parse(item.Data);
                        yield return doc.RootElement.GetProperty("type").GetString() ?? "";
                    }
                }
            }
            """);

    // Real code (Betalgo's own SSE reader): the update type carries an Error member, and each parsed update is yielded to
    // the caller; an error event parses into Error and reaches it (Betalgo's callers are then LLM205's Betalgo case).
    [Fact]
    public Task NoDiagnostic_UpdateWithAnErrorMemberYieldedToTheCaller()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + """
            using System.Runtime.CompilerServices;

            class ApiError
            {
                public string? Message { get; set; }
            }

            class BaseResponse
            {
                public ApiError? Error { get; set; }
            }

            class ChunkResponse : BaseResponse
            {
                public List<string>? Choices { get; set; }
            }

            static class StreamReading
            {
                public static async IAsyncEnumerable<TResponse> AsStream<TResponse>(this HttpResponseMessage response, [EnumeratorCancellation] CancellationToken ct = default)
                    where TResponse : BaseResponse
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    while (true)
                    {
                        var line = await reader.ReadLineAsync(ct);
                        if (line == null) break;
                        if (!line.StartsWith("data: ")) continue;
                        line = line.Substring(6);
                        if (line.StartsWith("[DONE]")) break;
                        var block = JsonSerializer.Deserialize(line, typeof(TResponse)) as TResponse;
                        if (block != null) yield return block;
                    }
                }

                public static async IAsyncEnumerable<ChunkResponse> Chunks(HttpResponseMessage response)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    while (!reader.EndOfStream)
                    {
                        var line = await reader.ReadLineAsync();
                        if (line is null || !line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        ChunkResponse? chunk = JsonSerializer.Deserialize<ChunkResponse>(line.Substring(6));
                        if (chunk != null) yield return chunk;
                    }
                }
            }
            """);

    // An update with an Error member that the loop only reads text from (never yields nor checks) still ignores the error.
    [Fact]
    public Task Reports_UpdateWithAnErrorMemberThatStaysInTheLoop()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + """
            class ApiError
            {
                public string? Message { get; set; }
            }

            class ChunkResponse
            {
                public List<string>? Choices { get; set; }
                public ApiError? Error { get; set; }
            }

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
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var chunk = {|LLM205:JsonSerializer.Deserialize<ChunkResponse>(line.Substring(6))|};
                        text.Append(chunk?.Choices?[0]);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_BetalgoChecksAndOtherSdks()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (!chunk.Successful) throw new IOException(chunk.Error?.Message);
                        text.Append(chunk.Choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }

                async Task<string> OpenAIAsync(ChatClient client)
                {
                    var text = new StringBuilder();
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_GenericSseReader()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + """
            class Quote
            {
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
                        if (line.StartsWith("data: ")) quotes.Add(JsonSerializer.Deserialize<Quote>(line.Substring(6))!);
                    }

                    return quotes;
                }
            }
            """);

    [Fact]
    public Task Reports_BrokenCode_WithoutThrowing()
        => TerminationTest.BrokenCodeAsync<InStreamErrorAnalyzer>(Usings + """
            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", null);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        var doc = {|LLM205:JsonDocument.Parse(line)|}
                        Undefined(doc.RootElement.
            """);

    [Fact]
    public Task Fix_HandRolledThrowsWithTheProviderMessage()
        => Verify<InStreamErrorAnalyzer, InStreamErrorCodeFix>.FixAsync(Usings + """
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
                        using var doc = {|LLM205:JsonDocument.Parse(data)|};
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
                        if (data.IndexOf("\"error\"", StringComparison.Ordinal) >= 0)
                        {
                            using var errorDocument = JsonDocument.Parse(data);
                            if (errorDocument.RootElement.ValueKind == JsonValueKind.Object && errorDocument.RootElement.TryGetProperty("error", out var error))
                            {
                                throw new IOException("The model stream reported an error: " + (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) ? message.ToString() : error.ToString()));
                            }
                        }

                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """, InStreamErrorCodeFix.Key);

    private const string OllamaTyped = """
        class OllamaMessage { public string? Content { get; set; } }

        class OllamaChunk
        {
            public OllamaMessage? Message { get; set; }
            public bool Done { get; set; }
            public string? Error { get; set; }
        }

        class Ollama
        {
            public async Task<string> ChatAsync(HttpClient http, string body)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost:11434/api/chat") { Content = new StringContent(body) };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var text = new StringBuilder();
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (string.IsNullOrWhiteSpace(line)) continue;
        /*check*/
                    var chunk = [|JsonSerializer.Deserialize<OllamaChunk>(line)|];
                    if (chunk is null) continue;
        /*read*/
                    text.Append(chunk.Message?.Content);
                    if (chunk.Done) break;
                }

                return text.ToString();
            }
        }
        """;

    /// <summary>
    /// Issue 13: Ollama sends <c>{"error": "…"}</c> as an NDJSON line in the middle of a 200 stream. A typed loop that
    /// never reads the DTO's error (here the DTO even has one) takes it for an empty chunk; reading it is the check.
    /// </summary>
    [Fact]
    public Task Reports_OllamaNdjsonErrorLine_TypedDtoThatNeverReadsTheError()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + OllamaTyped.Replace("/*check*/", "").Replace("/*read*/", "").Replace("[|", "{|LLM205:").Replace("|]", "|}"));

    [Fact]
    public Task NoDiagnostic_OllamaNdjsonErrorLine_Checked()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + OllamaTyped.Replace("/*check*/", "").Replace("[|", "").Replace("|]", "")
            .Replace("/*read*/", "if (chunk.Error is { } error) throw new IOException(\"Ollama: \" + error);"));

    [Fact]
    public Task NoDiagnostic_OllamaNdjsonErrorLine_CheckedOnTheLine()
        => Verify<InStreamErrorAnalyzer>.AnalyzerAsync(Usings + OllamaTyped.Replace("[|", "").Replace("|]", "").Replace("/*read*/", "")
            .Replace("/*check*/", "if (line.StartsWith(\"{\\\"error\\\"\")) throw new IOException(line);"));

    [Fact]
    public Task Fix_OllamaNdjsonErrorLine_ThrowsWithTheMessage()
        => Verify<InStreamErrorAnalyzer, InStreamErrorCodeFix>.FixAsync(
            Usings + OllamaTyped.Replace("/*check*/", "").Replace("/*read*/", "").Replace("[|", "{|LLM205:").Replace("|]", "|}"),
            Usings.Replace("using System.Text.Json;\n", "using System.Text.Json;\n") + OllamaTyped.Replace("[|", "").Replace("|]", "").Replace("/*read*/", "").Replace("/*check*/", """
                        if (line.IndexOf("\"error\"", StringComparison.Ordinal) >= 0)
                        {
                            using var errorDocument = JsonDocument.Parse(line);
                            if (errorDocument.RootElement.ValueKind == JsonValueKind.Object && errorDocument.RootElement.TryGetProperty("error", out var error))
                            {
                                throw new IOException("The model stream reported an error: " + (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) ? message.ToString() : error.ToString()));
                            }
                        }

            """),
            InStreamErrorCodeFix.Key);

    /// <summary>
    /// A failed request (Betalgo yields a 400, 401, 429 or 500 as an item) throws the HttpRequestException that carries its
    /// status, so that a retry's status filter leaves 400/401/403/404 alone (an IOException for all made the fixed
    /// program send a 401 four times); an error inside the 200 stream stays an IOException.
    /// </summary>
    [Fact]
    public Task Fix_Betalgo_ThrowsWhenNotSuccessful()
        => Verify<InStreamErrorAnalyzer, InStreamErrorCodeFix>.FixAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM205:foreach|} (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (chunk.Choices.Count > 0) text.Append(chunk.Choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (!chunk.Successful)
                        {
                            var error = "The model stream reported an error: " + (chunk.Error?.Message ?? chunk.Error?.Code ?? "unknown error");
                            if ((int)chunk.HttpStatusCode >= 400)
                            {
                                throw new HttpRequestException(error, null, chunk.HttpStatusCode);
                            }

                            throw new IOException(error);
                        }

                        if (chunk.Choices.Count > 0) text.Append(chunk.Choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }
            }
            """, InStreamErrorCodeFix.Key);

    [Fact]
    public Task Fix_All_NdjsonAndNamesTaken()
        => Verify<InStreamErrorAnalyzer, InStreamErrorCodeFix>.FixAsync(Usings + """
            class OllamaChat
            {
                public async Task<string> AskTwiceAsync(HttpClient http, string body)
                {
                    var text = new StringBuilder();
                    var error = "";
                    foreach (var path in new[] { "http://localhost:11434/api/chat", "http://localhost:11434/api/generate" })
                    {
                        using var response = await http.PostAsync(path, new StringContent(body));
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                        string? line;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            using var doc = {|LLM205:JsonDocument.Parse(line)|};
                            text.Append(doc.RootElement.GetProperty("message").GetProperty("content").GetString());
                        }

                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            using var doc = {|LLM205:JsonDocument.Parse(line)|};
                            text.Append(doc.RootElement.GetProperty("response").GetString());
                        }
                    }

                    return text.ToString() + error;
                }
            }
            """, Usings + """
            class OllamaChat
            {
                public async Task<string> AskTwiceAsync(HttpClient http, string body)
                {
                    var text = new StringBuilder();
                    var error = "";
                    foreach (var path in new[] { "http://localhost:11434/api/chat", "http://localhost:11434/api/generate" })
                    {
                        using var response = await http.PostAsync(path, new StringContent(body));
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                        string? line;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (line.IndexOf("\"error\"", StringComparison.Ordinal) >= 0)
                            {
                                using var errorDocument = JsonDocument.Parse(line);
                                if (errorDocument.RootElement.ValueKind == JsonValueKind.Object && errorDocument.RootElement.TryGetProperty("error", out var error2))
                                {
                                    throw new IOException("The model stream reported an error: " + (error2.ValueKind == JsonValueKind.Object && error2.TryGetProperty("message", out var message) ? message.ToString() : error2.ToString()));
                                }
                            }

                            using var doc = JsonDocument.Parse(line);
                            text.Append(doc.RootElement.GetProperty("message").GetProperty("content").GetString());
                        }

                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (line.IndexOf("\"error\"", StringComparison.Ordinal) >= 0)
                            {
                                using var errorDocument2 = JsonDocument.Parse(line);
                                if (errorDocument2.RootElement.ValueKind == JsonValueKind.Object && errorDocument2.RootElement.TryGetProperty("error", out var error3))
                                {
                                    throw new IOException("The model stream reported an error: " + (error3.ValueKind == JsonValueKind.Object && error3.TryGetProperty("message", out var message2) ? message2.ToString() : error3.ToString()));
                                }
                            }

                            using var doc = JsonDocument.Parse(line);
                            text.Append(doc.RootElement.GetProperty("response").GetString());
                        }
                    }

                    return text.ToString() + error;
                }
            }
            """, InStreamErrorCodeFix.Key);
}

/// <summary>The termination analyzers never throw on incomplete code: sources cut at many points, all five analyzers at once.</summary>
public class TerminationRobustnessTests
{
    private static readonly string[] Sources =
    {
        """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Net.ServerSentEvents;
        using System.Text;
        using System.Text.Json;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI.Chat;

        class Client
        {
            async Task<string> HandAsync(HttpClient http, string body)
            {
                using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent(body));
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var text = new StringBuilder();
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data: ")) continue;
                    var data = line.Substring(6);
                    switch (data) { case "[DONE]": return text.ToString(); }
                    using var doc = JsonDocument.Parse(data);
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                }

                await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
                {
                    if (item.EventType == "error") throw new IOException(item.Data);
                    text.Append(JsonDocument.Parse(item.Data).RootElement.ToString());
                }

                return text.ToString();
            }

            async Task<string> SdkAsync(ChatClient client, IChatClient chat)
            {
                var text = new StringBuilder();
                await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                {
                    foreach (var part in update.ContentUpdate) text.Append(part.Text);
                }

                var response = await chat.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                return text + response.Text;
            }
        }
        """,
        """
        using System.Text;
        using System.Threading.Tasks;
        using Anthropic;
        using Anthropic.Models.Messages;
        using Betalgo.Ranul.OpenAI.Interfaces;
        using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
        using OllamaSharp;
        using OllamaSharp.Models.Chat;

        class Sdks
        {
            async Task<string> AllAsync(AnthropicClient anthropic, MessageCreateParams parameters, IOllamaApiClient ollama, IOpenAIService openAi)
            {
                var text = new StringBuilder();
                await foreach (var e in anthropic.Messages.CreateStreaming(parameters))
                {
                    e.Switch(_ => { }, d => text.Append(d.Delta.StopReason), _ => { }, _ => { }, _ => { }, _ => { });
                }

                await foreach (var chunk in ollama.ChatAsync(new ChatRequest())) text.Append(chunk?.Message?.Content);
                await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(new ChatCompletionCreateRequest()))
                {
                    text.Append(chunk.Choices[0].Delta?.Content);
                }

                return text.ToString();
            }
        }
        """,
    };

    [Fact]
    public async Task NoAnalyzerThrows_OnTruncatedSources()
    {
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(
            new DoneSentinelAnalyzer(), new EndOfStreamAcceptedAnalyzer(), new FinishReasonAnalyzer(), new HandRolledSseAnalyzer(), new InStreamErrorAnalyzer());
        var references = References.Framework.AddRange(References.Sdks);
        var failures = new List<string>();
        var reportedOnWholeSources = 0;
        foreach (var source in Sources)
        {
            for (var cut = source.Length; cut > 0; cut -= Math.Max(1, source.Length / 40))
            {
                var text = source.Substring(0, cut);
                var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text);
                var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
                    "Truncated",
                    new[] { tree },
                    references,
                    new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
                var options = new CompilationWithAnalyzersOptions(
                    new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                    onAnalyzerException: (exception, analyzer, _) => failures.Add(analyzer.GetType().Name + " at " + cut + ": " + exception.Message),
                    concurrentAnalysis: false,
                    logAnalyzerExecutionTime: false);
                var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
                failures.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage()));
                if (cut == source.Length)
                {
                    reportedOnWholeSources += diagnostics.Count(d => d.Id.StartsWith("LLM2", StringComparison.Ordinal));
                }
            }
        }

        Assert.Empty(failures);
        Assert.True(reportedOnWholeSources >= 4, "the analyzers ran: " + reportedOnWholeSources);
    }
}
