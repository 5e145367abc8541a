using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.Termination;

public partial class InStreamErrorIgnoredTests
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync("""
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + """
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync("""
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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + """
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
        => TerminationTest.BrokenCodeAsync<InStreamErrorIgnoredAnalyzer>(Usings + """
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
        => Verify<InStreamErrorIgnoredAnalyzer, InStreamErrorIgnoredCodeFix>.FixAsync(Usings + """
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
            """, InStreamErrorIgnoredCodeFix.Key);

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
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + OllamaTyped.Replace("/*check*/", "").Replace("/*read*/", "").Replace("[|", "{|LLM205:").Replace("|]", "|}"));

    [Fact]
    public Task NoDiagnostic_OllamaNdjsonErrorLine_Checked()
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + OllamaTyped.Replace("/*check*/", "").Replace("[|", "").Replace("|]", "")
            .Replace("/*read*/", "if (chunk.Error is { } error) throw new IOException(\"Ollama: \" + error);"));

    [Fact]
    public Task NoDiagnostic_OllamaNdjsonErrorLine_CheckedOnTheLine()
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Usings + OllamaTyped.Replace("[|", "").Replace("|]", "").Replace("/*read*/", "")
            .Replace("/*check*/", "if (line.StartsWith(\"{\\\"error\\\"\")) throw new IOException(line);"));

    [Fact]
    public Task Fix_OllamaNdjsonErrorLine_ThrowsWithTheMessage()
        => Verify<InStreamErrorIgnoredAnalyzer, InStreamErrorIgnoredCodeFix>.FixAsync(
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
            InStreamErrorIgnoredCodeFix.Key);

    /// <summary>
    /// A failed request (Betalgo yields a 400, 401, 429 or 500 as an item) throws the HttpRequestException that carries its
    /// status, so that a retry's status filter leaves 400/401/403/404 alone (an IOException for all made the fixed
    /// program send a 401 four times); an error inside the 200 stream stays an IOException.
    /// </summary>
    [Fact]
    public Task Fix_Betalgo_ThrowsWhenNotSuccessful()
        => Verify<InStreamErrorIgnoredAnalyzer, InStreamErrorIgnoredCodeFix>.FixAsync("""
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
            """, InStreamErrorIgnoredCodeFix.Key);

    [Fact]
    public Task Fix_All_NdjsonAndNamesTaken()
        => Verify<InStreamErrorIgnoredAnalyzer, InStreamErrorIgnoredCodeFix>.FixAsync(Usings + """
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
            """, InStreamErrorIgnoredCodeFix.Key);
}
