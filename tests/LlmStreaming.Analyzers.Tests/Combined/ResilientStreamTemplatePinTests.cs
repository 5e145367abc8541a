using LlmStreaming.CodeFixes.Combined;

namespace LlmStreaming.Analyzers.Tests.Combined;

/// <summary>
/// The non-streaming fallback of "Make this stream resilient" where a logger is in scope (the retry, the fallback and
/// its failure logged), pinned as the fix wrote it before it was built from constant templates (issue 16).
/// </summary>
public class ResilientStreamTemplatePinTests
{
    [Fact]
    public Task Fix_NonStreamingFallback_WithLogger()
        => ResilientStreamTests.FixAsync("""
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
                    await {|LLM203:foreach|} (var update in client.{|LLM101:GetStreamingResponseAsync|}(question, cancellationToken: ct))
                    {
                        answer.Append(update.Text);
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
                            logger.LogWarning(ex, "The model stream failed on attempt {Attempt}; retrying", attempt + 1);
                            // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);
                        }
                        catch (Exception ex) when (ex is IOException or HttpRequestException { StatusCode: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError } || ex is OperationCanceledException && !ct.IsCancellationRequested)
                        {
                            logger.LogWarning(ex, "The model stream failed on attempt {Attempt}; falling back to a non-streaming call", attempt + 1);
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
                                if (!ct.IsCancellationRequested)
                                {
                                    logger.LogError(fallbackFailure, "The model stream failed on attempt {Attempt}; giving up", attempt + 2);
                                }

                                fallbackFailure.Data["PartialOutput"] = answer.ToString();
                                throw;
                            }
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
            """, ResilientStreamCodeFix.FallbackKey);
}
