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
