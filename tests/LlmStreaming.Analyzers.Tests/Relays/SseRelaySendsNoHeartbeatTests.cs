using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Timeouts;
using LlmStreaming.CodeFixes.Relays;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Relays;

public class SseRelaySendsNoHeartbeatTests
{
    private static DiagnosticResult Info(int location, string kind, string stream, string seconds = "15")
        => new DiagnosticResult("LLM504", DiagnosticSeverity.Info).WithLocation(location).WithArguments(kind, stream, seconds);

    [Fact]
    public Task Reports_MinimalApiLambda_AndMethodGroup()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync("""
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (string prompt, IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        response.ContentType = "text/event-stream";
                        await {|#0:foreach|} (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                        }
                    });

                    app.MapGet("/openai", StreamAsync);
                }

                static async Task StreamAsync(ChatClient chat, HttpContext context)
                {
                    await {|#1:foreach|} (var update in chat.CompleteChatStreamingAsync(new OpenAI.Chat.ChatMessage[] { new UserChatMessage("Hi") }, null, context.RequestAborted))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(part.Text) + "\n\n");
                        }
                    }
                }
            }
            """,
            Info(0, "endpoint", "'GetStreamingResponseAsync'"),
            Info(1, "endpoint", "'CompleteChatStreamingAsync'"));

    [Fact]
    public Task Reports_Controller_Middleware_UseLambda_AndResponseWriter()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.AI;

            public class ChatController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Post(IChatClient client, string prompt, CancellationToken ct)
                {
                    await {|#0:foreach|} (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                    {
                        await Response.WriteAsync("event: delta\ndata: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                    }
                }
            }

            public class ChatMiddleware
            {
                private readonly RequestDelegate _next;

                public ChatMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context, IChatClient client)
                {
                    await {|#1:foreach|} (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: context.RequestAborted))
                    {
                        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {JsonSerializer.Serialize(update.Text)}\n\n"));
                    }
                }
            }

            public static class Pipeline
            {
                public static void Use(IApplicationBuilder app, IChatClient client)
                    => app.Run(async context =>
                    {
                        await {|#2:foreach|} (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: context.RequestAborted))
                        {
                            await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n");
                        }
                    });
            }

            public static class Relay
            {
                public static async Task WriteAsync(IChatClient client, HttpResponse response)
                {
                    await using var writer = new StreamWriter(response.Body);
                    await {|#3:foreach|} (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: response.HttpContext.RequestAborted))
                    {
                        await writer.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n");
                        await writer.FlushAsync();
                    }
                }
            }
            """,
            Info(0, "action", "'GetStreamingResponseAsync'"),
            Info(1, "middleware", "'GetStreamingResponseAsync'"),
            Info(2, "middleware", "'GetStreamingResponseAsync'"),
            Info(3, "relay", "'GetStreamingResponseAsync'"));

    [Fact]
    public Task Reports_HandRolledProxy_WithTheConfiguredInterval()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public static class Proxy
            {
                public static async Task RelayAsync(HttpClient http, HttpContext context)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                    using var upstream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
                    using var reader = new StreamReader(await upstream.Content.ReadAsStreamAsync(context.RequestAborted));
                    string? line;
                    {|#0:while|} ((line = await reader.ReadLineAsync(context.RequestAborted)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        await context.Response.WriteAsync($"data: {data}\n\n");
                        if (data == "[DONE]") break;
                    }
                }
            }
            """,
            References.Sdks,
            "llm_streaming.heartbeat_seconds = 20",
            Info(0, "relay", "the response body", "20"));

    [Fact]
    public Task NoDiagnostic_TimerPingComment_AndHeartbeatHelper()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/timer", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        using var gate = new SemaphoreSlim(1, 1);
                        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
                        _ = Task.Run(async () =>
                        {
                            while (await timer.WaitForNextTickAsync(ct))
                            {
                                await gate.WaitAsync(ct);
                                try { await response.WriteAsync(": keep-alive\n\n", ct); } finally { gate.Release(); }
                            }
                        });
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            await gate.WaitAsync(ct);
                            try { await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct); } finally { gate.Release(); }
                        }
                    });

                    app.MapPost("/ping", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            await response.WriteAsync("event: ping\ndata: {}\n\n", ct);
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                        }
                    });

                    app.MapPost("/helper", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        using var heartbeat = Heartbeats.Start(response, ct);
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                        }
                    });
                }
            }

            static class Heartbeats
            {
                public static IDisposable Start(HttpResponse response, CancellationToken ct) => new Timer(_ => { });
            }
            """);

    [Fact]
    public Task NoDiagnostic_SignalR_PriceFeed_Ndjson_AndTypedResults()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.AI;

            public class ChatHub : Hub
            {
                public async IAsyncEnumerable<string> Stream(IChatClient client, [EnumeratorCancellation] CancellationToken cancellationToken)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: cancellationToken))
                    {
                        yield return "data: " + update.Text;
                    }
                }
            }

            public record Quote(string Symbol, string Text);
            public interface IPriceFeed { IAsyncEnumerable<Quote> QuotesAsync(CancellationToken cancellationToken = default); }

            static class Endpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapGet("/prices", async (IPriceFeed feed, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var quote in feed.QuotesAsync(ct))
                        {
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(quote)}\n\n", ct);
                        }
                    });

                    app.MapPost("/ndjson", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        response.ContentType = "application/x-ndjson";
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            await response.WriteAsync(JsonSerializer.Serialize(new { text = update.Text }) + "\n", ct);
                        }
                    });

                    app.MapGet("/typed", (IChatClient client, CancellationToken ct) => TypedResults.ServerSentEvents(Texts(client, ct)));
                }

                static async IAsyncEnumerable<string> Texts(IChatClient client, [EnumeratorCancellation] CancellationToken ct)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                    {
                        yield return update.Text;
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_WithoutAspNetCore()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            public static class Console2
            {
                public static async Task PrintAsync(IChatClient client, TextWriter output)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("Hi"))
                    {
                        await output.WriteAsync("data: " + update.Text + "\n\n");
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_StartsAHeartbeat_GuardsTheBody_AndStopsIt()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer, SseRelaySendsNoHeartbeatCodeFix>.FixAsync("""
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (string prompt, IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        response.ContentType = "text/event-stream";
                        await {|LLM504:foreach|} (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                        }

                        await response.WriteAsync("data: [DONE]\n\n", ct);
                    });
                }
            }
            """, FixedSource);

    /// <summary>The heartbeat fix's output on a minimal-API endpoint (the cross-method tests derive theirs from it).</summary>
    internal const string FixedSource = """
        using System;
        using System.Diagnostics;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Routing;
        using Microsoft.Extensions.AI;

        static class ChatEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapPost("/chat", async (string prompt, IChatClient client, HttpResponse response, CancellationToken ct) =>
                {
                    response.ContentType = "text/event-stream";
                    // A comment to the client while nothing was written for 15 s, so that proxies do not cut the idle connection (LLM504).
                    using var heartbeatGate = new SemaphoreSlim(1, 1);
                    using var heartbeatStop = new CancellationTokenSource();
                    var heartbeatIdle = Stopwatch.StartNew();
                    var heartbeatInterval = TimeSpan.FromSeconds(15);
                    var heartbeat = Task.Run(async () =>
                    {
                        try
                        {
                            while (true)
                            {
                                var heartbeatIdleFor = heartbeatIdle.Elapsed;
                                if (heartbeatIdleFor < heartbeatInterval)
                                {
                                    await Task.Delay(heartbeatInterval - heartbeatIdleFor, heartbeatStop.Token);
                                    continue;
                                }

                                await heartbeatGate.WaitAsync(heartbeatStop.Token);
                                try
                                {
                                    if (heartbeatIdle.Elapsed >= heartbeatInterval)
                                    {
                                        await response.WriteAsync(": keep-alive\n\n", heartbeatStop.Token);
                                        heartbeatIdle.Restart();
                                    }
                                }
                                finally
                                {
                                    heartbeatGate.Release();
                                }
                            }
                        }
                        catch (Exception)
                        {
                            // Stopped after the loop, or the client is gone (the relay's own writes find out).
                        }
                    });
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await heartbeatGate.WaitAsync();
                            try
                            {
                                await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                            }
                            finally
                            {
                                heartbeatIdle.Restart();
                                heartbeatGate.Release();
                            }
                        }
                    }
                    finally
                    {
                        heartbeatStop.Cancel();
                        await heartbeat;
                    }

                    await response.WriteAsync("data: [DONE]\n\n", ct);
                });
            }
        }
        """;

    [Fact]
    public Task NoFix_ThroughAStreamWriter()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer, SseRelaySendsNoHeartbeatCodeFix>.NoFixAsync("""
            using System.IO;
            using System.Text.Json;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.Extensions.AI;

            public static class Relay
            {
                public static async Task WriteAsync(IChatClient client, HttpResponse response)
                {
                    await using var writer = new StreamWriter(response.Body);
                    await {|LLM504:foreach|} (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: response.HttpContext.RequestAborted))
                    {
                        await writer.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n");
                        await writer.FlushAsync();
                    }
                }
            }
            """);

    [Fact]
    public Task NoCrash_OnBrokenRelays()
        => TimeoutTestHelpers.BrokenCodeAsync<SseRelaySendsNoHeartbeatAnalyzer>("""
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("Hi"))
                        {
                            await response.WriteAsync($"data: {update.Text}\n\n" + );
                            await response.WriteAsync(": keep-alive", );
                    });
            }
            """);
}
