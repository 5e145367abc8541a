using System.Collections.Immutable;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

public class HttpClientTimeoutTooShortTests
{
    [Fact]
    public Task Reports_OpenAI_ShortTimeoutOnTransportClient()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel;
            using System.ClientModel.Primitives;
            using System.Net.Http;
            using OpenAI;
            using OpenAI.Chat;

            class Factory
            {
                ChatClient Create(string key)
                {
                    var http = new HttpClient { {|LLM401:Timeout = TimeSpan.FromSeconds(30)|} };
                    var options = new OpenAIClientOptions { Transport = new HttpClientPipelineTransport(http) };
                    return new ChatClient("gpt-4o", new ApiKeyCredential(key), options);
                }
            }
            """);

    /// <summary>The rule judges clients at the end of their type; the statements of a top-level program are in one too.</summary>
    [Fact]
    public Task Reports_TopLevelStatements()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<HttpClientTimeoutTooShortAnalyzer, Microsoft.CodeAnalysis.Testing.DefaultVerifier>
        {
            TestCode = """
                using System;
                using System.Net.Http;
                using OllamaSharp;

                var http = new HttpClient { {|LLM401:Timeout = TimeSpan.FromSeconds(30)|} };
                var ollama = new OllamaApiClient(http);
                Console.WriteLine(ollama.Uri);
                """,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        return test.RunAsync();
    }

    /// <summary>A member client of a nested type is judged once, in its own type.</summary>
    [Fact]
    public Task Reports_MemberClientOfANestedType_Once()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Outer
            {
                private readonly HttpClient _http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };

                public string Name => _http.BaseAddress?.Host ?? "";

                class Inner
                {
                    private readonly HttpClient _http = new HttpClient { {|LLM401:Timeout = TimeSpan.FromSeconds(20)|} };

                    public OllamaApiClient Create() => new OllamaApiClient(_http);
                }
            }
            """);

    [Fact]
    public Task Reports_OpenAI_DefaultTimeoutOnTransportClient()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System.ClientModel;
            using System.ClientModel.Primitives;
            using System.Net.Http;
            using OpenAI;
            using OpenAI.Chat;

            class Factory
            {
                ChatClient Create(string key, HttpMessageHandler handler)
                    => new ChatClient("gpt-4o", new ApiKeyCredential(key), new OpenAIClientOptions
                    {
                        Transport = new HttpClientPipelineTransport({|LLM401:new HttpClient(handler)|}),
                    });
            }
            """);

    [Fact]
    public Task Reports_Anthropic_DefaultTimeoutOnHandedClient()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System.Net.Http;
            using Anthropic;

            class Factory
            {
                AnthropicClient Create() => new AnthropicClient { HttpClient = {|LLM401:new HttpClient()|} };
            }
            """);

    [Fact]
    public Task Reports_Ollama_DefaultTimeoutOnHandedClient()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                OllamaApiClient Create()
                {
                    var http = {|LLM401:new HttpClient { BaseAddress = new Uri("http://localhost:11434") }|};
                    return new OllamaApiClient(http);
                }
            }
            """);

    [Fact]
    public Task Reports_Betalgo_ShortTimeoutAssignedOnLocal()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using Betalgo.Ranul.OpenAI;
            using Betalgo.Ranul.OpenAI.Managers;

            class Factory
            {
                OpenAIService Create(string key)
                {
                    var http = new HttpClient();
                    {|LLM401:http.Timeout = TimeSpan.FromSeconds(60)|};
                    return new OpenAIService(new OpenAIOptions { ApiKey = key }, http);
                }
            }
            """);

    [Fact]
    public Task Reports_SemanticKernel_ShortTimeoutOnFieldHandedAsHttpClientArgument()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using Microsoft.SemanticKernel;

            class Factory
            {
                private readonly HttpClient _http = new HttpClient { {|LLM401:Timeout = new TimeSpan(0, 1, 30)|} };

                Kernel Create(string key)
                    => Kernel.CreateBuilder().AddOpenAIChatCompletion("gpt-4o", key, httpClient: _http).Build();
            }
            """);

    [Fact]
    public Task Reports_HandRolled_ClientAimedAtModelHost()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;

            class ModelApi
            {
                private readonly HttpClient _http = new HttpClient
                {
                    BaseAddress = new Uri("https://api.anthropic.com/"),
                    {|LLM401:Timeout = TimeSpan.FromMilliseconds(45000)|},
                };
            }
            """);

    [Fact]
    public Task Reports_HandRolled_ClientUsedWithModelEndpointInSameType()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;

            class ChatApi
            {
                private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(20);
                private readonly HttpClient _http;

                ChatApi(HttpClient http)
                {
                    _http = http;
                    {|LLM401:_http.Timeout = ShortTimeout|};
                }

                Task<HttpResponseMessage> SendAsync(HttpContent body) => _http.PostAsync("v1/chat/completions", body);
            }
            """);

    [Fact]
    public Task Reports_AddHttpClient_NamedClientWithModelBaseAddress()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using Microsoft.Extensions.DependencyInjection;

            static class Setup
            {
                static void Register(IServiceCollection services)
                    => services.AddHttpClient("openai", c =>
                    {
                        c.BaseAddress = new Uri("https://api.openai.com/v1/");
                        {|LLM401:c.Timeout = TimeSpan.FromSeconds(30)|};
                    });
            }
            """);

    [Fact]
    public Task Reports_AddHttpClient_TypedClientThatHandsItsClientToAnSdk()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using Microsoft.Extensions.DependencyInjection;
            using OllamaSharp;

            sealed class LocalChat
            {
                private readonly OllamaApiClient _ollama;

                public LocalChat(HttpClient http) => _ollama = new OllamaApiClient(http, "llama3.1");
            }

            static class Setup
            {
                static void Register(IServiceCollection services)
                    => services.AddHttpClient<LocalChat>()
                        .ConfigureHttpClient(c => {|LLM401:c.Timeout = TimeSpan.FromSeconds(90)|});
            }
            """);

    [Fact]
    public Task Reports_AddHttpClient_NamedClientCreatedForAnSdk()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using Microsoft.Extensions.DependencyInjection;
            using OllamaSharp;

            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("ollama", (sp, c) => {|LLM401:c.Timeout = TimeSpan.FromSeconds(30)|});
                    services.AddSingleton(sp => new OllamaApiClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("ollama")));
                }
            }
            """);

    [Fact]
    public Task Reports_ConfigureHttpClientDefaults_InMethodThatRegistersLlmClient()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using Microsoft.Extensions.DependencyInjection;

            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.ConfigureHttpClientDefaults(b => b.ConfigureHttpClient(c => {|LLM401:c.Timeout = TimeSpan.FromSeconds(30)|}));
                    services.AddHttpClient("chat", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_InfiniteOrLongEnoughTimeouts()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel.Primitives;
            using System.Net.Http;
            using System.Threading;
            using OllamaSharp;

            class Factory
            {
                object A() => new HttpClientPipelineTransport(new HttpClient { Timeout = Timeout.InfiniteTimeSpan });
                object B() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromMinutes(2) });
                object C() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(600) });
                object D() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.MaxValue });
            }
            """);

    [Fact]
    public Task NoDiagnostic_TimeoutNotKnownAtCompileTime()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                object Create(int seconds, TimeSpan configured)
                {
                    var first = new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(seconds) });
                    var second = new OllamaApiClient(new HttpClient { Timeout = configured });
                    return (first, second);
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ShortTimeoutOnClientThatIsNotAnLlmClient()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;
            using Microsoft.Extensions.DependencyInjection;

            class Weather
            {
                private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("https://api.weather.example/"), Timeout = TimeSpan.FromSeconds(5) };

                Task<string> TodayAsync() => _http.GetStringAsync("today");

                static void Register(IServiceCollection services)
                    => services.AddHttpClient("github", c => { c.BaseAddress = new Uri("https://api.github.com/"); c.Timeout = TimeSpan.FromSeconds(10); });
            }
            """);

    // Real code (SemanticKernelWithOllama): a default-timeout client handed to an embedding API is not an LLM HttpClient;
    // the same client shape handed to a chat completion still is.
    [Fact]
    public Task NoDiagnostic_DefaultTimeoutOnClientHandedToAnEmbeddingApi()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System.Net.Http;
            using Microsoft.SemanticKernel;

            #pragma warning disable SKEXP0010, CS0618

            static class Builders
            {
                public static IKernelBuilder AddOllamaEmbeddings(this IKernelBuilder builder, string model)
                {
                    builder.AddOpenAITextEmbeddingGeneration(model, "unused", httpClient: new HttpClient());
                    builder.AddOpenAIEmbeddingGenerator(model, "unused", httpClient: new HttpClient());
                    return builder;
                }

                public static IKernelBuilder AddOllamaChat(this IKernelBuilder builder, string model)
                    => builder.AddOpenAIChatCompletion(model, "unused", httpClient: {|LLM401:new HttpClient()|});
            }
            """);

    [Fact]
    public Task NoDiagnostic_DefaultTimeoutOnClientConfiguredElsewhere()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                OllamaApiClient Create()
                {
                    var http = new HttpClient();
                    Configure(http);
                    return new OllamaApiClient(http);
                }

                static void Configure(HttpClient http) { }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LookAlikeSdkTypeWhenNoSdkIsReferenced()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;

            namespace MyApp
            {
                sealed class OllamaApiClient
                {
                    public OllamaApiClient(HttpClient http) { }
                }

                class Factory
                {
                    OllamaApiClient Create() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) });
                }
            }
            """, ImmutableArray<MetadataReference>.Empty, editorConfig: null);

    [Fact]
    public Task Options_SharedMinimumLowersTheBar()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                object A() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(60) });
                object B() => new OllamaApiClient(new HttpClient());
                object C() => new OllamaApiClient(new HttpClient { {|LLM401:Timeout = TimeSpan.FromSeconds(20)|} });
            }
            """, References.Sdks, "llm_streaming.min_timeout_seconds = 30\n");

    [Fact]
    public Task Options_PerRuleMinimumWinsOverSharedOne()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                object A() => new OllamaApiClient(new HttpClient { {|LLM401:Timeout = TimeSpan.FromMinutes(3)|} });
            }
            """, References.Sdks, "llm_streaming.min_timeout_seconds = 30\nllm_streaming.LLM401.min_timeout_seconds = 300\n");

    [Fact]
    public Task Options_InvalidMinimumFallsBackToDefault()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                object A() => new OllamaApiClient(new HttpClient { {|LLM401:Timeout = TimeSpan.FromSeconds(90)|} });
                object B() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(120) });
            }
            """, References.Sdks, "llm_streaming.min_timeout_seconds = two minutes\nllm_streaming.LLM401.min_timeout_seconds = -5\n");

    [Fact]
    public Task Fix_OpenAI_SetsInfiniteTimeout()
        => Verify<HttpClientTimeoutTooShortAnalyzer, HttpClientTimeoutTooShortCodeFix>.FixAsync("""
            using System;
            using System.ClientModel;
            using System.ClientModel.Primitives;
            using System.Net.Http;
            using OpenAI;
            using OpenAI.Chat;

            class Factory
            {
                ChatClient Create(string key)
                {
                    var http = new HttpClient { {|LLM401:Timeout = TimeSpan.FromSeconds(30)|} };
                    var options = new OpenAIClientOptions { Transport = new HttpClientPipelineTransport(http) };
                    return new ChatClient("gpt-4o", new ApiKeyCredential(key), options);
                }
            }
            """, """
            using System;
            using System.ClientModel;
            using System.ClientModel.Primitives;
            using System.Net.Http;
            using System.Threading;
            using OpenAI;
            using OpenAI.Chat;

            class Factory
            {
                ChatClient Create(string key)
                {
                    var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                    var options = new OpenAIClientOptions { Transport = new HttpClientPipelineTransport(http) };
                    return new ChatClient("gpt-4o", new ApiKeyCredential(key), options);
                }
            }
            """, HttpClientTimeoutTooShortCodeFix.InfiniteKey);

    [Fact]
    public Task Fix_Anthropic_DefaultCreationGetsInfiniteTimeout()
        => Verify<HttpClientTimeoutTooShortAnalyzer, HttpClientTimeoutTooShortCodeFix>.FixAsync("""
            using System.Net.Http;
            using System.Threading;
            using Anthropic;

            class Factory
            {
                AnthropicClient Create() => new AnthropicClient { HttpClient = {|LLM401:new HttpClient()|} };
            }
            """, """
            using System.Net.Http;
            using System.Threading;
            using Anthropic;

            class Factory
            {
                AnthropicClient Create() => new AnthropicClient { HttpClient = new HttpClient() { Timeout = Timeout.InfiniteTimeSpan } };
            }
            """, HttpClientTimeoutTooShortCodeFix.InfiniteKey);

    [Fact]
    public Task Fix_Ollama_DefaultTimeoutRaisedToMinimum()
        => Verify<HttpClientTimeoutTooShortAnalyzer, HttpClientTimeoutTooShortCodeFix>.FixAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                OllamaApiClient Create()
                    => new OllamaApiClient({|LLM401:new HttpClient { BaseAddress = new Uri("http://localhost:11434") }|});
            }
            """, """
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                OllamaApiClient Create()
                    => new OllamaApiClient(new HttpClient { BaseAddress = new Uri("http://localhost:11434"), Timeout = TimeSpan.FromMinutes(2) });
            }
            """, HttpClientTimeoutTooShortCodeFix.RaiseKey);

    [Fact]
    public Task Fix_MultiLineInitializerKeepsItsLayout()
        => Verify<HttpClientTimeoutTooShortAnalyzer, HttpClientTimeoutTooShortCodeFix>.FixAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                OllamaApiClient Create()
                {
                    var http = {|LLM401:new HttpClient
                    {
                        BaseAddress = new Uri("http://localhost:11434"),
                    }|};
                    return new OllamaApiClient(http);
                }
            }
            """, """
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                OllamaApiClient Create()
                {
                    var http = new HttpClient
                    {
                        BaseAddress = new Uri("http://localhost:11434"),
                        Timeout = TimeSpan.FromMinutes(2),
                    };
                    return new OllamaApiClient(http);
                }
            }
            """, HttpClientTimeoutTooShortCodeFix.RaiseKey);

    [Fact]
    public Task Fix_PerRuleMinimumIsTheNewValue()
        => Verify<HttpClientTimeoutTooShortAnalyzer, HttpClientTimeoutTooShortCodeFix>.FixAsync("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                object A() => new OllamaApiClient(new HttpClient { {|LLM401:Timeout = TimeSpan.FromSeconds(100)|} });
            }
            """, """
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                object A() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds(150) });
            }
            """, HttpClientTimeoutTooShortCodeFix.RaiseKey, editorConfig: "llm_streaming.LLM401.min_timeout_seconds = 150\n");

    [Fact]
    public Task Fix_All_RaisesEveryShortTimeout()
        => Verify<HttpClientTimeoutTooShortAnalyzer, HttpClientTimeoutTooShortCodeFix>.FixAsync("""
            using System;
            using Microsoft.Extensions.DependencyInjection;

            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c =>
                    {
                        c.BaseAddress = new Uri("https://api.openai.com/v1/");
                        {|LLM401:c.Timeout = TimeSpan.FromSeconds(30)|};
                    });
                    services.AddHttpClient("ollama", c =>
                    {
                        c.BaseAddress = new Uri("http://localhost:11434/");
                        {|LLM401:c.Timeout = TimeSpan.FromSeconds(60)|};
                    });
                }
            }
            """, """
            using System;
            using Microsoft.Extensions.DependencyInjection;

            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c =>
                    {
                        c.BaseAddress = new Uri("https://api.openai.com/v1/");
                        c.Timeout = TimeSpan.FromMinutes(2);
                    });
                    services.AddHttpClient("ollama", c =>
                    {
                        c.BaseAddress = new Uri("http://localhost:11434/");
                        c.Timeout = TimeSpan.FromMinutes(2);
                    });
                }
            }
            """, HttpClientTimeoutTooShortCodeFix.RaiseKey);

    [Fact]
    public Task NoCrash_IncompleteCode()
        => TimeoutTestHelpers.BrokenCodeAsync<HttpClientTimeoutTooShortAnalyzer>("""
            using System;
            using System.Net.Http;
            using OllamaSharp;

            class Factory
            {
                object A() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds( });
                object B() => new OllamaApiClient(new HttpClient { Timeout = });
                object C() => new OllamaApiClient(new HttpClient { Timeout = TimeSpan.FromSeconds("ten") });
                object D() => new OllamaApiClient(new HttpClient { Timeout = 30 });
                object E() => new OllamaApiClient({|LLM401:new HttpClient { BaseAddress = new Uri("http://localhost:11434") }|}
            }
            """);
}
