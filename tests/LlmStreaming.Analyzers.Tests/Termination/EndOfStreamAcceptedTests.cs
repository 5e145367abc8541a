using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.Termination;

public class EndOfStreamAcceptedTests
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
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamAcceptedCodeFix>.FixAsync("""
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
            """, EndOfStreamAcceptedCodeFix.Key);

    [Fact]
    public Task Fix_NdjsonDoneInABlockAndAYieldBreak()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamAcceptedCodeFix>.FixAsync(Usings + """
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
            """, EndOfStreamAcceptedCodeFix.Key);

    /// <summary>
    /// An NDJSON loop that never reads <c>done</c> (issue 10: the conformance program <c>ndjson</c> passed a stream with no
    /// final object off as complete): the flag is set from the final <c>"done": true</c> object, the loop is not left early.
    /// </summary>
    [Fact]
    public Task Fix_NdjsonLoopThatNeverReadsDone_SetsTheFlagFromTheDoneObject()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamAcceptedCodeFix>.FixAsync(Usings + """
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
            """, EndOfStreamAcceptedCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoopsGetTwoFlags()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamAcceptedCodeFix>.FixAsync(Usings + """
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
            """, EndOfStreamAcceptedCodeFix.Key);

    [Fact]
    public Task NoFix_WhenTheLoopNeverLeavesOnATerminalMarker()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamAcceptedCodeFix>.NoFixAsync(Usings + """
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
