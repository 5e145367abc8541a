using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

public partial class StandardResilienceDefaultsTests
{
    private const string Usings = """
        using System;
        using System.Net.Http;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Http.Resilience;
        using OllamaSharp;

        """;

    [Fact]
    public Task Reports_NamedClientWithModelBaseAddress()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                    => services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .{|LLM403:AddStandardResilienceHandler|}();
            }
            """);

    [Fact]
    public Task Reports_TypedClientHandedToAnSdkAndBuilderInALocal()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(Usings + """
            sealed class LocalChat
            {
                private readonly OllamaApiClient _ollama;

                public LocalChat(HttpClient http) => _ollama = new OllamaApiClient(http);
            }

            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    var builder = services.AddHttpClient<LocalChat>();
                    builder.{|LLM403:AddStandardResilienceHandler|}();
                }
            }
            """);

    [Fact]
    public Task Reports_ConfigureHttpClientDefaultsInMethodThatRegistersAnLlmClient()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.ConfigureHttpClientDefaults(http => http.{|LLM403:AddStandardResilienceHandler|}());
                    services.AddHttpClient<OllamaApiClient>(c => c.BaseAddress = new Uri("http://localhost:11434"));
                }
            }
            """);

    [Fact]
    public Task Reports_OnlyTheAttemptTimeoutRaised()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                    => services.AddHttpClient("anthropic", c => c.BaseAddress = new Uri("https://api.anthropic.com/"))
                        .{|LLM403:AddStandardResilienceHandler|}(o => o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3))
                        .Configure(o => o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6));
            }
            """);

    [Fact]
    public Task NoDiagnostic_TimeoutsRaisedOrNotJudged()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(Usings + """
            using Microsoft.Extensions.Configuration;

            static class Setup
            {
                static void Raised(IServiceCollection services)
                    => services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
                            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                        });

                static void FromConfiguration(IServiceCollection services, IConfiguration configuration)
                    => services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(configuration.GetSection("Resilience"));

                static void ReadAtRunTime(IServiceCollection services, TimeSpan attempt, TimeSpan total)
                    => services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => { o.AttemptTimeout.Timeout = attempt; o.TotalRequestTimeout.Timeout = total; });

                static void ConfiguredByName(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/")).AddStandardResilienceHandler();
                    services.Configure<HttpStandardResilienceOptions>("openai-standard", o => o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(5));
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ClientsThatAreNotLlmClients()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("github", c => c.BaseAddress = new Uri("https://api.github.com/")).AddStandardResilienceHandler();
                    services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
                }
            }

            namespace MyApp
            {
                static class Resilience
                {
                    public static IHttpClientBuilder AddStandardResilienceHandler(this IHttpClientBuilder builder) => builder;

                    static void Register(IServiceCollection services)
                        => Resilience.AddStandardResilienceHandler(services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/")));
                }
            }
            """);

    [Fact]
    public Task Options_PerRuleMinimum()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("a", c => c.BaseAddress = new Uri("https://api.openai.com/v1/")).AddStandardResilienceHandler();
                    services.AddHttpClient("b", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .{|LLM403:AddStandardResilienceHandler|}(o => { o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(5); o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(10); });
                }
            }
            """, References.Sdks, "llm_streaming.min_timeout_seconds = 600\nllm_streaming.LLM403.min_timeout_seconds = 10\n");

    [Fact]
    public Task Fix_InsertsTheConfigureDelegate()
        => Verify<StandardResilienceDefaultsAnalyzer, StandardResilienceDefaultsCodeFix>.FixAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .{|LLM403:AddStandardResilienceHandler|}();
                }
            }
            """, Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(options =>
                        {
                            options.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                            options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
                            options.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                        });
                }
            }
            """, StandardResilienceDefaultsCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_CompletesAnExistingDelegate()
        => Verify<StandardResilienceDefaultsAnalyzer, StandardResilienceDefaultsCodeFix>.FixAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .{|LLM403:AddStandardResilienceHandler|}(o =>
                        {
                            o.Retry.MaxRetryAttempts = 2;
                            o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(20);
                        });
                }
            }
            """, Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            o.Retry.MaxRetryAttempts = 2;
                            o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
                            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                        });
                }
            }
            """, StandardResilienceDefaultsCodeFix.EquivalenceKey);

    [Fact]
    public Task Fix_All_FollowsTheConfiguredMinimum()
        => Verify<StandardResilienceDefaultsAnalyzer, StandardResilienceDefaultsCodeFix>.FixAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/")).{|LLM403:AddStandardResilienceHandler|}();
                    services.AddHttpClient("local", c => c.BaseAddress = new Uri("http://localhost:11434/"))
                        .{|LLM403:AddStandardResilienceHandler|}(o => o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(20));
                }
            }
            """, Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/")).AddStandardResilienceHandler(options =>
                    {
                        options.AttemptTimeout.Timeout = TimeSpan.FromMinutes(5);
                        options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
                        options.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(10);
                    });
                    services.AddHttpClient("local", c => c.BaseAddress = new Uri("http://localhost:11434/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(20);
                            o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(5);
                            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(10);
                        });
                }
            }
            """, StandardResilienceDefaultsCodeFix.EquivalenceKey, editorConfig: "llm_streaming.LLM403.min_timeout_seconds = 300\n");

    [Fact]
    public Task NoCrash_IncompleteCode()
        => TimeoutTestHelpers.BrokenCodeAsync<StandardResilienceDefaultsAnalyzer>(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/")).{|LLM403:AddStandardResilienceHandler|}(o => o.AttemptTimeout.Timeout = );
                    services.AddHttpClient(, c => c.BaseAddress = new Uri("https://api.openai.com/v1/")).AddStandardResilienceHandler(
                }
            }
            """);
}
