using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Timeouts;
using LlmStreaming.CodeFixes.Relays;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 14, proxies: an endpoint or middleware that sends a model request and copies the upstream body to its client
/// with <c>CopyToAsync</c>. LLM502 when neither the send nor the copy gets the client's token.
/// </summary>
public class ProxyTests
{
    private const string Usings = RelayTests.Usings + """
        using System.IO;
        using System.Net.Http;

        """;

    private const string Proxies = """

        static class ProxyEndpoints
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                app.MapPost("/v1/chat/completions", async (HttpContext context, IHttpClientFactory factory) =>
                {
                    var http = factory.CreateClient();
                    using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
                    {
                        Content = new StreamContent(context.Request.Body),
                    };
                    using var upstream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    context.Response.StatusCode = (int)upstream.StatusCode;
                    await upstream.Content.{|#0:CopyToAsync|}(context.Response.Body);
                });
            }
        }

        public class CompletionsProxyMiddleware
        {
            private readonly RequestDelegate _next;
            private readonly HttpClient _http;

            public CompletionsProxyMiddleware(RequestDelegate next, HttpClient http) => (_next, _http) = (next, http);

            public async Task InvokeAsync(HttpContext context)
            {
                using var upstream = await _http.PostAsync("https://api.openai.com/v1/chat/completions", new StreamContent(context.Request.Body));
                await using var body = await upstream.Content.ReadAsStreamAsync();
                await body.{|#1:CopyToAsync|}(context.Response.Body);
            }
        }
        """;

    [Fact]
    public Task LLM502_Reports_AProxyEndpoint_AndAProxyMiddleware()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(Usings + Proxies,
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(0).WithArguments("'CopyToAsync'", "no token", "endpoint", "'context.RequestAborted'", ""),
            Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.Diagnostic("LLM502").WithLocation(1).WithArguments("'CopyToAsync'", "no token", "middleware", "'context.RequestAborted'", ""));

    [Fact]
    public Task LLM502_Fix_PassesRequestAborted_ToTheCopy()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer, ModelStreamIgnoresClientDisconnectCodeFix>.FixAsync(
            Usings + Proxies.Replace("{|#0:CopyToAsync|}", "{|LLM502:CopyToAsync|}").Replace("{|#1:CopyToAsync|}", "{|LLM502:CopyToAsync|}"),
            Usings + Proxies
                .Replace("{|#0:CopyToAsync|}(context.Response.Body)", "CopyToAsync(context.Response.Body, cancellationToken: context.RequestAborted)")
                .Replace("{|#1:CopyToAsync|}(context.Response.Body)", "CopyToAsync(context.Response.Body, cancellationToken: context.RequestAborted)"));

    [Fact]
    public Task LLM502_NoDiagnostic_TokenPassed_FileDownload_PriceFeed_NotAResponse()
        => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(Usings + """

            static class ProxyEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    // The client's token goes to the copy, or to the send.
                    app.MapPost("/copy-token", async (HttpContext context, HttpClient http) =>
                    {
                        using var upstream = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StreamContent(context.Request.Body));
                        await upstream.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
                    });
                    app.MapPost("/send-token", async (HttpContext context, HttpClient http, CancellationToken ct) =>
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
                        using var upstream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                        await (await upstream.Content.ReadAsStreamAsync()).CopyToAsync(context.Response.Body);
                    });

                    // Not a model upstream: a file download and a price feed.
                    app.MapGet("/download", async (HttpContext context, HttpClient http) =>
                    {
                        using var upstream = await http.GetAsync("https://files.example.com/report.pdf", HttpCompletionOption.ResponseHeadersRead);
                        await upstream.Content.CopyToAsync(context.Response.Body);
                    });
                    app.MapGet("/prices", async (HttpContext context, HttpClient http) =>
                    {
                        using var upstream = await http.GetAsync("https://prices.example.com/stream", HttpCompletionOption.ResponseHeadersRead);
                        await (await upstream.Content.ReadAsStreamAsync()).CopyToAsync(context.Response.Body);
                    });

                    // A model response copied to a file, not to the client.
                    app.MapPost("/save", async (HttpContext context, HttpClient http) =>
                    {
                        using var upstream = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StreamContent(context.Request.Body));
                        await using var file = File.Create("answer.json");
                        await upstream.Content.CopyToAsync(file);
                    });
                }
            }
            """);

    [Fact]
    public Task NoCrash_OnBrokenProxies()
        => TimeoutTestHelpers.BrokenCodeAsync<ModelStreamIgnoresClientDisconnectAnalyzer>(Usings + """
            static class ProxyEndpoints
            {
                public static void Map(IEndpointRouteBuilder app)
                {
                    app.MapPost("/a", async (HttpContext context, HttpClient http) =>
                    {
                        using var upstream = await http.PostAsync("https://api.openai.com/v1/chat/completions", );
                        await upstream.Content.CopyToAsync(;
                        await missing.Content.CopyToAsync(context.Response.Body);
                        await CopyToAsync(context.Response.Body);
                    });
                }
            }
            """);
}
