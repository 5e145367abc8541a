using System.Text;
using Microsoft.Extensions.AI;

namespace Probe;

// 150 s passes the default minimum (120 s): llm_streaming.min_timeout_seconds = 300 reports both timeouts (and
// ResilienceProbe's), the per-rule forms (llm_streaming.LLM401/LLM404.min_timeout_seconds) one each.
public static class TimeoutProbe
{
    public static HttpClient Create()
        => new() { BaseAddress = new Uri("https://api.openai.com/v1/"), Timeout = TimeSpan.FromSeconds(150) };

    public static async Task<string> AskAsync(IChatClient chat, string question)
    {
        using var deadline = new CancellationTokenSource();
        deadline.CancelAfter(TimeSpan.FromSeconds(150));
        var answer = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: deadline.Token))
        {
            answer.Append(update.Text);
        }

        return answer.ToString();
    }
}
