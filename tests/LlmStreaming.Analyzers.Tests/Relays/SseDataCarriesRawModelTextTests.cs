using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Timeouts;
using LlmStreaming.CodeFixes.Relays;

namespace LlmStreaming.Analyzers.Tests.Relays;

public class SseDataCarriesRawModelTextTests
{
    [Fact]
    public Task Reports_MinimalApiLambda_Interpolation()
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync("""
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
                        await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {{|#0:update.Text|}}\n\n", ct);
                        }
                    });
                }
            }
            """,
            Verify<SseDataCarriesRawModelTextAnalyzer>.Diagnostic("LLM503").WithLocation(0).WithArguments("'update.Text'"));

    [Fact]
    public Task Reports_MethodGroup_Concatenation_ThroughALocal()
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using OpenAI.Chat;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app) => app.MapGet("/chat", StreamAsync);

                static async Task StreamAsync(ChatClient chat, HttpContext context)
                {
                    await foreach (var update in chat.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage("Hi") }, null, context.RequestAborted))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            var text = part.Text;
                            await context.Response.WriteAsync("data: " + {|LLM503:text|} + "\n\n");
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_Controller_FormatAndConcat_Middleware_BodyBytes_AndStreamWriter()
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.AI;

            [ApiController]
            public class ChatController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Post(IChatClient client, string prompt, CancellationToken ct)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                    {
                        await Response.WriteAsync(string.Format("data: {0}\n\n", {|LLM503:update.Text|}));
                        await Response.WriteAsync(string.Concat("data: ", {|LLM503:update.Text|}, "\n\n"));
                    }
                }
            }

            public class ChatMiddleware
            {
                private readonly RequestDelegate _next;

                public ChatMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context, IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: context.RequestAborted))
                    {
                        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {{|LLM503:update.Text|}}\n\n"));
                    }
                }
            }

            public static class Relay
            {
                public static async Task WriteAsync(IChatClient client, HttpResponse response)
                {
                    await using var writer = new StreamWriter(response.Body);
                    await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: response.HttpContext.RequestAborted))
                    {
                        await writer.WriteAsync("event: delta\ndata: " + {|LLM503:update.Text|} + "\n\n");
                        await writer.FlushAsync();
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolledRelay_ParsedContent()
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
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
                    while ((line = await reader.ReadLineAsync(context.RequestAborted)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var doc = JsonDocument.Parse(data);
                        var content = doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString();
                        await context.Response.WriteAsync($"data: {{|LLM503:content|}}\n\n");
                        await context.Response.WriteAsync($"data: {data}\n\n");
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_JsonSseFormatterTypedResultsAndSplitLines()
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.ServerSentEvents;
            using System.Runtime.CompilerServices;
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
                    app.MapPost("/json", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(new { text = update.Text }) + "\n\n", ct);
                        }
                    });

                    app.MapPost("/lines", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            foreach (var line in update.Text.Split('\n'))
                            {
                                await response.WriteAsync($"data: {line}\n", ct);
                            }

                            await response.WriteAsync("\n", ct);
                        }
                    });

                    app.MapPost("/ndjson", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            await response.WriteAsync(update.Text, ct);
                        }
                    });

                    app.MapGet("/typed", (IChatClient client, CancellationToken ct) =>
                        TypedResults.ServerSentEvents(Texts(client, ct), eventType: "delta"));

                    app.MapGet("/formatter", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                        await SseFormatter.WriteAsync(Items(client, ct), response.Body, ct));
                }

                static async IAsyncEnumerable<string> Texts(IChatClient client, [EnumeratorCancellation] CancellationToken ct)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                    {
                        yield return update.Text;
                    }
                }

                static async IAsyncEnumerable<SseItem<string>> Items(IChatClient client, [EnumeratorCancellation] CancellationToken ct)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                    {
                        yield return new SseItem<string>(update.Text, "delta");
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_PriceFeed()
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;

            public record Quote(string Symbol, string Text);
            public interface IPriceFeed { IAsyncEnumerable<Quote> QuotesAsync(CancellationToken cancellationToken = default); }

            static class PriceEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapGet("/prices", async (IPriceFeed feed, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var quote in feed.QuotesAsync(ct))
                        {
                            await response.WriteAsync($"data: {quote.Text}\n\n", ct);
                        }
                    });
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_JsonEncodesTheDelta_AndAddsTheUsing(string family)
        => Verify<SseDataCarriesRawModelTextAnalyzer, SseDataCarriesRawModelTextCodeFix>.FixAsync(FamilySources.F(family, """
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
                        await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {{|LLM503:update.Text|}}\n\n", ct);
                            await response.WriteAsync("event: delta\ndata: " + {|LLM503:update.Text|} + "\n\n", ct);
                        }
                    });
                }
            }
            """), FamilySources.F(family, """
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
                        await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                        {
                            await response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n", ct);
                            await response.WriteAsync("event: delta\ndata: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                        }
                    });
                }
            }
            """));

    [Fact]
    public Task Fix_FormatArgument_InAController()
        => Verify<SseDataCarriesRawModelTextAnalyzer, SseDataCarriesRawModelTextCodeFix>.FixAsync("""
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.AI;

            public class ChatController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Post(IChatClient client, string prompt, CancellationToken ct)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                    {
                        await Response.WriteAsync(string.Format("data: {0}\n\n", {|LLM503:update.Text|}), ct);
                    }
                }
            }
            """, """
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.AI;

            public class ChatController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Post(IChatClient client, string prompt, CancellationToken ct)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: ct))
                    {
                        await Response.WriteAsync(string.Format("data: {0}\n\n", JsonSerializer.Serialize(update.Text)), ct);
                    }
                }
            }
            """);
    [Fact]
    public Task NoCrash_OnBrokenRelays()
        => TimeoutTestHelpers.BrokenCodeAsync<SseDataCarriesRawModelTextAnalyzer>("""
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
                            await response.WriteAsync(string.Format("data: {0}", ));
                            await response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes());
                    });
            }
            """);

    [Fact]
    public Task NoDiagnostic_HubItems_SignalRFramesThem()
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
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
            """);
}
