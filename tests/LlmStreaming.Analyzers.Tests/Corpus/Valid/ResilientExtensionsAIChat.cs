// Correct streaming code with Microsoft.Extensions.AI: bounded retry with exponential backoff and jitter that
// restarts the stream only from scratch (the accumulator is reset per attempt), mid-stream IOException handled,
// the finish reason checked, the partial text kept on final failure, the caller's token honoured.
using System;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Corpus.Valid;

public sealed class StreamIncompleteException : IOException
{
    public StreamIncompleteException(string message, string partialText) : base(message) => PartialText = partialText;

    public string PartialText { get; }
}

public sealed class ResilientExtensionsAIChat
{
    private const int MaxRetries = 3;
    private readonly IChatClient _client;

    public ResilientExtensionsAIChat(IChatClient client) => _client = client;

    public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        for (var attempt = 0; ; attempt++)
        {
            answer.Clear();
            try
            {
                ChatFinishReason? finishReason = null;
                await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: cancellationToken))
                {
                    answer.Append(update.Text);
                    finishReason ??= update.FinishReason;
                }

                if (finishReason is null)
                {
                    throw new StreamIncompleteException("The stream ended without a finish reason.", answer.ToString());
                }

                if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                {
                    throw new StreamIncompleteException("The answer was cut off: " + finishReason, answer.ToString());
                }

                return answer.ToString();
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && attempt < MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                var backoff = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)(500 * Math.Pow(2, attempt))));
                await Task.Delay(backoff, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                ex.Data["PartialOutput"] = answer.ToString();
                throw;
            }
        }
    }
}
