using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>
/// Hand-rolled model streams: SSE/NDJSON read loops over an HTTP response body that carry a model signal. A plain SSE
/// client with no model signal is not an LLM stream.
/// </summary>
public class HandRolledRecognizerTests
{
    /// <summary>
    /// An SSE client that reads <c>data:</c> lines over <c>ReadAsStreamAsync</c>. With the defaults it carries no model
    /// signal (a generic event feed); each test swaps in one signal.
    /// </summary>
    private static string SseClient(
        string url = "\"https://feed.example.test/events\"",
        string content = "new StringContent(prompt)",
        string property = "text",
        string extra = "",
        string types = "",
        string members = "")
        => $$"""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Text;
            using System.Text.Json;
            using System.Text.Json.Serialization;
            using System.Threading.Tasks;

            {{types}}

            class StreamingClient
            {
                private readonly HttpClient _http = new HttpClient();
                private readonly string _baseUrl = "https://gateway.example.test";

                {{members}}

                public async Task<string> AskAsync(string prompt)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, {{url}});
                    request.Content = {{content}};
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var body = await response.Content.ReadAsStreamAsync();
                    using var reader = new StreamReader(body);
                    var text = new StringBuilder();
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: "))
                        {
                            continue;
                        }

                        var data = line.Substring(6);
                        {{extra}}
                        using var json = JsonDocument.Parse(data);
                        text.Append(json.RootElement.GetProperty("{{property}}").GetString());
                    }

                    return text.ToString();
                }
            }
            """;

    private static LlmStreamLoop AssertHandRolled(string source, IReadOnlyDictionary<string, string>? options = null)
    {
        var harness = RecognitionHarness.Compile(source, options: options);
        var loop = harness.StreamLoop(harness.At<ILoopOperation>());
        Assert.NotNull(loop);
        Assert.Equal(LlmStreamKind.HandRolled, loop!.Kind);
        Assert.Equal(LlmFamily.HandRolled, loop.Family);
        Assert.Null(loop.Source);
        Assert.NotNull(loop.HandRolled);
        return loop;
    }

    private static void AssertNotHandRolled(string source, IReadOnlyDictionary<string, string>? options = null)
    {
        var harness = RecognitionHarness.Compile(source, options: options);
        Assert.Null(harness.StreamLoop(harness.At<ILoopOperation>()));
    }

    // ---- SSE, one model signal at a time ------------------------------------------------------------------------

    [Fact]
    public void NotAStream_SseClientWithNoModelSignal()
        => AssertNotHandRolled(SseClient());

    [Theory]
    [InlineData("\"https://gateway.example.test/v1/chat/completions\"")]
    [InlineData("\"v1/chat/completions\"")]
    [InlineData("\"https://gateway.example.test/v1/messages\"")]
    [InlineData("\"https://gateway.example.test/v1/responses?stream=true\"")]
    [InlineData("$\"{_baseUrl}/chat/completions\"")]
    [InlineData("\"https://generativelanguage.example.test/v1beta/models/gemini-pro:streamGenerateContent?alt=sse\"")]
    public void Recognizes_Sse_ByEndpointPath(string url)
    {
        var loop = AssertHandRolled(SseClient(url: url));
        var facts = loop.HandRolled!;
        Assert.True(facts.IsSse);
        Assert.False(facts.UsesSseParser);
        Assert.Single(facts.Reads);
        Assert.Equal("ReadLineAsync", facts.Reads[0].TargetMethod.Name);
        Assert.Equal("line", facts.LineVariable?.Name);
        Assert.Equal("line", loop.IterationVariable?.Name);
        Assert.Single(facts.JsonParses);
        Assert.Equal("the response body", loop.DisplayName);
    }

    [Theory]
    [InlineData("\"https://api.openai.com/stream\"")]
    [InlineData("\"https://my-resource.openai.azure.com/openai/deployments/gpt/stream\"")]
    [InlineData("\"https://api.anthropic.com/stream\"")]
    [InlineData("\"http://localhost:11434/stream\"")]
    [InlineData("\"https://openrouter.ai/api/stream\"")]
    public void Recognizes_Sse_ByModelHost(string url)
        => AssertHandRolled(SseClient(url: url));

    [Theory]
    [InlineData("\"https://api.openai.com.example.test/stream\"")]
    [InlineData("\"https://notapi.openai.com/stream\"")]
    [InlineData("\"http://localhost:1143/stream\"")]
    public void NotAStream_HostThatOnlyLooksLikeAModelHost(string url)
        => AssertNotHandRolled(SseClient(url: url));

    [Fact]
    public void Recognizes_Sse_ByConfiguredModelHost()
    {
        var source = SseClient(url: "\"https://llm.corp.example/generate\"");
        AssertNotHandRolled(source);
        AssertHandRolled(source, new Dictionary<string, string> { ["llm_streaming.model_hosts"] = "llm.corp.example" });
        AssertHandRolled(source, new Dictionary<string, string> { ["llm_streaming.model_hosts"] = "https://llm.corp.example/, other.example" });
        AssertHandRolled(source, new Dictionary<string, string> { ["llm_streaming.model_hosts"] = "*.corp.example" });
    }

    [Theory]
    [InlineData("new StringContent(\"{\\\"prompt\\\": \\\"hi\\\", \\\"stream\\\": true}\")")]
    [InlineData("new StringContent(\"{\\\"prompt\\\":\\\"hi\\\",\\\"stream\\\":true}\")")]
    [InlineData("new StringContent($\"{{\\\"prompt\\\": \\\"{prompt}\\\", \\\"stream\\\": true}}\")")]
    public void Recognizes_Sse_ByStreamTrueJsonLiteral(string content)
        => AssertHandRolled(SseClient(content: content));

    [Fact]
    public void NotAStream_StreamFalseJsonLiteral()
        => AssertNotHandRolled(SseClient(content: "new StringContent(\"{\\\"prompt\\\": \\\"hi\\\", \\\"stream\\\": false}\")"));

    [Fact]
    public void Recognizes_Sse_ByAnonymousStreamTrue()
        => AssertHandRolled(SseClient(content: "JsonContent.Create(new { prompt, stream = true })"));

    [Fact]
    public void Recognizes_Sse_ByPayloadInitializerStreamTrue()
        => AssertHandRolled(SseClient(
            content: "JsonContent.Create(new Payload { Prompt = prompt, Stream = true })",
            types: "class Payload { public string? Prompt { get; set; } public bool Stream { get; set; } }"));

    [Theory]
    [InlineData("JsonContent.Create(new JsonObject { [\"prompt\"] = prompt, [\"stream\"] = true })", "")]
    [InlineData("JsonContent.Create(new Dictionary<string, object> { { \"prompt\", prompt }, { \"stream\", true } })", "")]
    [InlineData("JsonContent.Create(Create(prompt))", "static Payload Create(string prompt) { var payload = new Payload(); payload.Prompt = prompt; payload.Stream = true; return payload; }")]
    [InlineData("JsonContent.Create(Create(prompt))", "static JsonObject Create(string prompt) { var node = new JsonObject(); node[\"prompt\"] = prompt; node[\"stream\"] = true; return node; }")]
    public void Recognizes_Sse_ByStreamTrueInAPayloadBuilder(string content, string members)
    {
        var source = SseClient(
            content: content,
            types: "class Payload { public string? Prompt { get; set; } public bool Stream { get; set; } }",
            members: members).Replace("using System.IO;", "using System.Collections.Generic;\nusing System.IO;\nusing System.Text.Json.Nodes;");
        AssertHandRolled(source);
        AssertNotHandRolled(source.Replace("= true", "= false").Replace("\"stream\", true", "\"stream\", false"));
    }

    [Fact]
    public void NotAStream_LocalNamedStreamSetToTrue()
        => AssertNotHandRolled(SseClient(extra: "var stream = false; stream = true; if (stream) { text.Append(' '); }"));

    [Fact]
    public void NotAStream_AnonymousStreamFalse()
        => AssertNotHandRolled(SseClient(content: "JsonContent.Create(new { prompt, stream = false })"));

    [Fact]
    public void Recognizes_Sse_ByDoneSentinel()
        => AssertHandRolled(SseClient(extra: "if (data == \"[DONE]\") break;"));

    [Theory]
    [InlineData("finish_reason")]
    [InlineData("content_block_delta")]
    [InlineData("done_reason")]
    [InlineData("response.output_text.delta")]
    public void Recognizes_Sse_ByModelJsonName(string property)
        => AssertHandRolled(SseClient(property: property));

    [Fact]
    public void Recognizes_Sse_ByChoicesAndDeltaTogether()
        => AssertHandRolled(SseClient(extra: "var first = JsonDocument.Parse(data).RootElement.GetProperty(\"choices\")[0].GetProperty(\"delta\");"));

    [Theory]
    [InlineData("delta")]
    [InlineData("choices")]
    public void NotAStream_WeakJsonNameAlone(string property)
    {
        // An option quote feed has a "delta"; a poll feed has "choices": alone, neither names a model stream.
        AssertNotHandRolled(SseClient(property: property));
    }

    [Fact]
    public void Recognizes_Sse_ByDtoWithChoices()
    {
        var loop = AssertHandRolled(SseClient(
            extra: "var chunk = JsonSerializer.Deserialize<Chunk>(data);",
            types: "class Chunk { public Choice[]? Choices { get; set; } } class Choice { public string? Text { get; set; } }"));
        Assert.Equal(2, loop.HandRolled!.JsonParses.Length);
    }

    [Fact]
    public void Recognizes_Sse_ByDtoWithFinishReasonJsonName()
        => AssertHandRolled(SseClient(
            extra: "var chunk = JsonSerializer.Deserialize<Chunk>(data);",
            types: "class Chunk { [JsonPropertyName(\"finish_reason\")] public string? Reason { get; set; } }"));

    [Fact]
    public void Recognizes_Sse_ByNestedDtoMember()
        => AssertHandRolled(SseClient(
            extra: "var chunk = JsonSerializer.Deserialize<Envelope>(data);",
            types: "class Envelope { public Inner? Payload { get; set; } } class Inner { public string? StopReason { get; set; } }"));

    [Fact]
    public void NotAStream_DtoWithNoModelMembers()
        => AssertNotHandRolled(SseClient(
            extra: "var quote = JsonSerializer.Deserialize<Quote>(data);",
            types: "class Quote { public string? Symbol { get; set; } public decimal Price { get; set; } }"));

    // ---- NDJSON -------------------------------------------------------------------------------------------------

    [Fact]
    public void Recognizes_Ndjson_OllamaApiChat()
    {
        var loop = AssertHandRolled("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Text;
            using System.Text.Json.Nodes;
            using System.Threading.Tasks;

            class OllamaStreamer
            {
                private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("http://localhost:11434") };

                public async Task<string> ChatAsync(string prompt)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
                    {
                        Content = JsonContent.Create(new { model = "llama3", messages = new[] { new { role = "user", content = prompt } } }),
                    };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    /*target*/while (!reader.EndOfStream)
                    {
                        var line = await reader.ReadLineAsync();
                        if (string.IsNullOrEmpty(line))
                        {
                            continue;
                        }

                        var chunk = JsonNode.Parse(line);
                        text.Append((string?)chunk?["message"]?["content"]);
                    }

                    return text.ToString();
                }
            }
            """);
        var facts = loop.HandRolled!;
        Assert.False(facts.IsSse);
        Assert.False(facts.UsesSseParser);
        Assert.Single(facts.Reads);
        Assert.Equal("line", facts.LineVariable?.Name);
        Assert.Single(facts.JsonParses);
        Assert.Equal("Parse", facts.JsonParses[0].TargetMethod.Name);
    }

    [Fact]
    public void Recognizes_Ndjson_GenerateWithDeserialize_SyncReadLine()
    {
        var loop = AssertHandRolled("""
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;

            class Generator
            {
                public void Generate(HttpClient http)
                {
                    using var response = http.Send(new HttpRequestMessage(HttpMethod.Post, "api/generate"), HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(response.Content.ReadAsStream());
                    string? line;
                    /*target*/while ((line = reader.ReadLine()) is not null)
                    {
                        var element = JsonSerializer.Deserialize<JsonElement>(line);
                        System.Console.Write(element.GetProperty("response").GetString());
                    }
                }
            }
            """);
        Assert.False(loop.HandRolled!.IsSse);
        Assert.Equal("ReadLine", loop.HandRolled.Reads[0].TargetMethod.Name);
        Assert.Single(loop.HandRolled.JsonParses);
    }

    [Fact]
    public void NotAStream_JsonLinesDownload_InAModelClientClass()
    {
        // A batch-results download in a class that also calls /v1/messages: JSON lines, but not a model stream
        // (seen in real code). NDJSON needs a signal in its own member, its loop or its DTO.
        AssertNotHandRolled("""
            using System.Collections.Generic;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;

            class EndpointBase
            {
                protected const string MessagesPath = "/v1/messages";

                protected async IAsyncEnumerable<JsonElement> BatchResults(HttpClient http, string url)
                {
                    using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        yield return JsonDocument.Parse(line).RootElement.Clone();
                    }
                }
            }
            """);
    }

    [Fact]
    public void NotAStream_JsonLinesDownload_DeserializedIntoABatchLineThatNestsAModelResponse()
    {
        // Real code (Anthropic.SDK's batch results): each line is custom_id → result → message → stop_reason. A model
        // response nested two levels down is a batch result, not a stream chunk.
        AssertNotHandRolled("""
            using System.Collections.Generic;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Text.Json.Serialization;

            class MessageResponse
            {
                [JsonPropertyName("stop_reason")]
                public string? StopReason { get; set; }
            }

            class BatchResult
            {
                public MessageResponse? Message { get; set; }
            }

            class BatchLine
            {
                [JsonPropertyName("custom_id")]
                public string? CustomId { get; set; }

                public BatchResult? Result { get; set; }
            }

            class EndpointBase
            {
                protected const string MessagesPath = "/v1/messages";

                protected async IAsyncEnumerable<BatchLine?> BatchResults(HttpClient http, string url)
                {
                    using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        yield return JsonSerializer.Deserialize<BatchLine>(line);
                    }
                }
            }
            """);
    }

    [Fact]
    public void Recognizes_Ndjson_ChunkDtoWithTheFinishReasonOneLevelDown()
    {
        AssertHandRolled("""
            using System.Collections.Generic;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;

            class Choice
            {
                public string? FinishReason { get; set; }
            }

            class Chunk
            {
                public Choice? Result { get; set; }
            }

            class Gateway
            {
                public async IAsyncEnumerable<Chunk?> StreamAsync(HttpClient http, string url)
                {
                    using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        yield return JsonSerializer.Deserialize<Chunk>(line);
                    }
                }
            }
            """);
    }

    [Fact]
    public void Recognizes_Ndjson_SignalInItsOwnMethod()
    {
        AssertHandRolled("""
            using System.Collections.Generic;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;

            class OllamaClient
            {
                public async IAsyncEnumerable<JsonElement> ChatAsync(HttpClient http, HttpContent body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", body);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        yield return JsonDocument.Parse(line).RootElement.Clone();
                    }
                }
            }
            """);
    }

    [Fact]
    public void NotAStream_PlainTextLines_NoDataPrefixNoJson()
    {
        AssertNotHandRolled("""
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;

            class Downloader
            {
                private readonly HttpClient _http = new HttpClient();

                public async Task<string> ReadAsync()
                {
                    using var response = await _http.GetAsync("https://api.openai.com/v1/chat/completions", HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var text = new StringBuilder();
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        text.AppendLine(line);
                    }

                    return text.ToString();
                }
            }
            """);
    }

    // ---- SseParser ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("SseParser.Create(body).EnumerateAsync()")]
    [InlineData("SseParser.Create(body).EnumerateAsync().WithCancellation(ct)")]
    public void Recognizes_SseParser(string collection)
    {
        var loop = AssertHandRolled($$"""
            using System.IO;
            using System.Net.Http;
            using System.Net.ServerSentEvents;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class StreamingClient
            {
                public async Task<string> AskAsync(HttpClient http, CancellationToken ct)
                {
                    using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "https://gateway.example.test/events"), HttpCompletionOption.ResponseHeadersRead, ct);
                    using var body = await response.Content.ReadAsStreamAsync(ct);
                    var text = new StringBuilder();
                    /*target*/await foreach (var item in {{collection}})
                    {
                        if (item.Data == "[DONE]")
                        {
                            break;
                        }

                        text.Append(item.Data);
                    }

                    return text.ToString();
                }
            }
            """);
        var facts = loop.HandRolled!;
        Assert.True(facts.IsSse);
        Assert.True(facts.UsesSseParser);
        Assert.Empty(facts.Reads);
        Assert.Equal("item", facts.LineVariable?.Name);
        Assert.Equal("SseParser", loop.DisplayName);
    }

    [Fact]
    public void NotAStream_SseParser_StockTicker()
    {
        AssertNotHandRolled("""
            using System.Net.Http;
            using System.Net.ServerSentEvents;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Quote
            {
                public string? Symbol { get; set; }
                public decimal Price { get; set; }
            }

            class StockTicker
            {
                public async Task WatchAsync(HttpClient http)
                {
                    using var body = await http.GetStreamAsync("https://quotes.example.test/stream?symbols=MSFT");
                    /*target*/await foreach (var item in SseParser.Create(body).EnumerateAsync())
                    {
                        var quote = JsonSerializer.Deserialize<Quote>(item.Data);
                        System.Console.WriteLine($"{quote?.Symbol}: {quote?.Price}");
                    }
                }
            }
            """);
    }

    // ---- Look-alikes that are not model streams -----------------------------------------------------------------

    [Fact]
    public void NotAStream_StockTickerSseClient()
    {
        AssertNotHandRolled("""
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Quote
            {
                public string? Symbol { get; set; }
                public decimal Price { get; set; }
            }

            class StockTicker
            {
                private readonly HttpClient _http = new HttpClient();

                public async Task WatchAsync()
                {
                    using var response = await _http.GetAsync("https://quotes.example.test/stream", HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    /*target*/while (!reader.EndOfStream)
                    {
                        var line = await reader.ReadLineAsync();
                        if (line is null || !line.StartsWith("data:"))
                        {
                            continue;
                        }

                        var quote = JsonSerializer.Deserialize<Quote>(line.Substring(5));
                        System.Console.WriteLine($"{quote?.Symbol}: {quote?.Price}");
                    }
                }
            }
            """);
    }

    [Theory]
    [InlineData("File.OpenText(path)")]
    [InlineData("new StreamReader(path)")]
    [InlineData("new StreamReader(File.OpenRead(path))")]
    [InlineData("new StreamReader(new FileStream(path, FileMode.Open))")]
    [InlineData("new StringReader(path)")]
    public void NotAStream_FileReadLineByLine_InAModelClient(string reader)
    {
        // The type talks to a model over HTTP elsewhere (a type-level signal), but this loop reads a local file.
        AssertNotHandRolled($$"""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Assistant
            {
                private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("https://api.openai.com/") };

                public Task<HttpResponseMessage> PingAsync() => _http.GetAsync("v1/chat/completions");

                public async Task<int> LoadExamplesAsync(string path)
                {
                    using var reader = {{reader}};
                    var count = 0;
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data:"))
                        {
                            continue;
                        }

                        var example = JsonSerializer.Deserialize<JsonElement>(line.Substring(5));
                        count += example.GetArrayLength();
                    }

                    return count;
                }
            }
            """);
    }

    [Theory]
    [InlineData("new StringReader(await response.Content.ReadAsStringAsync())")]
    [InlineData("new StreamReader(new MemoryStream(await response.Content.ReadAsByteArrayAsync()))")]
    [InlineData("new StringReader(buffered)")]
    public void Recognizes_BufferedResponseBody(string reader)
    {
        // The body was read whole, then parsed as SSE: still a model event stream for the rules about its content.
        AssertHandRolled($$"""
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class Buffered
            {
                public async Task<string> AskAsync(HttpClient http, HttpContent payload)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", payload);
                    var buffered = await response.Content.ReadAsStringAsync();
                    using var reader = {{reader}};
                    var text = "";
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data: "))
                        {
                            text += line.Substring(6);
                        }
                    }

                    return text;
                }
            }
            """);
    }

    /// <summary>A body read whole, split into lines and parsed like a stream (issue 13): the shape of <paramref name="lines"/> varies.</summary>
    private static string SplitBody(string read, string lines, string prelude = "")
        => $$"""
            using System;
            using System.IO;
            using System.Linq;
            using System.Net.Http;
            using System.Text.Json;
            using System.Text.RegularExpressions;
            using System.Threading.Tasks;

            class WholeBody
            {
                public async Task<string> AskAsync(HttpClient http, HttpContent payload, string path)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", payload);
                    var body = {{read}};
                    {{prelude}}
                    var text = "";
                    /*target*/foreach (var line in {{lines}})
                    {
                        if (!line.StartsWith("data: "))
                        {
                            continue;
                        }

                        using var json = JsonDocument.Parse(line.Substring(6));
                        text += json.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString();
                    }

                    return text;
                }
            }
            """;

    [Theory]
    [InlineData("await response.Content.ReadAsStringAsync()", "body.Split('\\n')")]
    [InlineData("await response.Content.ReadAsStringAsync()", "body.Split(new[] { \"\\r\\n\", \"\\n\" }, StringSplitOptions.RemoveEmptyEntries)")]
    [InlineData("await response.Content.ReadAsStringAsync()", "body.Trim().Split('\\n').Where(l => l.Length > 0)")]
    [InlineData("await response.Content.ReadAsStringAsync()", "Regex.Split(body, \"\\r?\\n\")")]
    [InlineData("response.Content.ReadAsStringAsync().Result", "body.Split('\\n')")]
    [InlineData("await http.GetStringAsync(\"https://api.openai.com/v1/chat/completions\")", "body.Split('\\n')")]
    [InlineData("await response.Content.ReadAsStringAsync()", "lines", "var lines = body.Split('\\n');")]
    public void Recognizes_SplitBufferedBody(string read, string lines, string prelude = "")
    {
        var loop = AssertHandRolled(SplitBody(read, lines, prelude));
        Assert.True(loop.HandRolled!.SplitsBufferedBody);
        Assert.True(loop.HandRolled.IsSse);
        Assert.Equal("line", loop.HandRolled.LineVariable?.Name);
    }

    [Theory]
    [InlineData("await File.ReadAllTextAsync(path)", "body.Split('\\n')")]
    [InlineData("path", "body.Split('\\n')")]
    [InlineData("\"data: {}\\ndata: [DONE]\"", "body.Split('\\n')")]
    [InlineData("await response.Content.ReadAsStringAsync()", "path.Split('\\n')")]
    [InlineData("await response.Content.ReadAsStringAsync()", "lines", "var lines = path.Split('\\n');")]
    public void NotAStream_SplitOfTextThatIsNotTheResponseBody(string read, string lines, string prelude = "")
        => AssertNotHandRolled(SplitBody(read, lines, prelude));

    [Fact]
    public void NotAStream_NoHttpInTheType()
    {
        // A model-looking file format read from a stream that no HTTP code in the type produces.
        AssertNotHandRolled("""
            using System.IO;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Replayer
            {
                public async Task ReplayAsync(Stream recorded)
                {
                    using var reader = new StreamReader(recorded);
                    string? line;
                    /*target*/while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data:") && line != "data: [DONE]")
                        {
                            var chunk = JsonDocument.Parse(line.Substring(5));
                            System.Console.Write(chunk.RootElement.GetProperty("choices")[0]);
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public void NotAStream_LoopThatDoesNotRead()
    {
        AssertNotHandRolled("""
            using System.Net.Http;
            using System.Threading.Tasks;

            class C
            {
                public async Task M(HttpClient http)
                {
                    /*target*/for (var i = 0; i < 3; i++)
                    {
                        var text = await http.GetStringAsync("https://api.openai.com/v1/chat/completions");
                        System.Console.Write(text.StartsWith("data:") ? "[DONE]" : text);
                    }
                }
            }
            """);
    }

    [Fact]
    public void Recognizes_InTopLevelStatements()
    {
        var harness = RecognitionHarness.Compile("""
            using System.IO;
            using System.Net.Http;

            using var http = new HttpClient();
            using var body = await http.GetStreamAsync("http://localhost:11434/api/generate");
            using var reader = new StreamReader(body);
            string? line;
            /*target*/while ((line = await reader.ReadLineAsync()) != null)
            {
                if (line.StartsWith("data:"))
                {
                    System.Console.Write(line);
                }
            }
            """, outputKind: Microsoft.CodeAnalysis.OutputKind.ConsoleApplication);
        Assert.Equal(LlmStreamKind.HandRolled, harness.StreamLoop(harness.At<ILoopOperation>())?.Kind);
    }

    [Fact]
    public void Recognizes_InsideAPollyLambda()
    {
        AssertHandRolled("""
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Polly;

            class Client
            {
                public async Task RunAsync(HttpClient http, ResiliencePipeline pipeline)
                {
                    await pipeline.ExecuteAsync(async ct =>
                    {
                        using var body = await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct);
                        using var reader = new StreamReader(body);
                        string? line;
                        /*target*/while ((line = await reader.ReadLineAsync(ct)) != null)
                        {
                            if (line.StartsWith("data:"))
                            {
                                System.Console.Write(line);
                            }
                        }
                    });
                }
            }
            """);
    }

    [Fact]
    public void TypeSignals_AreComputedOncePerOutermostType()
    {
        var harness = RecognitionHarness.Compile(SseClient(url: "\"https://gateway.example.test/v1/chat/completions\""));
        var type = harness.Compilation.GetTypeByMetadataName("StreamingClient")!;
        var first = harness.Llm.HandRolled.GetTypeSignals(type, harness.Model, harness.Options, CancellationToken.None);
        Assert.True(first.HasHttp);
        Assert.True(first.HasModelSignal);

        var neutral = RecognitionHarness.Compile(SseClient());
        var signals = neutral.Llm.HandRolled.GetTypeSignals(neutral.Compilation.GetTypeByMetadataName("StreamingClient")!, neutral.Model, neutral.Options, CancellationToken.None);
        Assert.True(signals.HasHttp);
        Assert.False(signals.HasModelSignal);
    }
}
