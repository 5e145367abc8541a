using System.Threading;
using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Recognition;
using LlmStreaming.Analyzers.Tests.Relays;
using LlmStreaming.CodeFixes.Relays;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 14, cross-method relays: the upstream of a relay is a service method of the same compilation that yields the
/// text of a model stream (<c>MethodSummaries.ReturnedTextStream</c>), and the minimal-API endpoint, controller action
/// or SignalR hub method forwards it. LLM501–LLM504 judge the relay's loop as they judge a loop over the SDK stream;
/// LLM502 also asks whether the service hands its token on to the model call.
/// </summary>
public class RelayTests
{
    internal const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.AspNetCore.Routing;
        using Microsoft.AspNetCore.SignalR;
        using Microsoft.Extensions.AI;

        """;

    /// <summary>The service method over Microsoft.Extensions.AI: it forwards its token and yields the raw text.</summary>
    private const string ExtensionsAIService = """

        public class ChatService
        {
            private readonly IChatClient _client;

            public ChatService(IChatClient client) => _client = client;

            public async IAsyncEnumerable<string> StreamAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await foreach (var update in _client.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                {
                    yield return update.Text;
                }
            }
        }
        """;

    /// <summary>The same service over OpenAI's <c>ChatClient</c>.</summary>
    private const string OpenAIService = """

        public class ChatService
        {
            private readonly OpenAI.Chat.ChatClient _chat;

            public ChatService(OpenAI.Chat.ChatClient chat) => _chat = chat;

            public async IAsyncEnumerable<string> StreamAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await foreach (var update in _chat.CompleteChatStreamingAsync(new OpenAI.Chat.ChatMessage[] { new OpenAI.Chat.UserChatMessage(prompt) }, cancellationToken: cancellationToken))
                {
                    foreach (var part in update.ContentUpdate)
                    {
                        yield return part.Text;
                    }
                }
            }
        }
        """;

    public static TheoryData<string> Services => new() { "ExtensionsAI", "OpenAI" };

    private static string Service(string family) => family == "OpenAI" ? OpenAIService : ExtensionsAIService;

    // LLM502 ---------------------------------------------------------------------------------------------------------

    private const string DisconnectRelays = """

        static class ChatEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapPost("/chat", async (string prompt, ChatService chat, HttpResponse response, CancellationToken ct) =>
                {
                    await foreach (var text in chat.{|#0:StreamAsync|}(prompt))
                    {
                        await response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n", ct);
                    }
                });
            }
        }

        [ApiController]
        public class ChatController : ControllerBase
        {
            private readonly ChatService _chat;

            public ChatController(ChatService chat) => _chat = chat;

            [HttpPost("chat")]
            public async Task Post(string prompt)
            {
                await foreach (var text in _chat.{|#1:StreamAsync|}(prompt, {|#2:CancellationToken.None|}))
                {
                    await Response.WriteAsync($"data: {JsonSerializer.Serialize(text)}\n\n");
                }
            }
        }

        public class ChatHub : Hub
        {
            private readonly ChatService _chat;

            public ChatHub(ChatService chat) => _chat = chat;

            public async IAsyncEnumerable<string> Stream(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await foreach (var text in _chat.{|#3:StreamAsync|}(prompt))
                {
                    yield return text;
                }
            }
        }
        """;

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM502_Reports_Endpoint_Action_Hub_OverAServiceMethod(string family)
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(Usings + DisconnectRelays + Service(family),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0).WithArguments("'StreamAsync'", "no token", "endpoint", "'ct'", ""),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(1).WithLocation(2)
                .WithArguments("'StreamAsync'", "'CancellationToken.None'", "action", "'HttpContext.RequestAborted'", ""),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(3).WithArguments("'StreamAsync'", "no token", "hub method", "'cancellationToken'", ""));

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM502_Fix_PassesTheClientsTokenToTheServiceMethod(string family)
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.FixAsync(
            Usings + DisconnectRelays.Replace("{|#0:StreamAsync|}", "{|LLM502:StreamAsync|}").Replace("{|#1:StreamAsync|}", "{|LLM502:StreamAsync|}")
                .Replace("{|#2:CancellationToken.None|}", "CancellationToken.None").Replace("{|#3:StreamAsync|}", "{|LLM502:StreamAsync|}") + Service(family),
            Usings + DisconnectRelays.Replace("{|#0:StreamAsync|}(prompt)", "StreamAsync(prompt, cancellationToken: ct)")
                .Replace("{|#1:StreamAsync|}(prompt, {|#2:CancellationToken.None|})", "StreamAsync(prompt, HttpContext.RequestAborted)")
                .Replace("{|#3:StreamAsync|}(prompt)", "StreamAsync(prompt, cancellationToken: cancellationToken)") + Service(family));

    /// <summary>A service that takes a token and drops it, one that takes none; the relay passes the client's token where it can.</summary>
    private const string DroppingServices = """

        static class ChatEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapPost("/chat", async (string prompt, ChatService chat, HttpResponse response, CancellationToken ct) =>
                {
                    await foreach (var text in chat.{|#0:DropsAsync|}(prompt, ct))
                    {
                        await response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n", ct);
                    }

                    await foreach (var text in chat.{|#1:TakesNoneAsync|}(prompt))
                    {
                        await response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n", ct);
                    }
                });
            }
        }

        public class ChatService
        {
            private readonly IChatClient _client;

            public ChatService(IChatClient client) => _client = client;

            public async IAsyncEnumerable<string> DropsAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await foreach (var update in _client.GetStreamingResponseAsync(prompt))
                {
                    yield return update.Text;
                }
            }

            public async IAsyncEnumerable<string> TakesNoneAsync(string prompt)
            {
                await foreach (var update in _client.GetStreamingResponseAsync(prompt, cancellationToken: CancellationToken.None))
                {
                    yield return update.Text;
                }
            }
        }
        """;

    [Fact]
    public Task LLM502_Reports_AServiceThatDropsItsToken_OrTakesNone()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(Usings + DroppingServices,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0)
                .WithArguments("'DropsAsync'", "a token it does not pass on to 'GetStreamingResponseAsync'", "endpoint", "'ct'", " on from 'DropsAsync' to 'GetStreamingResponseAsync'"),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(1)
                .WithArguments("'TakesNoneAsync'", "no token (it takes none)", "endpoint", "'ct'", " through a token parameter of 'TakesNoneAsync' to 'GetStreamingResponseAsync'"));

    [Fact]
    public Task LLM502_NoFix_WhereTheServiceMethodIsAtFault()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.NoFixAsync(
            Usings + DroppingServices.Replace("{|#0:DropsAsync|}", "{|LLM502:DropsAsync|}").Replace("{|#1:TakesNoneAsync|}", "{|LLM502:TakesNoneAsync|}"));

    [Fact]
    public Task LLM502_FollowsAForwardingMethod_AndAHandRolledService()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(Usings + """
            using System.IO;
            using System.Net.Http;

            public class ChatController : ControllerBase
            {
                private readonly Facade _facade;
                private readonly RawService _raw;

                public ChatController(Facade facade, RawService raw) => (_facade, _raw) = (facade, raw);

                [HttpPost("chat")]
                public async Task Post(string prompt, CancellationToken cancellationToken)
                {
                    await foreach (var text in _facade.{|#0:AskAsync|}(prompt))
                    {
                        await Response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n");
                    }

                    await foreach (var text in _raw.{|#1:StreamAsync|}(prompt))
                    {
                        await Response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n");
                    }

                    await foreach (var text in _raw.StreamAsync(prompt, cancellationToken))
                    {
                        await Response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n");
                    }
                }
            }

            public class Facade
            {
                private readonly ChatService _inner;

                public Facade(ChatService inner) => _inner = inner;

                public IAsyncEnumerable<string> AskAsync(string prompt, CancellationToken ct = default) => _inner.StreamAsync(prompt, ct);
            }

            public class RawService
            {
                private readonly HttpClient _http;

                public RawService(HttpClient http) => _http = http;

                public async IAsyncEnumerable<string> StreamAsync(string prompt, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                    {
                        Content = new StringContent(JsonSerializer.Serialize(new { model = "gpt-4o", stream = true, messages = new[] { new { role = "user", content = prompt } } })),
                    };
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? line;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]")
                        {
                            continue;
                        }

                        using var doc = JsonDocument.Parse(line.Substring(6));
                        var content = doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString();
                        if (content is not null)
                        {
                            yield return content;
                        }
                    }
                }
            }
            """ + ExtensionsAIService,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0).WithArguments("'AskAsync'", "no token", "action", "'cancellationToken'", ""),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(1).WithArguments("'StreamAsync'", "no token", "action", "'cancellationToken'", ""));

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM502_NoDiagnostic_TheClientsTokenReachesTheServiceThatForwardsIt(string family)
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(Usings + """

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/chat", async (string prompt, ChatService chat, HttpContext context) =>
                    {
                        await foreach (var text in chat.StreamAsync(prompt, context.RequestAborted))
                        {
                            await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(text) + "\n\n");
                        }
                    });
                }
            }

            public class ChatHub : Hub
            {
                private readonly ChatService _chat;

                public ChatHub(ChatService chat) => _chat = chat;

                public async IAsyncEnumerable<string> Stream(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
                {
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Context.ConnectionAborted);
                    await foreach (var text in _chat.StreamAsync(prompt).WithCancellation(linked.Token))
                    {
                        yield return text;
                    }
                }
            }
            """ + Service(family));

    [Fact]
    public void ServiceFacts_AreComputedOncePerMethod_HoweverManyRelaysAndRules()
    {
        var harness = RecognitionHarness.Compile(Usings + DisconnectRelays.Replace("{|#0:StreamAsync|}", "StreamAsync").Replace("{|#1:StreamAsync|}", "StreamAsync")
            .Replace("{|#2:CancellationToken.None|}", "CancellationToken.None").Replace("{|#3:StreamAsync|}", "StreamAsync") + ExtensionsAIService);
        var relays = harness.Llm.Relays!;
        var loops = harness.All<IForEachLoopOperation>().Where(l => l.Syntax.ToString().Contains(".StreamAsync(prompt")).ToList();
        Assert.Equal(3, loops.Count);
        foreach (var loop in loops)
        {
            for (var rule = 0; rule < 4; rule++)
            {
                var streamLoop = harness.Llm.Streams.TryGetStreamLoop(loop, harness.Options, CancellationToken.None, RelayLoops.Shapes);
                var service = relays.Services.Of(streamLoop!.Source!.Wrapper!, harness.Options, loop.SemanticModel);
                Assert.Equal(TokenReach.Parameter, service!.Reach);
                Assert.Equal("cancellationToken", service.TokenParameter!.Name);
                Assert.True(service.YieldsRawText);
            }
        }

        Assert.Equal(1, relays.Services.ComputedCount);
    }

    // LLM501 ---------------------------------------------------------------------------------------------------------

    private const string HidingRelays = """

        [ApiController]
        public class ChatController : ControllerBase
        {
            private readonly ChatService _chat;

            public ChatController(ChatService chat) => _chat = chat;

            [HttpPost("chat")]
            public async Task Post(string prompt, CancellationToken cancellationToken)
            {
                try
                {
                    await foreach (var text in _chat.StreamAsync(prompt, cancellationToken))
                    {
                        await Response.WriteAsync($"data: {JsonSerializer.Serialize(text)}\n\n", cancellationToken);
                    }
                }
                {|#0:catch|} (Exception ex)
                {
                    Console.Error.WriteLine(ex);
                }

                await Response.WriteAsync("data: [DONE]\n\n", cancellationToken);
            }
        }

        public class ChatHub : Hub
        {
            private readonly ChatService _chat;

            public ChatHub(ChatService chat) => _chat = chat;

            public ChannelReader<string> Stream(string prompt, CancellationToken cancellationToken)
            {
                var channel = Channel.CreateUnbounded<string>();
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await foreach (var text in _chat.StreamAsync(prompt, cancellationToken))
                        {
                            await channel.Writer.WriteAsync(text, cancellationToken);
                        }
                    }
                    {|#1:catch|} (Exception)
                    {
                        channel.Writer.Complete();
                        return;
                    }

                    channel.Writer.Complete();
                });
                return channel.Reader;
            }
        }
        """;

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM501_Reports_Action_And_HubChannel_OverAServiceMethod(string family)
        => Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync(Usings + HidingRelays + Service(family),
            Verify<RelayHidesUpstreamFailureAnalyzer>.Diagnostic("LLM501").WithLocation(0)
                .WithArguments("'StreamAsync'", "only logs", "write an SSE error event and no end marker, or abort the connection"),
            Verify<RelayHidesUpstreamFailureAnalyzer>.Diagnostic("LLM501").WithLocation(1)
                .WithArguments("'StreamAsync'", "completes the channel normally", "complete the channel with the exception (TryComplete(ex))"));

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM501_Fix_ErrorEvent_And_TryComplete(string family)
        => Verify<RelayHidesUpstreamFailureAnalyzer, RelayHidesUpstreamFailureCodeFix>.FixAsync(
            Usings + HidingRelays.Replace("{|#0:catch|}", "{|LLM501:catch|}").Replace("{|#1:catch|}", "{|LLM501:catch|}") + Service(family),
            Usings + HidingRelays
                .Replace("{|#0:catch|}", "catch")
                .Replace("Console.Error.WriteLine(ex);\n", "Console.Error.WriteLine(ex);\n" + new string(' ', 12)
                    + "await Response.WriteAsync(\"event: error\\ndata: \" + JsonSerializer.Serialize(new { message = \"The model stream failed before the answer was complete.\" }) + \"\\n\\n\");\n"
                    + new string(' ', 12) + "return;\n")
                .Replace("{|#1:catch|} (Exception)", "catch (Exception ex)")
                .Replace("channel.Writer.Complete();\n" + new string(' ', 16) + "return;", "channel.Writer.TryComplete(ex);\n" + new string(' ', 16) + "return;")
                + Service(family));

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM501_NoDiagnostic_ErrorEvent_TryComplete(string family)
        => Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync(Usings + """

            [ApiController]
            public class ChatController : ControllerBase
            {
                private readonly ChatService _chat;

                public ChatController(ChatService chat) => _chat = chat;

                [HttpPost("chat")]
                public async Task Post(string prompt, CancellationToken cancellationToken)
                {
                    try
                    {
                        await foreach (var text in _chat.StreamAsync(prompt, cancellationToken))
                        {
                            await Response.WriteAsync($"data: {JsonSerializer.Serialize(text)}\n\n", cancellationToken);
                        }
                    }
                    catch (Exception ex)
                    {
                        await Response.WriteAsync("event: error\ndata: " + JsonSerializer.Serialize(new { error = ex.Message }) + "\n\n");
                        return;
                    }

                    await Response.WriteAsync("data: [DONE]\n\n", cancellationToken);
                }
            }

            public class ChatHub : Hub
            {
                private readonly ChatService _chat;

                public ChatHub(ChatService chat) => _chat = chat;

                public ChannelReader<string> Stream(string prompt, CancellationToken cancellationToken)
                {
                    var channel = Channel.CreateUnbounded<string>();
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await foreach (var text in _chat.StreamAsync(prompt, cancellationToken))
                            {
                                await channel.Writer.WriteAsync(text, cancellationToken);
                            }

                            channel.Writer.TryComplete();
                        }
                        catch (Exception ex)
                        {
                            channel.Writer.TryComplete(ex);
                        }
                    });
                    return channel.Reader;
                }
            }
            """ + Service(family));

    // LLM503 ---------------------------------------------------------------------------------------------------------

    private const string RawRelays = """

        static class ChatEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapGet("/chat", async (string prompt, ChatService chat, HttpResponse response, CancellationToken ct) =>
                {
                    await foreach (var text in chat.StreamAsync(prompt, ct))
                    {
                        await response.WriteAsync("data: " + {|#0:text|} + "\n\n", ct);
                    }
                });
            }
        }

        [ApiController]
        public class ChatController : ControllerBase
        {
            private readonly ChatService _chat;

            public ChatController(ChatService chat) => _chat = chat;

            [HttpPost("chat")]
            public async Task Post(string prompt)
            {
                await foreach (var text in _chat.StreamAsync(prompt, HttpContext.RequestAborted))
                {
                    await Response.WriteAsync($"data: {{|#1:text|}}\n\n");
                }
            }
        }
        """;

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM503_Reports_Endpoint_And_Action_OverAServiceMethod(string family)
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync(Usings + RawRelays + Service(family),
            Verify<SseDataCarriesRawModelTextAnalyzer>.Diagnostic("LLM503").WithLocation(0).WithArguments("'text'"),
            Verify<SseDataCarriesRawModelTextAnalyzer>.Diagnostic("LLM503").WithLocation(1).WithArguments("'text'"));

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM503_Fix_JsonEncodesTheServicesText(string family)
        => Verify<SseDataCarriesRawModelTextAnalyzer, SseDataCarriesRawModelTextCodeFix>.FixAsync(
            Usings + RawRelays.Replace("{|#0:text|}", "{|LLM503:text|}").Replace("{|#1:text|}", "{|LLM503:text|}") + Service(family),
            Usings + RawRelays.Replace("{|#0:text|}", "JsonSerializer.Serialize(text)").Replace("{{|#1:text|}}", "{JsonSerializer.Serialize(text)}") + Service(family));

    [Fact]
    public Task LLM503_NoDiagnostic_TheServiceYieldsJsonOrItsOwnText()
        => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync(Usings + """

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapGet("/chat", async (string prompt, ChatService chat, HttpResponse response, CancellationToken ct) =>
                    {
                        await foreach (var json in chat.JsonAsync(prompt, ct))
                        {
                            await response.WriteAsync("data: " + json + "\n\n", ct);
                        }

                        await foreach (var line in chat.OneLineAsync(prompt, ct))
                        {
                            await response.WriteAsync($"data: {line}\n\n", ct);
                        }
                    });
                }
            }

            public class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                public async IAsyncEnumerable<string> JsonAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    await foreach (var update in _client.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                    {
                        yield return JsonSerializer.Serialize(new { text = update.Text });
                    }
                }

                public async IAsyncEnumerable<string> OneLineAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    await foreach (var update in _client.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                    {
                        yield return update.Text.Replace("\n", "\\n");
                    }
                }
            }
            """);

    // LLM504 ---------------------------------------------------------------------------------------------------------

    private const string SilentRelay = """

        static class ChatEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapPost("/chat", async (string prompt, ChatService chat, HttpResponse response, CancellationToken ct) =>
                {
                    response.ContentType = "text/event-stream";
                    await {|#0:foreach|} (var text in chat.StreamAsync(prompt, ct))
                    {
                        await response.WriteAsync($"data: {JsonSerializer.Serialize(text)}\n\n", ct);
                    }
                });
            }
        }
        """;

    [Theory]
    [MemberData(nameof(Services))]
    public Task LLM504_Reports_AnEndpointOverAServiceMethod(string family)
        => Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync(Usings + SilentRelay + Service(family),
            new Microsoft.CodeAnalysis.Testing.DiagnosticResult("LLM504", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(0)
                .WithArguments("endpoint", "'StreamAsync'", "15"));

    /// <summary>The endpoint of the heartbeat fix's test (<see cref="SseRelaySendsNoHeartbeatTests.FixedSource"/>), over a service method.</summary>
    private static string OverTheService(string source)
        => source.Replace("IChatClient client", "ChatService client")
            .Replace("client.GetStreamingResponseAsync(prompt, cancellationToken: ct)", "client.StreamAsync(prompt, ct)")
            .Replace("JsonSerializer.Serialize(update.Text)", "JsonSerializer.Serialize(update)")
            + """

            public class ChatService
            {
                private readonly IChatClient _client;

                public ChatService(IChatClient client) => _client = client;

                public async System.Collections.Generic.IAsyncEnumerable<string> StreamAsync(string prompt, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    await foreach (var update in _client.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                    {
                        yield return update.Text;
                    }
                }
            }
            """;

    [Fact]
    public Task LLM504_Fix_StartsAHeartbeat()
        => Verify<SseRelaySendsNoHeartbeatAnalyzer, SseRelaySendsNoHeartbeatCodeFix>.FixAsync(OverTheService("""
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
            """), OverTheService(SseRelaySendsNoHeartbeatTests.FixedSource));

    // Look-alikes: no relay rule reports ---------------------------------------------------------------------------

    /// <summary>Relays with every flaw the rules look for, over services that are not model streams, and over two services that yield each other.</summary>
    private const string LookAlikes = """
        using System.IO;
        using System.Linq;

        static class FeedEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapGet("/prices", async (PriceService prices, HttpResponse response, CancellationToken ct) =>
                {
                    try
                    {
                        await foreach (var price in prices.StreamAsync())
                        {
                            await response.WriteAsync("data: " + price + "\n\n");
                        }
                    }
                    catch (Exception)
                    {
                        await response.WriteAsync("data: [DONE]\n\n");
                    }
                });

                app.MapGet("/logs", async (LogService logs, HttpResponse response, CancellationToken ct) =>
                {
                    await foreach (var line in logs.TailAsync("app.log"))
                    {
                        await response.WriteAsync($"data: {line}\n\n");
                    }
                });

                app.MapGet("/canned", async (CannedService canned, HttpResponse response, CancellationToken ct) =>
                {
                    await foreach (var text in canned.StreamAsync())
                    {
                        await response.WriteAsync($"data: {text}\n\n");
                    }
                });

                app.MapGet("/loop", async (Ping ping, HttpResponse response, CancellationToken ct) =>
                {
                    await foreach (var text in ping.PingAsync(3))
                    {
                        await response.WriteAsync($"data: {text}\n\n");
                    }
                });
            }
        }

        public class PriceService
        {
            private readonly Channel<decimal> _ticks = Channel.CreateUnbounded<decimal>();

            public async IAsyncEnumerable<string> StreamAsync()
            {
                await foreach (var tick in _ticks.Reader.ReadAllAsync())
                {
                    yield return tick.ToString("F2");
                }
            }
        }

        public class LogService
        {
            public async IAsyncEnumerable<string> TailAsync(string path)
            {
                using var reader = new StreamReader(path);
                while (await reader.ReadLineAsync() is { } line)
                {
                    yield return line;
                }
            }
        }

        public class CannedService
        {
            private readonly List<string> _answers = new() { "Hello", " world" };

            public async IAsyncEnumerable<string> StreamAsync()
            {
                foreach (var answer in _answers)
                {
                    await Task.Yield();
                    yield return answer;
                }
            }
        }

        public class Ping
        {
            private readonly IChatClient _client;

            public Ping(IChatClient client) => _client = client;

            public async IAsyncEnumerable<string> PingAsync(int n)
            {
                await foreach (var text in PongAsync(n - 1))
                {
                    yield return text;
                }
            }

            public async IAsyncEnumerable<string> PongAsync(int n)
            {
                await foreach (var text in PingAsync(n - 1))
                {
                    yield return text;
                }
            }
        }
        """;

    [Fact]
    public async Task NoDiagnostic_PriceFeed_LogLines_ListWrapper_Recursion()
    {
        var source = Usings + LookAlikes;
        await Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync(source);
        await Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(source);
        await Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync(source);
        await Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync(source);
    }
}
