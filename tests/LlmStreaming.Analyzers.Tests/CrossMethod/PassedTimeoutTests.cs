using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// LLM401 across a method boundary (issue 11): a constructor or factory of this compilation sets a model HttpClient's
/// timeout from a parameter; a call with a constant below the minimum is reported at the argument.
/// </summary>
public class PassedTimeoutTests
{
    private const string LlmClient = """
        using System;
        using System.Net.Http;
        using System.Threading.Tasks;

        class LlmClient
        {
            private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("https://api.openai.com/v1/") };

            public LlmClient(TimeSpan timeout)
            {
                _http.Timeout = timeout;
            }

            public Task<HttpResponseMessage> AskAsync(HttpContent body) => _http.PostAsync("chat/completions", body);
        }

        """;

    [Fact]
    public Task Reports_ConstructorArgument()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync(LlmClient + """
            class Program
            {
                LlmClient Create() => new LlmClient({|#0:TimeSpan.FromSeconds(30)|});
            }
            """,
            Verify<HttpClientTimeoutTooShortAnalyzer>.Diagnostic("LLM401").WithLocation(0)
                .WithArguments("The timeout passed to 'LlmClient'", "30 s", "that talks to a model endpoint", "it cuts a slow model off (before the headers, or anywhere in a buffered answer)", "raise it to at least 2 min"));

    [Fact]
    public Task Reports_FactoryArgument_WithTheConfiguredMinimum()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;

            static class Clients
            {
                public static HttpClient CreateOllama(TimeSpan timeout)
                    => new HttpClient { BaseAddress = new Uri("http://localhost:11434/api/chat"), Timeout = timeout };
            }

            class Program
            {
                HttpClient A() => Clients.CreateOllama({|#0:TimeSpan.FromSeconds(90)|});
                HttpClient B() => Clients.CreateOllama(TimeSpan.FromSeconds(200));
            }
            """,
            References.Sdks,
            "llm_streaming.min_timeout_seconds = 180\n",
            Verify<HttpClientTimeoutTooShortAnalyzer>.Diagnostic("LLM401").WithLocation(0)
                .WithArguments("The timeout passed to 'CreateOllama'", "1.5 min", "that talks to a model endpoint", "it cuts a slow model off (before the headers, or anywhere in a buffered answer)", "raise it to at least 3 min"));

    [Fact]
    public Task Fix_ReplacesTheLiteralArgument()
        => Verify<HttpClientTimeoutTooShortAnalyzer, HttpClientTimeoutTooShortCodeFix>.FixAsync(LlmClient + """
            class Program
            {
                LlmClient Create() => new LlmClient({|LLM401:TimeSpan.FromSeconds(30)|});
            }
            """, LlmClient + """
            class Program
            {
                LlmClient Create() => new LlmClient(TimeSpan.FromMinutes(2));
            }
            """, HttpClientTimeoutTooShortCodeFix.RaiseKey);

    [Fact]
    public Task NoFix_NamedConstantArgument()
        => Verify<HttpClientTimeoutTooShortAnalyzer, HttpClientTimeoutTooShortCodeFix>.NoFixAsync(LlmClient + """
            class Program
            {
                private static readonly TimeSpan Short = TimeSpan.FromSeconds(30);
                private const int Seconds = 20;

                LlmClient Create() => new LlmClient({|LLM401:TimeSpan.FromSeconds(Seconds)|});
            }
            """);

    [Fact]
    public Task NoDiagnostic_LongEnoughOrNotConstant()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync(LlmClient + """
            class Program
            {
                LlmClient Long() => new LlmClient(TimeSpan.FromMinutes(10));
                LlmClient Infinite() => new LlmClient(System.Threading.Timeout.InfiniteTimeSpan);
                LlmClient Configured(TimeSpan timeout) => new LlmClient(timeout);
            }
            """);

    [Fact]
    public Task NoDiagnostic_ConstructorOfANonModelClient()
        => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Net.Http;
            using System.Threading.Tasks;

            class WeatherClient
            {
                private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("https://weather.example.com/") };

                public WeatherClient(TimeSpan timeout) => _http.Timeout = timeout;

                public Task<string> TodayAsync() => _http.GetStringAsync("today");
            }

            class Program
            {
                WeatherClient Create() => new WeatherClient(TimeSpan.FromSeconds(10));
            }
            """);
}
