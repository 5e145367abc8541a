using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

/// <summary>The recognition core added for the timeout rules: SDK hand-offs, factory registrations, token and response flow.</summary>
public class TimeoutRecognitionTests
{
    private static (LlmAnalysisContext Llm, SemanticModel Model, SyntaxNode Root) Compile(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create("T", new[] { tree }, References.Framework.AddRange(References.Sdks), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return (LlmAnalysisContext.Get(compilation)!, compilation.GetSemanticModel(tree), tree.GetRoot());
    }

    private static IOperation Operation(SemanticModel model, SyntaxNode node) => model.GetOperation(node)!;

    [Fact]
    public void Describe_TellsWhichSdkGetsTheClientAndWhetherItOwnsATimeout()
    {
        var (llm, model, root) = Compile("""
            using System.ClientModel.Primitives;
            using System.Net.Http;
            using Anthropic;
            using Microsoft.SemanticKernel;
            using OllamaSharp;

            class C
            {
                object A() => new OllamaApiClient(new HttpClient());
                object B() => new HttpClientPipelineTransport(new HttpClient());
                object D() => new AnthropicClient { HttpClient = new HttpClient() };
                object E() => Kernel.CreateBuilder().AddOpenAIChatCompletion("m", "k", httpClient: new HttpClient());
                object F() => new HttpClient();
            }
            """);
        var creations = root.DescendantNodes().OfType<ObjectCreationExpressionSyntax>().Where(c => c.Type.ToString() == "HttpClient").ToList();
        var infos = creations.Select(c => llm.HttpClients.Describe(Operation(model, c), LlmOptions.Default, default)).ToList();

        Assert.Equal(
            new[] { "OllamaApiClient", "HttpClientPipelineTransport", "AnthropicClient.HttpClient", "AddOpenAIChatCompletion" },
            infos.Take(4).Select(i => LlmStreaming.Analyzers.Timeouts.HttpClientTimeoutTooShortAnalyzer.TargetName(i.SdkTargets.Single())).ToArray());
        Assert.Equal(new[] { false, true, true, false }, infos.Take(4).Select(i => llm.HttpClients.SdkOwnsTimeout(i.SdkTargets[0])).ToArray());
        Assert.Equal(LlmHttpClientEvidence.None, infos[4].Evidence);
    }

    [Fact]
    public void Registrations_FollowBuildersAndClassifyTheirClients()
    {
        var (llm, model, root) = Compile("""
            using System;
            using System.Net.Http;
            using Microsoft.Extensions.DependencyInjection;
            using OllamaSharp;

            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    var openai = services.AddHttpClient("openai").ConfigureHttpClient(c => c.BaseAddress = new Uri("https://api.openai.com/v1/"));
                    openai.SetHandlerLifetime(TimeSpan.FromMinutes(5));
                    services.AddHttpClient("github", c => c.BaseAddress = new Uri("https://api.github.com/")).SetHandlerLifetime(TimeSpan.FromMinutes(1));
                    services.AddHttpClient("ollama");
                    services.AddSingleton(sp => new OllamaApiClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("ollama")));
                    services.ConfigureHttpClientDefaults(b => b.SetHandlerLifetime(TimeSpan.FromMinutes(2)));
                }
            }
            """);
        var registrations = llm.HttpClients.Registrations;
        var lifetimes = root.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "SetHandlerLifetime" })
            .Select(i => (IInvocationOperation)Operation(model, i))
            .Select(i => registrations.FromBuilder(i.Arguments[0].Value, default)!)
            .ToList();
        var ollama = root.DescendantNodes().OfType<InvocationExpressionSyntax>().Single(i => i.ToString() == "services.AddHttpClient(\"ollama\")");

        Assert.Equal(new[] { "AddHttpClient(\"openai\")", "AddHttpClient(\"github\")", "ConfigureHttpClientDefaults" }, lifetimes.Select(r => r.DisplayName).ToArray());
        Assert.Equal(LlmHttpClientEvidence.ModelEndpoint, registrations.Classify(lifetimes[0], LlmOptions.Default, default));
        Assert.Equal(LlmHttpClientEvidence.None, registrations.Classify(lifetimes[1], LlmOptions.Default, default));
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, registrations.Classify(new HttpClientRegistration((IInvocationOperation)Operation(model, ollama), null), LlmOptions.Default, default));
        Assert.NotEqual(LlmHttpClientEvidence.None, registrations.Classify(lifetimes[2], LlmOptions.Default, default));
    }

    [Fact]
    public void CancellationFlow_FollowsTokensThroughLocalsAndLinkedSources()
    {
        var (llm, model, root) = Compile("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task M(IChatClient chat)
                {
                    using var cts = new CancellationTokenSource();
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                    var token = linked.Token;
                    await Task.Delay(10, cts.Token);
                    await foreach (var u in chat.GetStreamingResponseAsync("hi", cancellationToken: token)) { }
                }
            }
            """);
        var method = (IMethodBodyOperation)Operation(model, root.DescendantNodes().OfType<MethodDeclarationSyntax>().Single());
        var cts = method.Descendants().OfType<IVariableDeclaratorOperation>().First().Symbol;
        var carried = llm.Cancellation.TokenArguments(cts, method).Select(a => ((IInvocationOperation)a.Parent!).TargetMethod.Name).ToList();

        Assert.Equal(new[] { "Delay", "GetStreamingResponseAsync" }, carried.OrderBy(n => n).ToArray());
        Assert.Equal(new[] { false, true }, llm.Cancellation.TokenArguments(cts, method).OrderBy(a => ((IInvocationOperation)a.Parent!).TargetMethod.Name).Select(a => llm.Cancellation.ReachesLlmStream(a, LlmOptions.Default, default)).ToArray());
    }

    [Fact]
    public void ResponseFlow_TracesLoopsToTheirCallAndItsBuffering()
    {
        var (llm, model, root) = Compile("""
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class C
            {
                async Task A(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request);
                    var body = await response.EnsureSuccessStatusCode().Content.ReadAsStreamAsync();
                    using var reader = new StreamReader(body);
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null) { if (line == "data: [DONE]") break; }
                }

                async Task B(HttpClient http)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("http://localhost:11434/api/chat"));
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null) { if (line == "data: [DONE]") break; }
                }
            }
            """);
        var flow = llm.HttpClients.Responses;
        var calls = root.DescendantNodes().OfType<WhileStatementSyntax>()
            .Select(w => llm.Streams.TryGetStreamLoop((ILoopOperation)Operation(model, w), LlmOptions.Default, default)!)
            .Select(loop => flow.TraceLoopToCall(loop, default)!)
            .ToList();

        Assert.Equal(new[] { "SendAsync", "GetStreamAsync" }, calls.Select(c => c.TargetMethod.Name).ToArray());
        Assert.Equal(new[] { BodyBuffering.Buffered, BodyBuffering.HeadersRead }, calls.Select(flow.BufferingOf).ToArray());
    }
}
