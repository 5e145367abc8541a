using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.AI;

/// <summary>
/// Relays — LLM5xx: endpoints that forward a model stream to the browser as server-sent events. What the browser
/// sees when the user leaves, when the answer has a newline, when the model is silent for long, or when the model
/// stream breaks, is decided here.
/// </summary>
internal static class RelayFlaws
{
    public static void MapChat(IEndpointRouteBuilder app)
    {
        app.MapPost("/chat/stream", async (string question, IChatClient chat, HttpResponse response, CancellationToken cancellationToken) =>
        {
            response.ContentType = "text/event-stream";

            // LLM502: the handler has the client's token, the model call does not: when the tab closes, generation
            // (and billing) go on to the end.
            // LLM504: the loop writes only when the model yields: while it thinks, nothing crosses the wire, and a
            // proxy that cuts idle connections after 60 s breaks the stream.
            await foreach (var update in chat.GetStreamingResponseAsync(question))
            {
                // LLM503: a delta with a newline ends the data field; the browser's EventSource loses the rest.
                await response.WriteAsync($"data: {update.Text}\n\n", cancellationToken);
            }
        });

        app.MapPost("/chat/answer", async (string question, IChatClient chat, HttpResponse response, CancellationToken cancellationToken) =>
        {
            response.ContentType = "text/event-stream";
            try
            {
                await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: cancellationToken))
                {
                    await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", cancellationToken);
                }
            }
            catch (Exception ex)
            {
                // LLM501: the stream broke mid-answer, the catch only logs, and the [DONE] below tells the browser the
                // answer is complete.
                Console.Error.WriteLine(ex);
            }

            await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
        });
    }
}
