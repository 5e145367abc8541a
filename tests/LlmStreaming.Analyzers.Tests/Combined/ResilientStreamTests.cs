using LlmStreaming.Analyzers.Tests.Families;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Combined;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Combined;

/// <summary>
/// "Make this stream resilient": the whole pattern in one step, from any of LLM101, LLM203, LLM301. The fixed code
/// must compile and leave none of the three (all three analyzers run on the source and on the fixed code).
/// </summary>
public class ResilientStreamTests
{
    private sealed class CombinedTest : CSharpCodeFixTest<MidStreamFailureNotRetriedAnalyzer, ResilientStreamCodeFix, DefaultVerifier>
    {
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers()
            => new DiagnosticAnalyzer[] { new MidStreamFailureNotRetriedAnalyzer(), new FinishReasonNotObservedAnalyzer(), new PartialOutputDiscardedAnalyzer() };
    }

    internal static Task FixAsync(string source, string fixedSource, string key, int iterations = 1)
    {
        var test = new CombinedTest
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = key,
            NumberOfIncrementalIterations = iterations,
            NumberOfFixAllIterations = 1,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        return test.RunAsync();
    }

    /// <summary>"Make this stream resilient" (plain) applied to the first LLM203 finding; the fixed source must compile.</summary>
    private static async Task<string> ApplyPlainAsync(string source)
    {
        var document = Conformance.Harness.ProgramWorkspace.Create(source, Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest);
        var finding = (await Conformance.Harness.ProgramWorkspace.AnalyzeAsync(document)).First(d => d.Id == "LLM203");
        var action = (await Conformance.Harness.ProgramWorkspace.ActionsAsync(new ResilientStreamCodeFix(), document, finding)).Single(a => a.EquivalenceKey == ResilientStreamCodeFix.PlainKey);
        var fixedDocument = await Conformance.Harness.ProgramWorkspace.ApplyAsync(action, document);
        var (image, errors) = await Conformance.Harness.ProgramWorkspace.TryEmitAsync(fixedDocument);
        Assert.True(image is not null, string.Join(Environment.NewLine, errors));
        return (await fixedDocument.GetTextAsync()).ToString();
    }

    private const string ExtensionsAISource = """
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;

        class Chat
        {
            async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
            {
                var answer = new StringBuilder();
                await {|LLM203:foreach|} (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                {
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }
        }
        """;

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_ExtensionsAI_PlainRetryLoop(string family)
        => FixAsync(FamilySources.F(family, ExtensionsAISource), FamilySources.F(family, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            ChatFinishReason? finishReason = null;
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                finishReason ??= update.FinishReason;
                                answer.Append(update.Text);
                            }

                            if (finishReason is null)
                            {
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }

                    return answer.ToString();
                }
            }
            """), ResilientStreamCodeFix.PlainKey);

    /// <summary>
    /// The fallback variant (issue 10): once the streaming retries are spent on a transient fault, the same request is
    /// made once without streaming, its stop checked, and its text put where the stream's would have gone.
    /// </summary>
    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_ExtensionsAI_NonStreamingFallback(string family)
        => FixAsync(FamilySources.F(family, ExtensionsAISource), FamilySources.F(family, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            ChatFinishReason? finishReason = null;
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                finishReason ??= update.FinishReason;
                                answer.Append(update.Text);
                            }

                            if (finishReason is null)
                            {
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception ex) when (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested)
                        {
                            // Every streaming attempt failed: the same request once more, without streaming.
                            try
                            {
                                var response = await client.GetResponseAsync(question, cancellationToken: ct);
                                if (response.FinishReason == ChatFinishReason.Length || response.FinishReason == ChatFinishReason.ContentFilter)
                                {
                                    throw new InvalidOperationException("The model stopped before the end of the answer (non-streaming fallback).");
                                }

                                answer.Clear();
                                answer.Append(response.Text);
                                break;
                            }
                            catch (Exception fallbackFailure)
                            {
                                fallbackFailure.Data["PartialOutput"] = answer.ToString();
                                throw;
                            }
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }

                    return answer.ToString();
                }
            }
            """), ResilientStreamCodeFix.FallbackKey);

    /// <summary>
    /// The fallback is offered only where it keeps the code's meaning: an SDK with a non-streaming twin, a loop that writes
    /// nothing out and accumulates the text in one local, no retry of the code's own.
    /// </summary>
    [Theory]
    [InlineData("answer.Append(update.Text);", "", true)]
    [InlineData("answer.Append(update.Text);\n            System.Console.Write(update.Text);", "", false)]
    [InlineData("answer.Append(update.Text);\n            log.Add(update.Text);", "var log = new System.Collections.Generic.List<string>();", false)]
    public async Task Fallback_OfferedOnlyWhereItKeepsTheMeaning(string body, string before, bool offered)
    {
        var source = $$"""
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    {{before}}
                    var answer = new StringBuilder();
                    await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                    {
                        {{body}}
                    }

                    return answer.ToString();
                }
            }
            """;
        var document = Conformance.Harness.ProgramWorkspace.Create(source, Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest);
        var finding = (await Conformance.Harness.ProgramWorkspace.AnalyzeAsync(document)).First(d => d.Id == "LLM101");
        var keys = (await Conformance.Harness.ProgramWorkspace.ActionsAsync(new ResilientStreamCodeFix(), document, finding)).Select(a => a.EquivalenceKey).ToList();
        Assert.Contains(ResilientStreamCodeFix.PlainKey, keys);
        Assert.Equal(offered, keys.Contains(ResilientStreamCodeFix.FallbackKey));
    }

    [Fact]
    public Task Fix_ExtensionsAI_PollyPipeline()
        => FixAsync(ExtensionsAISource, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Polly;
            using Polly.Retry;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    var retryOptions = new RetryStrategyOptions
                    {
                        ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<HttpRequestException>(e => e.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError).Handle<OperationCanceledException>(_ => !ct.IsCancellationRequested),
                        MaxRetryAttempts = 3,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                        MaxDelay = TimeSpan.FromSeconds(30),
                    };
                    var pipeline = new ResiliencePipelineBuilder().AddRetry(retryOptions).Build();
                    try
                    {
                        await pipeline.ExecuteAsync(async token =>
                        {
                            answer.Clear();
                            ChatFinishReason? finishReason = null;
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                finishReason ??= update.FinishReason;
                                answer.Append(update.Text);
                            }

                            if (finishReason is null)
                            {
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }
                        }, ct);
                    }
                    catch (Exception exception)
                    {
                        exception.Data["PartialOutput"] = answer.ToString();
                        throw;
                    }

                    return answer.ToString();
                }
            }
            """, ResilientStreamCodeFix.PollyKey);

    [Fact]
    public Task Fix_OpenAI_FromTheCatchThatDropsThePartialText()
        => FixAsync("""
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                answer.Append(part.Text);
                            }
                        }
                    }
                    {|LLM301:catch|} (HttpRequestException)
                    {
                        return "Sorry, something went wrong.";
                    }

                    return answer.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        for (var attempt = 0; ; attempt++)
                        {
                            answer.Clear();
                            try
                            {
                                ChatFinishReason? finishReason = null;
                                await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                                {
                                    finishReason ??= update.FinishReason;
                                    foreach (var part in update.ContentUpdate)
                                    {
                                        answer.Append(part.Text);
                                    }
                                }

                                if (finishReason is null)
                                {
                                    throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                                }

                                if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                                {
                                    throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                                }

                                break;
                            }
                            catch (Exception ex) when (attempt < 3 && ex is IOException or OperationCanceledException)
                            {
                                // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                            }
                            catch (Exception exception)
                            {
                                exception.Data["PartialOutput"] = answer.ToString();
                                throw;
                            }
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or IOException)
                    {
                        ex.Data["PartialOutput"] = answer.ToString();
                        throw;
                    }

                    return answer.ToString();
                }
            }
            """, ResilientStreamCodeFix.PlainKey);

    [Fact]
    public Task Fix_Anthropic_AddsRetryAndChecksTheStopReasonInsideTheAttempt()
        => FixAsync("""
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams request, CancellationToken ct)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var evt in client.Messages.{|LLM101:CreateStreaming|}(request, ct))
                    {
                        if (evt.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var delta))
                        {
                            text.Append(delta.Text);
                        }
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Core;
            using Anthropic.Exceptions;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams request, CancellationToken ct)
                {
                    var text = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        text.Clear();
                        try
                        {
                            ApiEnum<string, StopReason>? stopReason = null;
                            await foreach (var evt in client.Messages.CreateStreaming(request, ct))
                            {
                                if (evt.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason is { } reason)
                                {
                                    stopReason = reason;
                                }

                                if (evt.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var delta))
                                {
                                    text.Append(delta.Text);
                                }
                            }

                            if (stopReason is null)
                            {
                                throw new IOException("The model stream ended without a stop reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                            }

                            if (stopReason == StopReason.MaxTokens || stopReason == StopReason.ModelContextWindowExceeded || stopReason == StopReason.Refusal)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (stop reason: {stopReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException or AnthropicSseException || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = text.ToString();
                            throw;
                        }
                    }

                    return text.ToString();
                }
            }
            """, ResilientStreamCodeFix.PlainKey);

    [Fact]
    public Task Fix_ExistingRetryLoop_OnlyAddsWhatIsMissing()
        => FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 500 << attempt)), ct);
                        }
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            ChatFinishReason? finishReason = null;
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                finishReason ??= update.FinishReason;
                                answer.Append(update.Text);
                            }

                            if (finishReason is null)
                            {
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 500 << attempt)), ct);
                        }
                        catch (OperationCanceledException) when (attempt < 3 && !ct.IsCancellationRequested)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 500 << attempt)), ct);
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }
                }
            }
            """, ResilientStreamCodeFix.PlainKey);

    /// <summary>
    /// A retry loop of the code's own that declares its accumulator inside the attempt: the declaration moves before the
    /// loop (its place becomes an assignment, so each attempt still starts afresh), and the last catch attaches the text
    /// of the last attempt to the failure that leaves (found by the conformance suite: openai-naive-retry's final failure,
    /// length and content-filter stops left with no partial text on every combined path).
    /// </summary>
    [Fact]
    public Task Fix_ExistingRetryLoop_HoistsAnAccumulatorDeclaredInsideTheAttempt()
        => FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            // a fresh answer per attempt
                            var answer = new StringBuilder();
                            await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 500 << attempt)), ct);
                        }
                    }
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            // a fresh answer per attempt
                            answer = new StringBuilder();
                            ChatFinishReason? finishReason = null;
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                finishReason ??= update.FinishReason;
                                answer.Append(update.Text);
                            }

                            if (finishReason is null)
                            {
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 500 << attempt)), ct);
                        }
                        catch (OperationCanceledException) when (attempt < 3 && !ct.IsCancellationRequested)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 500 << attempt)), ct);
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }
                }
            }
            """, ResilientStreamCodeFix.PlainKey);

    /// <summary>
    /// The declaration stays where it is when moving it could change what the code does or means: its value has a side
    /// effect (computed once more before the loop), or the name is taken elsewhere in the method (CS0136 once it moves
    /// out). The fix then adds what it can, and no catch that would not compile.
    /// </summary>
    [Theory]
    [InlineData("var answer = NewBuilder();", "")]
    [InlineData("var answer = new StringBuilder();", "var answer = attempt.ToString(); Console.Error.WriteLine(answer);")]
    public async Task Fix_ExistingRetryLoop_LeavesTheDeclarationWhereMovingItIsNotSafe(string declaration, string elsewhere)
    {
        var source = """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                static StringBuilder NewBuilder() => new StringBuilder();

                async Task<string> AskAsync(IChatClient client, string question, CancellationToken ct)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            DECLARATION
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                answer.Append(update.Text);
                            }

                            return answer.ToString();
                        }
                        catch (IOException) when (attempt < 3)
                        {
                            ELSEWHERE
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 500 << attempt)), ct);
                        }
                    }
                }
            }
            """.Replace("DECLARATION", declaration).Replace("ELSEWHERE", elsewhere);
        var fixedSource = await ApplyPlainAsync(source);
        Assert.Contains("                " + declaration, fixedSource, StringComparison.Ordinal);
        Assert.DoesNotContain("catch (Exception exception)", fixedSource, StringComparison.Ordinal);
        Assert.Contains("ChatFinishReason? finishReason = null;", fixedSource, StringComparison.Ordinal);
    }

    /// <summary>
    /// Code that does not compile can keep a finding after its own fix (the Polly delegate does not bind, so the retry is
    /// not seen): one application must still wrap the loop once, not again on every step (nested Polly lambdas made
    /// the compiler's binding exponential; found by the fuzz suite).
    /// </summary>
    [Fact]
    public async Task Fix_BrokenCode_WrapsOnceInPolly()
    {
        const string source = """
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                answer.Append(partText);
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return "Sorry, something went wrong.";
                    }

                    return answer.ToString();
                }
            }
            """;
        var fixedText = await CodeActions.ApplyOnceAsync(source, new FinishReasonNotObservedAnalyzer(), new ResilientStreamCodeFix(), ResilientStreamCodeFix.PollyKey);
        Assert.Single(Regex.Matches(fixedText, @"\.ExecuteAsync\("));
        Assert.Single(Regex.Matches(fixedText, "finishReason is null"));
    }
}
