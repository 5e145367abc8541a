using LlmStreaming.Analyzers.Tests.Recognition;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Callback parsers (issue 11 pattern 4): a helper reads the lines of a response and calls a lambda per line; the
/// model signal is at the call, the loop in the helper, the parse in the lambda.
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
    private static string Client(string lambdaBody) => """
        class ChatClient
        {
            private readonly HttpClient _http = new();

            public async Task<string> AskAsync(HttpContent payload, CancellationToken ct)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = payload };
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                var text = new StringBuilder();
                await Lines.ReadLinesAsync(response, line =>
                {
        """ + "\n" + lambdaBody + """

                });
                return text.ToString();
            }
        }
        """;

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
}
