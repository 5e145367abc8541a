namespace LlmStreaming.Benchmarks.Generation;

/// <summary>
/// ASP.NET Core relays of a model stream (the shapes of docs/samples/ChatSample/RelayFlaws.cs and the relay rules'
/// tests): flawed SSE endpoints (LLM501–LLM503), a correct one, a controller action, a SignalR hub, and a price-feed
/// look-alike. Generated only for a web project (<c>profile --relays</c>), whose compilation references ASP.NET Core.
/// </summary>
internal static class RelayCode
{
    public static string File(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.AspNetCore.Routing;
        using Microsoft.AspNetCore.SignalR;
        using Microsoft.Extensions.AI;

        namespace Generated.Relays{{i}};

        public static class ChatEndpoints{{i}}
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapPost("/chat{{i}}/stream", async (string question, IChatClient chat, HttpResponse response, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    await foreach (var update in chat.GetStreamingResponseAsync(question))
                    {
                        await response.WriteAsync($"data: {update.Text}\n\n", cancellationToken);
                    }
                });

                app.MapPost("/chat{{i}}/answer", async (string question, IChatClient chat, HttpResponse response, CancellationToken cancellationToken) =>
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
                        Console.Error.WriteLine(ex);
                    }

                    await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                });

                app.MapPost("/chat{{i}}/good", async (string question, IChatClient chat, HttpResponse response, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    try
                    {
                        await foreach (var update in chat.GetStreamingResponseAsync(question, cancellationToken: cancellationToken))
                        {
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", cancellationToken);
                        }

                        await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        await response.WriteAsync($"event: error\ndata: {JsonSerializer.Serialize(ex.Message)}\n\n", CancellationToken.None);
                    }
                });

                app.MapGet("/prices{{i}}", async (HttpResponse response, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    await foreach (var price in Prices(cancellationToken))
                    {
                        await response.WriteAsync($"data: {price}\n\n", cancellationToken);
                    }
                });
            }

            private static async IAsyncEnumerable<decimal> Prices([EnumeratorCancellation] CancellationToken cancellationToken)
            {
                for (var tick = 0; tick < 3; tick++)
                {
                    await Task.Delay(1000, cancellationToken);
                    yield return 100m + tick;
                }
            }
        }

        [ApiController]
        [Route("api/chat{{i}}")]
        public sealed class ChatController{{i}} : ControllerBase
        {
            private readonly IChatClient _chat;

            public ChatController{{i}}(IChatClient chat) => _chat = chat;

            [HttpPost]
            public async Task Post(string question)
            {
                Response.ContentType = "text/event-stream";
                await foreach (var update in _chat.GetStreamingResponseAsync(question))
                {
                    await Response.WriteAsync($"data: {update.Text}\n\n");
                }
            }
        }

        public sealed class ChatHub{{i}} : Hub
        {
            private readonly IChatClient _chat;

            public ChatHub{{i}}(IChatClient chat) => _chat = chat;

            public async IAsyncEnumerable<string> Ask(string question, [EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await foreach (var update in _chat.GetStreamingResponseAsync(question, cancellationToken: cancellationToken))
                {
                    yield return update.Text;
                }
            }
        }
        """;
}
