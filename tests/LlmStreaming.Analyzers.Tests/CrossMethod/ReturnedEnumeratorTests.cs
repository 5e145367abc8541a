using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 11: a loop driven by hand over an enumerator that another method (or a lambda run by a helper) obtained from
/// an SDK stream and hands over, the AIShell shape:
/// <c>var e = await chat.StartAsync(q); do { … e.Current … } while (await e.MoveNextAsync());</c>.
/// </summary>
public class ReturnedEnumeratorTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;

        """;

    private static Task Retry(string source, params DiagnosticResult[] expected) => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(source, expected);

    private static Task Partial(string source, params DiagnosticResult[] expected) => Verify<PartialOutputDiscardedAnalyzer>.AnalyzerAsync(source, expected);

    [Fact]
    public Task LLM101_Reports_EnumeratorReturnedByASourceMethod()
        => Retry(Usings + """
            class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                // Starts the stream, waits for the first update, hands the enumerator over (AIShell's Service.cs).
                public async Task<IAsyncEnumerator<ChatResponseUpdate>> StartAsync(string question, CancellationToken ct)
                {
                    try
                    {
                        IAsyncEnumerator<ChatResponseUpdate> enumerator = _client
                            .GetStreamingResponseAsync(question, cancellationToken: ct)
                            .GetAsyncEnumerator(ct);
                        return await enumerator.MoveNextAsync().ConfigureAwait(false) ? enumerator : null;
                    }
                    catch (OperationCanceledException)
                    {
                        return null;
                    }
                }

                // One method further: hands on what StartAsync returns.
                public Task<IAsyncEnumerator<ChatResponseUpdate>> StartForwardedAsync(string question) => StartAsync(question, default);
            }

            class Agent
            {
                async Task<string> AskAsync(ChatService chat, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    var response = await chat.StartAsync("hi", ct).ConfigureAwait(false);
                    if (response is null)
                    {
                        return "";
                    }

                    {|#1:{|#0:do|}
                    {
                        answer.Append(response.Current.Text);
                    }
                    while (await response.MoveNextAsync().ConfigureAwait(false));|}

                    return answer.ToString();
                }

                async Task<string> ForwardedAsync(ChatService chat)
                {
                    var answer = "";
                    await using var e = await chat.StartForwardedAsync("hi");
                    {|LLM101:while|} (await e.MoveNextAsync())
                    {
                        var update = e.Current;
                        answer += update.Text;
                    }

                    return answer;
                }
            }
            """,
            Verify<MidStreamFailureNotRetriedAnalyzer>.Diagnostic("LLM101").WithLocation(0).WithLocation(1).WithArguments("'StartAsync'"));

    [Fact]
    public Task LLM101_Reports_OpenAIEnumeratorFromAnExpressionBodiedMethod()
        => Retry(Usings + """
            using OpenAI.Chat;

            class Chat
            {
                static IAsyncEnumerator<StreamingChatCompletionUpdate> Open(ChatClient client, string question)
                    => client.CompleteChatStreamingAsync(new UserChatMessage(question)).GetAsyncEnumerator();

                async Task<string> AskAsync(ChatClient client)
                {
                    var answer = new StringBuilder();
                    await using var e = Open(client, "hi");
                    {|LLM101:while|} (await e.MoveNextAsync())
                    {
                        foreach (var part in e.Current.ContentUpdate)
                        {
                            answer.Append(part.Text);
                        }
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM101_Reports_EnumeratorFromALambdaRunByAHelper()
        => Retry(Usings + """
            interface IHost
            {
                Task<T> RunWithSpinnerAsync<T>(Func<Task<T>> func, string status = null);
            }

            class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                public async Task<IAsyncEnumerator<ChatResponseUpdate>> StartAsync(string question)
                {
                    var e = _client.GetStreamingResponseAsync(question).GetAsyncEnumerator();
                    return await e.MoveNextAsync() ? e : null;
                }
            }

            class Agent
            {
                // The lambda starts the stream itself (AIShell's OllamaAgent.cs).
                async Task<string> InLambdaAsync(IHost host, IChatClient client, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    var e = await host.RunWithSpinnerAsync(
                        status: "Thinking ...",
                        func: async () =>
                        {
                            var enumerator = client.GetStreamingResponseAsync("hi", cancellationToken: ct).GetAsyncEnumerator(ct);
                            if (await enumerator.MoveNextAsync().ConfigureAwait(false))
                            {
                                return enumerator;
                            }

                            return null;
                        }).ConfigureAwait(false);

                    if (e is not null)
                    {
                        {|LLM101:do|}
                        {
                            answer.Append(e.Current.Text);
                        }
                        while (await e.MoveNextAsync().ConfigureAwait(false));
                    }

                    return answer.ToString();
                }

                // The lambda calls a source method that returns the enumerator (AIShell's Agent.cs with Service.cs).
                async Task<string> ThroughServiceAsync(IHost host, ChatService chat)
                {
                    var answer = new StringBuilder();
                    IAsyncEnumerator<ChatResponseUpdate> response = await host.RunWithSpinnerAsync(() => chat.StartAsync("hi"));
                    if (response is not null)
                    {
                        {|LLM101:do|}
                        {
                            answer.Append(response.Current.Text);
                        }
                        while (await response.MoveNextAsync());
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM301_Reports_CatchThatDropsTheTextOfAReturnedEnumerator()
        => Partial(Usings + """
            class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                public IAsyncEnumerator<ChatResponseUpdate> Open(string question) => _client.GetStreamingResponseAsync(question).GetAsyncEnumerator();
            }

            class Agent
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    await using var e = chat.Open("hi");
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
                .WithArguments("answer", "'Open'", "returning \"\""));

    [Fact]
    public Task LLM101_NoDiagnostic_EnumeratorsThatAreNotOfAModelStreamTheMethodStarts()
        => Retry(Usings + """
            class Store
            {
                private readonly List<ChatResponseUpdate> _recorded = new();

                // A replay of recorded updates: a list, not a stream.
                public IEnumerator<ChatResponseUpdate> Replay() => _recorded.GetEnumerator();

                // Numbers: not model updates.
                public IAsyncEnumerator<int> Numbers(IAsyncEnumerable<int> numbers) => numbers.GetAsyncEnumerator();

                // A stream the caller started: whoever started it owns it.
                public IAsyncEnumerator<ChatResponseUpdate> Over(IAsyncEnumerable<ChatResponseUpdate> updates) => updates.GetAsyncEnumerator();

                // Something else besides the enumerator of a model stream may come back.
                public IAsyncEnumerator<ChatResponseUpdate> Either(IChatClient client, IAsyncEnumerable<ChatResponseUpdate> cached, bool fresh)
                    => fresh ? client.GetStreamingResponseAsync("hi").GetAsyncEnumerator() : cached.GetAsyncEnumerator();
            }

            class Reader
            {
                async Task<string> ReadAsync(Store store, IAsyncEnumerable<int> numbers, IAsyncEnumerable<ChatResponseUpdate> updates, IChatClient client)
                {
                    var text = new StringBuilder();
                    using var r = store.Replay();
                    while (r.MoveNext())
                    {
                        text.Append(r.Current.Text);
                    }

                    await using var n = store.Numbers(numbers);
                    while (await n.MoveNextAsync())
                    {
                        text.Append(n.Current);
                    }

                    await using var o = store.Over(updates);
                    while (await o.MoveNextAsync())
                    {
                        text.Append(o.Current.Text);
                    }

                    await using var either = store.Either(client, updates, fresh: true);
                    while (await either.MoveNextAsync())
                    {
                        text.Append(either.Current.Text);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM101_NoDiagnostic_EnumeratorDisposedBeforeItIsReturned()
        => Retry(Usings + """
            class ChatService
            {
                public async Task<IAsyncEnumerator<ChatResponseUpdate>> StartAsync(IChatClient client)
                {
                    await using var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    await e.MoveNextAsync();
                    return e;
                }

                public async Task<IAsyncEnumerator<ChatResponseUpdate>> StartThenDisposeAsync(IChatClient client)
                {
                    var e = client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
                    await e.MoveNextAsync();
                    await e.DisposeAsync();
                    return e;
                }
            }

            class Agent
            {
                async Task<string> AskAsync(ChatService chat, IChatClient client)
                {
                    var answer = "";
                    var e = await chat.StartAsync(client);
                    do
                    {
                        answer += e.Current.Text;
                    }
                    while (await e.MoveNextAsync());

                    var d = await chat.StartThenDisposeAsync(client);
                    while (await d.MoveNextAsync())
                    {
                        answer += d.Current.Text;
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task LLM101_NoDiagnostic_NoCrash_RecursionAndHelpersThatDoNotHandBackTheLambdasResult()
        => Retry(Usings + """
            class ChatService
            {
                public IAsyncEnumerator<ChatResponseUpdate> Ping(int n) => Pong(n - 1);

                public IAsyncEnumerator<ChatResponseUpdate> Pong(int n) => Ping(n);

                public IAsyncEnumerator<ChatResponseUpdate> Self(IChatClient client, int n)
                    => n > 0 ? Self(client, n - 1) : Self(client, n + 1);

                public IAsyncEnumerator<ChatResponseUpdate> Broken(IChatClient client) => client.{|CS1061:Nope|}("hi").GetAsyncEnumerator();

                // Runs the lambda, returns an enumerator of its own.
                public IAsyncEnumerator<ChatResponseUpdate> Run(Func<IAsyncEnumerator<ChatResponseUpdate>> func, IAsyncEnumerator<ChatResponseUpdate> other) => other;
            }

            class Agent
            {
                async Task<string> AskAsync(ChatService chat, IChatClient client, IAsyncEnumerator<ChatResponseUpdate> other)
                {
                    var answer = "";
                    var a = chat.Ping(3);
                    while (await a.MoveNextAsync())
                    {
                        answer += a.Current.Text;
                    }

                    var b = chat.Self(client, 3);
                    while (await b.MoveNextAsync())
                    {
                        answer += b.Current.Text;
                    }

                    var c = chat.Broken(client);
                    while (await c.MoveNextAsync())
                    {
                        answer += c.Current.Text;
                    }

                    var d = chat.Run(() => client.GetStreamingResponseAsync("hi").GetAsyncEnumerator(), other);
                    while (await d.MoveNextAsync())
                    {
                        answer += d.Current.Text;
                    }

                    return answer;
                }
            }
            """);

    /// <summary>AIShell's Agent.cs: a catch of every cancellation around the loop takes an SDK timeout for the user's cancel.</summary>
    [Fact]
    public Task LLM407_Reports_CancelCatchAroundTheLoop_NotWhenFiltered()
        => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync(Usings + """
            class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                public async Task<IAsyncEnumerator<ChatResponseUpdate>> StartAsync(string question, CancellationToken ct)
                {
                    var e = _client.GetStreamingResponseAsync(question, cancellationToken: ct).GetAsyncEnumerator(ct);
                    return await e.MoveNextAsync() ? e : null;
                }
            }

            class Agent
            {
                async Task<string> AskAsync(ChatService chat, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        var response = await chat.StartAsync("hi", ct);
                        do
                        {
                            answer.Append(response.Current.Text);
                        }
                        while (await response.MoveNextAsync());
                    }
                    catch {|LLM407:(OperationCanceledException)|}
                    {
                    }

                    try
                    {
                        var response = await chat.StartAsync("hi", ct);
                        do
                        {
                            answer.Append(response.Current.Text);
                        }
                        while (await response.MoveNextAsync());
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                    }

                    return answer.ToString();
                }
            }
            """);

    /// <summary>AIShell's OllamaAgent.cs: the lambda run under the spinner starts the stream where the request asks for one.</summary>
    [Fact]
    public Task LLM101_Reports_OllamaAgentShape()
        => Retry(Usings + """
            using OllamaSharp;
            using OllamaSharp.Models;

            interface IHost
            {
                Task<T> RunWithSpinnerAsync<T>(Func<Task<T>> func, string status = null);
            }

            class OllamaAgent
            {
                private readonly OllamaApiClient _client = new(new Uri("http://localhost:11434"));
                private readonly GenerateRequest _request = new() { Model = "phi3", Stream = true };

                public async Task<string> ChatAsync(IHost host, CancellationToken token)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        if (_request.Stream)
                        {
                            var ollamaStreamEnumerator = await host.RunWithSpinnerAsync(
                                status: "Thinking ...",
                                func: async () =>
                                {
                                    var enumerator = _client.GenerateAsync(_request, token).GetAsyncEnumerator(token);
                                    if (await enumerator.MoveNextAsync().ConfigureAwait(false))
                                    {
                                        return enumerator;
                                    }

                                    return null;
                                }).ConfigureAwait(false);

                            if (ollamaStreamEnumerator is not null)
                            {
                                {|LLM101:do|}
                                {
                                    var currentStream = ollamaStreamEnumerator.Current;
                                    answer.Append(currentStream.Response);
                                }
                                while (await ollamaStreamEnumerator.MoveNextAsync().ConfigureAwait(false));
                            }
                        }
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    return answer.ToString();
                }
            }
            """);

    /// <summary>Three methods from the loop down to the stream are followed, four are not, whichever is asked first.</summary>
    [Fact]
    public Task LLM101_FollowsThreeMethods_NotFour()
        => Retry(Usings + """
            class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                public IAsyncEnumerator<ChatResponseUpdate> Four() => Three();

                public IAsyncEnumerator<ChatResponseUpdate> Three() => Two();

                public IAsyncEnumerator<ChatResponseUpdate> Two() => One();

                public IAsyncEnumerator<ChatResponseUpdate> One() => _client.GetStreamingResponseAsync("hi").GetAsyncEnumerator();
            }

            class Agent
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = "";
                    await using var one = chat.One();
                    {|LLM101:while|} (await one.MoveNextAsync())
                    {
                        answer += one.Current.Text;
                    }

                    await using var four = chat.Four();
                    while (await four.MoveNextAsync())
                    {
                        answer += four.Current.Text;
                    }

                    await using var three = chat.Three();
                    {|LLM101:while|} (await three.MoveNextAsync())
                    {
                        answer += three.Current.Text;
                    }

                    return answer;
                }
            }
            """);

    private const string Opener = """
        class ChatService
        {
            private readonly IChatClient _client;

            public ChatService(IChatClient client) => _client = client;

            public async Task<IAsyncEnumerator<ChatResponseUpdate>> StartAsync(string question)
            {
                var e = _client.GetStreamingResponseAsync(question).GetAsyncEnumerator();
                return await e.MoveNextAsync() ? e : null;
            }
        }

        """;

    [Fact]
    public Task LLM302_Reports_OverwriteOfTheCurrentText()
        => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync(Usings + Opener + """
            class Agent
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var last = "";
                    var e = await chat.StartAsync("hi");
                    do
                    {
                        {|LLM302:last = e.Current.Text|};
                    }
                    while (await e.MoveNextAsync());

                    return last;
                }
            }
            """);

    [Fact]
    public Task LLM106_Reports_TransportOnlyCatchAroundTheLoop()
        => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync(Usings + Opener + """
            class Agent
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        var e = await chat.StartAsync("hi");
                        do
                        {
                            answer.Append(e.Current.Text);
                        }
                        while (await e.MoveNextAsync());
                    }
                    {|LLM106:catch|} (HttpRequestException)
                    {
                        answer.Append(" [incomplete]");
                    }

                    return answer.ToString();
                }
            }
            """);

    private const string TwoWayHost = """
        interface IHost
        {
            Task<T> RunWithSpinnerAsync<T>(Func<Task<T>> func, string status = null);
        }

        class ChatService
        {
            private readonly IChatClient _client;

            public ChatService(IChatClient client) => _client = client;

            public async Task<IAsyncEnumerator<ChatResponseUpdate>> StartAsync(string question)
            {
                var e = _client.GetStreamingResponseAsync(question).GetAsyncEnumerator();
                return await e.MoveNextAsync() ? e : null;
            }
        }

        """;

    [Fact]
    public Task LLM101_Reports_ConditionThatMovesTheEnumeratorTwoWays()
        => Retry(Usings + TwoWayHost + """
            class Agent
            {
                // AIShell's OpenAI agent (Agent.cs): after a tool call the next move runs under the spinner.
                async Task<string> AskAsync(IHost host, ChatService chat)
                {
                    var answer = new StringBuilder();
                    var toolCalls = 0;
                    IAsyncEnumerator<ChatResponseUpdate> response = await host.RunWithSpinnerAsync(() => chat.StartAsync("hi")).ConfigureAwait(false);
                    if (response is not null)
                    {
                        {|LLM101:do|}
                        {
                            answer.Append(response.Current.Text);
                            toolCalls = response.Current.Contents.Count;
                        }
                        while (toolCalls is 0
                            ? await host.RunWithSpinnerAsync(() => response.MoveNextAsync().AsTask()).ConfigureAwait(false)
                            : await response.MoveNextAsync().ConfigureAwait(false));
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM101_Silent_ConditionWhoseBranchesDoNotBothMoveTheEnumerator()
        => Retry(Usings + TwoWayHost + """
            class Agent
            {
                async Task<string> OneBranchStopsAsync(ChatService chat, bool stop)
                {
                    var answer = new StringBuilder();
                    var response = await chat.StartAsync("hi");
                    do
                    {
                        answer.Append(response.Current.Text);
                    }
                    while (stop ? false : await response.MoveNextAsync());

                    return answer.ToString();
                }

                async Task<string> OtherEnumeratorAsync(ChatService chat, IAsyncEnumerator<int> numbers, bool first)
                {
                    var answer = new StringBuilder();
                    var response = await chat.StartAsync("hi");
                    do
                    {
                        answer.Append(response.Current.Text);
                    }
                    while (first ? await numbers.MoveNextAsync() : await response.MoveNextAsync());

                    return answer.ToString();
                }

                // The helper's lambda moves the enumerator but the helper hands back something else.
                async Task<string> HelperReturnsOtherAsync(Func<Func<Task<bool>>, Task<bool>> probe, ChatService chat, bool slow)
                {
                    var answer = new StringBuilder();
                    var response = await chat.StartAsync("hi");
                    do
                    {
                        answer.Append(response.Current.Text);
                    }
                    while (slow ? await Count(() => response.MoveNextAsync().AsTask()) > 0 : await response.MoveNextAsync());

                    return answer.ToString();
                }

                static Task<int> Count(Func<Task<bool>> move) => Task.FromResult(1);
            }
            """);
}
