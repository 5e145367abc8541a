namespace LlmStreaming.Analyzers.Tests.Conformance.Programs;

/// <summary>
/// The relay program of the run-time checks of the relay rules (LLM5xx): a small ASP.NET Core app, like the sample's
/// endpoints, that forwards a Microsoft.Extensions.AI stream (over the OpenAI client, pointed at the fake model server)
/// to a browser as server-sent events. Each endpoint has one of the flaws of LLM501–LLM503, so that the fix of one of
/// these rules, applied to the whole program, changes only its own endpoint; every endpoint writes only when the model
/// yields (LLM504), and <see cref="NoHeartbeatPath"/> has that flaw alone. The host calls <c>RelayEntry.AddModel(services, modelBaseUrl)</c>
/// and <c>RelayEntry.Map(app)</c>.
/// </summary>
internal static class RelayProgram
{
    public const string EntryType = "RelayEntry";

    /// <summary>LLM501: a catch that only logs, then <c>[DONE]</c>.</summary>
    public const string HidesFailurePath = "/relay/hides-failure";

    /// <summary>LLM502: the model call gets no token (the handler has the request's, <c>context.RequestAborted</c>).</summary>
    public const string IgnoresDisconnectPath = "/relay/ignores-disconnect";

    /// <summary>LLM503: the delta written raw after <c>data:</c>.</summary>
    public const string RawTextPath = "/relay/raw-text";

    /// <summary>LLM504 only: writes only when the model yields.</summary>
    public const string NoHeartbeatPath = "/relay/no-heartbeat";

    public const string Source = """
        using System;
        using System.ClientModel;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Routing;
        using Microsoft.Extensions.AI;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Logging;
        using OpenAI;
        using OpenAI.Chat;

        public static class RelayEntry
        {
            public static void AddModel(IServiceCollection services, string modelBaseUrl)
            {
                var options = new OpenAIClientOptions { Endpoint = new Uri(modelBaseUrl + "/v1"), NetworkTimeout = TimeSpan.FromSeconds(10) };
                services.AddSingleton<IChatClient>(new ChatClient("gpt-test", new ApiKeyCredential("test-key"), options).AsIChatClient());
            }

            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapGet("/relay/hides-failure", async (IChatClient chat, HttpResponse response, ILoggerFactory logs, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    try
                    {
                        await foreach (var update in chat.GetStreamingResponseAsync("Tell me about foxes.", cancellationToken: cancellationToken))
                        {
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", cancellationToken);
                        }
                    }
                    catch (Exception ex)
                    {
                        logs.CreateLogger("Relay").LogError(ex, "The model stream failed");
                    }

                    await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                });

                app.MapGet("/relay/ignores-disconnect", async (IChatClient chat, HttpContext context) =>
                {
                    context.Response.ContentType = "text/event-stream";
                    await foreach (var update in chat.GetStreamingResponseAsync("Tell me about foxes."))
                    {
                        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n");
                    }

                    await context.Response.WriteAsync("data: [DONE]\n\n");
                });

                app.MapGet("/relay/raw-text", async (IChatClient chat, HttpResponse response, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    await foreach (var update in chat.GetStreamingResponseAsync("Tell me about foxes.", cancellationToken: cancellationToken))
                    {
                        await response.WriteAsync($"data: {update.Text}\n\n", cancellationToken);
                    }

                    await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                });

                app.MapGet("/relay/no-heartbeat", async (IChatClient chat, HttpResponse response, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    await foreach (var update in chat.GetStreamingResponseAsync("Tell me about foxes.", cancellationToken: cancellationToken))
                    {
                        await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", cancellationToken);
                    }

                    await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                });
            }
        }
        """;
}
