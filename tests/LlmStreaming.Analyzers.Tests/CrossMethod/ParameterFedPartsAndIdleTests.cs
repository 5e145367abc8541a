using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.PartialOutput;
using LlmStreaming.CodeFixes.Timeouts;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// LLM303 and LLM406 on parsers handed the stream (issue 11). LLM303 reports an unguarded content-part index in the
/// loop of a parser a caller hands a model response, once, in the parser. LLM406 reports a parser whose reads get no
/// token when every caller of the compilation hands it the body of a <c>ResponseHeadersRead</c> send and none bounds
/// the wait itself; any caller it cannot follow leaves the parser unjudged.
/// </summary>
public class ParameterFedPartsAndIdleTests
{
    private const string Usings = ParameterParserTests.Usings;

    private const string IdleMessage = "The reads of the model response 'AskAsync' hands in get no cancellation token: after the headers nothing bounds the body, so a stalled stream hangs forever";

    /// <summary>A client that streams a chat request and hands the parser a reader over the body (the parser's class has no HTTP).</summary>
    private const string Client = ParameterParserTests.Client;

    /// <summary>The parser of <see cref="Client"/>: [DONE] handled, the first choice indexed blindly, reads without a token.</summary>
    private const string Parser = """
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
                    var delta = doc.RootElement.GetProperty("choices")[0].GetProperty("delta");
                    yield return delta.GetProperty("content").GetString() ?? "";
                }
            }
        }
        """;

    /// <summary>Two parsers that hand each other their reader (a cycle).</summary>
    private const string RecursiveParsers = """
        static class ChunkParser
        {
            public static async IAsyncEnumerable<string> ParseAsync(StreamReader reader, int depth)
            {
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data: ")) continue;
                    if (line == "data: [DONE]") break;
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
        """;

    /// <summary>A client that streams a model response into the first of <see cref="RecursiveParsers"/>.</summary>
    private const string CycleCaller = """

        class ChatClient
        {
            public async Task<int> AskAsync(HttpClient http, HttpRequestMessage request)
            {
                request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var count = 0;
                await foreach (var delta in ChunkParser.ParseAsync(new StreamReader(await response.Content.ReadAsStreamAsync()), 1)) count++;
                return count;
            }
        }
        """;

    // ---- LLM303 ----

    [Fact]
    public Task Reports_PartIndexed_InAParserHandedTheReader_NamingTheCaller()
        => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(
            Usings + Parser.Replace("doc.RootElement.GetProperty(\"choices\")[0]", "{|#0:doc.RootElement.GetProperty(\"choices\")[0]|}") + Client,
            Verify<ContentPartIndexedWithoutGuardAnalyzer>.Diagnostic("LLM303").WithLocation(0)
                .WithArguments("doc.RootElement.GetProperty(\"choices\")", "the model response 'AskAsync' hands in"));

    [Fact]
    public Task Fix_PartIndexed_SkipsChunksWithoutChoices_InTheParser()
        => Verify<ContentPartIndexedWithoutGuardAnalyzer, ContentPartIndexedWithoutGuardCodeFix>.FixAsync(
            Usings + Parser.Replace("doc.RootElement.GetProperty(\"choices\")[0]", "{|LLM303:doc.RootElement.GetProperty(\"choices\")[0]|}") + Client,
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
                        if (doc.RootElement.GetProperty("choices").GetArrayLength() == 0)
                        {
                            continue;
                        }

                        var delta = doc.RootElement.GetProperty("choices")[0].GetProperty("delta");
                        yield return delta.GetProperty("content").GetString() ?? "";
                    }
                }
            }
            """ + Client,
            ContentPartIndexedWithoutGuardCodeFix.EquivalenceKey);

    [Fact]
    public Task Reports_PartIndexed_InAnSseParserHandedTheStream_ThroughAForwardingParameter()
        => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;

            class EventReader
            {
                public async Task ReadAsync(Stream body, Action<string> onDelta)
                {
                    await foreach (var item in SseParser.Create(body).EnumerateAsync())
                    {
                        if (item.Data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(item.Data);
                        onDelta({|LLM303:doc.RootElement.GetProperty("choices")[0]|}.GetProperty("delta").GetProperty("content").ToString());
                    }
                }
            }

            class Relay
            {
                private readonly EventReader _reader = new();

                public Task RelayAsync(Stream body) => _reader.ReadAsync(body, Console.Write);
            }

            class ChatClient
            {
                public async Task AskAsync(HttpClient http, HttpContent payload)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", payload);
                    await new Relay().RelayAsync(await response.Content.ReadAsStreamAsync());
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_PartIndexed_GuardedInTheParser()
        => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(Usings + """
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
                        var choices = doc.RootElement.GetProperty("choices");
                        if (choices.GetArrayLength() == 0) continue;
                        yield return choices[0].GetProperty("delta").GetProperty("content").GetString() ?? "";
                    }
                }
            }
            """ + Client);

    [Fact]
    public Task NoDiagnostic_PartIndexed_ParserHandedALogFile()
        => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(Usings + Parser + """

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
    public Task NoDiagnostic_PartIndexed_ParsersThatHandEachOtherTheirReader()
        => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(Usings + RecursiveParsers);

    /// <summary>The cycle with a caller that streams a model response into it: the first parser's loop, once.</summary>
    [Fact]
    public Task Reports_PartIndexed_Once_InParsersThatHandEachOtherTheirReader()
        => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(
            Usings + RecursiveParsers.Replace("doc.RootElement.GetProperty(\"choices\")[0]", "{|LLM303:doc.RootElement.GetProperty(\"choices\")[0]|}") + CycleCaller);

    // ---- LLM406 ----

    [Fact]
    public Task Reports_Idle_InAParserHandedTheReader_NamingTheCaller()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(
            Usings + Parser.Replace("reader.ReadLineAsync()", "reader.{|#0:ReadLineAsync|}()") + Client,
            Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.Diagnostic("LLM406").WithLocation(0).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments(IdleMessage, "read"));

    [Fact]
    public Task Fix_Idle_InTheParser()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer, StreamedBodyWithoutIdleTimeoutCodeFix>.FixAsync(
            Usings + Parser.Replace("reader.ReadLineAsync()", "reader.{|LLM406:ReadLineAsync|}()") + Client,
            Usings + """
            static class ChunkParser
            {
                public static async IAsyncEnumerable<string> ParseAsync(StreamReader reader)
                {
                    string? line;
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = new CancellationTokenSource();
                    idleTimeout.CancelAfter(idleLimit);
                    while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        var delta = doc.RootElement.GetProperty("choices")[0].GetProperty("delta");
                        yield return delta.GetProperty("content").GetString() ?? "";
                    }
                }
            }
            """ + Client,
            StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey);

    /// <summary>The send is two methods up: the relay forwards its parameter, and its only caller streams the body.</summary>
    [Fact]
    public Task Reports_Idle_InAnSseParser_ThroughAForwardingParameter()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + """
            using System.Net.ServerSentEvents;

            class EventReader
            {
                public async Task ReadAsync(Stream body, Action<string> onDelta)
                {
                    await foreach (var item in SseParser.Create(body).{|#0:EnumerateAsync|}())
                    {
                        if (item.Data == "[DONE]") break;
                        onDelta(item.Data);
                    }
                }
            }

            class Relay
            {
                private readonly EventReader _reader = new();

                public Task RelayAsync(Stream body) => _reader.ReadAsync(body, Console.Write);
            }

            class ChatClient
            {
                public async Task AskAsync(HttpClient http)
                {
                    await new Relay().RelayAsync(await http.GetStreamAsync("https://api.openai.com/v1/responses"));
                }
            }
            """,
            Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.Diagnostic("LLM406").WithLocation(0).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments("The reads of the model response 'RelayAsync' hands in get no cancellation token: after the headers nothing bounds the body, so a stalled stream hangs forever", "read"));

    /// <summary>A parser of the client's own class is a model stream on its own; its body comes from the caller all the same.</summary>
    [Fact]
    public Task Reports_Idle_InAParserOfTheClientItself()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new();

                public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = payload };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    return await ReadAllAsync(response);
                }

                private static async Task<string> ReadAllAsync(HttpResponseMessage response)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.{|#0:ReadLineAsync|}()) != null)
                    {
                        if (line == "data: [DONE]") break;
                        text.Append(line);
                    }

                    return text.ToString();
                }
            }
            """,
            Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.Diagnostic("LLM406").WithLocation(0).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments(IdleMessage, "read"));

    /// <summary>Two callers stream their bodies into the parser: each rule reports in the parser once, naming the first.</summary>
    [Fact]
    public async Task Reports_Once_WithTwoCallers()
    {
        const string SecondClient = """

            class SummaryClient
            {
                public async Task<int> SummarizeAsync(HttpClient http)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions"));
                    var count = 0;
                    await foreach (var delta in ChunkParser.ParseAsync(reader)) count++;
                    return count;
                }
            }
            """;
        await Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(
            Usings + Parser.Replace("doc.RootElement.GetProperty(\"choices\")[0]", "{|#0:doc.RootElement.GetProperty(\"choices\")[0]|}") + Client + SecondClient,
            Verify<ContentPartIndexedWithoutGuardAnalyzer>.Diagnostic("LLM303").WithLocation(0)
                .WithArguments("doc.RootElement.GetProperty(\"choices\")", "the model response 'AskAsync' hands in"));
        await Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(
            Usings + Parser.Replace("reader.ReadLineAsync()", "reader.{|#0:ReadLineAsync|}()") + Client + SecondClient,
            Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.Diagnostic("LLM406").WithLocation(0).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments(IdleMessage, "read"));
    }

    [Fact]
    public Task NoDiagnostic_Idle_ParserWithAnIdleDeadlineOfItsOwn()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + """
            static class ChunkParser
            {
                public static async IAsyncEnumerable<string> ParseAsync(StreamReader reader)
                {
                    var idleLimit = TimeSpan.FromMinutes(2);
                    using var idleTimeout = new CancellationTokenSource(idleLimit);
                    string? line;
                    while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
                    {
                        idleTimeout.CancelAfter(idleLimit);
                        if (line == "data: [DONE]") break;
                        yield return line;
                    }
                }
            }
            """ + Client);

    /// <summary>The caller hands the parser a token re-armed per delta; the parser passes it to every read.</summary>
    [Fact]
    public Task NoDiagnostic_Idle_CallerPassesATokenWithAPerReadDeadline()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + """
            static class ChunkParser
            {
                public static async IAsyncEnumerable<string> ParseAsync(StreamReader reader, CancellationToken ct)
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (line == "data: [DONE]") break;
                        yield return line;
                    }
                }
            }

            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    idle.CancelAfter(TimeSpan.FromMinutes(2));
                    var text = new StringBuilder();
                    await foreach (var delta in ChunkParser.ParseAsync(reader, idle.Token))
                    {
                        idle.CancelAfter(TimeSpan.FromMinutes(2));
                        text.Append(delta);
                    }

                    return text.ToString();
                }
            }
            """);

    /// <summary>One caller disposes the response when its token fires, the other waits with a deadline: each bounds its parser.</summary>
    [Fact]
    public Task NoDiagnostic_Idle_CallerBoundsTheWait()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + """
            static class LineParser
            {
                public static async Task<string> ReadAllAsync(Stream body)
                {
                    using var reader = new StreamReader(body);
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                        text.Append(line);
                    }

                    return text.ToString();
                }
            }

            static class TailParser
            {
                public static async Task<string> ReadAllAsync(Stream body)
                {
                    using var reader = new StreamReader(body);
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                        text.Append(line);
                    }

                    return text.ToString();
                }
            }

            class ChatClient
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var stop = ct.Register(() => response.Dispose());
                    return await LineParser.ReadAllAsync(await response.Content.ReadAsStreamAsync(ct));
                }

                public async Task<string> AskWithDeadlineAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    return await TailParser.ReadAllAsync(await response.Content.ReadAsStreamAsync()).WaitAsync(TimeSpan.FromMinutes(5));
                }
            }
            """);

    /// <summary>A buffered body is in memory already; one caller that cannot be followed (a file) leaves the parser unjudged.</summary>
    [Fact]
    public Task NoDiagnostic_Idle_BufferedBodyOrACallerNotFollowed()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + Parser + """

            class ChatClient
            {
                public async Task<int> AskAsync(HttpClient http, HttpContent payload)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", payload);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var count = 0;
                    await foreach (var delta in ChunkParser.ParseAsync(reader)) count++;
                    return count;
                }
            }

            static class OtherParser
            {
                public static async Task<int> CountAsync(TextReader reader)
                {
                    var count = 0;
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        using var doc = JsonDocument.Parse(line);
                        count += doc.RootElement.GetProperty("response").GetString()!.Length;
                    }

                    return count;
                }
            }

            class OllamaClient
            {
                public async Task<int> GenerateAsync(HttpClient http, HttpRequestMessage request, string replay)
                {
                    request.RequestUri = new Uri("http://localhost:11434/api/generate");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    var streamed = await OtherParser.CountAsync(new StreamReader(await response.Content.ReadAsStreamAsync()));
                    return streamed + await OtherParser.CountAsync(File.OpenText(replay));
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_Idle_ParserHandedALogFile()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + Parser + """

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

    /// <summary>A method group (a caller whose argument is not seen) and a virtual parser (reached through its base) are not judged.</summary>
    [Fact]
    public Task NoDiagnostic_Idle_ParserUsedAsAMethodGroupOrVirtual()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + Parser + Client + """

            class Replays
            {
                public Func<StreamReader, IAsyncEnumerable<string>> Parse { get; } = ChunkParser.ParseAsync;
            }

            class BaseReader
            {
                public virtual async Task<string> ReadAsync(StreamReader reader)
                {
                    var text = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        if (line == "data: [DONE]") break;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(doc.RootElement.GetProperty("text").GetString());
                    }

                    return text.ToString();
                }

                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    return await ReadAsync(new StreamReader(await response.Content.ReadAsStreamAsync()));
                }
            }
            """);

    /// <summary>A cycle between two parsers is cut: the second caller's reader comes from the first parser, so it is not followed.</summary>
    [Fact]
    public Task NoDiagnostic_Idle_ParsersThatHandEachOtherTheirReader()
        => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(Usings + RecursiveParsers + CycleCaller);

    [Fact]
    public async Task NoCrash_BrokenCode()
    {
        const string Broken = """
            static class ChunkParser
            {
                public static async IAsyncEnumerable<string> ParseAsync(StreamReader reader, Missing m)
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null
                    {
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        yield return doc.RootElement.GetProperty("choices")[0].GetProperty(;
                    }
                }
            }

            class ChatClient
            {
                public async Task AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    await foreach (var delta in ChunkParser.ParseAsync(new StreamReader(await response.Content.ReadAsStreamAsync()), )) { }
                    await foreach (var delta in ChunkParser.ParseAsync(Unknown.Reader, null)) { }
                }
            }
            """;
        var result = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile(new[] { ("Broken.cs", Usings + Broken) }));
        Assert.True(result.Exceptions.IsEmpty, string.Join(Environment.NewLine, result.Exceptions));
    }
}
