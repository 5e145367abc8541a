using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Recognition;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Callback parsers (issue 11 pattern 4): a helper reads the lines of a response and calls a lambda per line; the
/// model signal is at the call, the loop in the helper, the parse in the lambda. LLM201 and LLM204 judge the lambda as
/// the loop's body and report in it.
/// </summary>
public class CallbackParserTests
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

    /// <summary>A generic line reader: no model signal, no parse, no <c>data:</c>; one call of the delegate per line.</summary>
    private const string LineReader = """

        static class Lines
        {
            public static async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine)
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    onLine(line);
                }
            }
        }
        """;

    /// <summary>A chat client that hands the helper a streamed chat completions response and parses in the lambda.</summary>
    private static string Client(string lambdaBody, string helperName = "ReadLinesAsync", string moreArguments = "") => ("""
        class ChatClient
        {
            private readonly HttpClient _http = new();

            public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = payload };
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                var text = new StringBuilder();
                await Lines.HELPER(response, line =>
                {
        """ + "\n" + lambdaBody + """

                }MORE_ARGUMENTS);
                return text.ToString();
            }
        }
        """).Replace("HELPER", helperName).Replace("MORE_ARGUMENTS", moreArguments);

    private const string ParseWithoutDone = """
                    if (!line.StartsWith("data: ")) return;
                    var data = line.Substring(6);
                    using var doc = {|LLM201:JsonDocument.Parse(data)|};
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        """;

    [Fact]
    public Task Reports_Done_InTheLambda()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + Client(ParseWithoutDone) + LineReader);

    /// <summary>
    /// The rules ask at each lambda, and a call with two lambdas (the line handler and an error handler) is asked twice:
    /// the parse is reported once, from the lambda the helper calls per line.
    /// </summary>
    [Fact]
    public Task Reports_Done_Once_WhenTheCallPassesTwoLambdas()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + Client(ParseWithoutDone, moreArguments: ", error => text.Append(error.Message)") + """

            static class Lines
            {
                public static async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine, Action<Exception> onError)
                {
                    try
                    {
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                        string? line;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            onLine(line);
                        }
                    }
                    catch (IOException e)
                    {
                        onError(e);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_Done_WithArguments_InAnAsyncLambda_OverAStreamHelper()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            static class Sse
            {
                public static async Task PumpAsync(Stream body, Func<string, Task> onLine, CancellationToken ct)
                {
                    using var reader = new StreamReader(body);
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (line.Length == 0) continue;
                        await onLine(line);
                    }
                }
            }

            class ChatClient
            {
                public async Task AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    await Sse.PumpAsync(await response.Content.ReadAsStreamAsync(ct), async line =>
                    {
                        if (line.StartsWith("data: "))
                        {
                            var chunk = {|#0:JsonSerializer.Deserialize<JsonElement>({|#1:line[6..]|})|};
                            await Console.Out.WriteAsync(chunk.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }, ct);
                }
            }
            """,
            Verify<DoneSentinelNotHandledAnalyzer>.Diagnostic("LLM201").WithLocation(0).WithLocation(1).WithArguments("JsonSerializer.Deserialize", "line[6..]"));

    [Fact]
    public Task Reports_HandRolledSse_InTheLambda()
        => Verify<HandRolledSseParsingAnalyzer>.AnalyzerAsync(Usings + Client("""
                    if (!{|LLM204:line.StartsWith("data: ")|}) return;
                    var data = line.Substring(6);
                    if (data == "[DONE]") return;
                    using var doc = JsonDocument.Parse(data);
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
            """) + LineReader);

    private const string ParseAfterDone = """
                    if (!line.StartsWith("data: ")) return;
                    var data = line.Substring(6);
                    if (data == "[DONE]") return;
                    using var doc = JsonDocument.Parse(data);
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        """;

    [Fact]
    public Task Reports_InStreamError_InTheLambda()
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(
            Usings + Client(ParseAfterDone.Replace("JsonDocument.Parse(data)", "{|#0:JsonDocument.Parse({|#1:data|})|}")) + LineReader,
            Verify<InStreamErrorIgnoredAnalyzer>.Diagnostic("LLM205").WithLocation(0).WithLocation(1).WithArguments(
                "The payload of each line 'ReadLinesAsync' hands to this lambda is parsed by 'JsonDocument.Parse'",
                "an error event inside the 200 stream passes as the end of the answer"));

    [Fact]
    public Task NoInStreamError_WhenTheLambdaLooksForAnError()
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + Client(ParseAfterDone.Replace(
            "text.Append(",
            "if (doc.RootElement.TryGetProperty(\"error\", out var error)) throw new InvalidOperationException(error.ToString());\n            text.Append(")) + LineReader);

    [Fact]
    public Task NoInStreamError_WhenTheHelperLooksForAnError()
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + Client(ParseAfterDone) + """

            static class Lines
            {
                public static async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data: {\"error\"")) throw new HttpRequestException(line);
                        onLine(line);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_EndOfStream_AtTheCallOfTheHelper()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(
            Usings + Client(ParseAfterDone, "{|#0:ReadLinesAsync|}") + LineReader,
            Verify<EndOfStreamAcceptedAnalyzer>.Diagnostic("LLM202").WithLocation(0).WithArguments("the response body in 'ReadLinesAsync'", "'[DONE]'"));

    [Fact]
    public Task EndOfStream_OnceInAHelperThatMatchesDataItself_NotAtItsCall()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + Client(ParseAfterDone) + """

            static class Lines
            {
                public static async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data: ")) onLine(line);
                    }
                }
            }
            """);

    [Fact]
    public Task NoEndOfStream_WhenTheCallerChecksTheFlagTheLambdaSets()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new();

                public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = payload };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    var text = new StringBuilder();
                    var done = false;
                    await Lines.ReadLinesAsync(response, line =>
                    {
                        if (!line.StartsWith("data: ")) return;
                        var data = line.Substring(6);
                        if (data == "[DONE]") { done = true; return; }
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    });
                    if (!done) text.Append(" [the answer was cut off]");
                    return text.ToString();
                }
            }
            """ + LineReader);

    [Fact]
    public Task NoDone_WhenTheLambdaHandlesDone()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + Client("""
                    if (!line.StartsWith("data: ")) return;
                    var data = line.Substring(6);
                    if (data == "[DONE]") return;
                    using var doc = JsonDocument.Parse(data);
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
            """) + LineReader);

    [Fact]
    public Task NoDone_WhenTheHelperStopsAtDoneBeforeHandingTheLineOn()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + Client(ParseWithoutDone.Replace("{|LLM201:", "").Replace(")|}", ")")) + """

            static class Lines
            {
                public static async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                        onLine(line);
                    }
                }
            }
            """);

    [Fact]
    public Task Nothing_ForAHelperReadingALogFile()
        => VerifyAll(Usings + """
            class LogReplay
            {
                public async Task<string> ReplayAsync(string path)
                {
                    var text = new StringBuilder();
                    using var log = File.OpenText(path);
                    await Lines.ReadLinesAsync(log, line =>
                    {
                        if (!line.StartsWith("data: ")) return;
                        var data = line.Substring(6);
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    });
                    return text.ToString();
                }
            }

            static class Lines
            {
                public static async Task ReadLinesAsync(TextReader reader, Action<string> onLine)
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        onLine(line);
                    }
                }
            }
            """);

    [Fact]
    public Task Nothing_ForAPriceFeedReadThroughTheSameHelper()
        => VerifyAll(Usings + """
            class PriceTicker
            {
                private readonly HttpClient _http = new();

                public async Task<decimal> LastPriceAsync(CancellationToken ct)
                {
                    decimal last = 0;
                    using var request = new HttpRequestMessage(HttpMethod.Get, "https://prices.example.com/v2/ticks/stream");
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    await Lines.ReadLinesAsync(response, line =>
                    {
                        if (!line.StartsWith("data: ")) return;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        last = doc.RootElement.GetProperty("price").GetDecimal();
                    });
                    return last;
                }
            }
            """ + LineReader);

    [Fact]
    public Task Nothing_ForAHelperThatCallsTheDelegateOnceAfterTheLoop()
        => VerifyAll(Usings + Client(ParseWithoutDone.Replace("{|LLM201:", "").Replace(")|}", ")")) + """

            static class Lines
            {
                public static async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var last = "";
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        last = line;
                    }

                    onLine(last);
                }
            }
            """);

    [Fact]
    public Task Nothing_ForARecursiveHelper()
        => VerifyAll(Usings + Client(ParseWithoutDone.Replace("{|LLM201:", "").Replace(")|}", ")")) + """

            static class Lines
            {
                public static async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        onLine(line);
                    }

                    if (response.Headers.Contains("x-continue"))
                    {
                        await ReadLinesAsync(response, _ => { });
                    }
                }
            }
            """);

    [Fact]
    public Task Nothing_ForAHelperThatStoresTheDelegateInAField()
        => VerifyAll(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new();

                public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = payload };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    var text = new StringBuilder();
                    await new Lines().ReadLinesAsync(response, line =>
                    {
                        if (!line.StartsWith("data: ")) return;
                        var data = line.Substring(6);
                        using var doc = JsonDocument.Parse(data);
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    });
                    return text.ToString();
                }
            }

            class Lines
            {
                private Action<string> _onLine = _ => { };

                public async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine)
                {
                    _onLine = onLine;
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        _onLine(line);
                    }
                }
            }
            """);

    [Fact]
    public void Summary_IsComputedOncePerHelper_OnlyAtCandidateCalls()
    {
        var harness = RecognitionHarness.Compile(Usings + Client("            text.Append(line);") + LineReader + """

            class Probe
            {
                public async Task<long?> ProbeAsync(HttpClient http, HttpContent payload)
                {
                    using var response = await http.PostAsync("v1/chat/completions", payload);
                    await Lines.ReadLinesAsync(response, line => Console.WriteLine(line));
                    return Length(response);
                }

                private static long? Length(HttpResponseMessage response) => response.Content.Headers.ContentLength;
            }
            """);
        var callbacks = harness.Llm.Callbacks;
        Assert.Null(callbacks.TryRecognize(harness.Invocation("Length"), harness.Options, System.Threading.CancellationToken.None));
        Assert.Equal(0, callbacks.ComputedCount); // no lambda handed over: the method is not summarised

        for (var round = 0; round < 2; round++)
        {
            for (var index = 0; index < 2; index++)
            {
                var parse = callbacks.TryRecognize(harness.Invocation("ReadLinesAsync", index), harness.Options, System.Threading.CancellationToken.None);
                Assert.NotNull(parse);
                Assert.Equal("line", parse!.Line.Name);
                Assert.Equal((1, 0), (parse.Helper.DelegateOrdinal, parse.Helper.ReaderOrdinal));
            }
        }

        Assert.Equal(1, callbacks.ComputedCount);
    }

    [Fact]
    public async Task BrokenCode_NoCrash()
    {
        var result = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile(new[]
        {
            ("Broken.cs", Usings + """
                class ChatClient
                {
                    private readonly HttpClient _http = new();

                    public async Task AskAsync(HttpContent payload)
                    {
                        using var response = await _http.PostAsync("v1/chat/completions", payload);
                        await Lines.ReadLinesAsync(response, line => JsonDocument.Parse(line.Substring(6)));
                        await Lines.Missing(response, line => JsonDocument.Parse(line));
                        await Lines.ReadLinesAsync(response, (a, b) => { });
                        await Lines.ReadLinesAsync(response, line => { var x = JsonDocument.Parse(
                    }
                }

                static class Lines
                {
                    public static async Task ReadLinesAsync(HttpResponseMessage response, Action<string> onLine)
                    {
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                        while (await reader.ReadLineAsync() is { } line)
                        {
                            onLine(line, 1);
                            onLine(
                """),
        }));
        Assert.True(result.Exceptions.IsEmpty, string.Join(Environment.NewLine, result.Exceptions));
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "AD0001");
    }

    private static async Task VerifyAll(string source)
    {
        await Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(source);
        await Verify<HandRolledSseParsingAnalyzer>.AnalyzerAsync(source);
        await Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(source);
        await Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(source);
    }
}
