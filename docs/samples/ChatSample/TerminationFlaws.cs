using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

/// <summary>Stream termination — LLM2xx: a stream that ends early, or ends with an error, looks like a complete answer.</summary>
internal static class TerminationFlaws
{
    // A hand-rolled SSE client, as found in many code bases:
    // LLM201: "data: [DONE]" reaches JsonDocument.Parse, which throws at the end of every answer.
    // LLM202: when the connection drops, ReadLineAsync returns null and the partial text is returned as complete.
    // LLM203: no chunk's finish_reason is read: a "length" or "content_filter" stop ends the stream like a whole answer.
    // LLM204: SseParser (System.Net.ServerSentEvents) parses the events correctly (Info).
    // LLM205: an {"error": …} event sent inside the 200 stream is parsed as an empty chunk.
    public static async Task<string> AskByHandAsync(HttpClient http, string apiKey, string question, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new
        {
            model = "gpt-4o-mini",
            stream = true,
            messages = new[] { new { role = "user", content = question } },
        });

        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream);

        var answer = new StringBuilder();
        string? line;
        while ((line = await reader.ReadLineAsync(ct)) != null)
        {
            if (!line.StartsWith("data: ")) continue;
            var data = line.Substring(6);
            using var chunk = JsonDocument.Parse(data);
            var delta = chunk.RootElement.GetProperty("choices")[0].GetProperty("delta");
            if (delta.TryGetProperty("content", out var content))
            {
                answer.Append(content.GetString());
            }
        }

        return answer.ToString();
    }

    // LLM203: the loop never reads FinishReason: a stream cut off mid-way, or stopped by max_tokens or the
    // content filter, ends normally and the truncated answer is shown as if it were complete.
    public static async Task<string> AskWithSdkAsync(ChatClient client, string question)
    {
        var answer = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
        {
            foreach (var part in update.ContentUpdate)
            {
                answer.Append(part.Text);
            }
        }

        return answer.ToString();
    }

    // LLM203: ToChatResponseAsync does not throw on a missing finish reason; the response's FinishReason is never read.
    public static async Task<string> SummarizeAsync(IChatClient chat, string text)
    {
        var response = await chat.GetStreamingResponseAsync($"Summarize: {text}").ToChatResponseAsync();
        return response.Text;
    }
}
