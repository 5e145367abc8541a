using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>Retry constructs around an enumeration: retry loops, Polly execute delegates, configured helpers; pass-through iterators.</summary>
public class RetryRecognizerTests
{
    /// <summary>The enumeration the tests ask about (the marker sits on it).</summary>
    private const string Stream = """
        /*target*/await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
                        {
                            text += update.Text;
                        }
        """;

    private static string Method(string body) => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using Polly;

        namespace MyApp
        {
            static class RetryHelper
            {
                public static Task RunAsync(Func<Task> action) => action();

                public static Task<T> RunAsync<T>(Func<Task<T>> action) => action();

                public static Task RunOtherAsync(Func<Task> action) => action();
            }

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, ResiliencePipeline pipeline, ResiliencePipeline<string> typed, string[] models, CancellationToken ct)
                {
                    var text = "";
                    var attempts = 0;
                    {{body}}
                    return text + attempts;
                }
            }
        }
        """;

    private static RetryConstruct? RetryOf(string body, IReadOnlyDictionary<string, string>? options = null)
    {
        var harness = RecognitionHarness.Compile(Method(body), options: options);
        return harness.Retry(harness.At<ILoopOperation>());
    }

    // ---- Retry loops --------------------------------------------------------------------------------------------

    [Fact]
    public void Loop_WhileTrue_CatchFallsThrough()
    {
        var harness = RecognitionHarness.Compile(Method($$"""
            while (true)
            {
                try
                {
                    {{Stream}}
                    break;
                }
                catch (HttpRequestException)
                {
                    text = "";
                    await Task.Delay(100, ct);
                }
            }
            """));
        var retry = harness.Retry(harness.At<ILoopOperation>());
        Assert.NotNull(retry);
        Assert.Equal(RetryKind.Loop, retry!.Kind);
        Assert.IsAssignableFrom<IWhileLoopOperation>(retry.Node);
        Assert.NotNull(retry.Try);
        Assert.Equal("HttpRequestException", retry.RetryingCatch?.ExceptionType.Name);
    }

    [Fact]
    public void Loop_For_CatchContinues()
    {
        var retry = RetryOf($$"""
            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    {{Stream}}
                    return text;
                }
                catch (IOException) when (attempt < 2)
                {
                    continue;
                }
            }
            """);
        Assert.Equal(RetryKind.Loop, retry?.Kind);
        Assert.IsAssignableFrom<IForLoopOperation>(retry!.Node);
    }

    [Fact]
    public void Loop_DoWhile_CatchCountsAttempts()
    {
        Assert.Equal(RetryKind.Loop, RetryOf($$"""
            var done = false;
            do
            {
                try
                {
                    {{Stream}}
                    done = true;
                }
                catch (HttpRequestException)
                {
                    if (++attempts > 3)
                    {
                        throw;
                    }
                }
            }
            while (!done);
            """)?.Kind);
    }

    [Fact]
    public void Loop_ForeachOverFallbackModels()
    {
        Assert.Equal(RetryKind.Loop, RetryOf($$"""
            foreach (var model in models)
            {
                try
                {
                    {{Stream}}
                    return text;
                }
                catch (HttpRequestException)
                {
                }
            }
            """)?.Kind);
    }

    [Fact]
    public void Loop_SecondCatchRetries()
    {
        var retry = RetryOf($$"""
            while (true)
            {
                try
                {
                    {{Stream}}
                    break;
                }
                catch (OperationCanceledException)
                {
                    throw;
                }
                catch (IOException)
                {
                    await Task.Delay(100);
                }
            }
            """);
        Assert.Equal(RetryKind.Loop, retry?.Kind);
        Assert.Equal("IOException", retry!.RetryingCatch?.ExceptionType.Name);
    }

    [Fact]
    public void Loop_ConditionalBreakAfterTheTry()
    {
        Assert.Equal(RetryKind.Loop, RetryOf($$"""
            while (true)
            {
                try
                {
                    {{Stream}}
                }
                catch (IOException)
                {
                }

                if (text.Length > 0)
                {
                    break;
                }
            }
            """)?.Kind);
    }

    [Fact]
    public void Loop_EnumerationNestedInUsingInsideTheTry()
    {
        Assert.Equal(RetryKind.Loop, RetryOf($$"""
            while (true)
            {
                try
                {
                    using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
                    {
                        {{Stream}}
                    }

                    break;
                }
                catch (HttpRequestException)
                {
                }
            }
            """)?.Kind);
    }

    [Fact]
    public void Loop_AggregationInsideTheTry()
    {
        var harness = RecognitionHarness.Compile("""
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            var response = await client.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                            return response.Text;
                        }
                        catch (IOException) when (attempt < 3)
                        {
                        }
                    }
                }
            }
            """);
        Assert.Equal(RetryKind.Loop, harness.Retry(harness.Invocation("ToChatResponseAsync"))?.Kind);
    }

    // ---- Loops that do not retry --------------------------------------------------------------------------------

    [Theory]
    [InlineData("Console.WriteLine(\"failed\"); throw;")]
    [InlineData("throw new InvalidOperationException(\"stream failed\");")]
    [InlineData("return \"\";")]
    [InlineData("break;")]
    [InlineData("if (attempts > 0) { throw; } else { return \"\"; }")]
    public void None_CatchAlwaysLeaves(string handler)
    {
        Assert.Null(RetryOf($$"""
            while (true)
            {
                try
                {
                    {{Stream}}
                    break;
                }
                catch (HttpRequestException)
                {
                    {{handler}}
                }
            }
            """));
    }

    [Theory]
    [InlineData("break;")]
    [InlineData("return text;")]
    [InlineData("throw new InvalidOperationException();")]
    public void None_StatementAfterTheTryAlwaysLeaves(string after)
    {
        Assert.Null(RetryOf($$"""
            while (true)
            {
                try
                {
                    {{Stream}}
                }
                catch (IOException)
                {
                }

                {{after}}
            }
            """));
    }

    [Fact]
    public void None_BreakAfterTheStatementThatEnclosesTheTry()
    {
        Assert.Null(RetryOf($$"""
            while (true)
            {
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    try
                    {
                        {{Stream}}
                    }
                    catch (IOException)
                    {
                    }
                }

                break;
            }
            """));
    }

    [Fact]
    public void None_ContinueOfAnInnerLoopInTheHandler()
    {
        Assert.Null(RetryOf($$"""
            while (true)
            {
                try
                {
                    {{Stream}}
                    break;
                }
                catch (HttpRequestException)
                {
                    foreach (var model in models)
                    {
                        if (model.Length == 0)
                        {
                            continue;
                        }
                    }

                    throw;
                }
            }
            """));
    }

    [Fact]
    public void None_TryCatchWithoutALoop()
    {
        Assert.Null(RetryOf($$"""
            try
            {
                {{Stream}}
            }
            catch (HttpRequestException)
            {
            }
            """));
    }

    [Fact]
    public void None_LoopWithoutATry()
    {
        Assert.Null(RetryOf($$"""
            for (var i = 0; i < 3; i++)
            {
                {{Stream}}
            }
            """));
    }

    [Fact]
    public void None_TryOnlyWithFinally()
    {
        Assert.Null(RetryOf($$"""
            while (true)
            {
                try
                {
                    {{Stream}}
                    break;
                }
                finally
                {
                    attempts++;
                }
            }
            """));
    }

    [Fact]
    public void None_NoEnclosingConstruct()
        => Assert.Null(RetryOf(Stream));

    // ---- Polly --------------------------------------------------------------------------------------------------

    [Fact]
    public void Polly_ResiliencePipelineExecuteAsync()
    {
        var harness = RecognitionHarness.Compile(Method($$"""
            await pipeline.ExecuteAsync(async token =>
            {
                {{Stream}}
            }, ct);
            """));
        var retry = harness.Retry(harness.At<ILoopOperation>());
        Assert.Equal(RetryKind.Polly, retry?.Kind);
        var invocation = Assert.IsAssignableFrom<IInvocationOperation>(retry!.Node);
        Assert.Equal("ExecuteAsync", invocation.TargetMethod.Name);
        Assert.Null(retry.Try);
        Assert.Null(retry.RetryingCatch);
        Assert.True(harness.Llm.Retries.IsPollyExecute(invocation.TargetMethod));
    }

    [Fact]
    public void Polly_StateOverload()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;

            class Chat
            {
                async Task AskAsync(IChatClient client, ResiliencePipeline pipeline, CancellationToken ct)
                {
                    await pipeline.ExecuteAsync(static async (state, token) =>
                    {
                        /*target*/await foreach (var update in state.GetStreamingResponseAsync("hi", cancellationToken: token))
                        {
                        }
                    }, client, ct);
                }
            }
            """);
        Assert.Equal(RetryKind.Polly, harness.Retry(harness.At<ILoopOperation>())?.Kind);
    }

    [Fact]
    public void Polly_TypedPipeline()
    {
        Assert.Equal(RetryKind.Polly, RetryOf($$"""
            text = await typed.ExecuteAsync(async token =>
            {
                var inner = "";
                {{Stream}}
                return inner;
            }, ct);
            """)?.Kind);
    }

    [Fact]
    public void Polly_NearestConstructWins()
    {
        Assert.Equal(RetryKind.Loop, RetryOf($$"""
            await pipeline.ExecuteAsync(async token =>
            {
                while (true)
                {
                    try
                    {
                        {{Stream}}
                        break;
                    }
                    catch (IOException)
                    {
                    }
                }
            }, ct);
            """)?.Kind);
    }

    [Fact]
    public void IsPollyExecute_FalseForOtherExecuteMethods()
    {
        var harness = RecognitionHarness.Compile("""
            using System;
            using System.Threading.Tasks;

            class Runner
            {
                public Task ExecuteAsync(Func<Task> action) => action();
            }

            class C
            {
                Task M(Runner runner) => runner.ExecuteAsync(() => Task.CompletedTask);
            }
            """);
        Assert.False(harness.Llm.Retries.IsPollyExecute(harness.Invocation("ExecuteAsync").TargetMethod));
    }

    // ---- Configured helpers -------------------------------------------------------------------------------------

    [Theory]
    [InlineData("MyApp.RetryHelper.RunAsync")]
    [InlineData("RetryHelper.RunAsync")]
    [InlineData("M:MyApp.RetryHelper.RunAsync(System.Func{System.Threading.Tasks.Task})")]
    [InlineData("Other.Type.Method, MyApp.RetryHelper.RunAsync")]
    public void ConfiguredHelper(string configured)
    {
        var body = $$"""
            await RetryHelper.RunAsync(async () =>
            {
                {{Stream}}
            });
            """;
        Assert.Null(RetryOf(body));
        var retry = RetryOf(body, new Dictionary<string, string> { ["llm_streaming.retry_methods"] = configured });
        Assert.Equal(RetryKind.ConfiguredHelper, retry?.Kind);
        Assert.Equal("RunAsync", Assert.IsAssignableFrom<IInvocationOperation>(retry!.Node).TargetMethod.Name);
    }

    [Theory]
    [InlineData("MyApp.RetryHelper.RunAsync")]
    [InlineData("M:MyApp.RetryHelper.RunAsync``1(System.Func{System.Threading.Tasks.Task{``0}})")]
    public void ConfiguredHelper_GenericOverload(string configured)
    {
        var body = $$"""
            text = await RetryHelper.RunAsync(async () =>
            {
                var inner = "";
                {{Stream}}
                return inner;
            });
            """;
        Assert.Equal(RetryKind.ConfiguredHelper, RetryOf(body, new Dictionary<string, string> { ["llm_streaming.retry_methods"] = configured })?.Kind);
    }

    [Theory]
    [InlineData("MyApp.RetryHelper.RunOtherAsync")]
    [InlineData("M:MyApp.RetryHelper.RunAsync``1(System.Func{System.Threading.Tasks.Task{``0}})")]
    [InlineData("M:MyApp.RetryHelper.RunAsync(System.Action)")]
    [InlineData("MyApp.Other.RunAsync")]
    public void None_ConfiguredHelperDoesNotMatch(string configured)
    {
        var body = $$"""
            await RetryHelper.RunAsync(async () =>
            {
                {{Stream}}
            });
            """;
        Assert.Null(RetryOf(body, new Dictionary<string, string> { ["llm_streaming.retry_methods"] = configured }));
    }

    // ---- Lambdas and local functions that do not retry ----------------------------------------------------------

    [Fact]
    public void None_LambdaPassedToSomethingElse()
    {
        Assert.Null(RetryOf($$"""
            await Task.Run(async () =>
            {
                {{Stream}}
            });
            """));
    }

    [Fact]
    public void None_LambdaInsideARetryLoop_TheLambdaIsItsOwnBody()
    {
        Assert.Null(RetryOf($$"""
            while (true)
            {
                try
                {
                    await Task.Run(async () =>
                    {
                        {{Stream}}
                    });
                    break;
                }
                catch (IOException)
                {
                }
            }
            """));
    }

    [Fact]
    public void Loop_LocalFunctionCalledInsideARetryLoop()
    {
        Assert.Equal(RetryKind.Loop, RetryOf($$"""
            while (true)
            {
                try
                {
                    await OnceAsync();
                    break;
                }
                catch (IOException)
                {
                }
            }

            async Task OnceAsync()
            {
                {{Stream}}
            }
            """)?.Kind);
    }

    [Fact]
    public void Polly_LocalFunctionPassedAsMethodGroup()
    {
        Assert.Equal(RetryKind.Polly, RetryOf($$"""
            await pipeline.ExecuteAsync(OnceAsync, ct);

            async ValueTask OnceAsync(CancellationToken token)
            {
                {{Stream}}
            }
            """)?.Kind);
    }

    [Fact]
    public void Polly_LambdaHeldInALocal()
    {
        Assert.Equal(RetryKind.Polly, RetryOf($$"""
            Func<CancellationToken, ValueTask> once = async token =>
            {
                {{Stream}}
            };

            await pipeline.ExecuteAsync(once, ct);
            """)?.Kind);
    }

    [Fact]
    public void Loop_LambdaHeldInALocal_InvokedInARetryLoop()
    {
        Assert.Equal(RetryKind.Loop, RetryOf($$"""
            Func<Task> once = async () =>
            {
                {{Stream}}
            };

            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    await once();
                    break;
                }
                catch (HttpRequestException)
                {
                }
            }
            """)?.Kind);
    }

    [Fact]
    public void None_LocalFunctionCalledWithoutRetry()
    {
        Assert.Null(RetryOf($$"""
            await OnceAsync();
            await Task.Run(OnceAsync);

            async Task OnceAsync()
            {
                {{Stream}}
            }
            """));
    }

    [Fact]
    public void None_RecursiveLocalFunction()
    {
        Assert.Null(RetryOf($$"""
            await OnceAsync(3);

            async Task OnceAsync(int left)
            {
                {{Stream}}
                if (left > 0)
                {
                    await OnceAsync(left - 1);
                }
            }
            """));
    }

    // ---- Pass-through iterators ---------------------------------------------------------------------------------

    [Fact]
    public void IsPassThroughIterator_YieldReturnInTheLoop()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async IAsyncEnumerable<ChatResponseUpdate> RelayAsync(IChatClient client, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    /*target*/await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
                    {
                        if (update.Text.Length > 0)
                        {
                            yield return update;
                        }
                    }
                }

                async IAsyncEnumerable<string> TextAsync(IChatClient client)
                {
                    /*target*/await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        yield return update.Text;
                    }
                }

                async Task<string> CollectAsync(IChatClient client)
                {
                    var text = "";
                    /*target*/await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        text += update.Text;
                    }

                    return text;
                }

                async IAsyncEnumerable<int> CountAsync(IChatClient client)
                {
                    var count = 0;
                    /*target*/await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        count++;
                    }

                    yield return count;
                }
            }
            """);
        Assert.True(RetryRecognizer.IsPassThroughIterator(harness.At<ILoopOperation>(0)));
        Assert.True(RetryRecognizer.IsPassThroughIterator(harness.At<ILoopOperation>(1)));
        Assert.False(RetryRecognizer.IsPassThroughIterator(harness.At<ILoopOperation>(2)));
        Assert.False(RetryRecognizer.IsPassThroughIterator(harness.At<ILoopOperation>(3)));
    }
}
