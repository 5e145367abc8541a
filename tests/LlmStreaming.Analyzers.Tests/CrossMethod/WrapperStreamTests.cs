using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Combined;
using LlmStreaming.CodeFixes.PartialOutput;
using LlmStreaming.CodeFixes.Retry;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 11, pattern 1: a source iterator that enumerates an SDK stream and yields the updates' text is a model text
/// stream, and a caller's loop over it is a model stream for LLM101 and LLM301 (the iterator itself stays exempt: it
/// only passes the text on).
/// </summary>
public class WrapperStreamTests
{
    /// <summary>A service whose iterator re-yields the text of a Microsoft.Extensions.AI stream.</summary>
    internal const string Service = """
        class ChatService
        {
            private readonly IChatClient _client;

            public ChatService(IChatClient client) => _client = client;

            public async IAsyncEnumerable<string> StreamAsync(string question, [EnumeratorCancellation] CancellationToken ct = default)
            {
                await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: ct))
                {
                    yield return update.Text;
                }
            }
        }
        """;

    internal const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Runtime.CompilerServices;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;

        """;

    private static Task Retry(string source, params DiagnosticResult[] expected) => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(source, expected);

    private static Task Partial(string source, params DiagnosticResult[] expected) => Verify<PartialOutputDiscardedAnalyzer>.AnalyzerAsync(source, expected);

    [Fact]
    public Task LLM101_Reports_CallerLoopOverWrapper_NotTheWrapper()
        => Retry(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat, string question)
                {
                    var answer = new StringBuilder();
                    {|#1:await foreach (var text in chat.{|#0:StreamAsync|}(question))
                    {
                        answer.Append(text);
                    }|}

                    return answer.ToString();
                }
            }
            """,
            Verify<MidStreamFailureNotRetriedAnalyzer>.Diagnostic("LLM101").WithLocation(0).WithLocation(1).WithArguments("'StreamAsync'"));

    [Fact]
    public Task LLM101_Reports_OpenAI_WrapperYieldingContentParts_ThroughLocalAndWithCancellation()
        => Retry("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            static class Streams
            {
                public static async IAsyncEnumerable<string> TextAsync(this ChatClient client, string prompt, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage(prompt) }, cancellationToken: ct))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            yield return part.Text;
                        }
                    }
                }
            }

            class Console2
            {
                async Task<int> CountAsync(ChatClient client, CancellationToken ct)
                {
                    var count = 0;
                    var stream = client.TextAsync("hi");
                    await {|LLM101:foreach|} (var text in stream.WithCancellation(ct))
                    {
                        count += text.Length;
                    }

                    return count;
                }
            }
            """);

    [Fact]
    public Task LLM101_Reports_WrapperOfAWrapper_AndLocalFunctionWrapper()
        => Retry(Usings + Service + """

            class Facade
            {
                private readonly ChatService _chat;

                public Facade(ChatService chat) => _chat = chat;

                public async IAsyncEnumerable<string> AnswerAsync(string question)
                {
                    await foreach (var chunk in _chat.StreamAsync(question))
                    {
                        yield return chunk.Trim();
                    }
                }
            }

            class Page
            {
                async Task<string> AskAsync(Facade facade, IChatClient client)
                {
                    var answer = "";
                    await foreach (var text in facade.{|LLM101:AnswerAsync|}("hi"))
                    {
                        answer += text;
                    }

                    await foreach (var text in {|LLM101:Local|}())
                    {
                        answer += text;
                    }

                    return answer;

                    async IAsyncEnumerable<string> Local()
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("again"))
                        {
                            yield return update.Text;
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task LLM101_NoDiagnostic_CallerRetriesOrHandles()
        => Retry(Usings + Service + """

            class Page
            {
                async Task<string> RetriesAsync(ChatService chat, string question, CancellationToken ct)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var text in chat.StreamAsync(question, ct))
                            {
                                answer.Append(text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) + Random.Shared.NextDouble()), ct);
                        }
                    }
                }

                async Task<string> HandlesAsync(ChatService chat, string question)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync(question))
                        {
                            answer.Append(text);
                        }
                    }
                    catch (IOException)
                    {
                        return answer.Append(" [incomplete]").ToString();
                    }

                    return answer.ToString();
                }

                // A caller that re-yields in turn: its own caller owns recovery.
                async IAsyncEnumerable<string> RelayAsync(ChatService chat, string question)
                {
                    await foreach (var text in chat.StreamAsync(question))
                    {
                        yield return text;
                    }
                }
            }
            """);

    [Fact]
    public Task LLM101_NoDiagnostic_LookAlikes()
        => Retry(Usings + """
            class Sources
            {
                private readonly List<string> _lines = new() { "a", "b" };

                // Over a list: no model stream.
                public async IAsyncEnumerable<string> FromListAsync()
                {
                    foreach (var line in _lines)
                    {
                        await Task.Yield();
                        yield return line;
                    }
                }

                // A file reader.
                public async IAsyncEnumerable<string> ReadLinesAsync(string path)
                {
                    using var reader = new StreamReader(path);
                    string? line;
                    while ((line = await reader.ReadLineAsync()) is not null)
                    {
                        yield return line;
                    }
                }

                // A loop over a stream that is not a model's.
                public async IAsyncEnumerable<string> NumbersAsTextAsync()
                {
                    await foreach (var number in NumbersAsync())
                    {
                        yield return number.ToString();
                    }
                }

                private static async IAsyncEnumerable<int> NumbersAsync()
                {
                    for (var i = 0; i < 3; i++)
                    {
                        await Task.Yield();
                        yield return i;
                    }
                }

                // Iterates a model stream but yields nothing taken from the updates.
                public async IAsyncEnumerable<string> TicksAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        yield return "tick";
                    }
                }

                // The stream comes in as a parameter: whoever passes it started it.
                public async IAsyncEnumerable<string> TextOfAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
                {
                    await foreach (var update in updates)
                    {
                        yield return update.Text;
                    }
                }
            }

            class Page
            {
                async Task<string> ReadAsync(Sources sources, IChatClient client, IAsyncEnumerable<ChatResponseUpdate> updates)
                {
                    var all = new StringBuilder();
                    await foreach (var line in sources.FromListAsync()) { all.Append(line); }
                    await foreach (var line in sources.ReadLinesAsync("log.txt")) { all.Append(line); }
                    await foreach (var line in sources.NumbersAsTextAsync()) { all.Append(line); }
                    await foreach (var line in sources.TicksAsync(client)) { all.Append(line); }
                    await foreach (var line in sources.TextOfAsync(updates)) { all.Append(line); }
                    return all.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM101_NoDiagnostic_WrapperThatRecoversOnItsOwn()
        => Retry(Usings + """
            class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                // The stream is enumerated inside a retry loop of the iterator: not summarised as a plain re-yield.
                public async IAsyncEnumerable<string> StreamAsync(string question)
                {
                    for (var attempt = 0; attempt < 3; attempt++)
                    {
                        await foreach (var update in _client.GetStreamingResponseAsync(question))
                        {
                            yield return update.Text;
                        }

                        yield break;
                    }
                }
            }

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    await foreach (var text in chat.StreamAsync("hi"))
                    {
                        answer.Append(text);
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task Cycle_TwoIteratorsYieldingEachOther_NoDiagnosticNoHang()
        => Retry(Usings + """
            class PingPong
            {
                public async IAsyncEnumerable<string> PingAsync(int n)
                {
                    await foreach (var s in PongAsync(n - 1))
                    {
                        yield return s;
                    }
                }

                public async IAsyncEnumerable<string> PongAsync(int n)
                {
                    await foreach (var s in PingAsync(n - 1))
                    {
                        yield return s + ".";
                    }
                }

                public async IAsyncEnumerable<string> SelfAsync(int n)
                {
                    await foreach (var s in SelfAsync(n - 1))
                    {
                        yield return s;
                    }
                }

                async Task<string> RunAsync()
                {
                    var all = "";
                    await foreach (var s in PingAsync(3)) { all += s; }
                    await foreach (var s in PongAsync(3)) { all += s; }
                    await foreach (var s in SelfAsync(3)) { all += s; }
                    return all;
                }
            }
            """);

    [Fact]
    public Task Depth_FourWrappersDeep_IsBeyondReach_ThreeIsFollowed()
        => Retry(Usings + """
            class Chain
            {
                private readonly IChatClient _client;

                public Chain(IChatClient client) => _client = client;

                public async IAsyncEnumerable<string> L1()
                {
                    await foreach (var u in _client.GetStreamingResponseAsync("hi")) { yield return u.Text; }
                }

                public async IAsyncEnumerable<string> L2()
                {
                    await foreach (var s in L1()) { yield return s; }
                }

                public async IAsyncEnumerable<string> L3()
                {
                    await foreach (var s in L2()) { yield return s; }
                }

                public async IAsyncEnumerable<string> L4()
                {
                    await foreach (var s in L3()) { yield return s; }
                }
            }

            class Page
            {
                async Task<string> AskAsync(Chain chain)
                {
                    var all = "";
                    await foreach (var s in chain.{|LLM101:L3|}()) { all += s; }
                    await foreach (var s in chain.L4()) { all += s; }
                    return all;
                }
            }
            """);

    [Fact]
    public async Task LLM101_Reports_WrapperInAnotherFile()
    {
        var test = new CSharpAnalyzerTest<MidStreamFailureNotRetriedAnalyzer, DefaultVerifier>();
        test.TestState.Sources.Add(("/0/ChatService.cs", Usings + Service));
        test.TestState.Sources.Add(("/0/Page.cs", """
            using System.Text;
            using System.Threading.Tasks;

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    await foreach (var text in chat.{|LLM101:StreamAsync|}("hi"))
                    {
                        answer.Append(text);
                    }

                    return answer.ToString();
                }
            }
            """));
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        await test.RunAsync();
    }

    [Fact]
    public Task LLM101_NoFixOffered_OnTheWrapperShape()
        => Verify<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>.NoFixAsync(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    await foreach (var text in chat.{|LLM101:StreamAsync|}("hi"))
                    {
                        answer.Append(text);
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM101_NoCombinedFixOffered_OnTheWrapperShape()
        => Verify<MidStreamFailureNotRetriedAnalyzer, ResilientStreamCodeFix>.NoFixAsync(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    await foreach (var text in chat.{|LLM101:StreamAsync|}("hi"))
                    {
                        answer.Append(text);
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM301_Reports_CallerCatchReturnsFallback()
        => Partial(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat, string question)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync(question))
                        {
                            answer.Append(text);
                        }
                    }
                    {|#0:catch|} (Exception)
                    {
                        {|#1:return "Sorry, something went wrong.";|}
                    }

                    return answer.ToString();
                }
            }
            """,
            Verify<PartialOutputDiscardedAnalyzer>.Diagnostic("LLM301").WithLocation(0).WithLocation(1)
                .WithArguments("answer", "'StreamAsync'", "returning \"Sorry, something went wr…\""));

    [Fact]
    public Task LLM301_NoDiagnostic_CatchKeepsPartial_AndLookAlike()
        => Partial(Usings + Service + """

            class Page
            {
                async Task<string> KeepsAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync("hi"))
                        {
                            answer.Append(text);
                        }
                    }
                    catch (Exception)
                    {
                        return answer + " [incomplete]";
                    }

                    return answer.ToString();
                }

                async Task<string> LinesAsync(string path)
                {
                    var all = new StringBuilder();
                    try
                    {
                        await foreach (var line in ReadLinesAsync(path))
                        {
                            all.Append(line);
                        }
                    }
                    catch (IOException)
                    {
                        return "";
                    }

                    return all.ToString();
                }

                private static async IAsyncEnumerable<string> ReadLinesAsync(string path)
                {
                    using var reader = new StreamReader(path);
                    string? line;
                    while ((line = await reader.ReadLineAsync()) is not null)
                    {
                        yield return line;
                    }
                }
            }
            """);

    [Fact]
    public Task LLM301_Fix_KeepsPartialAndRethrows_OnTheWrapperShape()
        => Verify<PartialOutputDiscardedAnalyzer, PartialOutputDiscardedCodeFix>.FixAsync(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync("hi"))
                        {
                            answer.Append(text);
                        }
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return "";
                    }

                    return answer.ToString();
                }
            }
            """, Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync("hi"))
                        {
                            answer.Append(text);
                        }
                    }
                    catch (Exception ex)
                    {
                        ex.Data["PartialOutput"] = answer.ToString();
                        throw;
                    }

                    return answer.ToString();
                }
            }
            """, PartialOutputDiscardedCodeFix.RethrowWithPartialKey);
    [Fact]
    public Task LLM101_Reports_CallerOfAHandRolledWrapper_NotOfAStockTicker()
        => Retry("""
            using System.Collections.Generic;
            using System.IO;
            using System.Net.Http;
            using System.Runtime.CompilerServices;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class OpenAiSse
            {
                private readonly HttpClient _http = new();

                public async IAsyncEnumerable<string> StreamAsync(string body, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                    };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]")
                        {
                            continue;
                        }

                        using var doc = JsonDocument.Parse(line.Substring(6));
                        var content = doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString();
                        if (content is not null)
                        {
                            yield return content;
                        }
                    }
                }
            }

            class Ticker
            {
                private readonly HttpClient _http = new();

                public async IAsyncEnumerable<string> PricesAsync([EnumeratorCancellation] CancellationToken ct = default)
                {
                    using var response = await _http.GetAsync("https://prices.example.com/stream", HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (line.StartsWith("data: "))
                        {
                            yield return line.Substring(6);
                        }
                    }
                }
            }

            class Page
            {
                async Task<string> AskAsync(OpenAiSse sse, Ticker ticker)
                {
                    var answer = new StringBuilder();
                    await foreach (var text in sse.{|LLM101:StreamAsync|}("{}"))
                    {
                        answer.Append(text);
                    }

                    await foreach (var price in ticker.PricesAsync())
                    {
                        answer.Append(price);
                    }

                    return answer.ToString();
                }
            }
            """);
    [Fact]
    public Task LLM101_Reports_CallerOfAForwarder_NotOfAForwarderToAList()
        => Retry(Usings + Service + """

            class Facade
            {
                private readonly ChatService _chat;
                private readonly List<string> _canned = new() { "a" };

                public Facade(ChatService chat) => _chat = chat;

                public IAsyncEnumerable<string> AskAsync(string question, CancellationToken ct) => _chat.StreamAsync(question, ct);

                public IAsyncEnumerable<string> AskAgainAsync(string question)
                {
                    return AskAsync(question, CancellationToken.None);
                }

                public IAsyncEnumerable<string> CannedAsync() => FromList(_canned);

                private static async IAsyncEnumerable<string> FromList(List<string> items)
                {
                    foreach (var item in items)
                    {
                        await Task.Yield();
                        yield return item;
                    }
                }
            }

            class Page
            {
                async Task<string> RunAsync(Facade facade, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var text in facade.{|LLM101:AskAsync|}("hi", ct)) { answer.Append(text); }
                    await foreach (var text in facade.{|LLM101:AskAgainAsync|}("hi")) { answer.Append(text); }
                    await foreach (var text in facade.CannedAsync()) { answer.Append(text); }
                    return answer.ToString();
                }
            }
            """);
}
