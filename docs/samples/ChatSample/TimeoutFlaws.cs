using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

/// <summary>Timeouts — LLM4xx: long generations die on limits nobody chose, or stalled streams hang forever.</summary>
internal static class TimeoutFlaws
{
    // LLM401: a 30 s HttpClient timeout caps the SDK's own NetworkTimeout: long answers are cut at 30 s.
    public static ChatClient CreateClient(string apiKey)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var options = new OpenAIClientOptions { Transport = new HttpClientPipelineTransport(http) };
        return new ChatClient("gpt-4o-mini", new ApiKeyCredential(apiKey), options);
    }

    // LLM403: the standard resilience handler cuts every attempt at 10 s and the request at 30 s.
    // LLM405 (and LLM403 for the 30 s total): raising only the attempt timeout fails options validation when the host starts.
    public static void Register(IServiceCollection services)
    {
        services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
            .AddStandardResilienceHandler();

        services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"))
            .AddStandardResilienceHandler(o => o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3));
    }

    // LLM404: the 30 s deadline cancels the whole stream, however healthy the generation.
    // LLM407: a timeout arrives as OperationCanceledException too, and is reported as a user cancel.
    public static async Task<string> AskAsync(IChatClient chat, string question, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: deadline.Token))
            {
                answer.Append(update.Text);
            }
        }
        catch (OperationCanceledException)
        {
            return "Cancelled.";
        }

        return answer.ToString();
    }

    // LLM402: PostAsJsonAsync downloads the whole stream before the loop sees its first event.
    public static async Task StreamBufferedAsync(HttpClient http, string question, CancellationToken cancellationToken)
    {
        var payload = new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = question } } };
        using var response = await http.PostAsJsonAsync("https://api.openai.com/v1/chat/completions", payload, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? line;
        while ((line = await reader.ReadLineAsync(cancellationToken)) != null)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line["data: ".Length..];
            if (data == "[DONE]")
            {
                break;
            }

            using var chunk = JsonDocument.Parse(data);
            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                Console.Write(choice.GetProperty("delta"));
            }
        }
    }

    // LLM406: after the headers nothing bounds these reads: a stalled connection hangs forever.
    public static async Task StreamWithoutIdleTimeoutAsync(HttpClient http, string question, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini", stream = true, messages = new[] { new { role = "user", content = question } } }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? line;
        while ((line = await reader.ReadLineAsync()) != null)
        {
            if (line == "data: [DONE]")
            {
                break;
            }

            Console.Write(line);
        }
    }
}
