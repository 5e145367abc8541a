using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Timeouts;
using LlmStreaming.CodeFixes.Relays;

namespace LlmStreaming.Analyzers.Tests.Relays;

public class RelayHidesUpstreamFailureTests
{
    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_MinimalApi_LogsThenDone(string family)
        => Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
            using System;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;
            using Microsoft.Extensions.Logging;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response, ILogger<IChatClient> logger, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                            {
                                await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                            }
                        }
                        {|#0:catch|} (Exception ex)
                        {
                            logger.LogError(ex, "The stream failed");
                            await response.WriteAsync("data: [DONE]\n\n", ct);
                        }
                    });
                }
            }
            """),
            Verify<RelayHidesUpstreamFailureAnalyzer>.Diagnostic("LLM501").WithLocation(0)
                .WithArguments(FamilySources.F(family, "'GetStreamingResponseAsync'"), "writes a normal end ('[DONE]')", "write an SSE error event and no end marker, or abort the connection"));

    [Fact]
    public Task Reports_Controller_ErrorAsText_Middleware_OnlyLogs_Channel_CompletedNormally()
        => Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.IO;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.AI;

            public class ChatController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Post(IChatClient client, CancellationToken ct)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            await Response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                        }
                    }
                    {|#0:catch|} (IOException ex)
                    {
                        await Response.WriteAsync($"data: {JsonSerializer.Serialize("Error: " + ex.Message)}\n\n", ct);
                    }
                }
            }

            public class ChatMiddleware
            {
                public ChatMiddleware(RequestDelegate next) { }

                public async Task InvokeAsync(HttpContext context, IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: context.RequestAborted))
                        {
                            await context.Response.WriteAsync(JsonSerializer.Serialize(update.Text) + "\n");
                        }
                    }
                    {|#1:catch|}
                    {
                        Console.Error.WriteLine("stream failed");
                    }
                }
            }

            public class ChatHub : Hub
            {
                public ChannelReader<string> Stream(IChatClient client, CancellationToken cancellationToken)
                {
                    var channel = Channel.CreateUnbounded<string>();
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: cancellationToken))
                            {
                                await channel.Writer.WriteAsync(update.Text, cancellationToken);
                            }
                        }
                        {|#2:catch|} (Exception)
                        {
                            channel.Writer.Complete();
                            return;
                        }

                        channel.Writer.Complete();
                    });
                    return channel.Reader;
                }
            }
            """,
            Verify<RelayHidesUpstreamFailureAnalyzer>.Diagnostic("LLM501").WithLocation(0)
                .WithArguments("'GetStreamingResponseAsync'", "writes the error as answer text", "write an SSE error event and no end marker, or abort the connection"),
            Verify<RelayHidesUpstreamFailureAnalyzer>.Diagnostic("LLM501").WithLocation(1)
                .WithArguments("'GetStreamingResponseAsync'", "only logs", "write an SSE error event and no end marker, or abort the connection"),
            Verify<RelayHidesUpstreamFailureAnalyzer>.Diagnostic("LLM501").WithLocation(2)
                .WithArguments("'GetStreamingResponseAsync'", "completes the channel normally", "complete the channel with the exception (TryComplete(ex))"));

    [Fact]
    public Task NoDiagnostic_ErrorEvent_TryComplete_Rethrow_Abort_ClientCancel_Retry_PriceFeed()
        => Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.AI;

            public interface IPriceFeed { IAsyncEnumerable<decimal> PricesAsync(CancellationToken cancellationToken = default); }

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/event", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                                await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                        }
                        catch (Exception)
                        {
                            await response.WriteAsync("event: error\ndata: " + JsonSerializer.Serialize(new { message = "failed" }) + "\n\n", ct);
                        }
                    });

                    app.MapPost("/object", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                                await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                        }
                        catch (IOException)
                        {
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(new { error = "upstream_failed" }) + "\n\n", ct);
                        }
                    });

                    app.MapPost("/rethrow", async (IChatClient client, HttpContext context) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: context.RequestAborted))
                                await context.Response.WriteAsync(JsonSerializer.Serialize(update.Text));
                        }
                        catch (IOException) when (context.Response.HasStarted)
                        {
                            context.Abort();
                        }
                        catch (Exception)
                        {
                            throw;
                        }
                    });

                    app.MapPost("/cancel", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                                await response.WriteAsync(JsonSerializer.Serialize(update.Text), ct);
                        }
                        catch (OperationCanceledException) when (ct.IsCancellationRequested)
                        {
                        }
                    });

                    app.MapPost("/retry", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        var emitted = false;
                        for (var attempt = 0; ; attempt++)
                        {
                            try
                            {
                                await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                                {
                                    emitted = true;
                                    await response.WriteAsync(JsonSerializer.Serialize(update.Text), ct);
                                }

                                break;
                            }
                            catch (IOException) when (!emitted && attempt < 3)
                            {
                                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 500) * (attempt + 1)), ct);
                            }
                        }
                    });

                    app.MapGet("/prices", async (IPriceFeed feed, HttpResponse response, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var price in feed.PricesAsync(ct))
                                await response.WriteAsync("data: " + price + "\n\n", ct);
                        }
                        catch (Exception)
                        {
                            await response.WriteAsync("data: [DONE]\n\n", ct);
                        }
                    });
                }
            }

            public class ChatHub : Hub
            {
                public ChannelReader<string> Stream(IChatClient client, CancellationToken cancellationToken)
                {
                    var channel = Channel.CreateUnbounded<string>();
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: cancellationToken))
                                await channel.Writer.WriteAsync(update.Text, cancellationToken);
                            channel.Writer.Complete();
                        }
                        catch (Exception ex)
                        {
                            channel.Writer.TryComplete(ex);
                        }
                    });
                    return channel.Reader;
                }
            }
            """);

    /// <summary>
    /// Real code (validation, CSharpMeetsAI's ChatService): a service that writes the stream to the response and returns
    /// <c>Results.Problem(…)</c> from its catch. Before the first write the client gets the 500; after it the result
    /// cannot set a status, throws, and the server aborts the connection: the client sees a failure either way. A catch
    /// that returns a success result is still reported.
    /// </summary>
    [Fact]
    public Task NoDiagnostic_FailureResultReturned_ButASuccessResultIsReported()
        => Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.Extensions.AI;

            class ChatService
            {
                private readonly IChatClient _chat;

                public ChatService(IChatClient chat) => _chat = chat;

                public async Task<IResult> StreamAsync(string prompt, HttpResponse response, CancellationToken cancellationToken)
                {
                    try
                    {
                        await foreach (var update in _chat.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                        {
                            await response.WriteAsync(update.Text, cancellationToken);
                        }

                        return Results.Empty;
                    }
                    catch (Exception)
                    {
                        return Results.Problem("An error occurred during streaming.");
                    }
                }

                public async Task<IResult> QuietAsync(string prompt, HttpResponse response, CancellationToken cancellationToken)
                {
                    try
                    {
                        await foreach (var update in _chat.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                        {
                            await response.WriteAsync(update.Text, cancellationToken);
                        }

                        return Results.Empty;
                    }
                    {|#0:catch|} (Exception)
                    {
                        return Results.Empty;
                    }
                }
            }
            """,
            Verify<RelayHidesUpstreamFailureAnalyzer>.Diagnostic("LLM501").WithLocation(0)
                .WithArguments("'GetStreamingResponseAsync'", "ends the stream", "write an SSE error event and no end marker, or abort the connection"));

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_Sse_WritesAnErrorEventInsteadOfDone_AndReturns(string family)
        => Verify<RelayHidesUpstreamFailureAnalyzer, RelayHidesUpstreamFailureCodeFix>.FixAsync(FamilySources.F(family, """
            using System;
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
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                            {
                                await response.WriteAsync("data: " + System.Text.Json.JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                            }
                        }
                        {|LLM501:catch|} (Exception ex)
                        {
                            Console.Error.WriteLine(ex);
                            await response.WriteAsync("data: [DONE]\n\n", ct);
                        }

                        await response.WriteAsync("data: [DONE]\n\n", ct);
                    });
                }
            }
            """), FamilySources.F(family, """
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
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                            {
                                await response.WriteAsync("data: " + System.Text.Json.JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                            }
                        }
                        catch (Exception ex)
                        {
                            Console.Error.WriteLine(ex);
                            await response.WriteAsync("event: error\ndata: " + JsonSerializer.Serialize(new { message = "The model stream failed before the answer was complete." }) + "\n\n");
                            return;
                        }

                        await response.WriteAsync("data: [DONE]\n\n", ct);
                    });
                }
            }
            """));

    [Fact]
    public Task Fix_Channel_CompletesWithTheException()
        => Verify<RelayHidesUpstreamFailureAnalyzer, RelayHidesUpstreamFailureCodeFix>.FixAsync("""
            using System;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.AI;

            public class ChatHub : Hub
            {
                public ChannelReader<string> Stream(IChatClient client, CancellationToken cancellationToken)
                {
                    var channel = Channel.CreateUnbounded<string>();
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: cancellationToken))
                            {
                                await channel.Writer.WriteAsync(update.Text, cancellationToken);
                            }
                        }
                        {|LLM501:catch|} (Exception)
                        {
                            channel.Writer.Complete();
                            return;
                        }

                        channel.Writer.Complete();
                    });
                    return channel.Reader;
                }
            }
            """, """
            using System;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.AI;

            public class ChatHub : Hub
            {
                public ChannelReader<string> Stream(IChatClient client, CancellationToken cancellationToken)
                {
                    var channel = Channel.CreateUnbounded<string>();
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: cancellationToken))
                            {
                                await channel.Writer.WriteAsync(update.Text, cancellationToken);
                            }
                        }
                        catch (Exception ex)
                        {
                            channel.Writer.TryComplete(ex);
                            return;
                        }

                        channel.Writer.Complete();
                    });
                    return channel.Reader;
                }
            }
            """);

    [Fact]
    public Task NoCrash_OnBrokenRelays()
        => TimeoutTestHelpers.BrokenCodeAsync<RelayHidesUpstreamFailureAnalyzer>("""
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response) =>
                    {
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync("Hi"))
                                await response.WriteAsync(update.Text;
                        }
                        catch (
                        {
                            await response.WriteAsync("data: [DONE]
                    });
            }
            """);
}
