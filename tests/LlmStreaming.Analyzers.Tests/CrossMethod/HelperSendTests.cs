using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// LLM402 across a method boundary (issue 11): a helper sends the model request buffered and returns the response (or
/// its body), and the caller reads it line by line. The send is reported in the helper, once, naming a reading caller.
/// </summary>
public class HelperSendTests
{
    private const string Usings = """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Net.Http.Json;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    private const string SseLoop = "\n" + """
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        Console.Write(data);
                    }
        """ + "\n";

    [Fact]
    public Task Reports_HelperPostingBuffered_ReadByCaller()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new HttpClient();

                private async Task<HttpResponseMessage> SendChatAsync(object payload, CancellationToken ct)
                {
                    var response = await _http.PostAsJsonAsync("v1/chat/completions", payload, ct);
                    response.EnsureSuccessStatusCode();
                    return response;
                }

                public async Task StreamAsync(object payload, CancellationToken ct)
                {
                    using var response = await {|#0:SendChatAsync|}(payload, ct);
            """ + SseLoop + """
                }
            }
            """,
            Verify<StreamingResponseBufferedAnalyzer>.Diagnostic("LLM402").WithLocation(0)
                .WithArguments("SendChatAsync", "its 'PostAsJsonAsync' downloads the whole body first, and this method reads it line by line"));

    [Fact]
    public Task Reports_ExtensionMethodSendingBuffered_AtEachReadingCaller()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(Usings + """
            static class ChatHttp
            {
                public static Task<HttpResponseMessage> SendChatAsync(this HttpClient http, HttpContent body, CancellationToken ct)
                    => http.PostAsync("https://api.openai.com/v1/chat/completions", body, ct);
            }

            class Chat
            {
                public async Task FirstAsync(HttpClient http, HttpContent body, CancellationToken ct)
                {
                    using var response = await http.{|#0:SendChatAsync|}(body, ct);
            """ + SseLoop + """
                }

                public async Task SecondAsync(HttpClient http, HttpContent body, CancellationToken ct)
                {
                    using var response = await http.{|#1:SendChatAsync|}(body, ct);
            """ + SseLoop + """
                }
            }
            """,
            Verify<StreamingResponseBufferedAnalyzer>.Diagnostic("LLM402").WithLocation(0)
                .WithArguments("SendChatAsync", "its 'PostAsync' downloads the whole body first, and this method reads it line by line"),
            Verify<StreamingResponseBufferedAnalyzer>.Diagnostic("LLM402").WithLocation(1)
                .WithArguments("SendChatAsync", "its 'PostAsync' downloads the whole body first, and this method reads it line by line"));

    [Fact]
    public Task Reports_HelperReturningTheBodyStream_ThroughAForwarder()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(Usings + """
            class Ollama
            {
                private readonly HttpClient _http = new HttpClient();

                private async Task<Stream> OpenAsync(HttpRequestMessage request, CancellationToken ct)
                {
                    var response = await _http.SendAsync(request, ct);
                    return await response.Content.ReadAsStreamAsync(ct);
                }

                private Task<Stream> OpenGenerateAsync(HttpRequestMessage request, CancellationToken ct) => OpenAsync(request, ct);

                public async Task GenerateAsync(CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost:11434/api/generate");
                    using var reader = new StreamReader(await {|#0:OpenGenerateAsync|}(request, ct));
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        using var doc = JsonDocument.Parse(line);
                        Console.Write(doc.RootElement.GetProperty("response").GetString());
                    }
                }
            }
            """,
            Verify<StreamingResponseBufferedAnalyzer>.Diagnostic("LLM402").WithLocation(0)
                .WithArguments("OpenGenerateAsync", "its 'SendAsync' downloads the whole body first, and this method reads it line by line"));

    [Fact]
    public async Task HelperInAnotherFile_ReportedAtEachCaller_WithoutAFix()
    {
        var compilation = AnalyzerRunner.Compile(new[]
        {
            ("ChatHttp.cs", Usings + """
                static class ChatHttp
                {
                    public static async Task<HttpResponseMessage> SendChatAsync(this HttpClient http, object payload, CancellationToken ct)
                        => await http.PostAsJsonAsync("v1/chat/completions", payload, ct);
                }
                """),
            ("Chat.cs", Usings + """
                class Chat
                {
                    public async Task StreamAsync(HttpClient http, object payload, CancellationToken ct)
                    {
                        using var response = await http.SendChatAsync(payload, ct);
                """ + SseLoop + """
                    }

                    public async Task AgainAsync(HttpClient http, object payload, CancellationToken ct)
                    {
                        using var response = await http.SendChatAsync(payload, ct);
                """ + SseLoop + """
                    }
                }
                """),
        });

        var result = await AnalyzerRunner.RunAsync(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new StreamingResponseBufferedAnalyzer()));

        Assert.Empty(result.Exceptions);
        var reported = result.Diagnostics.Where(d => d.Id == "LLM402").ToList();
        Assert.Equal(2, reported.Count);
        Assert.All(reported, d =>
        {
            Assert.Equal("Chat.cs", d.Location.SourceTree!.FilePath);
            Assert.Equal("false", d.Properties[StreamingResponseBufferedAnalyzer.FixableProperty]);
        });
    }

    [Fact]
    public Task NoDiagnostic_StreamingPayloadInTheHelper_ReportedOnceWhereItIs()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new HttpClient();

                private Task<HttpResponseMessage> SendChatAsync(string prompt, CancellationToken ct)
                    => _http.{|#0:PostAsJsonAsync|}("v1/chat/completions", new { model = "gpt-4o", stream = true, messages = new[] { new { role = "user", content = prompt } } }, ct);

                public async Task StreamAsync(string prompt, CancellationToken ct)
                {
                    using var response = await SendChatAsync(prompt, ct);
            """ + SseLoop + """
                }
            }
            """,
            Verify<StreamingResponseBufferedAnalyzer>.Diagnostic("LLM402").WithLocation(0)
                .WithArguments("PostAsJsonAsync", "it downloads the whole body before it returns"));

    [Fact]
    public Task NoDiagnostic_CallerReadsTheJsonWhole()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new HttpClient();

                private async Task<HttpResponseMessage> SendChatAsync(object payload, CancellationToken ct)
                    => await _http.PostAsJsonAsync("v1/chat/completions", payload, ct);

                public async Task<string> CompleteAsync(object payload, CancellationToken ct)
                {
                    using var response = await SendChatAsync(payload, ct);
                    var json = await response.Content.ReadAsStringAsync(ct);
                    using var doc = JsonDocument.Parse(json);
                    return doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString() ?? "";
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LogTailHelperReadLineByLine()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(Usings + """
            class LogTail
            {
                private readonly HttpClient _http = new HttpClient();

                private Task<HttpResponseMessage> OpenTailAsync(CancellationToken ct)
                    => _http.GetAsync("https://logs.example.com/tail?follow=1", ct);

                public async Task FollowAsync(CancellationToken ct)
                {
                    using var response = await OpenTailAsync(ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        Console.WriteLine(doc.RootElement.GetProperty("level").GetString());
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_HelperAlreadyReadsHeaders()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private readonly HttpClient _http = new HttpClient();

                private async Task<HttpResponseMessage> SendChatAsync(HttpContent body, CancellationToken ct)
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = body };
                    return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                }

                public async Task StreamAsync(HttpContent body, CancellationToken ct)
                {
                    using var response = await SendChatAsync(body, ct);
            """ + SseLoop + """
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_HelpersThatCallEachOther()
        => Verify<StreamingResponseBufferedAnalyzer>.AnalyzerAsync(Usings + """
            class ChatClient
            {
                private Task<HttpResponseMessage> PingAsync(int n) => n > 0 ? PongAsync(n - 1) : PongAsync(n);

                private Task<HttpResponseMessage> PongAsync(int n) => PingAsync(n);

                public async Task StreamAsync(CancellationToken ct)
                {
                    using var response = await PingAsync(3);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (line == "data: [DONE]") break;
                        Console.Write(line);
                    }
                }
            }
            """);
}
