using LlmStreaming.Analyzers.Retry;
using LlmStreaming.CodeFixes.Retry;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Tests.Retry;

/// <summary>
/// LLM101's fix in the shapes no other test writes out whole, pinned as the fix wrote them before it was built from
/// constant templates (issue 16): output written out with an accumulator, a logger and the caller's token (the
/// timeout after output with the partial text, the logged final failure), the same without token or logger, and the
/// Polly predicate before C# 9 (statuses compared by hand).
/// </summary>
public class RetryTemplatePinTests
{
    [Fact]
    public Task Fix_WritesOut_WithAccumulatorLoggerAndToken()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, ILogger logger, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        answer.Append(update.Text);
                        Console.Write(update.Text);
                    }

                    return answer.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, ILogger logger, string question, CancellationToken ct)
                {
                    var answer = new StringBuilder();
                    var emitted = false;
                    for (var attempt = 0; ; attempt++)
                    {
                        answer.Clear();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                answer.Append(update.Text);
                                if (!string.IsNullOrEmpty(update.Text))
                                {
                                    emitted = true;
                                }
                                Console.Write(update.Text);
                            }

                            break;
                        }
                        catch (Exception ex) when (!emitted && attempt < 3 && (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested))
                        {
                            logger.LogWarning(ex, "The model stream failed on attempt {Attempt}; retrying", attempt + 1);
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (OperationCanceledException timedOut) when (!ct.IsCancellationRequested)
                        {
                            // Part of the answer was written out before the stream stalled: a timeout, not the caller's cancellation.
                            var timeout = new TimeoutException("The model stream stalled after part of the answer was written out.", timedOut);
                            timeout.Data["PartialOutput"] = answer.ToString();
                            throw timeout;
                        }
                        catch (Exception exception)
                        {
                            if (!ct.IsCancellationRequested)
                            {
                                logger.LogError(exception, "The model stream failed on attempt {Attempt}; giving up", attempt + 1);
                            }

                            exception.Data["PartialOutput"] = answer.ToString();
                            throw;
                        }
                    }

                    return answer.ToString();
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Fact]
    public Task Fix_WritesOut_WithAccumulator_NoTokenNoLogger()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var answer = "";
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}(question))
                    {
                        answer += update.Text;
                        Console.Write(update.Text);
                    }

                    return answer;
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var answer = "";
                    var emitted = false;
                    for (var attempt = 0; ; attempt++)
                    {
                        answer = "";
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(question))
                            {
                                answer += update.Text;
                                if (!string.IsNullOrEmpty(update.Text))
                                {
                                    emitted = true;
                                }
                                Console.Write(update.Text);
                            }

                            break;
                        }
                        catch (Exception ex) when (!emitted && attempt < 3 && ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } or OperationCanceledException)
                        {
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))));
                        }
                        catch (OperationCanceledException timedOut)
                        {
                            // Part of the answer was written out before the stream stalled: a timeout, not the caller's cancellation.
                            var timeout = new TimeoutException("The model stream stalled after part of the answer was written out.", timedOut);
                            timeout.Data["PartialOutput"] = answer;
                            throw timeout;
                        }
                        catch (Exception exception)
                        {
                            exception.Data["PartialOutput"] = answer;
                            throw;
                        }
                    }

                    return answer;
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.RetryLoopKey);

    [Fact]
    public Task Fix_Polly_BeforeCSharp9_ComparesTheStatusByHand()
        => RetryVerify.FixAsync<MidStreamFailureNotRetriedAnalyzer, MidStreamFailureNotRetriedCodeFix>("""
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, ILogger logger, string question, CancellationToken ct)
                {
                    var text = "";
                    await foreach (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        text += update.Text;
                    }

                    return text;
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;
            using Polly;
            using Polly.Retry;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, ILogger logger, string question, CancellationToken ct)
                {
                    var text = "";
                    var retryOptions = new RetryStrategyOptions
                    {
                        ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<HttpRequestException>(e => e.StatusCode == null || e.StatusCode == HttpStatusCode.RequestTimeout || e.StatusCode == HttpStatusCode.TooManyRequests || e.StatusCode >= HttpStatusCode.InternalServerError).Handle<OperationCanceledException>(_ => !ct.IsCancellationRequested),
                        MaxRetryAttempts = 3,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                        MaxDelay = TimeSpan.FromSeconds(30),
                        OnRetry = arguments =>
                        {
                            logger.LogWarning(arguments.Outcome.Exception, "The model stream failed on attempt {Attempt}; retrying", arguments.AttemptNumber + 1);
                            return default;
                        },
                    };
                    var pipeline = new ResiliencePipelineBuilder().AddRetry(retryOptions).Build();
                    try
                    {
                        await pipeline.ExecuteAsync(async token =>
                        {
                            text = "";
                            await foreach (var update in client.GetStreamingResponseAsync(question, cancellationToken: ct))
                            {
                                text += update.Text;
                            }
                        }, ct);
                    }
                    catch (Exception exception)
                    {
                        if (!ct.IsCancellationRequested)
                        {
                            logger.LogError(exception, "The model stream failed after its retries");
                        }

                        exception.Data["PartialOutput"] = text;
                        throw;
                    }

                    return text;
                }
            }
            """, MidStreamFailureNotRetriedCodeFix.PollyKey, LanguageVersion.CSharp8);
}
