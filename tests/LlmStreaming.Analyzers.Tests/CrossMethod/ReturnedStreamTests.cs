using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Timeouts;
using LlmStreaming.CodeFixes.Relays;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 14, returned streams: an endpoint, action or hub method that returns a service method's model text stream
/// (<c>=> _svc.StreamAsync(q)</c>, <c>TypedResults.ServerSentEvents(…)</c>) instead of looping over it. ASP.NET Core
/// enumerates it with the request's token, which reaches the iterator only through an <c>[EnumeratorCancellation]</c>
/// parameter: without one, LLM502 asks the endpoint to pass its token at the call.
/// </summary>
public class ReturnedStreamTests
{
    /// <summary>A service that passes its token on to the model, through a parameter that is not [EnumeratorCancellation].</summary>
    private const string NoAttributeService = """

        public class ChatService
        {
            private readonly IChatClient _client;

            public ChatService(IChatClient client) => _client = client;

            public async IAsyncEnumerable<string> StreamAsync(string prompt, CancellationToken cancellationToken = default)
            {
                await foreach (var update in _client.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                {
                    yield return update.Text;
                }
            }

            public async IAsyncEnumerable<string> DropsAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await foreach (var update in _client.GetStreamingResponseAsync(prompt))
                {
                    yield return update.Text;
                }
            }
        }
        """;

    private const string ReturningEndpoints = """

        static class ChatEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapGet("/chat", (string prompt, ChatService chat, CancellationToken ct) => chat.{|#0:StreamAsync|}(prompt));
                app.MapGet("/sse", (string prompt, ChatService chat, HttpContext context) => TypedResults.ServerSentEvents(chat.{|#1:StreamAsync|}(prompt)));
                app.MapGet("/group", Stream);
            }

            private static IAsyncEnumerable<string> Stream(string prompt, ChatService chat, CancellationToken cancellationToken)
            {
                return chat.{|#2:StreamAsync|}(prompt);
            }
        }

        [ApiController]
        public class ChatController : ControllerBase
        {
            private readonly ChatService _chat;

            public ChatController(ChatService chat) => _chat = chat;

            [HttpGet("chat")]
            public IAsyncEnumerable<string> Get(string prompt) => _chat.{|#3:StreamAsync|}(prompt);
        }

        public class ChatHub : Hub
        {
            private readonly ChatService _chat;

            public ChatHub(ChatService chat) => _chat = chat;

            public IAsyncEnumerable<string> Stream(string prompt) => _chat.{|#4:StreamAsync|}(prompt);
        }
        """;

    private const string NotAttributed = " at the call ('cancellationToken' is not [EnumeratorCancellation])";

    [Fact]
    public Task LLM502_Reports_Endpoint_MethodGroup_Sse_Action_Hub_ReturningAnIteratorWithoutEnumeratorCancellation()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(RelayTests.Usings + ReturningEndpoints + NoAttributeService,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0).WithArguments("'StreamAsync'", "no token", "endpoint", "'ct'", NotAttributed),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(1).WithArguments("'StreamAsync'", "no token", "endpoint", "'context.RequestAborted'", NotAttributed),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(2).WithArguments("'StreamAsync'", "no token", "endpoint", "'cancellationToken'", NotAttributed),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(3).WithArguments("'StreamAsync'", "no token", "action", "'HttpContext.RequestAborted'", NotAttributed),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(4).WithArguments("'StreamAsync'", "no token", "hub method", "'Context.ConnectionAborted'", NotAttributed));

    [Fact]
    public Task LLM502_Fix_PassesTheEndpointsToken_AtTheReturnedCall()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.FixAsync(
            RelayTests.Usings + ReturningEndpoints
                .Replace("{|#0:StreamAsync|}", "{|LLM502:StreamAsync|}").Replace("{|#1:StreamAsync|}", "{|LLM502:StreamAsync|}")
                .Replace("{|#2:StreamAsync|}", "{|LLM502:StreamAsync|}").Replace("{|#3:StreamAsync|}", "{|LLM502:StreamAsync|}")
                .Replace("{|#4:StreamAsync|}", "{|LLM502:StreamAsync|}") + NoAttributeService,
            RelayTests.Usings + ReturningEndpoints
                .Replace("{|#0:StreamAsync|}(prompt)", "StreamAsync(prompt, cancellationToken: ct)")
                .Replace("{|#1:StreamAsync|}(prompt)", "StreamAsync(prompt, cancellationToken: context.RequestAborted)")
                .Replace("{|#2:StreamAsync|}(prompt)", "StreamAsync(prompt, cancellationToken: cancellationToken)")
                .Replace("{|#3:StreamAsync|}(prompt)", "StreamAsync(prompt, cancellationToken: HttpContext.RequestAborted)")
                .Replace("{|#4:StreamAsync|}(prompt)", "StreamAsync(prompt, cancellationToken: Context.ConnectionAborted)") + NoAttributeService);

    private const string DroppingEndpoint = """

        static class ChatEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapGet("/drops", (string prompt, ChatService chat, CancellationToken ct) => chat.{|#0:DropsAsync|}(prompt, ct));
            }
        }
        """;

    [Fact]
    public Task LLM502_Reports_AReturnedServiceThatDropsItsToken_WithNoFix()
        => Task.WhenAll(
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(RelayTests.Usings + DroppingEndpoint + NoAttributeService,
                Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0)
                    .WithArguments("'DropsAsync'", "a token it does not pass on to 'GetStreamingResponseAsync'", "endpoint", "'ct'", " on from 'DropsAsync' to 'GetStreamingResponseAsync'")),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.NoFixAsync(
                RelayTests.Usings + DroppingEndpoint.Replace("{|#0:DropsAsync|}", "{|LLM502:DropsAsync|}") + NoAttributeService));

    [Fact]
    public Task LLM502_NoDiagnostic_SdkStreamReturned_EnumeratorCancellation_TokenPassed_NoTokenAtHand_NotAnEndpoint_PriceFeed()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(RelayTests.Usings + """

            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    // The SDK's stream observes the token the framework enumerates it with.
                    app.MapGet("/direct", (string prompt, IChatClient client, CancellationToken ct) => client.GetStreamingResponseAsync(prompt));
                    app.MapGet("/direct-sse", (string prompt, IChatClient client, CancellationToken ct) => TypedResults.ServerSentEvents(client.GetStreamingResponseAsync(prompt)));

                    // [EnumeratorCancellation]: the framework's token reaches the parameter, which goes on to the model.
                    app.MapGet("/attributed", (string prompt, AttributedService chat, CancellationToken ct) => chat.StreamAsync(prompt));
                    app.MapGet("/attributed-sse", (string prompt, AttributedService chat, HttpContext context) => Results.ServerSentEvents(chat.StreamAsync(prompt)));

                    // The endpoint passes its token explicitly.
                    app.MapGet("/passed", (string prompt, ChatService chat, CancellationToken ct) => chat.StreamAsync(prompt, ct));
                    app.MapGet("/passed-sse", (string prompt, ChatService chat, HttpContext context) => TypedResults.ServerSentEvents(chat.StreamAsync(prompt, context.RequestAborted)));

                    // No token at hand: the fix would have to add a parameter (as for loops).
                    app.MapGet("/none", (string prompt, ChatService chat) => chat.StreamAsync(prompt));

                    // Not a model stream: prices.
                    app.MapGet("/prices", (PriceFeed feed, CancellationToken ct) => feed.StreamAsync());
                }
            }

            public class Relayer
            {
                private readonly ChatService _chat;

                public Relayer(ChatService chat) => _chat = chat;

                // Not an endpoint: its caller decides what token the stream gets.
                public IAsyncEnumerable<string> Forward(string prompt, CancellationToken ct) => _chat.StreamAsync(prompt);
            }

            public class AttributedService
            {
                private readonly IChatClient _client;

                public AttributedService(IChatClient client) => _client = client;

                public async IAsyncEnumerable<string> StreamAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    await foreach (var update in _client.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
                    {
                        yield return update.Text;
                    }
                }
            }

            public class PriceFeed
            {
                public async IAsyncEnumerable<decimal> StreamAsync(CancellationToken cancellationToken = default)
                {
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        await Task.Delay(1000, cancellationToken);
                        yield return 42m;
                    }
                }
            }
            """ + NoAttributeService);

    /// <summary>
    /// The other relay rules on returned streams (decisions on their pages): a stream that throws aborts the response,
    /// so nothing is hidden (LLM501); the framework encodes each item (JSON array, or SSE data through
    /// <c>TypedResults.ServerSentEvents</c>), so no raw text reaches a <c>data:</c> line (LLM503); and no heartbeat is
    /// asked of <c>TypedResults.ServerSentEvents</c>, which has no keep-alive of its own and no safe place for one (LLM504).
    /// </summary>
    [Fact]
    public Task LLM501_LLM503_LLM504_NoDiagnostic_OnReturnedStreams()
    {
        var source = RelayTests.Usings + ReturningEndpoints.Replace("{|#0:StreamAsync|}", "StreamAsync").Replace("{|#1:StreamAsync|}", "StreamAsync")
            .Replace("{|#2:StreamAsync|}", "StreamAsync").Replace("{|#3:StreamAsync|}", "StreamAsync").Replace("{|#4:StreamAsync|}", "StreamAsync") + NoAttributeService;
        return Task.WhenAll(
            Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync(source),
            Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync(source),
            Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync(source));
    }

    [Fact]
    public Task NoCrash_OnBrokenReturnedStreams()
        => TimeoutTestHelpers.BrokenCodeAsync<ModelStreamIgnoresClientDisconnectAnalyzer>(RelayTests.Usings + """
            static class ChatEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapGet("/a", (string prompt, ChatService chat, CancellationToken ct) => chat.StreamAsync(
                    app.MapGet("/b", (ChatService chat, CancellationToken ct) => TypedResults.ServerSentEvents());
                    app.MapGet("/c", Missing);
                }
            }

            public class ChatHub : Hub
            {
                public IAsyncEnumerable<string> Stream(ChatService chat) => chat.Loop(
            }

            public class ChatService
            {
                public IAsyncEnumerable<string> Loop(string p, CancellationToken ct = default) => Loop(p, ct);
                public IAsyncEnumerable<string> StreamAsync(string prompt, CancellationToken cancellationToken) { return StreamAsync(prompt, cancellationToken) }
            }
            """);
}
