namespace LlmStreaming.Analyzers.Tests.Conformance.Programs;

/// <summary>
/// The relay program of the run-time checks of the relay rules (LLM5xx): a small ASP.NET Core app, like the sample's
/// endpoints, that forwards a Microsoft.Extensions.AI stream (over the OpenAI client, pointed at the fake model server)
/// to a browser as server-sent events. Each endpoint has one of the flaws of LLM501–LLM503, so that the fix of one of
/// these rules, applied to the whole program, changes only its own endpoint; every endpoint writes only when the model
/// yields (LLM504), and <see cref="NoHeartbeatPath"/> has that flaw alone. The <c>/relay/service/…</c> endpoints have the
/// same four flaws over a service method (<c>ModelService.StreamAsync</c>) that yields the model's text: a fix applied
/// to the whole program fixes both shapes, and each is checked the same way. The host calls <c>RelayEntry.AddModel(services, modelBaseUrl)</c>
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

    /// <summary>The cross-method twin of <see cref="HidesFailurePath"/>: the relay's stream is <c>ModelService.StreamAsync</c>'s.</summary>
    public const string ServiceHidesFailurePath = "/relay/service/hides-failure";

    /// <summary>The cross-method twin of <see cref="IgnoresDisconnectPath"/>: the service forwards its token, the relay passes none.</summary>
    public const string ServiceIgnoresDisconnectPath = "/relay/service/ignores-disconnect";

    /// <summary>
    /// LLM502 on a returned stream: the endpoint returns <c>TypedResults.ServerSentEvents(model.UnmarkedStreamAsync(…))</c>,
    /// whose token parameter is not <c>[EnumeratorCancellation]</c>, so the request's token never reaches the model call.
    /// </summary>
    public const string ReturnedIgnoresDisconnectPath = "/relay/returned";

    /// <summary>The cross-method twin of <see cref="RawTextPath"/>: the service yields the raw deltas.</summary>
    public const string ServiceRawTextPath = "/relay/service/raw-text";

    /// <summary>The cross-method twin of <see cref="NoHeartbeatPath"/>.</summary>
    public const string ServiceNoHeartbeatPath = "/relay/service/no-heartbeat";

    public const string Source = """
        using System;
        using System.ClientModel;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
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
                services.AddSingleton<ModelService>();
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

                // The same four flaws, the stream coming from a service method (cross-method relays).
                app.MapGet("/relay/service/hides-failure", async (ModelService model, HttpResponse response, ILoggerFactory logs, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    try
                    {
                        await foreach (var text in model.StreamAsync("Tell me about foxes.", cancellationToken))
                        {
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n", cancellationToken);
                        }
                    }
                    catch (Exception ex)
                    {
                        logs.CreateLogger("Relay").LogError(ex, "The model stream failed");
                    }

                    await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                });

                app.MapGet("/relay/service/ignores-disconnect", async (ModelService model, HttpContext context) =>
                {
                    context.Response.ContentType = "text/event-stream";
                    await foreach (var text in model.StreamAsync("Tell me about foxes."))
                    {
                        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n");
                    }

                    await context.Response.WriteAsync("data: [DONE]\n\n");
                });

                app.MapGet("/relay/returned", (ModelService model, HttpContext context) =>
                    TypedResults.ServerSentEvents(model.UnmarkedStreamAsync("Tell me about foxes.")));

                app.MapGet("/relay/service/raw-text", async (ModelService model, HttpResponse response, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    await foreach (var text in model.StreamAsync("Tell me about foxes.", cancellationToken))
                    {
                        await response.WriteAsync($"data: {text}\n\n", cancellationToken);
                    }

                    await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                });

                app.MapGet("/relay/service/no-heartbeat", async (ModelService model, HttpResponse response, CancellationToken cancellationToken) =>
                {
                    response.ContentType = "text/event-stream";
                    await foreach (var text in model.StreamAsync("Tell me about foxes.", cancellationToken))
                    {
                        await response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n", cancellationToken);
                    }

                    await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                });
            }
        }

        /// <summary>A service method that yields the text of the model stream, as real code splits a relay.</summary>
        public sealed class ModelService
        {
            private readonly IChatClient _chat;

            public ModelService(IChatClient chat) => _chat = chat;

            public async IAsyncEnumerable<string> StreamAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await foreach (var update in _chat.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                {
                    yield return update.Text;
                }
            }

            /// <summary>The same stream, its token parameter without [EnumeratorCancellation]: only a token passed at the call reaches the model.</summary>
        #pragma warning disable CS8425 // the flaw under test
            public async IAsyncEnumerable<string> UnmarkedStreamAsync(string prompt, CancellationToken cancellationToken = default)
        #pragma warning restore CS8425
            {
                await foreach (var update in _chat.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                {
                    yield return JsonSerializer.Serialize(update.Text);
                }
            }
        }
        """;
}
