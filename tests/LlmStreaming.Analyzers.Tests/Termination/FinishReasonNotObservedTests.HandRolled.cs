using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Termination;

/// <summary>
/// LLM203 on hand-rolled loops (the SDK loops' tests are in FinishReasonNotObservedTests.cs): a loop that parses each event as JSON and
/// never reads the protocol's finish reason (<c>finish_reason</c>, Ollama's <c>done_reason</c>, Anthropic's
/// <c>stop_reason</c>) takes a length or content-filter stop for a complete answer. Reading only the end
/// (<c>[DONE]</c>, <c>done</c>, <c>message_stop</c>) does not count.
/// </summary>
public partial class FinishReasonNotObservedTests
{
    private const string HandRolledUsings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Runtime.CompilerServices;
        using System.Text;
        using System.Text.Json;
        using System.Text.Json.Nodes;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    private static DiagnosticResult HandRolled(int location, string stream, string signal)
        => Verify<FinishReasonNotObservedAnalyzer>.Diagnostic("LLM203").WithLocation(location).WithArguments(stream, signal).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    [Fact]
    public Task Reports_HandRolled_ChatCompletionsSse_ThatReadsOnlyTheDoneSentinel()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            class Chat
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|#0:while|} ((line = await reader.ReadLineAsync(ct)) != null)
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
            """, HandRolled(0, "The response body", "'finish_reason'"));

    /// <summary>The decision: 'done' tells the end of an Ollama stream (LLM202's business), not why it ended; only 'done_reason' tells a length stop.</summary>
    [Fact]
    public Task Reports_HandRolled_OllamaNdjson_ThatStopsOnDoneOnly()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            class Ollama
            {
                public async Task<string> AskAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|#0:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        using var doc = JsonDocument.Parse(line);
                        text.Append(doc.RootElement.GetProperty("message").GetProperty("content").GetString());
                        if (doc.RootElement.GetProperty("done").GetBoolean()) break;
                    }

                    return text.ToString();
                }

                public async Task<string> GenerateAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("api/generate", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|#1:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        var chunk = JsonSerializer.Deserialize<GenerateChunk>(line);
                        text.Append(chunk?.Response);
                        if (chunk?.Done == true) break;
                    }

                    return text.ToString();
                }
            }

            class GenerateChunk
            {
                public string? Response { get; set; }
                public bool Done { get; set; }
            }
            """, HandRolled(0, "The response body", "'done_reason'"), HandRolled(1, "The response body", "'done_reason'"));

    /// <summary>A local declared before the loop only to hold each chunk (C# 7.3 style) does not hand the chunks on.</summary>
    [Fact]
    public Task Reports_HandRolled_ChunkLocalDeclaredBeforeTheLoop()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            class Chat
            {
                public async Task<string> AskAsync(HttpClient http, CancellationToken ct)
                {
                    var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions"));
                    var text = new StringBuilder();
                    string? line;
                    JsonDocument doc;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolled_AnthropicSse_ThatStopsOnMessageStop()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            class Claude
            {
                public async Task<string> AskAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.anthropic.com/v1/messages") { Content = payload };
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|#0:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        var type = doc.RootElement.GetProperty("type").GetString();
                        if (type == "message_stop") break;
                        if (type == "content_block_delta") text.Append(doc.RootElement.GetProperty("delta").GetProperty("text").GetString());
                    }

                    return text.ToString();
                }
            }
            """, HandRolled(0, "The response body", "'delta.stop_reason' of 'message_delta'"));

    [Fact]
    public Task Reports_HandRolled_SseParserLoopIntoADto_AndAnIteratorThatYieldsOnlyTheText()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            using System.Net.ServerSentEvents;

            class Chat
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    var text = new StringBuilder();
                    await {|#0:foreach|} (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(ct)).EnumerateAsync(ct))
                    {
                        if (item.Data == "[DONE]") break;
                        var chunk = JsonSerializer.Deserialize<Chunk>(item.Data);
                        if (chunk?.Choices is { Count: > 0 } choices) text.Append(choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }

                public async IAsyncEnumerable<string> StreamAsync(HttpClient http, HttpRequestMessage request, [EnumeratorCancellation] CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    {|#1:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var node = JsonNode.Parse(line.Substring(6));
                        var content = (string?)node?["choices"]?[0]?["delta"]?["content"];
                        if (content is not null) yield return content;
                    }
                }
            }

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
            """, HandRolled(0, "'SseParser'", "'finish_reason'"), HandRolled(1, "The response body", "'finish_reason'"));

    /// <summary>The reason read anywhere in the member (a JSON name or a DTO member, any casing), or in a helper the loop calls.</summary>
    [Fact]
    public Task NoDiagnostic_HandRolled_TheReasonIsRead()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            class Chat
            {
                private string? _lastReason;

                public async Task<string> JsonNameAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        var choice = doc.RootElement.GetProperty("choices")[0];
                        if (choice.GetProperty("finish_reason").GetString() == "length") throw new InvalidOperationException("cut");
                        text.Append(choice.GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }

                public async Task<string> DtoMemberAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    string? reason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var chunk = JsonSerializer.Deserialize<Chunk>(line.Substring(6));
                        reason = chunk?.Choices?[0].FinishReason ?? reason;
                        text.Append(chunk?.Choices?[0].Delta?.Content);
                    }

                    return reason == "stop" ? text.ToString() : throw new IOException(reason);
                }

                public async Task<string> HelperAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(Read(doc.RootElement));
                    }

                    return _lastReason == "stop" ? text.ToString() : throw new IOException("cut");
                }

                private string? Read(JsonElement chunk)
                {
                    var choice = chunk.GetProperty("choices")[0];
                    if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String) _lastReason = reason.GetString();
                    return choice.GetProperty("delta").GetProperty("content").GetString();
                }

                public async Task<string> OllamaAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("api/chat", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        var chunk = JsonSerializer.Deserialize<OllamaChunk>(line);
                        text.Append(chunk?.Message?.Content);
                        if (chunk?.Done == true && chunk.DoneReason == "length") throw new InvalidOperationException("cut");
                    }

                    return text.ToString();
                }

                public async Task<string> AnthropicAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("https://api.anthropic.com/v1/messages", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? stop = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var node = JsonNode.Parse(line.Substring(6));
                        if ((string?)node?["type"] == "message_delta") stop = (string?)node?["delta"]?["stop_reason"];
                        if ((string?)node?["type"] == "content_block_delta") text.Append((string?)node?["delta"]?["text"]);
                    }

                    return stop == "end_turn" ? text.ToString() : throw new IOException(stop);
                }
            }

            class Chunk
            {
                public List<Choice>? Choices { get; set; }
            }

            class Choice
            {
                public Delta? Delta { get; set; }
                public string? FinishReason { get; set; }
            }

            class Delta
            {
                public string? Content { get; set; }
            }

            class OllamaChunk
            {
                public Delta? Message { get; set; }
                public bool Done { get; set; }
                public string? DoneReason { get; set; }
            }
            """);

    /// <summary>The parsed chunks go to the caller (yielded, handed to a callback, written to a channel): it can read the reason.</summary>
    [Fact]
    public Task NoDiagnostic_HandRolled_TheChunksAreHandedOn()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            using System.Threading.Channels;

            class Chat
            {
                public async IAsyncEnumerable<Chunk> ChunksAsync(HttpClient http, [EnumeratorCancellation] CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        yield return JsonSerializer.Deserialize<Chunk>(line.Substring(6))!;
                    }
                }

                public async IAsyncEnumerable<JsonElement> ElementsAsync(HttpClient http, [EnumeratorCancellation] CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        yield return doc.RootElement.Clone();
                    }
                }

                public async Task CallbackAsync(HttpClient http, Action<JsonElement> onChunk, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        onChunk(doc.RootElement);
                    }
                }

                public async Task<JsonElement> LastChunkAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var last = default(JsonElement);
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        last = doc.RootElement.Clone();
                    }

                    return last;
                }

                public async Task ChannelAsync(HttpClient http, ChannelWriter<Chunk> writer, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var chunk = JsonSerializer.Deserialize<Chunk>(line.Substring(6));
                        if (chunk is not null) await writer.WriteAsync(chunk, ct);
                    }
                }
            }

            public class Chunk
            {
                public List<JsonElement>? Choices { get; set; }
            }
            """);

    /// <summary>
    /// Precision: a loop that parses no JSON (a text protocol), a protocol whose finish signal is elsewhere (OpenAI
    /// Responses), a loop whose protocol is not known, and one that speaks two protocols are left alone.
    /// </summary>
    [Fact]
    public Task NoDiagnostic_HandRolled_TextProtocol_OtherOrUnknownProtocols()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            class Streams
            {
                public async Task<string> TextAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (line == "data: [DONE]") break;
                        if (line.StartsWith("data: ")) text.Append(line.Substring(6));
                    }

                    return text.ToString();
                }

                public async Task<string> ResponsesAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/responses", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        if (doc.RootElement.GetProperty("type").GetString() == "response.output_text.delta") text.Append(doc.RootElement.GetProperty("delta").GetString());
                    }

                    return text.ToString();
                }

                public async Task<string> TwoProvidersAsync(HttpClient http, HttpRequestMessage request, bool claude, CancellationToken ct)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(claude
                            ? doc.RootElement.GetProperty("content_block_delta").GetString()
                            : doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }

            class Unknown
            {
                public async Task<string> AskAsync(HttpClient http, CancellationToken ct)
                {
                    var payload = new StringContent("{\"prompt\": \"hi\", \"stream\": true}");
                    using var response = await http.PostAsync("https://llm.internal.example/generate", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(doc.RootElement.GetProperty("token").GetString());
                    }

                    return text.ToString();
                }
            }
            """);

    /// <summary>Look-alikes: the same loop over a price feed and over a JSON-lines log download is not a model stream.</summary>
    [Fact]
    public Task NoDiagnostic_HandRolled_LookAlikes()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(HandRolledUsings + """
            class Prices
            {
                public async Task<decimal> LastAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://prices.example.com/stream", ct));
                    decimal last = 0;
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        last = doc.RootElement.GetProperty("price").GetDecimal();
                    }

                    return last;
                }

                public async Task<int> CountErrorsAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://logs.example.com/export.ndjson", ct));
                    var count = 0;
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        using var doc = JsonDocument.Parse(line);
                        if (doc.RootElement.GetProperty("level").GetString() == "error") count++;
                    }

                    return count;
                }
            }
            """);

    [Fact]
    public Task Fix_HandRolled_ChatCompletionsSse_JsonDocument()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(HandRolledUsings + """
            class Chat
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
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
            """, HandRolledUsings + """
            class Chat
            {
                public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
                {
                    request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? finishReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        if (doc.RootElement.ValueKind == JsonValueKind.Object
                            && doc.RootElement.TryGetProperty("choices", out var finishChoices)
                            && finishChoices.ValueKind == JsonValueKind.Array
                            && finishChoices.GetArrayLength() > 0
                            && finishChoices[0].TryGetProperty("finish_reason", out var finishValue)
                            && finishValue.ValueKind == JsonValueKind.String)
                        {
                            finishReason = finishValue.GetString();
                        }

                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    if (finishReason == "length" || finishReason == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_HandRolled_OllamaNdjson_UsingStatementAndRootElement()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(HandRolledUsings + """
            class Ollama
            {
                public async Task<string> ChatAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("api/chat", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        using (var doc = JsonDocument.Parse(line))
                        {
                            text.Append(doc.RootElement.GetProperty("message").GetProperty("content").GetString());
                        }
                    }

                    return text.ToString();
                }

                public async Task<string> GenerateAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("api/generate", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        var root = JsonDocument.Parse(line).RootElement;
                        text.Append(root.GetProperty("response").GetString());
                        if (root.GetProperty("done").GetBoolean()) break;
                    }

                    return text.ToString();
                }
            }
            """, HandRolledUsings + """
            class Ollama
            {
                public async Task<string> ChatAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("api/chat", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? doneReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        using (var doc = JsonDocument.Parse(line))
                        {
                            if (doc.RootElement.ValueKind == JsonValueKind.Object
                                && doc.RootElement.TryGetProperty("done_reason", out var doneValue)
                                && doneValue.ValueKind == JsonValueKind.String)
                            {
                                doneReason = doneValue.GetString();
                            }

                            text.Append(doc.RootElement.GetProperty("message").GetProperty("content").GetString());
                        }
                    }

                    if (doneReason == "length")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (done reason: {doneReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }

                public async Task<string> GenerateAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("api/generate", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? doneReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        var root = JsonDocument.Parse(line).RootElement;
                        if (root.ValueKind == JsonValueKind.Object
                            && root.TryGetProperty("done_reason", out var doneValue)
                            && doneValue.ValueKind == JsonValueKind.String)
                        {
                            doneReason = doneValue.GetString();
                        }

                        text.Append(root.GetProperty("response").GetString());
                        if (root.GetProperty("done").GetBoolean()) break;
                    }

                    if (doneReason == "length")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (done reason: {doneReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_HandRolled_AnthropicSse_JsonNode()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(HandRolledUsings + """
            class Claude
            {
                public async Task<string> AskAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("https://api.anthropic.com/v1/messages", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var node = JsonNode.Parse(line.Substring(6));
                        if ((string?)node?["type"] == "message_stop") break;
                        if ((string?)node?["type"] == "content_block_delta") text.Append((string?)node?["delta"]?["text"]);
                    }

                    return text.ToString();
                }
            }
            """, HandRolledUsings + """
            class Claude
            {
                public async Task<string> AskAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("https://api.anthropic.com/v1/messages", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? stopReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var node = JsonNode.Parse(line.Substring(6));
                        if (node is JsonObject stopChunk
                            && stopChunk["delta"] is JsonObject stopDelta
                            && stopDelta["stop_reason"] is JsonValue stopValue
                            && stopValue.TryGetValue<string>(out var stopText))
                        {
                            stopReason = stopText;
                        }

                        if ((string?)node?["type"] == "message_stop") break;
                        if ((string?)node?["type"] == "content_block_delta") text.Append((string?)node?["delta"]?["text"]);
                    }

                    if (stopReason == "max_tokens" || stopReason == "refusal" || stopReason == "model_context_window_exceeded")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (stop reason: {stopReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_HandRolled_Dtos_FirstChoiceDoneReasonAndDelta()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(HandRolledUsings + """
            class Streams
            {
                public async Task<string> ChatAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var chunk = JsonSerializer.Deserialize<ChatChunk>(line.Substring(6));
                        if (chunk?.Choices is { Length: > 0 } choices) text.Append(choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }

                public async Task<string> OllamaAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("api/chat", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        var chunk = JsonSerializer.Deserialize<OllamaChunk>(line);
                        text.Append(chunk?.Message?.Content);
                    }

                    return text.ToString();
                }

                public async Task<string> ClaudeAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("https://api.anthropic.com/v1/messages", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var evt = JsonSerializer.Deserialize<ClaudeEvent>(line.Substring(6));
                        if (evt?.Type == "content_block_delta") text.Append(evt.Delta?.Text);
                    }

                    return text.ToString();
                }
            }

            class ChatChunk
            {
                public Choice[]? Choices { get; set; }
            }

            class Choice
            {
                public Delta? Delta { get; set; }
                public string? Finish_Reason { get; set; }
            }

            class Delta
            {
                public string? Content { get; set; }
                public string? Text { get; set; }
                public string? StopReason { get; set; }
            }

            class OllamaChunk
            {
                public Delta? Message { get; set; }
                public string? DoneReason { get; set; }
            }

            class ClaudeEvent
            {
                public string? Type { get; set; }
                public Delta? Delta { get; set; }
            }
            """, HandRolledUsings + """
            class Streams
            {
                public async Task<string> ChatAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    string? finishReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var chunk = JsonSerializer.Deserialize<ChatChunk>(line.Substring(6));
                        if (chunk?.Choices is Choice[] finishChoices
                            && finishChoices.Length > 0
                            && finishChoices[0]?.Finish_Reason is string finishText)
                        {
                            finishReason = finishText;
                        }

                        if (chunk?.Choices is { Length: > 0 } choices) text.Append(choices[0].Delta?.Content);
                    }

                    if (finishReason == "length" || finishReason == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }

                public async Task<string> OllamaAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("api/chat", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? doneReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        var chunk = JsonSerializer.Deserialize<OllamaChunk>(line);
                        if (chunk?.DoneReason is string doneText)
                        {
                            doneReason = doneText;
                        }

                        text.Append(chunk?.Message?.Content);
                    }

                    if (doneReason == "length")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (done reason: {doneReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }

                public async Task<string> ClaudeAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("https://api.anthropic.com/v1/messages", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? stopReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var evt = JsonSerializer.Deserialize<ClaudeEvent>(line.Substring(6));
                        if (evt?.Delta?.StopReason is string stopText)
                        {
                            stopReason = stopText;
                        }

                        if (evt?.Type == "content_block_delta") text.Append(evt.Delta?.Text);
                    }

                    if (stopReason == "max_tokens" || stopReason == "refusal" || stopReason == "model_context_window_exceeded")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (stop reason: {stopReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }

            class ChatChunk
            {
                public Choice[]? Choices { get; set; }
            }

            class Choice
            {
                public Delta? Delta { get; set; }
                public string? Finish_Reason { get; set; }
            }

            class Delta
            {
                public string? Content { get; set; }
                public string? Text { get; set; }
                public string? StopReason { get; set; }
            }

            class OllamaChunk
            {
                public Delta? Message { get; set; }
                public string? DoneReason { get; set; }
            }

            class ClaudeEvent
            {
                public string? Type { get; set; }
                public Delta? Delta { get; set; }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    /// <summary>C# 7.3 (a net48 or netstandard2.0 project): no nullable annotation on the captured reason, type patterns only.</summary>
    [Fact]
    public Task Fix_HandRolled_CSharp73_NoNullableAnnotation()
        => FixWithLanguageVersionAsync(HandRolledUsings + """
            class Chat
            {
                public async Task<string> AskAsync(HttpClient http, CancellationToken ct)
                {
                    var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions"));
                    var text = new StringBuilder();
                    string line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using (var doc = JsonDocument.Parse(line.Substring(6)))
                        {
                            var choices = doc.RootElement.GetProperty("choices");
                            if (choices.GetArrayLength() > 0) text.Append(choices[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    return text.ToString();
                }
            }
            """, HandRolledUsings + """
            class Chat
            {
                public async Task<string> AskAsync(HttpClient http, CancellationToken ct)
                {
                    var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions"));
                    var text = new StringBuilder();
                    string line;
                    string finishReason = null;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        using (var doc = JsonDocument.Parse(line.Substring(6)))
                        {
                            if (doc.RootElement.ValueKind == JsonValueKind.Object
                                && doc.RootElement.TryGetProperty("choices", out var finishChoices)
                                && finishChoices.ValueKind == JsonValueKind.Array
                                && finishChoices.GetArrayLength() > 0
                                && finishChoices[0].TryGetProperty("finish_reason", out var finishValue)
                                && finishValue.ValueKind == JsonValueKind.String)
                            {
                                finishReason = finishValue.GetString();
                            }

                            var choices = doc.RootElement.GetProperty("choices");
                            if (choices.GetArrayLength() > 0) text.Append(choices[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    if (finishReason == "length" || finishReason == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """);

    /// <summary>
    /// No fix where the reason has nowhere to come from (a DTO without the member, a parse whose result is not kept in a
    /// local), nor where a check after the loop would not run (the loop returns on [DONE]).
    /// </summary>
    [Fact]
    public Task NoFix_HandRolled_DtoWithoutTheReason_AParseNotKeptInALocal_AReturnInsideTheLoop()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.NoFixAsync(HandRolledUsings + """
            class Streams
            {
                public async Task<string> DtoAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var chunk = JsonSerializer.Deserialize<ChatChunk>(line.Substring(6));
                        text.Append(chunk?.Choices?[0].Delta?.Content);
                    }

                    return text.ToString();
                }

                public async Task<string> ReturnsFromInsideAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        if (line == "data: [DONE]") return text.ToString();
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    throw new IOException("cut off");
                }

                public async Task<string> InlineAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        text.Append((string?)JsonNode.Parse(line.Substring(6))?["choices"]?[0]?["delta"]?["content"]);
                    }

                    return text.ToString();
                }
            }

            class ChatChunk
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
            """);

    [Fact]
    public Task Fix_All_HandRolled_TwoLoopsInOneMethod()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(HandRolledUsings + """
            class Chat
            {
                public async Task<string> AskTwiceAsync(HttpClient http, CancellationToken ct)
                {
                    var text = new StringBuilder();
                    foreach (var question in new[] { "first", "second" })
                    {
                        using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions?q=" + question, ct));
                        string? line;
                        {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                        {
                            if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                            using var doc = JsonDocument.Parse(line.Substring(6));
                            text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }

                    using var last = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    string? next;
                    {|LLM203:while|} ((next = await last.ReadLineAsync(ct)) != null)
                    {
                        if (!next.StartsWith("data: ") || next == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(next.Substring(6));
                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    return text.ToString();
                }
            }
            """, HandRolledUsings + """
            class Chat
            {
                public async Task<string> AskTwiceAsync(HttpClient http, CancellationToken ct)
                {
                    var text = new StringBuilder();
                    foreach (var question in new[] { "first", "second" })
                    {
                        using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions?q=" + question, ct));
                        string? line;
                        string? finishReason = null;
                        while ((line = await reader.ReadLineAsync(ct)) != null)
                        {
                            if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                            using var doc = JsonDocument.Parse(line.Substring(6));
                            if (doc.RootElement.ValueKind == JsonValueKind.Object
                                && doc.RootElement.TryGetProperty("choices", out var finishChoices)
                                && finishChoices.ValueKind == JsonValueKind.Array
                                && finishChoices.GetArrayLength() > 0
                                && finishChoices[0].TryGetProperty("finish_reason", out var finishValue)
                                && finishValue.ValueKind == JsonValueKind.String)
                            {
                                finishReason = finishValue.GetString();
                            }

                            text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }

                        if (finishReason == "length" || finishReason == "content_filter")
                        {
                            throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                        }
                    }

                    using var last = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    string? next;
                    string? finishReason2 = null;
                    while ((next = await last.ReadLineAsync(ct)) != null)
                    {
                        if (!next.StartsWith("data: ") || next == "data: [DONE]") continue;
                        using var doc = JsonDocument.Parse(next.Substring(6));
                        if (doc.RootElement.ValueKind == JsonValueKind.Object
                            && doc.RootElement.TryGetProperty("choices", out var finishChoices2)
                            && finishChoices2.ValueKind == JsonValueKind.Array
                            && finishChoices2.GetArrayLength() > 0
                            && finishChoices2[0].TryGetProperty("finish_reason", out var finishValue2)
                            && finishValue2.ValueKind == JsonValueKind.String)
                        {
                            finishReason2 = finishValue2.GetString();
                        }

                        text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                    }

                    if (finishReason2 == "length" || finishReason2 == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason2}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    /// <summary>The fix in a C# 7.3 project with nullable annotations off, the way a net48 or netstandard2.0 project compiles.</summary>
    private static Task FixWithLanguageVersionAsync(string source, string fixedSource)
    {
        var test = new CSharpCodeFixTest<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = FinishReasonNotObservedCodeFix.Key,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            return solution
                .WithProjectParseOptions(projectId, ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.CSharp7_3))
                .WithProjectCompilationOptions(projectId, ((CSharpCompilationOptions)project.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Disable));
        });
        return test.RunAsync();
    }
}
