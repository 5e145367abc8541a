using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Parsers that get the reader, stream or response as a parameter (issue 11): their loop is a model stream when a
/// caller of the compilation hands them a model response. The hand-rolled termination rules report in the parser, once.
/// </summary>
public class ParameterParserTests
{
    internal const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    /// <summary>A client that sends a chat request and hands the parser a reader over the body (the parser's class has no HTTP).</summary>
    internal const string Client = """

        class ChatClient
        {
            private readonly HttpClient _http = new();

            public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = payload };
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                var text = new StringBuilder();
                await foreach (var delta in ChunkParser.ParseAsync(reader))
                {
                    text.Append(delta);
                }

                return text.ToString();
            }
        }
        """;

    private const string ParserWithoutDone = """
        static class ChunkParser
        {
            public static async IAsyncEnumerable<string> ParseAsync(StreamReader reader)
            {
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data: ")) continue;
                    var data = line.Substring(6);
                    using var doc = {|LLM201:JsonDocument.Parse(data)|};
                    yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                }
            }
        }
        """;

    [Fact]
    public Task Reports_Done_InAParserHandedTheReader()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + ParserWithoutDone + Client);

    [Fact]
    public Task Fix_Done_InTheParser()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.FixAsync(
            Usings + ParserWithoutDone + Client,
            Usings + """
            static class ChunkParser
            {
                public static async IAsyncEnumerable<string> ParseAsync(StreamReader reader)
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                    }
                }
            }
            """ + Client,
            DoneSentinelNotHandledCodeFix.Key);

    [Fact]
    public Task Reports_EndOfStream_InAParserHandedTheStream_NamingTheCaller()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            static class ChunkParser
            {
                public static async IAsyncEnumerable<string> ParseAsync(Stream body)
                {
                    using var reader = new StreamReader(body);
                    string? line;
                    {|#0:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                    }
                }
            }

            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    var text = new StringBuilder();
                    await foreach (var delta in ChunkParser.ParseAsync(await response.Content.ReadAsStreamAsync(ct)))
                    {
                        text.Append(delta);
                    }

                    return text.ToString();
                }
            }
            """,
            Verify<EndOfStreamAcceptedAnalyzer>.Diagnostic("LLM202").WithLocation(0)
                .WithArguments("the model response 'AskAsync' hands in", "'[DONE]'"));

    [Fact]
    public Task Reports_HandRolledSse_InAParserHandedTheResponse_ThroughAForwardingParameter()
        => Verify<HandRolledSseParsingAnalyzer>.AnalyzerAsync(Usings + """
            class Parser
            {
                public async Task ReadAsync(HttpResponseMessage response, Action<string> onDelta)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    while (await {|LLM204:reader.ReadLineAsync()|} is { } line)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        onDelta(doc.RootElement.GetProperty("text").ToString());
                    }
                }
            }

            class Relay
            {
                private readonly Parser _parser = new();

                public Task RelayAsync(HttpResponseMessage response) => _parser.ReadAsync(response, Console.Write);
            }

            class ChatClient
            {
                private readonly Relay _relay = new();

                public async Task AskAsync(HttpClient http, HttpContent payload)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = payload };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    await _relay.RelayAsync(response);
                }
            }
            """);

    [Fact]
    public Task Reports_InStreamError_InAnNdjsonParser_NamingTheCaller()
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + """
            static class LineParser
            {
                public static async Task ReadAsync(TextReader reader, StringBuilder answer)
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        using var doc = {|#0:JsonDocument.Parse(line)|};
                        answer.Append(doc.RootElement.GetProperty("response").GetString());
                    }
                }
            }

            class OllamaClient
            {
                public async Task<string> GenerateAsync(HttpClient http, HttpContent payload)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost:11434/api/generate") { Content = payload };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    response.EnsureSuccessStatusCode();
                    var answer = new StringBuilder();
                    await LineParser.ReadAsync(new StreamReader(await response.Content.ReadAsStreamAsync()), answer);
                    return answer.ToString();
                }
            }
            """,
            Verify<InStreamErrorIgnoredAnalyzer>.Diagnostic("LLM205").WithLocation(0).WithSpan(16, 48, 16, 52).WithSpan(14, 9, 18, 10)
                .WithArguments("Each event of the model response 'GenerateAsync' hands in is parsed by 'JsonDocument.Parse'", "an error event inside the 200 stream passes as the end of the answer"));

    /// <summary>LlmTornado's provider readers: <c>SseParser.Create(reader.BaseStream)</c> over a reader parameter.</summary>
    [Fact]
    public Task Reports_Done_InAnSseParserOverTheReadersBaseStream()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;

            abstract class ProviderReader
            {
                public async IAsyncEnumerable<string> ReadAsync(StreamReader reader)
                {
                    await foreach (var item in SseParser.Create(reader.BaseStream).EnumerateAsync())
                    {
                        using var doc = {|LLM201:JsonDocument.Parse(item.Data)|};
                        yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").ToString();
                    }
                }
            }

            sealed class OpenAiReader : ProviderReader
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    await foreach (var delta in ReadAsync(reader)) text.Append(delta);
                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ParserHandedALogFile()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + ParserWithoutDone.Replace("{|LLM201:", "").Replace(")|}", ")") + """

            class Replay
            {
                public async Task<int> CountAsync(string path)
                {
                    using var reader = File.OpenText(path);
                    var count = 0;
                    await foreach (var delta in ChunkParser.ParseAsync(reader)) count++;
                    return count;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ParserNeverCalled()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + ParserWithoutDone.Replace("{|LLM201:", "").Replace(")|}", ")"));

    [Fact]
    public Task NoDiagnostic_ParserHandedATestString()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + ParserWithoutDone.Replace("{|LLM201:", "").Replace(")|}", ")") + """

            class ParserTests
            {
                public async Task ParsesOneChunk()
                {
                    var bytes = Encoding.UTF8.GetBytes("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n");
                    using var reader = new StreamReader(new MemoryStream(bytes));
                    await foreach (var delta in ChunkParser.ParseAsync(reader)) Console.WriteLine(delta);
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ParsersThatHandEachOtherTheirReader()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            static class ChunkParser
            {
                public static async IAsyncEnumerable<string> ParseAsync(StreamReader reader, int depth)
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").ToString();
                    }

                    if (depth > 0)
                    {
                        await foreach (var more in OtherAsync(reader, depth - 1)) yield return more;
                    }
                }

                public static IAsyncEnumerable<string> OtherAsync(StreamReader reader, int depth) => ParseAsync(reader, depth);
            }
            """);

    /// <summary>A parser the rules recognise on its own (its class sends the request) is reported once, as before.</summary>
    [Fact]
    public Task Reports_ParserOfTheClientItself_Once()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new();

                public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = payload };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    await foreach (var delta in ParseAsync(reader)) text.Append(delta);
                    return text.ToString();
                }

                private static async IAsyncEnumerable<string> ParseAsync(StreamReader reader)
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = {|LLM201:JsonDocument.Parse(line.Substring(6))|};
                        yield return doc.RootElement.GetProperty("choices")[0].GetProperty("delta").ToString();
                    }
                }
            }
            """);
}
