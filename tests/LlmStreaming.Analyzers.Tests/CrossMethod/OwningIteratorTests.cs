using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 11: iterators that yield from a model stream but are not pass-throughs. One that keeps and saves its own copy
/// of the text loses it on a mid-stream failure; one that only the framework consumes (a hub streaming method, a
/// controller action) has no source caller to own recovery. LLM101 judges both itself. An iterator over a list, one
/// whose accumulator is never saved, and one whose caller handles the failure stay silent.
/// </summary>
public class OwningIteratorTests
{
    private const string Usings = WrapperStreamTests.Usings;

    private static Task Retry(string source, params DiagnosticResult[] expected) => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(source, expected);

    private static DiagnosticResult LLM101(string name, int at = 0)
        => Verify<MidStreamFailureNotRetriedAnalyzer>.Diagnostic("LLM101").WithLocation(at).WithLocation(at + 1).WithArguments($"'{name}'");

    [Fact]
    public Task LLM101_Reports_ExtensionsAI_IteratorThatSavesItsOwnCopyAfterTheLoop()
        => Retry(Usings + """
            class ChatService
            {
                private readonly IChatClient _client;
                private readonly List<string> _history = new();

                public ChatService(IChatClient client) => _client = client;

                public async IAsyncEnumerable<string> StreamAsync(string question, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    var answer = new StringBuilder();
                    {|#1:await foreach (var update in _client.{|#0:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        answer.Append(update.Text);
                        yield return update.Text;
                    }|}

                    _history.Add(answer.ToString());
                }
            }
            """,
            LLM101("GetStreamingResponseAsync"));

    [Fact]
    public Task LLM101_Reports_OpenAI_IteratorThatSavesItsOwnCopyToAStore()
        => Retry("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            interface IAnswerStore
            {
                Task SaveAsync(string conversationId, string text);
            }

            class Assistant
            {
                private readonly ChatClient _chat;
                private readonly IAnswerStore _store;

                public Assistant(ChatClient chat, IAnswerStore store)
                {
                    _chat = chat;
                    _store = store;
                }

                public async IAsyncEnumerable<string> AnswerAsync(string conversationId, string question, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    var text = new StringBuilder();
                    {|#1:await foreach (var update in _chat.{|#0:CompleteChatStreamingAsync|}(new ChatMessage[] { new UserChatMessage(question) }, cancellationToken: ct))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            text.Append(part.Text);
                            yield return part.Text;
                        }
                    }|}

                    await _store.SaveAsync(conversationId, text.ToString());
                }
            }
            """,
            LLM101("CompleteChatStreamingAsync"));

    [Fact]
    public Task LLM101_Silent_IteratorOverAList_AccumulatorNeverSaved_AndCallerThatHandlesTheFailure()
        => Retry(Usings + """
            class ChatService
            {
                private readonly IChatClient _client;
                private readonly List<string> _history = new();
                private readonly List<string> _lines = new();

                public ChatService(IChatClient client) => _client = client;

                // Not a model stream: a list.
                public async IAsyncEnumerable<string> ReplayAsync()
                {
                    var all = new StringBuilder();
                    foreach (var line in _lines)
                    {
                        all.Append(line);
                        await Task.Yield();
                        yield return line;
                    }

                    _history.Add(all.ToString());
                }

                // An accumulator it never saves: a pass-through, its caller owns recovery.
                public async IAsyncEnumerable<string> CountingAsync(string question)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in _client.GetStreamingResponseAsync(question))
                    {
                        answer.Append(update.Text);
                        yield return update.Text;
                    }
                }

                // Saves its copy, but its only caller retries the whole enumeration.
                public async Task<string> AskAsync(string question)
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            var shown = new StringBuilder();
                            await foreach (var text in SavingAsync(question))
                            {
                                shown.Append(text);
                            }

                            return shown.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(1000 * attempt);
                        }
                    }
                }

                private async IAsyncEnumerable<string> SavingAsync(string question)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in _client.GetStreamingResponseAsync(question))
                    {
                        answer.Append(update.Text);
                        yield return update.Text;
                    }

                    _history.Add(answer.ToString());
                }
            }
            """);

    [Fact]
    public Task LLM101_Reports_HubStreamingMethodAndControllerAction_NotAPrivateHelperOrAPriceFeed()
        => Retry(Usings + """
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.AspNetCore.SignalR;

            class ChatHub : Hub
            {
                private readonly IChatClient _client;

                public ChatHub(IChatClient client) => _client = client;

                public async IAsyncEnumerable<string> Stream(string question, [EnumeratorCancellation] CancellationToken ct)
                {
                    {|#1:await foreach (var update in _client.{|#0:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        yield return update.Text;
                    }|}
                }

                // A price feed: not a model stream.
                public async IAsyncEnumerable<decimal> Prices([EnumeratorCancellation] CancellationToken ct)
                {
                    for (var i = 0; i < 10; i++)
                    {
                        await Task.Delay(1000, ct);
                        yield return i * 1.5m;
                    }
                }

                // Not a hub method: its callers in source own recovery.
                private async IAsyncEnumerable<string> HelperAsync(string question, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: ct))
                    {
                        yield return update.Text;
                    }
                }
            }

            [ApiController]
            [Route("chat")]
            class ChatController : ControllerBase
            {
                private readonly IChatClient _client;

                public ChatController(IChatClient client) => _client = client;

                [HttpGet]
                public async IAsyncEnumerable<string> Get(string question, [EnumeratorCancellation] CancellationToken ct)
                {
                    {|#3:await foreach (var update in _client.{|#2:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        yield return update.Text;
                    }|}
                }
            }
            """,
            LLM101("GetStreamingResponseAsync"),
            LLM101("GetStreamingResponseAsync", at: 2));
}
