using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Retry;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.PartialOutput;
using LlmStreaming.CodeFixes.Retry;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// LLM105, LLM106, LLM302 and LLM407 on the cross-method shapes: a caller's loop over a wrapper (or a loop driven by
/// hand) is judged as a direct loop is. LLM106 must see them, since LLM101 stays silent where it fires.
/// </summary>
public class WrapperOtherRulesTests
{
    private const string Usings = WrapperStreamTests.Usings;
    private const string Service = WrapperStreamTests.Service;

    [Fact]
    public Task LLM106_Reports_TransportOnlyCatch_AroundWrapperAndManualLoops()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync(Usings + Service + """

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
                    {|LLM106:catch|} (HttpRequestException)
                    {
                        return answer.ToString();
                    }

                    return answer.ToString();
                }

                async Task<string> ByHandAsync(IChatClient client)
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
                    {|LLM106:catch|} (HttpRequestException)
                    {
                        return answer.ToString();
                    }

                    return answer.ToString();
                }

                // A look-alike: the loop is over lines of a file.
                async Task<string> FileAsync(string path)
                {
                    var all = new StringBuilder();
                    try
                    {
                        await foreach (var line in LinesAsync(path))
                        {
                            all.Append(line);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return "";
                    }

                    return all.ToString();
                }

                private static async IAsyncEnumerable<string> LinesAsync(string path)
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
    public Task LLM106_Fix_WidensToIOException_OnTheWrapperShape()
        => RetryVerify.FixAsync<CatchMissesMidStreamFailureAnalyzer, CatchMissesMidStreamFailureCodeFix>(Usings + Service + """

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
                    {|LLM106:catch|} (HttpRequestException)
                    {
                        return answer.Append(" [incomplete]").ToString();
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
                    catch (Exception ex) when (ex is HttpRequestException or IOException)
                    {
                        return answer.Append(" [incomplete]").ToString();
                    }

                    return answer.ToString();
                }
            }
            """, CatchMissesMidStreamFailureCodeFix.EquivalenceKey);

    [Fact]
    public Task LLM407_Reports_CancelCatchAroundWrapperLoop_NotWhenFiltered()
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync("hi", ct))
                        {
                            answer.Append(text);
                        }
                    }
                    catch {|LLM407:(OperationCanceledException)|}
                    {
                        return "Cancelled.";
                    }

                    return answer.ToString();
                }

                async Task<string> FilteredAsync(ChatService chat, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync("hi", ct))
                        {
                            answer.Append(text);
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        return "Cancelled.";
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM407_Fix_AddsTheFilter_OnTheWrapperShape()
        => Verify<TimeoutSwallowedAsCancellationAnalyzer, TimeoutSwallowedAsCancellationCodeFix>.FixAsync(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync("hi", ct))
                        {
                            answer.Append(text);
                        }
                    }
                    catch {|LLM407:(OperationCanceledException)|}
                    {
                        return "Cancelled.";
                    }

                    return answer.ToString();
                }
            }
            """, Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var text in chat.StreamAsync("hi", ct))
                        {
                            answer.Append(text);
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        return "Cancelled.";
                    }

                    return answer.ToString();
                }
            }
            """);
    [Fact]
    public Task LLM302_Reports_OverwriteInWrapperAndManualLoops_NotLoopLocals()
        => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat, IChatClient client)
                {
                    var last = "";
                    await foreach (var text in chat.StreamAsync("hi"))
                    {
                        {|LLM302:last = text|};
                    }

                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    while (await e.MoveNextAsync())
                    {
                        {|LLM302:last = e.Current.Text|};
                    }

                    return last;
                }

                async Task<int> LocalAsync(ChatService chat)
                {
                    var total = 0;
                    await foreach (var text in chat.StreamAsync("hi"))
                    {
                        var piece = "";
                        piece = text;
                        total += piece.Length;
                    }

                    return total;
                }

                // A look-alike: the last line of a file.
                async Task<string> LastLineAsync(string path)
                {
                    var last = "";
                    await foreach (var line in LinesAsync(path))
                    {
                        last = line;
                    }

                    return last;
                }

                private static async IAsyncEnumerable<string> LinesAsync(string path)
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
    public Task LLM302_Fix_Appends_OnTheWrapperShape()
        => Verify<DeltaOverwritesTextAnalyzer, DeltaOverwritesTextCodeFix>.FixAsync(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = "";
                    await foreach (var text in chat.StreamAsync("hi"))
                    {
                        {|LLM302:answer = text|};
                    }

                    return answer;
                }
            }
            """, Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = "";
                    await foreach (var text in chat.StreamAsync("hi"))
                    {
                        answer += text;
                    }

                    return answer;
                }
            }
            """, DeltaOverwritesTextCodeFix.EquivalenceKey);

    [Fact]
    public Task LLM105_Fix_ResetsTheCallersAccumulator_OnTheWrapperShape()
        => RetryVerify.FixAsync<RetryReplaysEmittedOutputAnalyzer, RetryReplaysEmittedOutputCodeFix>(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var text in chat.StreamAsync("hi"))
                            {
                                {|LLM105:answer.Append(text)|};
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """, Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            answer.Clear();
                            await foreach (var text in chat.StreamAsync("hi"))
                            {
                                answer.Append(text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }
            }
            """, RetryReplaysEmittedOutputCodeFix.EquivalenceKey);

    [Fact]
    public Task LLM105_NoDiagnostic_AccumulatorPerAttempt_OrLookAlike()
        => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync(Usings + Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        var answer = new StringBuilder();
                        try
                        {
                            await foreach (var text in chat.StreamAsync("hi"))
                            {
                                answer.Append(text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }

                async Task<string> NumbersAsync()
                {
                    var all = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            await foreach (var n in CountAsync())
                            {
                                all.Append(n);
                            }

                            return all.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                        }
                    }
                }

                private static async IAsyncEnumerable<string> CountAsync()
                {
                    for (var i = 0; i < 3; i++)
                    {
                        await Task.Yield();
                        yield return i.ToString();
                    }
                }
            }
            """);
}
