using System.Text;
using Microsoft.Extensions.AI;

namespace Probe;

// llm_streaming.retry_methods = Probe.Retry.RunAsync: the enumeration inside the delegate is protected (no LLM101).
// The loop is reached through a delegate, as a retry helper of another assembly would be: a source helper whose body
// shows its loop, catch and delay is recognised without the option.
public static class Retry
{
    private static readonly Func<Func<Task>, Task> Runner = RunWithBackoffAsync;

    public static Task RunAsync(Func<Task> attempt) => Runner(attempt);

    private static async Task RunWithBackoffAsync(Func<Task> attempt)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                await attempt();
                return;
            }
            catch (IOException) when (i < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 200) << i));
            }
        }
    }
}

public static class RetryProbe
{
    public static async Task<string> AskAsync(IChatClient chat, string question)
    {
        var answer = new StringBuilder();
        await Retry.RunAsync(async () =>
        {
            answer.Clear();
            await foreach (var update in chat.GetStreamingResponseAsync(question))
            {
                answer.Append(update.Text);
                if (update.FinishReason is { } reason && reason != ChatFinishReason.Stop)
                {
                    throw new InvalidOperationException("The answer stopped early: " + reason);
                }
            }
        });
        return answer.ToString();
    }
}
