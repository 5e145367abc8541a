using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

public class ResilienceTimeoutsInvalidTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Http.Resilience;

        """;

    [Fact]
    public Task Reports_AttemptRaisedAboveTheDefaultTotalAndSampling()
        => Verify<ResilienceTimeoutsInvalidAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                    => services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => {|LLM405:o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3)|});
            }
            """);

    [Fact]
    public Task Reports_TotalShorterThanAttemptAndSamplingTooShort()
        => Verify<ResilienceTimeoutsInvalidAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            {|LLM405:o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(5)|};
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(2);
                            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(10);
                        });
                    services.AddHttpClient("anthropic", c => c.BaseAddress = new Uri("https://api.anthropic.com/"))
                        .{|LLM405:AddStandardResilienceHandler|}(o => o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10))
                        .Configure(o => o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(15));
                }
            }
            """);

    [Fact]
    public Task Reports_ValuesOutsideTheValidatorsRanges()
        => Verify<ResilienceTimeoutsInvalidAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                    => services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            {|LLM405:o.AttemptTimeout.Timeout = Timeout.InfiniteTimeSpan|};
                            o.TotalRequestTimeout = new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromHours(30) };
                        });
            }
            """);

    [Fact]
    public Task NoDiagnostic_ValidCombinationsDefaultsAndUnknownValues()
        => Verify<ResilienceTimeoutsInvalidAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services, TimeSpan configured)
                {
                    services.AddHttpClient("a", c => c.BaseAddress = new Uri("https://api.openai.com/v1/")).AddStandardResilienceHandler();
                    services.AddHttpClient("b", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(3);
                            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                        });
                    services.AddHttpClient("c", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => o.Retry.MaxRetryAttempts = 5);
                    services.AddHttpClient("d", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => { o.AttemptTimeout.Timeout = configured; o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(1); });
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ClientThatIsNotAnLlmClient()
        => Verify<ResilienceTimeoutsInvalidAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                    => services.AddHttpClient("github", c => c.BaseAddress = new Uri("https://api.github.com/"))
                        .AddStandardResilienceHandler(o => o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3));
            }
            """);

    [Fact]
    public Task Options_TheMinimumDoesNotChangeValidation()
        => Verify<ResilienceTimeoutsInvalidAnalyzer>.AnalyzerAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("a", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => { o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(20); o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(30); o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(40); });
                    services.AddHttpClient("b", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => {|LLM405:o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(20)|});
                }
            }
            """, References.Sdks, "llm_streaming.min_timeout_seconds = 5\nllm_streaming.LLM405.min_timeout_seconds = 600\n");

    [Fact]
    public Task Fix_RecomputesTheDependentValues()
        => Verify<ResilienceTimeoutsInvalidAnalyzer, ResilienceTimeoutsInvalidCodeFix>.FixAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => {|LLM405:o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3)|});
                    services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            {|LLM405:o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(5)|};
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(2);
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
                            o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(3);
                            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                        });
                    services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(5);
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(5);
                            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(10);
                        });
                }
            }
            """, ResilienceTimeoutsInvalidCodeFix.EquivalenceKey);

    [Fact]
    public Task NoFix_RangeViolationOrSettingsSpreadOverDelegates()
        => Verify<ResilienceTimeoutsInvalidAnalyzer, ResilienceTimeoutsInvalidCodeFix>.NoFixAsync(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => {|LLM405:o.AttemptTimeout.Timeout = Timeout.InfiniteTimeSpan|});
                    services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"))
                        .{|LLM405:AddStandardResilienceHandler|}(o => o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10))
                        .Configure(o => o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3));
                }
            }
            """);

    [Fact]
    public Task NoCrash_IncompleteCode()
        => TimeoutTestHelpers.BrokenCodeAsync<ResilienceTimeoutsInvalidAnalyzer>(Usings + """
            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o => { o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(; o.CircuitBreaker = ; });
                    services.AddHttpClient("b").AddStandardResilienceHandler(o => o.AttemptTimeout = new HttpTimeoutStrategyOptions { Timeout = });
                }
            }
            """);
}
