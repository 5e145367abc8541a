using System.Text;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

/// <summary>Partial output — LLM3xx: what is already generated gets lost.</summary>
internal static class PartialOutputFlaws
{
    // LLM301: the catch throws away everything the model already generated.
    public static async Task<string> AskAsync(IChatClient chat, string question)
    {
        var answer = new StringBuilder();
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync(question))
            {
                answer.Append(update.Text);
            }
        }
        catch (HttpRequestException)
        {
            return "Sorry, something went wrong.";
        }

        return answer.ToString();
    }

    // LLM304: the failure is only written to stderr, and the cut-off answer is returned as if it were complete.
    public static async Task<string> SummarizeAsync(IChatClient chat, string text)
    {
        var summary = new StringBuilder();
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync("Summarize: " + text))
            {
                summary.Append(update.Text);
            }
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine("The summary failed: " + ex.Message);
        }

        return summary.ToString();
    }

    // LLM302: each delta overwrites the previous one; only the last token survives.
    public static async Task<string> LastTokenOnlyAsync(IChatClient chat, string question)
    {
        var text = "";
        await foreach (var update in chat.GetStreamingResponseAsync(question))
        {
            text = update.Text;
        }

        return text;
    }

    // LLM303: role-only and final updates have no content parts: [0] throws mid-stream.
    public static async Task PrintAsync(ChatClient client, string question)
    {
        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
        {
            Console.Write(update.ContentUpdate[0].Text);
        }
    }
}
