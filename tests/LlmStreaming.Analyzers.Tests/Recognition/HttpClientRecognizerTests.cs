using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>LLM HttpClients: handed to an SDK, or aimed at a model host or path. Other clients are not the rules' business.</summary>
public class HttpClientRecognizerTests
{
    private static LlmHttpClientEvidence ClassifyTarget(string source, IReadOnlyDictionary<string, string>? options = null, int index = 0)
    {
        var harness = RecognitionHarness.Compile(source, options: options);
        return harness.Classify(harness.At<IOperation>(index));
    }

    // ---- Handed to an SDK ---------------------------------------------------------------------------------------

    [Fact]
    public void HandedToSdk_OpenAI_HttpClientPipelineTransport()
    {
        const string Source = """
            using System.ClientModel;
            using System.ClientModel.Primitives;
            using System.Net.Http;
            using OpenAI;

            class Factory
            {
                public OpenAIClient Create()
                {
                    var http = new HttpClient();
                    /*target*/http.DefaultRequestHeaders.Add("x-trace", "1");
                    var options = new OpenAIClientOptions { Transport = new HttpClientPipelineTransport(/*target*/http) };
                    return new OpenAIClient(new ApiKeyCredential("key"), options);
                }
            }
            """;
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, ClassifyTarget(Source, index: 0));
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, ClassifyTarget(Source, index: 1));
    }

    [Fact]
    public void HandedToSdk_Ollama_Constructor()
    {
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, ClassifyTarget("""
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                public OllamaApiClient Create(HttpClient httpClient) => new OllamaApiClient(/*target*/httpClient);
            }
            """));
    }

    [Fact]
    public void HandedToSdk_Anthropic_ClientInitializer()
    {
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, ClassifyTarget("""
            using System.Net.Http;
            using Anthropic;

            class Factory
            {
                private readonly HttpClient _http = new HttpClient();

                public AnthropicClient Create() => new AnthropicClient { ApiKey = "key", HttpClient = _http };

                public void Warm() => /*target*/_http.CancelPendingRequests();
            }
            """));
    }

    [Fact]
    public void HandedToSdk_Anthropic_ClientOptions()
    {
        const string Source = """
            using System.Net.Http;
            using Anthropic;
            using Anthropic.Core;

            class Factory
            {
                public AnthropicClient Create(HttpClient http)
                {
                    var options = new ClientOptions { HttpClient = /*target*/http };
                    return new AnthropicClient(options);
                }

                public void Use(HttpClient other) => /*target*/other.CancelPendingRequests();
            }
            """;
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, ClassifyTarget(Source, index: 0));
        Assert.Equal(LlmHttpClientEvidence.None, ClassifyTarget(Source, index: 1));
    }

    [Fact]
    public void HandedToSdk_SemanticKernel_HttpClientArgument()
    {
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, ClassifyTarget("""
            using System.Net.Http;
            using Microsoft.SemanticKernel;

            class Factory
            {
                public Kernel Create(HttpClient http)
                    => Kernel.CreateBuilder().AddOpenAIChatCompletion("gpt-4o", "key", httpClient: /*target*/http).Build();
            }
            """));
    }

    [Fact]
    public void HandedToSdk_Betalgo_OpenAIServiceConstructor()
    {
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, ClassifyTarget("""
            using System.Net.Http;
            using Betalgo.Ranul.OpenAI;
            using Betalgo.Ranul.OpenAI.Managers;

            class Factory
            {
                private readonly HttpClient _http = new HttpClient();

                public OpenAIService Create() => new OpenAIService(new OpenAIOptions { ApiKey = "key" }, /*target*/_http);
            }
            """));
    }

    [Fact]
    public void HandedToSdk_CreationPassedDirectly()
    {
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, ClassifyTarget("""
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                public OllamaApiClient Create() => new OllamaApiClient(/*target*/new HttpClient());
            }
            """));
    }

    // ---- Aimed at a model host or path --------------------------------------------------------------------------

    [Fact]
    public void ModelEndpoint_BaseAddressAssignedInConstructor()
    {
        Assert.Equal(LlmHttpClientEvidence.ModelEndpoint, ClassifyTarget("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;

            class Client
            {
                private readonly HttpClient _http;

                public Client(HttpClient http)
                {
                    _http = http;
                    _http.BaseAddress = new Uri("https://api.openai.com/v1/");
                }

                public Task<string> ModelsAsync() => /*target*/_http.GetStringAsync("models");
            }
            """));
    }

    [Fact]
    public void ModelEndpoint_CreationWithBaseAddress()
    {
        Assert.Equal(LlmHttpClientEvidence.ModelEndpoint, ClassifyTarget("""
            using System;
            using System.Net.Http;

            class Factory
            {
                public HttpClient Create() => /*target*/new HttpClient { BaseAddress = new Uri("http://localhost:11434") };
            }
            """));
    }

    [Fact]
    public void ModelEndpoint_LocalInitializedWithBaseAddress()
    {
        Assert.Equal(LlmHttpClientEvidence.ModelEndpoint, ClassifyTarget("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;

            class Client
            {
                public async Task<string> AskAsync()
                {
                    using var http = new HttpClient { BaseAddress = new Uri("https://api.anthropic.com/") };
                    http.Timeout = TimeSpan.FromSeconds(30);
                    return await /*target*/http.GetStringAsync("v1/models");
                }
            }
            """));
    }

    [Fact]
    public void ModelEndpoint_FieldInitializedWithBaseAddress()
    {
        Assert.Equal(LlmHttpClientEvidence.ModelEndpoint, ClassifyTarget("""
            using System;
            using System.Net.Http;

            class Client
            {
                private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("https://api.mistral.ai/") };

                public void Configure() => /*target*/_http.Timeout = TimeSpan.FromSeconds(10);
            }
            """));
    }

    [Fact]
    public void ModelEndpoint_BaseAddressFromConstant()
    {
        Assert.Equal(LlmHttpClientEvidence.ModelEndpoint, ClassifyTarget("""
            using System;
            using System.Net.Http;

            class Client
            {
                private const string Endpoint = "https://api.groq.com/openai/v1/";

                public HttpClient Create()
                {
                    var http = new HttpClient();
                    http.BaseAddress = new Uri(Endpoint);
                    return /*target*/http;
                }
            }
            """));
    }

    [Theory]
    [InlineData("_http.PostAsync(\"https://gateway.example.test/v1/chat/completions\", content)")]
    [InlineData("_http.SendAsync(new HttpRequestMessage(HttpMethod.Post, \"v1/messages\") { Content = content })")]
    [InlineData("_http.PostAsJsonAsync(\"/api/generate\", new { model = \"llama3\" })")]
    public void ModelEndpoint_RequestToModelPath(string request)
    {
        Assert.Equal(LlmHttpClientEvidence.ModelEndpoint, ClassifyTarget($$"""
            using System.Net.Http;
            using System.Net.Http.Json;
            using System.Threading.Tasks;

            class Client
            {
                private readonly HttpClient _http = new HttpClient();

                public Task<HttpResponseMessage> AskAsync(HttpContent content) => {{request}};

                public void Reset() => /*target*/_http.CancelPendingRequests();
            }
            """));
    }

    [Fact]
    public void ModelEndpoint_ConfiguredHost()
    {
        const string Source = """
            using System;
            using System.Net.Http;

            class Factory
            {
                public HttpClient Create() => /*target*/new HttpClient { BaseAddress = new Uri("https://llm.corp.example/") };
            }
            """;
        Assert.Equal(LlmHttpClientEvidence.None, ClassifyTarget(Source));
        Assert.Equal(LlmHttpClientEvidence.ModelEndpoint, ClassifyTarget(Source, new Dictionary<string, string> { ["llm_streaming.model_hosts"] = "llm.corp.example" }));
    }

    [Fact]
    public void Both_HandedToSdkAndAimedAtModelHost()
    {
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk | LlmHttpClientEvidence.ModelEndpoint, ClassifyTarget("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                public OllamaApiClient Create()
                {
                    var http = new HttpClient { BaseAddress = new Uri("http://localhost:11434") };
                    return new OllamaApiClient(/*target*/http);
                }
            }
            """));
    }

    // ---- Not LLM clients ----------------------------------------------------------------------------------------

    [Fact]
    public void None_ClientForANonModelApi()
    {
        Assert.Equal(LlmHttpClientEvidence.None, ClassifyTarget("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;

            class WeatherClient
            {
                private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("https://weather.example.test/") };

                public Task<string> TodayAsync(string city) => /*target*/_http.GetStringAsync($"forecast/{city}");

                public Task<HttpResponseMessage> PostAsync(HttpContent content) => _http.PostAsync("v2/observations", content);
            }
            """));
    }

    [Fact]
    public void None_ClientHandedToANonSdkType()
    {
        Assert.Equal(LlmHttpClientEvidence.None, ClassifyTarget("""
            using System.Net.Http;

            class Repository
            {
                public Repository(HttpClient http)
                {
                }
            }

            class Factory
            {
                public Repository Create(HttpClient http) => new Repository(/*target*/http);
            }
            """));
    }

    [Fact]
    public void None_ModelLiteralInTheScopeButNoRequestSent()
    {
        // The client is only configured here; the model URL is a log message.
        Assert.Equal(LlmHttpClientEvidence.None, ClassifyTarget("""
            using System;
            using System.Net.Http;

            class Factory
            {
                public HttpClient Create()
                {
                    Console.WriteLine("see https://api.openai.com/v1/chat/completions for the API");
                    var http = new HttpClient();
                    http.Timeout = TimeSpan.FromSeconds(30);
                    return /*target*/http;
                }
            }
            """));
    }

    [Fact]
    public void None_OtherClientIsTheOneHandedToTheSdk()
    {
        Assert.Equal(LlmHttpClientEvidence.None, ClassifyTarget("""
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                private readonly HttpClient _model = new HttpClient();
                private readonly HttpClient _other = new HttpClient();

                public OllamaApiClient Create() => new OllamaApiClient(_model);

                public void Reset() => /*target*/_other.CancelPendingRequests();
            }
            """));
    }

    // ---- Where a member client is looked for ----------------------------------------------------------------------

    /// <summary>
    /// A member's scopes are the bodies of its type that name it, and its own initializer: the other bodies are never
    /// bound for the question (a deterministic guard of what made LLM401 costly on large types).
    /// </summary>
    [Fact]
    public void Scopes_OfAMember_OnlyTheBodiesThatNameIt()
    {
        var harness = RecognitionHarness.Compile("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;
            using OllamaSharp;

            class Repository
            {
                private readonly HttpClient _http = new() { /*target*/Timeout = TimeSpan.FromSeconds(20) };
                private readonly HttpClient _other = new();
                private int _count;

                public Repository() => _count = 1;

                public OllamaApiClient Create() => new OllamaApiClient(_http);

                public Task<string> ReadAsync() => this._http.GetStringAsync("/items");

                public Task<string> OtherAsync() => _other.GetStringAsync("/other");

                public int Count { get => _count; set => _count = value; }

                public string Describe(int n) => $"{n} items of {nameof(Repository)}";
            }
            """);
        var assignment = harness.At<ISimpleAssignmentOperation>();
        var field = harness.Compilation.GetTypeByMetadataName("Repository")!.GetMembers("_http").Single();

        var scopes = HttpClientRecognizer.Scopes(assignment, field, System.Threading.CancellationToken.None).Select(s => s.Syntax.ToString()).ToList();

        Assert.Equal(3, scopes.Count);
        Assert.StartsWith("= new() {", scopes[0]);
        Assert.Contains("new OllamaApiClient(_http)", scopes[1]);
        Assert.Contains("this._http.GetStringAsync", scopes[2]);
        Assert.Equal(LlmHttpClientEvidence.HandedToSdk, harness.Classify(assignment.Parent!.Parent!));
    }
}
