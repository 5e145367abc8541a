using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using Polly;
using Polly.Retry;

/// <summary>Retry and backoff — LLM1xx: streams that break mid-way and retries that do not help.</summary>
internal static class RetryFlaws
{
    private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 3, BackoffType = DelayBackoffType.Exponential, UseJitter = true })
        .Build();

    // LLM101: the SDK retries only the initial request; a connection that drops mid-answer loses the whole answer.
    public static async Task<string> AskAsync(IChatClient chat, string question, CancellationToken ct)
    {
        var answer = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: ct))
        {
            answer.Append(update.Text);
        }

        return answer.ToString();
    }

    // LLM102: every client retries at once, into a provider that is already failing.
    public static async Task<string> RetryAtOnceAsync(IChatClient chat, string question, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var answer = new StringBuilder();
            try
            {
                await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: ct))
                {
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }
            catch (IOException) when (attempt < 3)
            {
            }
        }
    }

    // LLM103: the OpenAI client no longer retries 429s and 5xx of the initial request.
    public static OpenAIClient CreateClient(string apiKey)
        => new(new ApiKeyCredential(apiKey), new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(0) });

    // LLM104: the delegate only creates the lazy stream; the request is sent later, outside the retry.
    public static async Task<string> RetryTheWrongPartAsync(IChatClient chat, string question, CancellationToken ct)
    {
        var answer = new StringBuilder();
        var stream = await Pipeline.ExecuteAsync(token => ValueTask.FromResult(chat.GetStreamingResponseAsync(question, cancellationToken: token)), ct);
        await foreach (var update in stream)
        {
            answer.Append(update.Text);
        }

        return answer.ToString();
    }

    // LLM105: the second attempt appends the answer again after the first attempt's partial text.
    public static async Task<string> DuplicateOnRetryAsync(IChatClient chat, string question, CancellationToken ct)
    {
        var answer = new StringBuilder();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: ct))
                {
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }
            catch (IOException) when (attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(250, 500) << attempt), ct);
            }
        }
    }

    // LLM106: a dropped connection mid-stream is an IOException, not a ClientResultException.
    public static async Task<string> CatchTheWrongExceptionAsync(ChatClient client, string question)
    {
        var answer = new StringBuilder();
        try
        {
            await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
            {
                foreach (var part in update.ContentUpdate)
                {
                    answer.Append(part.Text);
                }
            }
        }
        catch (ClientResultException ex)
        {
            answer.Append($" [failed: {ex.Message}]");
        }

        return answer.ToString();
    }
}
