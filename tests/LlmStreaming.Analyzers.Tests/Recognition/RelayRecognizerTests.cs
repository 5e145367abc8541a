using System.Collections.Immutable;
using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>Relay recognition (issue 14): the kinds, what is not a relay, and the cheap gate.</summary>
public class RelayRecognizerTests
{
    private const string Usings = """
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

    private static Relay? RelayOfTheLoop(string source)
    {
        var harness = RecognitionHarness.Compile(Usings + source);
        var loop = harness.StreamLoop(harness.Loop());
        Assert.NotNull(loop);
        return harness.Llm.Relays!.TryGetRelay(loop!, CancellationToken.None);
    }

    [Theory]
    [InlineData("MinimalApi", "ct", """
        static class E
        {
            public static void Map(IEndpointRouteBuilder app) => app.MapPost("/chat", async (IChatClient client, HttpResponse response, CancellationToken ct) =>
            {
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) await response.WriteAsync(JsonSerializer.Serialize(update.Text));
            });
        }
        """)]
    [InlineData("MinimalApi", "context.RequestAborted", """
        static class E
        {
            public static void Map(RouteGroupBuilder group) => group.MapGet("/chat", Stream);

            static async Task Stream(IChatClient client, HttpContext context)
            {
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) await context.Response.WriteAsync(JsonSerializer.Serialize(update.Text));
            }
        }
        """)]
    [InlineData("Controller", "cancellationToken", """
        [ApiController]
        public class ChatController
        {
            public async IAsyncEnumerable<string> Get(IChatClient client, CancellationToken cancellationToken)
            {
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) yield return update.Text;
            }
        }
        """)]
    [InlineData("Middleware", "context.RequestAborted", """
        static class E
        {
            public static void Use(IApplicationBuilder app, IChatClient client) => app.Run(async context =>
            {
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) await context.Response.WriteAsync(JsonSerializer.Serialize(update.Text));
            });
        }
        """)]
    [InlineData("Hub", "cancellationToken", """
        public class ChatHub : Hub
        {
            public async IAsyncEnumerable<string> Stream(IChatClient client, [EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) yield return update.Text;
            }
        }
        """)]
    [InlineData("Hub", "Context.ConnectionAborted", """
        public class ChatHub : Hub<IChatHubClient>
        {
            public async Task<ChannelReader<string>> Stream(IChatClient client)
            {
                var channel = Channel.CreateUnbounded<string>();
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) await channel.Writer.WriteAsync(update.Text);
                channel.Writer.Complete();
                return channel.Reader;
            }
        }

        public interface IChatHubClient { Task Receive(string text); }
        """)]
    [InlineData("ResponseWriter", "response.HttpContext.RequestAborted", """
        static class Writer
        {
            public static async Task WriteAsync(IChatClient client, HttpResponse response, CancellationToken cancellationToken)
            {
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) await response.BodyWriter.WriteAsync(System.Text.Encoding.UTF8.GetBytes(update.Text ?? ""));
            }
        }
        """)]
    public void Recognises_EachKind_AndTheClientsToken(string kind, string clientToken, string source)
    {
        var relay = RelayOfTheLoop(source);
        Assert.NotNull(relay);
        Assert.Equal(kind, relay!.Kind.ToString());
        Assert.Equal(clientToken, relay.ClientTokenText);
    }

    [Theory]
    [InlineData("""
        public class Service
        {
            public async IAsyncEnumerable<string> StreamAsync(IChatClient client)
            {
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) yield return update.Text;
            }
        }
        """)]
    [InlineData("""
        public class ChatHub : Hub
        {
            public async Task<string> Ask(IChatClient client)
            {
                var text = "";
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) text += update.Text;
                return text;
            }
        }
        """)]
    [InlineData("""
        static class E
        {
            public static void Map(IEndpointRouteBuilder app) => app.MapPost("/chat", async (IChatClient client, HttpResponse response) =>
            {
                await foreach (var update in client.GetStreamingResponseAsync("Hi")) await response.WriteAsync("tick");
            });
        }
        """)]
    public void NotARelay_WhenNothingOfTheStreamReachesAClient(string source)
        => Assert.Null(RelayOfTheLoop(source));

    [Fact]
    public void NoRecognizer_WithoutAspNetCore()
    {
        var harness = RecognitionHarness.Compile("class C { }", References.Sdks.Except(References.AspNetCore).ToImmutableArray());
        Assert.Null(harness.Llm.Relays);
        Assert.NotNull(RecognitionHarness.Compile("class C { }").Llm.Relays);
    }

    [Fact]
    public void TheGate_ClosesOnAWebAppWithNoModelTraffic()
    {
        var source = Usings.Replace("using Microsoft.Extensions.AI;\n", "") + """
            static class E
            {
                public static void Map(IEndpointRouteBuilder app) => app.MapGet("/prices", async (HttpResponse response, CancellationToken ct) =>
                {
                    await response.WriteAsync("data: 42\n\n", ct);
                });
            }
            """;
        var compilation = RecognitionHarness.CreateCompilation(source, References.Framework.AddRange(References.AspNetCore));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.False(ModelTrafficScan.MayHaveModelTraffic(compilation, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), CancellationToken.None));
    }
}
