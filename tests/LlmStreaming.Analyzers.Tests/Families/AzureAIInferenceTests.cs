using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Retry;
using LlmStreaming.CodeFixes.Retry;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.Families;

/// <summary>
/// Azure AI Inference (<c>ChatCompletionsClient.CompleteStreaming[Async]</c>, <c>StreamingChatCompletionsUpdate</c>): the
/// rules that apply to a chat-completions stream report and fix it, with its own names (<c>ContentUpdate</c> is the
/// text, <c>CompletionsFinishReason.TokenLimitReached</c>/<c>ContentFiltered</c> the cut stops).
/// </summary>
public class AzureAIInferenceTests
{
    private const string Flawed = """
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Azure.AI.Inference;

        class Chat
        {
            async Task<string> AskAsync(ChatCompletionsClient client, string question, CancellationToken ct)
            {
                var options = new ChatCompletionsOptions { Messages = { new ChatRequestUserMessage(question) } };
                var answer = new StringBuilder();
                try
                {
                    // A catch of every exception: LLM301's business, not LLM101's.
                    await {|LLM203:foreach|} (var update in await client.CompleteStreamingAsync(options, ct))
                    {
                        answer.Append(update.ContentUpdate);
                    }
                }
                catch (System.Exception)
                {
                    return "Sorry, something went wrong.";
                }

                return answer.ToString();
            }

            // The synchronous call returns the same StreamingResponse, enumerated with await foreach.
            async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
            {
                var answer = new StringBuilder();
                var stream = client.CompleteStreaming(options);
                await {|LLM101:{|LLM203:foreach|}|} (var update in stream)
                {
                    answer.Append(update.ContentUpdate);
                }

                return answer.ToString();
            }
        }
        """;

    [Fact]
    public async Task Reports_Retry_Finish_PartialOutput()
    {
        await Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(Only(Flawed, "LLM101"));
        await Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(Only(Flawed, "LLM203"));
        await Verify<PartialOutputDiscardedAnalyzer>.AnalyzerAsync(Only(Flawed, "LLM301"), Verify<PartialOutputDiscardedAnalyzer>.Diagnostic("LLM301")
            .WithSpan(20, 9, 20, 14).WithSpan(22, 13, 22, 51).WithArguments("answer", "'CompleteStreamingAsync'", "returning \"Sorry, something went wr…\""));
    }

    [Fact]
    public Task Reports_DeltaOverwritesText()
        => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
                {
                    var answer = "";
                    await foreach (var update in client.CompleteStreaming(options))
                    {
                        {|LLM302:answer = update.ContentUpdate|};
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task Fix_FinishReason_ChecksTheCutStops()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
                {
                    var answer = new StringBuilder();
                    await {|LLM203:foreach|} (var update in await client.CompleteStreamingAsync(options))
                    {
                        answer.Append(update.ContentUpdate);
                    }

                    return answer.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
                {
                    var answer = new StringBuilder();
                    CompletionsFinishReason? finishReason = null;
                    await foreach (var update in await client.CompleteStreamingAsync(options))
                    {
                        finishReason ??= update.FinishReason;
                        answer.Append(update.ContentUpdate);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                    }

                    if (finishReason == CompletionsFinishReason.TokenLimitReached || finishReason == CompletionsFinishReason.ContentFiltered)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                    }

                    return answer.ToString();
                }
            }
            """);

    /// <summary>Azure.Core retries the request's failures itself: the retry takes what breaks a started stream, and timeouts.</summary>
    [Fact]
    public Task Fix_Retry_TakesIOExceptionAndTimeouts()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in await client.{|LLM101:CompleteStreamingAsync|}(options, ct))
                    {
                        answer.Append(update.ContentUpdate);
                    }

                    return answer.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            await foreach (var update in await client.CompleteStreamingAsync(options, ct))
                            {
                                answer.Append(update.ContentUpdate);
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException || ex is OperationCanceledException && !ct.IsCancellationRequested))
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
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    /// <summary>
    /// Its client options (Azure.Core's <c>Retry</c>): no retries (LLM103), a network timeout that cuts a long generation
    /// (LLM404), set through a local or an object initializer; not the same options of another Azure SDK's client.
    /// </summary>
    [Fact]
    public async Task Reports_OptionsThatDisableRetriesOrCutTheStream()
    {
        const string Source = """
            using System;
            using Azure;
            using Azure.AI.Inference;
            using Azure.Core;

            class Clients
            {
                ChatCompletionsClient Create(Uri endpoint, AzureKeyCredential key)
                {
                    var options = new AzureAIInferenceClientOptions();
                    {|LLM103:options.Retry.MaxRetries = 0|};
                    {|LLM404:options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30)|};
                    return new ChatCompletionsClient(endpoint, key, options);
                }

                ChatCompletionsClient CreateInline(Uri endpoint, AzureKeyCredential key)
                    => new(endpoint, key, new AzureAIInferenceClientOptions { Retry = { {|LLM103:MaxRetries = 0|}, {|LLM404:NetworkTimeout = TimeSpan.FromSeconds(10)|} } });

                void NotAModelClient(ClientOptions other, AzureAIInferenceClientOptions fine)
                {
                    other.Retry.MaxRetries = 0;
                    other.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
                    fine.Retry.MaxRetries = 5;
                    fine.Retry.NetworkTimeout = TimeSpan.FromMinutes(5);
                }
            }
            """;
        await Verify<SdkRetriesDisabledAnalyzer>.AnalyzerAsync(Only(Source, "LLM103"));
        await Verify<LlmStreaming.Analyzers.Timeouts.SdkTimeoutTooShortAnalyzer>.AnalyzerAsync(Only(Source, "LLM404"));
    }

    /// <summary>
    /// "Make this stream resilient" on Azure AI Inference: the retry, the finish-reason check and the idle timeout that
    /// bounds the SDK's wait for a missing <c>[DONE]</c> (LLM406). No non-streaming fallback: <c>CompleteStreamingAsync</c>
    /// marks its options as streaming and <c>CompleteAsync</c> on the same options asks for a stream again.
    /// </summary>
    [Fact]
    public async Task Fix_Resilient_IdleTimeout_NoFallback()
    {
        const string source = """
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await {|LLM203:foreach|} (var update in await client.{|LLM101:CompleteStreamingAsync|}(options, ct))
                    {
                        answer.Append(update.ContentUpdate);
                    }

                    return answer.ToString();
                }
            }
            """;
        var plain = source.Replace("{|LLM203:foreach|}", "foreach").Replace("{|LLM101:CompleteStreamingAsync|}", "CompleteStreamingAsync");
        var document = Conformance.Harness.ProgramWorkspace.Create(plain, Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest);
        var finding = (await Conformance.Harness.ProgramWorkspace.AnalyzeAsync(document)).First(d => d.Id == "LLM101");
        var keys = (await Conformance.Harness.ProgramWorkspace.ActionsAsync(new CodeFixes.Combined.ResilientStreamCodeFix(), document, finding)).Select(a => a.EquivalenceKey).ToList();
        Assert.Contains(CodeFixes.Combined.ResilientStreamCodeFix.PlainKey, keys);
        Assert.DoesNotContain(CodeFixes.Combined.ResilientStreamCodeFix.FallbackKey, keys);

        await Combined.ResilientStreamTests.FixAsync(source, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            class Chat
            {
                async Task<string> AskAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            CompletionsFinishReason? finishReason = null;
                            var idleLimit = TimeSpan.FromMinutes(2);
                            using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                            idleTimeout.CancelAfter(idleLimit);
                            await foreach (var update in await client.CompleteStreamingAsync(options, idleTimeout.Token))
                            {
                                idleTimeout.CancelAfter(idleLimit);
                                finishReason ??= update.FinishReason;
                                answer.Append(update.ContentUpdate);
                            }

                            if (idleTimeout.IsCancellationRequested)
                            {
                                ct.ThrowIfCancellationRequested();
                                throw new IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
                            }

                            if (finishReason is null)
                            {
                                throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            if (finishReason == CompletionsFinishReason.TokenLimitReached || finishReason == CompletionsFinishReason.ContentFiltered)
                            {
                                throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = answer.ToString() } };
                            }

                            break;
                        }
                        catch (Exception ex) when (attempt < 3 && (ex is IOException || ex is OperationCanceledException && !ct.IsCancellationRequested))
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
            """, CodeFixes.Combined.ResilientStreamCodeFix.PlainKey);
    }

    /// <summary>
    /// The retry, partial-output and timeout rules on its streams: a retry loop with no backoff (LLM102), an accumulator
    /// not reset per attempt (LLM105), a retry that takes only the SDK's <c>RequestFailedException</c> (LLM106), a choice
    /// read without a guard (LLM303), a logged failure whose text is returned as complete (LLM304), a timeout taken for
    /// the caller's cancel (LLM407).
    /// </summary>
    private const string Retries = """
        using System;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Azure;
        using Azure.AI.Inference;
        using Microsoft.Extensions.Logging;

        class Chat
        {
            private readonly ILogger _logger = null!;

            async Task<string> NoBackoffAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
            {
                var attempt = 0;
                {|LLM102:while|} (attempt < 3)
                {
                    try
                    {
                        var answer = new StringBuilder();
                        await foreach (var update in await client.CompleteStreamingAsync(options))
                        {
                            answer.Append(update.ContentUpdate);
                        }

                        return answer.ToString();
                    }
                    catch (IOException)
                    {
                        attempt++;
                    }
                }

                return "";
            }

            async Task<string> NotResetAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
            {
                var answer = new StringBuilder();
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await foreach (var update in await client.CompleteStreamingAsync(options))
                        {
                            {|LLM105:answer.Append(update.ContentUpdate)|};
                        }

                        return answer.ToString();
                    }
                    catch (IOException) when (attempt < 3)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << attempt));
                    }
                }
            }

            async Task<string> OnlyRequestFailedAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
            {
                for (var attempt = 0; ; attempt++)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in await client.CompleteStreamingAsync(options))
                        {
                            answer.Append(update.ContentUpdate);
                        }

                        return answer.ToString();
                    }
                    {|LLM106:catch|} (RequestFailedException) when (attempt < 3)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt) * Random.Shared.NextDouble()));
                    }
                }
            }

            async Task PrintAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
            {
                await foreach (var update in await client.CompleteStreamingAsync(options))
                {
                    var choice = {|LLM303:update.Choices[0]|};
                    Console.Write(choice);
                }
            }

            async Task<string> LoggedAsync(ChatCompletionsClient client, ChatCompletionsOptions options)
            {
                var answer = new StringBuilder();
                try
                {
                    await foreach (var update in await client.CompleteStreamingAsync(options))
                    {
                        answer.Append(update.ContentUpdate);
                    }
                }
                {|LLM304:catch|} (Exception ex)
                {
                    _logger.LogError(ex, "The stream failed");
                }

                return answer.ToString();
            }

            async Task<string> CancelledAsync(ChatCompletionsClient client, ChatCompletionsOptions options, CancellationToken ct)
            {
                var text = new StringBuilder();
                try
                {
                    await foreach (var update in await client.CompleteStreamingAsync(options, ct))
                    {
                        text.Append(update.ContentUpdate);
                    }
                }
                catch {|LLM407:(OperationCanceledException)|}
                {
                    return "Cancelled.";
                }

                return text.ToString();
            }
        }
        """;

    [Theory]
    [InlineData("LLM102")]
    [InlineData("LLM105")]
    [InlineData("LLM106")]
    [InlineData("LLM303")]
    [InlineData("LLM304")]
    [InlineData("LLM407")]
    public Task Reports_RetryPartialOutputAndTimeoutRules(string id)
    {
        var source = Only(Retries, id);
        return id switch
        {
            "LLM102" => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync(source),
            "LLM105" => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync(source),
            "LLM106" => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync(source),
            "LLM303" => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(source),
            "LLM304" => Verify<StreamFailureSwallowedAnalyzer>.AnalyzerAsync(source),
            _ => Verify<LlmStreaming.Analyzers.Timeouts.TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync(source),
        };
    }

    /// <summary>Not Azure AI Inference: a type of the code's own with the same names, and the non-streaming call.</summary>
    [Fact]
    public Task NoDiagnostic_LookAlikes()
        => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Azure.AI.Inference;

            namespace Mine
            {
                class ChatCompletionsClient
                {
                    public IEnumerable<string> CompleteStreaming(string prompt) => new[] { prompt };
                }

                class Chat
                {
                    async Task<string> AskAsync(ChatCompletionsClient mine, Azure.AI.Inference.ChatCompletionsClient client, ChatCompletionsOptions options)
                    {
                        var text = "";
                        foreach (var line in mine.CompleteStreaming("hi"))
                        {
                            text += line;
                        }

                        var response = await client.CompleteAsync(options);
                        return text + response.Value.Content;
                    }
                }
            }
            """);

    /// <summary>The source with only <paramref name="id"/>'s markup kept (markup may nest: the innermost goes first).</summary>
    private static string Only(string source, string id)
    {
        var innermost = new System.Text.RegularExpressions.Regex(@"\{\|(LLM\d{3}):((?:(?!\{\||\|\}).)*)\|\}", System.Text.RegularExpressions.RegexOptions.Singleline);
        while (innermost.IsMatch(source))
        {
            // A kept markup is parked as \u0001…\u0002 so that it does not hide the markup around it.
            source = innermost.Replace(source, m => m.Groups[1].Value == id ? "\u0001" + id + ":" + m.Groups[2].Value + "\u0002" : m.Groups[2].Value);
        }

        return source.Replace("\u0001", "{|").Replace("\u0002", "|}");
    }
}
