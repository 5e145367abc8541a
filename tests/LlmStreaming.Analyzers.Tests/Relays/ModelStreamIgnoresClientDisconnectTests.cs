using LlmStreaming.Analyzers.Tests.Families;
using System.Collections.Immutable;
using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Timeouts;
using LlmStreaming.CodeFixes.Relays;

namespace LlmStreaming.Analyzers.Tests.Relays;

public class ModelStreamIgnoresClientDisconnectTests
{
    [Fact]
    public Task Reports_MinimalApiLambda_NoToken()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
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
                        await foreach (var update in client.{|#0:GetStreamingResponseAsync|}(prompt))
                        {
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                        }
                    });
                }
            }
            """,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0)
                .WithArguments("'GetStreamingResponseAsync'", "no token", "endpoint", "'ct'", ""));

    [Fact]
    public Task Reports_MethodGroupHandler_NoneToken()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.Text.Json;
            using System.Threading;
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
                    await foreach (var update in chat.{|#0:CompleteChatStreamingAsync|}(new ChatMessage[] { new UserChatMessage("Hi") }, null, {|#1:CancellationToken.None|}))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(part.Text) + "\n\n");
                        }
                    }
                }
            }
            """,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0)
                .WithLocation(1).WithArguments("'CompleteChatStreamingAsync'", "'CancellationToken.None'", "endpoint", "'context.RequestAborted'", ""));

    [Fact]
    public Task Reports_ControllerAction_UnlinkedSource()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.AI;

            [ApiController]
            [Route("chat")]
            public class ChatController : ControllerBase
            {
                private readonly IChatClient _client;

                public ChatController(IChatClient client) => _client = client;

                [HttpPost]
                public async Task Post(string prompt)
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
                    Response.ContentType = "text/event-stream";
                    await foreach (var update in _client.{|#0:GetStreamingResponseAsync|}(prompt, cancellationToken: {|#1:deadline.Token|}))
                    {
                        await Response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n");
                    }
                }
            }
            """,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0).WithLocation(1)
                .WithArguments("'GetStreamingResponseAsync'", "'deadline.Token' (not linked to the client's)", "action", "'HttpContext.RequestAborted'", ", or a token linked to both"));

    [Fact]
    public Task Reports_HubAsyncEnumerable_WithEnumeratorCancellation()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.AI;

            public class ChatHub : Hub
            {
                private readonly IChatClient _client;

                public ChatHub(IChatClient client) => _client = client;

                public async IAsyncEnumerable<string> Stream(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
                {
                    await foreach (var update in _client.{|#0:GetStreamingResponseAsync|}(prompt))
                    {
                        yield return update.Text;
                    }
                }
            }
            """,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0)
                .WithArguments("'GetStreamingResponseAsync'", "no token", "hub method", "'cancellationToken'", ""));

    [Fact]
    public Task Reports_HubChannelReader()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            using System.Threading.Channels;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.AI;

            public class ChatHub : Hub
            {
                private readonly IChatClient _client;

                public ChatHub(IChatClient client) => _client = client;

                public ChannelReader<string> Stream(string prompt, CancellationToken cancellationToken)
                {
                    var channel = Channel.CreateUnbounded<string>();
                    _ = Task.Run(async () =>
                    {
                        await foreach (var update in _client.{|#0:GetStreamingResponseAsync|}(prompt, cancellationToken: {|#1:default|}))
                        {
                            await channel.Writer.WriteAsync(update.Text);
                        }

                        channel.Writer.Complete();
                    });
                    return channel.Reader;
                }
            }
            """,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0).WithLocation(1)
                .WithArguments("'GetStreamingResponseAsync'", "'default'", "hub method", "'cancellationToken'", ""));

    [Fact]
    public Task Reports_Middleware_AndResponseWriter()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.Text.Json;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.Extensions.AI;

            public class ChatMiddleware
            {
                private readonly RequestDelegate _next;
                private readonly IChatClient _client;

                public ChatMiddleware(RequestDelegate next, IChatClient client) { _next = next; _client = client; }

                public async Task InvokeAsync(HttpContext context)
                {
                    await foreach (var update in _client.{|#0:GetStreamingResponseAsync|}("Hi"))
                    {
                        await context.Response.WriteAsync(JsonSerializer.Serialize(update.Text) + "\n");
                    }
                }
            }

            public static class Relay
            {
                public static async Task WriteAnswerAsync(IChatClient client, HttpResponse response)
                {
                    var stream = client.{|#1:GetStreamingResponseAsync|}("Hi");
                    await foreach (var update in stream)
                    {
                        await response.Body.WriteAsync(System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(update.Text) + "\n"));
                    }
                }
            }
            """,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0)
                .WithArguments("'GetStreamingResponseAsync'", "no token", "middleware", "'context.RequestAborted'", ""),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(1)
                .WithArguments("'GetStreamingResponseAsync'", "no token", "relay", "'response.HttpContext.RequestAborted'", ""));

    [Fact]
    public Task NoDiagnostic_TokenOrLinkedTokenReachesTheCall()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
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

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/a", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ct))
                        {
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n");
                        }
                    });

                    app.MapPost("/b", async (IChatClient client, HttpContext context) =>
                    {
                        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                        linked.CancelAfter(TimeSpan.FromMinutes(5));
                        await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: linked.Token))
                        {
                            await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n");
                        }
                    });

                    app.MapPost("/c", async (IChatClient client, HttpContext context) =>
                    {
                        var token = context.RequestAborted;
                        await foreach (var update in client.GetStreamingResponseAsync("Hi").WithCancellation(token))
                        {
                            await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n");
                        }
                    });
                }
            }

            public class ChatHub : Hub
            {
                public async IAsyncEnumerable<string> Stream(IChatClient client, [EnumeratorCancellation] CancellationToken cancellationToken)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: cancellationToken))
                    {
                        yield return update.Text;
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_PriceFeedRelay_NotAModelStream()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.AspNetCore.SignalR;

            public interface IPriceFeed { IAsyncEnumerable<decimal> PricesAsync(string symbol, CancellationToken cancellationToken = default); }

            static class PriceEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapGet("/prices", async (IPriceFeed feed, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var price in feed.PricesAsync("MSFT"))
                        {
                            await response.WriteAsync("data: " + price + "\n\n");
                        }
                    });
                }
            }

            public class PriceHub : Hub
            {
                public async IAsyncEnumerable<decimal> Prices(IPriceFeed feed, [EnumeratorCancellation] CancellationToken cancellationToken)
                {
                    await foreach (var price in feed.PricesAsync("MSFT"))
                    {
                        yield return price;
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NotARelay_OrNoTokenAtHand()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Routing;
            using Microsoft.Extensions.AI;

            public class ChatService
            {
                public async Task<string> AskAsync(IChatClient client, string prompt)
                {
                    var answer = new StringBuilder();
                    await foreach (var update in client.GetStreamingResponseAsync(prompt))
                    {
                        answer.Append(update.Text);
                    }

                    return answer.ToString();
                }

                public async IAsyncEnumerable<string> StreamAsync(IChatClient client, string prompt)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(prompt))
                    {
                        yield return update.Text;
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_WithoutAspNetCore()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using Microsoft.Extensions.AI;

            public class ChatService
            {
                public async IAsyncEnumerable<string> StreamAsync(IChatClient client, string prompt)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(prompt))
                    {
                        yield return update.Text;
                    }
                }
            }
            """,
            References.Sdks.Except(References.AspNetCore).ToImmutableArray(),
            editorConfig: null);
    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_AddsTheHandlersToken(string family)
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.FixAsync(FamilySources.F(family, """
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
                        await foreach (var update in client.{|LLM502:GetStreamingResponseAsync|}(prompt))
                        {
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
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
                            await response.WriteAsync("data: " + JsonSerializer.Serialize(update.Text) + "\n\n", ct);
                        }
                    });
                }
            }
            """));

    [Fact]
    public Task Fix_OpenAIParamsOverload_BindsTheTokenOverload_AndHubTokens()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.FixAsync("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.SignalR;
            using OpenAI.Chat;

            public class ChatHub : Hub
            {
                public async IAsyncEnumerable<string> Stream(ChatClient chat, string prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
                {
                    await foreach (var update in chat.{|LLM502:CompleteChatStreamingAsync|}(new ChatMessage[] { new UserChatMessage(prompt) }))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            yield return part.Text;
                        }
                    }
                }

                public async IAsyncEnumerable<string> Default(ChatClient chat, string prompt)
                {
                    await foreach (var update in chat.{|LLM502:CompleteChatStreamingAsync|}(new ChatMessage[] { new UserChatMessage(prompt) }, null, default))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            yield return part.Text;
                        }
                    }
                }
            }
            """, """
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.SignalR;
            using OpenAI.Chat;

            public class ChatHub : Hub
            {
                public async IAsyncEnumerable<string> Stream(ChatClient chat, string prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
                {
                    await foreach (var update in chat.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage(prompt) }, cancellationToken: cancellationToken))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            yield return part.Text;
                        }
                    }
                }

                public async IAsyncEnumerable<string> Default(ChatClient chat, string prompt)
                {
                    await foreach (var update in chat.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage(prompt) }, null, Context.ConnectionAborted))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            yield return part.Text;
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_LinksAnUnlinkedToken()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.FixAsync("""
            using System;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.AI;

            [ApiController]
            public class ChatController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Post(IChatClient client, string prompt)
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
                    await foreach (var update in client.{|LLM502:GetStreamingResponseAsync|}(prompt, cancellationToken: deadline.Token))
                    {
                        await Response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n");
                    }
                }
            }
            """, """
            using System;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.AI;

            [ApiController]
            public class ChatController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Post(IChatClient client, string prompt)
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
                    using var clientLinked = CancellationTokenSource.CreateLinkedTokenSource(HttpContext.RequestAborted, deadline.Token);
                    await foreach (var update in client.GetStreamingResponseAsync(prompt, cancellationToken: clientLinked.Token))
                    {
                        await Response.WriteAsync($"data: {JsonSerializer.Serialize(update.Text)}\n\n");
                    }
                }
            }
            """);
    [Fact]
    public Task Fix_HandRolledProxy_TheSendGetsTheToken()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.FixAsync("""
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;

            public class ProxyController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Relay([FromServices] HttpClient http, CancellationToken cancellationToken)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                    using var upstream = await http.{|LLM502:SendAsync|}(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await upstream.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                        await Response.WriteAsync(line + "\n\n");
                    }
                }
            }
            """, """
            using System.IO;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;

            public class ProxyController : ControllerBase
            {
                [HttpPost("chat")]
                public async Task Relay([FromServices] HttpClient http, CancellationToken cancellationToken)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                    using var upstream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken: cancellationToken);
                    using var reader = new StreamReader(await upstream.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "data: [DONE]") break;
                        await Response.WriteAsync(line + "\n\n");
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_HandRolledProxy_TokenReachesTheReads()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public static class Proxy
            {
                public static async Task RelayAsync(HttpClient http, HttpContext context)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                    using var upstream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await upstream.Content.ReadAsStreamAsync());
                    string? line;
                    while ((line = await reader.ReadLineAsync(context.RequestAborted)) != null)
                    {
                        if (line == "data: [DONE]") break;
                        await context.Response.WriteAsync(line + "\n\n");
                    }
                }
            }
            """);
    [Fact]
    public Task Reports_ConfiguredStreamingMethod()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;

            namespace MyApp
            {
                public class Gateway { public IAsyncEnumerable<string> StreamAsync(string prompt, CancellationToken cancellationToken = default) => throw null!; }

                static class ChatEndpoints
                {
                    public static void Map(IEndpointRouteBuilder app)
                        => app.MapPost("/chat", async (Gateway gateway, HttpResponse response, CancellationToken ct) =>
                        {
                            await foreach (var text in gateway.{|LLM502:StreamAsync|}("Hi"))
                            {
                                await response.WriteAsync(text, ct);
                            }
                        });
                }
            }
            """,
            References.Sdks,
            "llm_streaming.streaming_methods = MyApp.Gateway.StreamAsync\n");

    [Fact]
    public Task NoCrash_OnBrokenRelays()
        => TimeoutTestHelpers.BrokenCodeAsync<ModelStreamIgnoresClientDisconnectAnalyzer>("""
            using System.Threading;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.AI;

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var update in client.GetStreamingResponseAsync(
                        {
                            await response.WriteAsync(update.Text
                    });
                    app.MapGet("/b", Missing);
                }
            }

            public class ChatHub : Hub
            {
                public async IAsyncEnumerable<string> Stream(IChatClient client, [EnumeratorCancellation] CancellationToken)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: ))
                        yield return update.
            }
            """);
}
