using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Combined;
using LlmStreaming.CodeFixes.PartialOutput;
using LlmStreaming.CodeFixes.Retry;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 11, pattern 6: <c>var e = stream.GetAsyncEnumerator(); while (await e.MoveNextAsync()) { … e.Current … }</c>
/// over an SDK stream is an enumeration of it, for LLM101 and LLM301.
/// </summary>
public class ManualEnumerationTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Runtime.CompilerServices;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;

        """;

    private static Task Retry(string source, params DiagnosticResult[] expected) => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(source, expected);

    private static Task Partial(string source, params DiagnosticResult[] expected) => Verify<PartialOutputDiscardedAnalyzer>.AnalyzerAsync(source, expected);

    [Fact]
    public Task LLM101_Reports_ExtensionsAI_AndOpenAI_ManualLoops()
        => Retry(Usings + """
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await using var e = client.GetStreamingResponseAsync("hi", cancellationToken: ct).GetAsyncEnumerator(ct);
                    {|#1:{|#0:while|} (await e.MoveNextAsync())
                    {
                        answer.Append(e.Current.Text);
                    }|}

                    return answer.ToString();
                }

                async Task<string> ConfiguredAsync(IChatClient client)
                {
                    var answer = "";
                    var stream = client.GetStreamingResponseAsync("hi");
                    var e = stream.GetAsyncEnumerator();
                    try
                    {
                        {|LLM101:while|} (await e.MoveNextAsync().ConfigureAwait(false))
                        {
                            var update = e.Current;
                            answer += update.Text;
                        }
                    }
                    finally
                    {
                        await e.DisposeAsync();
                    }

                    return answer;
                }

                // The first move outside the loop (under a spinner, say), then do … while.
                async Task<string> FirstMoveFirstAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    if (!await e.MoveNextAsync())
                    {
                        return "";
                    }

                    {|LLM101:do|}
                    {
                        answer.Append(e.Current.Text);
                    }
                    while (await e.MoveNextAsync());

                    return answer.ToString();
                }

                string Sync(ChatClient client)
                {
                    var answer = new StringBuilder();
                    using var e = client.CompleteChatStreaming(new UserChatMessage("hi")).GetEnumerator();
                    {|LLM101:while|} (e.MoveNext())
                    {
                        foreach (var part in e.Current.ContentUpdate)
                        {
                            answer.Append(part.Text);
                        }
                    }

                    return answer.ToString();
                }
            }
            """,
            Verify<MidStreamFailureNotRetriedAnalyzer>.Diagnostic("LLM101").WithLocation(0).WithLocation(1).WithArguments("'GetStreamingResponseAsync'"));

    [Fact]
    public Task LLM101_NoDiagnostic_HandledRetriedOrPassedOn()
        => Retry(Usings + """
            class Chat
            {
                async Task<string> HandledAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    try
                    {
                        while (await e.MoveNextAsync())
                        {
                            answer.Append(e.Current.Text);
                        }
                    }
                    catch (IOException)
                    {
                        answer.Append(" [incomplete]");
                    }

                    return answer.ToString();
                }

                async Task<string> RetriedAsync(IChatClient client, CancellationToken ct)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await using var e = client.GetStreamingResponseAsync("hi", cancellationToken: ct).GetAsyncEnumerator(ct);
                            while (await e.MoveNextAsync())
                            {
                                answer.Append(e.Current.Text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) + Random.Shared.NextDouble()), ct);
                        }
                    }
                }

                async IAsyncEnumerable<string> PassesOnAsync(IChatClient client)
                {
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    while (await e.MoveNextAsync())
                    {
                        yield return e.Current.Text;
                    }
                }
            }
            """);

    [Fact]
    public Task LLM101_NoDiagnostic_LookAlikes()
        => Retry(Usings + """
            class Other
            {
                async Task<int> NumbersAsync(IAsyncEnumerable<int> numbers, List<string> names)
                {
                    var sum = 0;
                    await using var e = numbers.GetAsyncEnumerator();
                    while (await e.MoveNextAsync())
                    {
                        sum += e.Current;
                    }

                    using var n = names.GetEnumerator();
                    while (n.MoveNext())
                    {
                        sum += n.Current.Length;
                    }

                    return sum;
                }

                // A stream received from the caller: whoever started it owns it (as for a foreach over it).
                async Task<string> ReceivedAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
                {
                    var answer = "";
                    await using var e = updates.GetAsyncEnumerator();
                    while (await e.MoveNextAsync())
                    {
                        answer += e.Current.Text;
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task LLM101_Reports_CallerOfAWrapperThatEnumeratesByHand()
        => Retry(Usings + """
            class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                public async IAsyncEnumerable<string> StreamAsync(string question)
                {
                    await using var e = _client.GetStreamingResponseAsync(question).GetAsyncEnumerator();
                    while (await e.MoveNextAsync())
                    {
                        yield return e.Current.Text;
                    }
                }

                public async IAsyncEnumerable<string> StreamThroughLocalAsync(string question)
                {
                    var e = _client.GetStreamingResponseAsync(question).GetAsyncEnumerator();
                    try
                    {
                        while (await e.MoveNextAsync())
                        {
                            var text = e.Current.Text;
                            yield return text;
                        }
                    }
                    finally
                    {
                        await e.DisposeAsync();
                    }
                }
            }

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    await foreach (var text in chat.{|LLM101:StreamAsync|}("hi"))
                    {
                        answer.Append(text);
                    }

                    await foreach (var text in chat.{|LLM101:StreamThroughLocalAsync|}("hi"))
                    {
                        answer.Append(text);
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM101_NoFixOffered_OnTheManualShape()
        => Verify<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>.NoFixAsync(Usings + """
            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    {|LLM101:while|} (await e.MoveNextAsync())
                    {
                        answer.Append(e.Current.Text);
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM101_NoCombinedFixOffered_OnTheManualShape()
        => Verify<MidStreamFailureNotRetriedAnalyzer, ResilientStreamCodeFix>.NoFixAsync(Usings + """
            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    {|LLM101:while|} (await e.MoveNextAsync())
                    {
                        answer.Append(e.Current.Text);
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM301_Reports_ManualLoop()
        => Partial(Usings + """
            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    try
                    {
                        while (await e.MoveNextAsync())
                        {
                            answer.Append(e.Current.Text);
                        }
                    }
                    {|#0:catch|} (Exception)
                    {
                        {|#1:return "";|}
                    }

                    return answer.ToString();
                }
            }
            """,
            Verify<PartialOutputDiscardedAnalyzer>.Diagnostic("LLM301").WithLocation(0).WithLocation(1)
                .WithArguments("answer", "'GetStreamingResponseAsync'", "returning \"\""));

    [Fact]
    public Task LLM301_NoDiagnostic_ManualLoopOverAList()
        => Partial(Usings + """
            class Other
            {
                string Join(List<string> names)
                {
                    var all = new StringBuilder();
                    try
                    {
                        using var e = names.GetEnumerator();
                        while (e.MoveNext())
                        {
                            all.Append(e.Current);
                        }
                    }
                    catch (Exception)
                    {
                        return "";
                    }

                    return all.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM301_Fix_KeepsPartialAndRethrows_OnTheManualShape()
        => Verify<PartialOutputDiscardedAnalyzer, PartialOutputDiscardedCodeFix>.FixAsync(Usings + """
            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    try
                    {
                        while (await e.MoveNextAsync())
                        {
                            answer.Append(e.Current.Text);
                        }
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return "";
                    }

                    return answer.ToString();
                }
            }
            """, Usings + """
            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    try
                    {
                        while (await e.MoveNextAsync())
                        {
                            answer.Append(e.Current.Text);
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
}
