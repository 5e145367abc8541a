using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 11: a retry helper one level up. A source method that runs the delegate it receives in a loop with a catch of
/// transient failures and a delay (or hands it to Polly) protects the enumeration inside the lambda or method group
/// passed to it; LLM101 and the rules that ask "is this enumeration retried" see it. Helpers that catch nothing
/// transient, do not loop or do not wait are not retries.
/// </summary>
public class RetryHelperTests
{
    private const string Usings = WrapperStreamTests.Usings;

    /// <summary>A helper that retries the delegate on IOException/HttpRequestException with a growing delay.</summary>
    private const string Helper = """
        static class Resilience
        {
            public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> op, CancellationToken ct = default)
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        return await op(ct);
                    }
                    catch (Exception ex) when (attempt < 3 && (ex is IOException || ex is HttpRequestException))
                    {
                        await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
                    }
                }
            }
        }
        """;

    private static Task Retry(string source, params DiagnosticResult[] expected) => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(source, expected);

    private static DiagnosticResult LLM101(string name) => Verify<MidStreamFailureNotRetriedAnalyzer>.Diagnostic("LLM101").WithLocation(0).WithLocation(1).WithArguments($"'{name}'");

    [Fact]
    public Task LLM101_Silent_LambdaAndMethodGroup_PassedToSourceRetryHelper()
        => Retry(Usings + Helper + """

            class Page
            {
                private readonly IChatClient _client;

                public Page(IChatClient client) => _client = client;

                public Task<string> AskAsync(string question)
                    => Resilience.RetryAsync(async ct =>
                    {
                        var answer = new StringBuilder();
                        await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: ct))
                        {
                            answer.Append(update.Text);
                        }

                        return answer.ToString();
                    });

                public Task<string> SummariseAsync() => Resilience.RetryAsync(StreamOnceAsync);

                public Task<string> ThroughCallAsync(string question) => Resilience.RetryAsync(ct => StreamQuestionAsync(question, ct));

                private async Task<string> StreamOnceAsync(CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in _client.GetStreamingResponseAsync("summarise", cancellationToken: ct))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }

                private async Task<string> StreamQuestionAsync(string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: ct))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task LLM101_Silent_OpenAI_HelperCatchingTheSdkException_AndHelperOverPolly_AndHelperOverHelper()
        => Retry("""
            using System;
            using System.ClientModel;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using OpenAI.Chat;
            using Polly;

            class Resilience
            {
                private readonly ResiliencePipeline _pipeline;

                public Resilience(ResiliencePipeline pipeline) => _pipeline = pipeline;

                public static async Task<string> WithRetryAsync(Func<CancellationToken, Task<string>> attempt, CancellationToken ct)
                {
                    var tries = 0;
                    while (true)
                    {
                        try
                        {
                            return await attempt(ct);
                        }
                        catch (ClientResultException) when (++tries < 4)
                        {
                            Thread.Sleep(200 * tries);
                        }
                    }
                }

                public async Task<string> RunAsync(Func<CancellationToken, Task<string>> work, CancellationToken ct)
                    => await _pipeline.ExecuteAsync(async token => await work(token), ct);

                public Task<string> OuterAsync(Func<CancellationToken, Task<string>> work, CancellationToken ct) => WithRetryAsync(work, ct);
            }

            class Page
            {
                async Task<string> AskAsync(ChatClient client, Resilience resilience, CancellationToken ct)
                {
                    var first = await Resilience.WithRetryAsync(async token =>
                    {
                        var text = new StringBuilder();
                        await foreach (var update in client.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage("hi") }, cancellationToken: token))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                text.Append(part.Text);
                            }
                        }

                        return text.ToString();
                    }, ct);

                    var second = await resilience.RunAsync(async token =>
                    {
                        var text = new StringBuilder();
                        await foreach (var update in client.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage("again") }, cancellationToken: token))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                text.Append(part.Text);
                            }
                        }

                        return text.ToString();
                    }, ct);

                    var third = await resilience.OuterAsync(async token =>
                    {
                        var text = new StringBuilder();
                        await foreach (var update in client.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage("third") }, cancellationToken: token))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                text.Append(part.Text);
                            }
                        }

                        return text.ToString();
                    }, ct);

                    return first + second + third;
                }
            }
            """);

    /// <summary>Helpers that are not retries: LLM101 still reports the enumeration inside the lambda.</summary>
    [Theory]
    [InlineData("NothingTransient", """
            for (var attempt = 1; ; attempt++)
            {
                try { return await op(ct); }
                catch (ArgumentException) when (attempt < 3) { await Task.Delay(1000, ct); }
            }
        """)]
    [InlineData("LogsWithoutLooping", """
            try { return await op(ct); }
            catch (IOException ex) { Console.Error.WriteLine(ex); await Task.Delay(1000, ct); return default!; }
        """)]
    [InlineData("NoDelay", """
            for (var attempt = 1; ; attempt++)
            {
                try { return await op(ct); }
                catch (IOException) when (attempt < 3) { }
            }
        """)]
    [InlineData("Recursion", """
            try { return await op(ct); }
            catch (IOException) { await Task.Delay(1000, ct); return await RunAsync(op, ct); }
        """)]
    public Task LLM101_Reports_HelperThatIsNotARetry(string name, string body)
        => Retry(Usings + $$"""
            // {{name}}
            static class Helper
            {
                public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> op, CancellationToken ct = default)
                {
            {{body}}
                }
            }

            class Page
            {
                public Task<string> AskAsync(IChatClient client, string question)
                    => Helper.RunAsync(async ct =>
                    {
                        var answer = new StringBuilder();
                        {|#1:await foreach (var update in client.{|#0:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                        {
                            answer.Append(update.Text);
                        }|}

                        return answer.ToString();
                    });
            }
            """,
            LLM101("GetStreamingResponseAsync"));

    [Fact]
    public Task LLM101_Reports_HelperLoopingOverWorkItems_AndMutualRecursion_NoCrash()
        => Retry(Usings + """
            static class Batch
            {
                // Moves on to the next item after a failure: not a retry of the same request.
                public static async Task ForEachAsync(IEnumerable<string> items, Func<string, Task> op)
                {
                    foreach (var item in items)
                    {
                        try { await op(item); }
                        catch (IOException) { await Task.Delay(100); }
                    }
                }

                public static Task PingAsync(Func<string, Task> op, int n) => n > 0 ? PongAsync(op, n - 1) : op("x");

                public static Task PongAsync(Func<string, Task> op, int n) => PingAsync(op, n);
            }

            class Page
            {
                public Task AnswerAllAsync(IChatClient client, IEnumerable<string> questions, StringBuilder log)
                    => Batch.ForEachAsync(questions, async question =>
                    {
                        {|#1:await foreach (var update in client.{|#0:GetStreamingResponseAsync|}(question))
                        {
                            log.Append(update.Text);
                        }|}
                    });

                public Task CycleAsync(IChatClient client, StringBuilder log)
                    => Batch.PingAsync(async question =>
                    {
                        {|#3:await foreach (var update in client.{|#2:GetStreamingResponseAsync|}(question))
                        {
                            log.Append(update.Text);
                        }|}
                    }, 3);
            }
            """,
            LLM101("GetStreamingResponseAsync"),
            Verify<MidStreamFailureNotRetriedAnalyzer>.Diagnostic("LLM101").WithLocation(2).WithLocation(3).WithArguments("'GetStreamingResponseAsync'"));

    /// <summary>The lambda only starts the stream and the enumeration is outside the helper: LLM104's case (as with Polly); LLM101 stays as it is on that stream.</summary>
    private const string StartsOnly = """

        class Page
        {
            public async Task<string> AskAsync(IChatClient client, string question)
            {
                var stream = await Resilience.RetryAsync(ct => Task.FromResult(client.{|LLM104:GetStreamingResponseAsync|}(question, cancellationToken: ct)));
                var answer = new StringBuilder();
                await foreach (var update in stream)
                {
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }
        }
        """;

    [Fact]
    public Task LLM104_Reports_HelperWhoseLambdaOnlyStartsTheStream()
        => Verify<RetryWrapsUnstartedStreamAnalyzer>.AnalyzerAsync(Usings + Helper + StartsOnly);

    [Fact]
    public Task LLM101_OnHelperWhoseLambdaOnlyStartsTheStream()
        => Retry(Usings + Helper + StartsOnly.Replace("{|LLM104:GetStreamingResponseAsync|}", "GetStreamingResponseAsync"));
}
