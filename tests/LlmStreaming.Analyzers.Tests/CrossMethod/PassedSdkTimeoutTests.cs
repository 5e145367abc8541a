using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// LLM404 across a method boundary (issue 11): a constructor or factory of this compilation sets an SDK client
/// option's timeout from a parameter; a call with a constant below the minimum is reported at the argument.
/// </summary>
public class PassedSdkTimeoutTests
{
    private const string OpenAIEffect = "it bounds the wait for the headers and each read, and cuts a model that thinks longer before a token";

    private const string LlmService = """
        using System;
        using System.ClientModel;
        using OpenAI;
        using OpenAI.Chat;

        class LlmService
        {
            private readonly ChatClient _chat;

            public LlmService(TimeSpan timeout)
            {
                var options = new OpenAIClientOptions { NetworkTimeout = timeout };
                _chat = new OpenAIClient(new ApiKeyCredential("key"), options).GetChatClient("gpt-4o");
            }
        }

        """;

    [Fact]
    public Task Reports_OpenAI_ConstructorArgument()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync(LlmService + """
            class Program
            {
                LlmService Create() => new LlmService({|#0:TimeSpan.FromSeconds(30)|});
            }
            """,
            Verify<SdkTimeoutTooShortAnalyzer>.Diagnostic("LLM404").WithLocation(0)
                .WithArguments("The timeout passed to 'LlmService'", "30 s", "and becomes OpenAIClientOptions.NetworkTimeout", OpenAIEffect, "2 min"));

    [Fact]
    public Task Reports_AnthropicFactoryArgument_WithTheCallersMinimum()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using Anthropic;
            using Anthropic.Core;

            static class Clients
            {
                public static AnthropicClient Create(TimeSpan timeout)
                    => new AnthropicClient(new ClientOptions { Timeout = timeout });
            }

            class Program
            {
                AnthropicClient A() => Clients.Create({|#0:TimeSpan.FromSeconds(150)|});
                AnthropicClient B() => Clients.Create(TimeSpan.FromSeconds(200));
            }
            """,
            References.Sdks,
            "llm_streaming.min_timeout_seconds = 180\n",
            Verify<SdkTimeoutTooShortAnalyzer>.Diagnostic("LLM404").WithLocation(0)
                .WithArguments("The timeout passed to 'Create'", "2.5 min", "and becomes Anthropic ClientOptions.Timeout", "it bounds the wait for the headers, which a long-thinking model sends late", "3 min"));

    [Fact]
    public Task Fix_ReplacesTheLiteralArgument()
        => Verify<SdkTimeoutTooShortAnalyzer, SdkTimeoutTooShortCodeFix>.FixAsync(LlmService + """
            class Program
            {
                LlmService Create() => new LlmService({|LLM404:TimeSpan.FromSeconds(30)|});
            }
            """, LlmService + """
            class Program
            {
                LlmService Create() => new LlmService(TimeSpan.FromMinutes(2));
            }
            """, SdkTimeoutTooShortCodeFix.RaiseKey);

    [Fact]
    public Task NoFix_NamedConstantArgument()
        => Verify<SdkTimeoutTooShortAnalyzer, SdkTimeoutTooShortCodeFix>.NoFixAsync(LlmService + """
            class Program
            {
                private const int Seconds = 20;

                LlmService Create() => new LlmService({|LLM404:TimeSpan.FromSeconds(Seconds)|});
            }
            """);

    [Fact]
    public Task NoDiagnostic_LongEnoughInfiniteOrNotConstant()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync(LlmService + """
            class Program
            {
                LlmService Long() => new LlmService(TimeSpan.FromMinutes(10));
                LlmService Infinite() => new LlmService(System.Threading.Timeout.InfiniteTimeSpan);
                LlmService Configured(TimeSpan timeout) => new LlmService(timeout);
            }
            """);

    [Fact]
    public Task NoDiagnostic_OptionOfANonModelType()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel.Primitives;

            namespace Storage
            {
                class StorageOptions : ClientPipelineOptions
                {
                }

                class StorageService
                {
                    public StorageOptions Options { get; }

                    public StorageService(TimeSpan timeout) => Options = new StorageOptions { NetworkTimeout = timeout };
                }

                class Program
                {
                    StorageService Create() => new StorageService(TimeSpan.FromSeconds(5));
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_TimeoutNotSetFromTheParameter()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using System.ClientModel;
            using OpenAI;

            class LlmService
            {
                public TimeSpan Budget { get; }

                public OpenAIClient Client { get; }

                public LlmService(TimeSpan budget)
                {
                    Budget = budget;
                    Client = new OpenAIClient(new ApiKeyCredential("key"), new OpenAIClientOptions { NetworkTimeout = TimeSpan.FromMinutes(5) });
                }
            }

            class Program
            {
                LlmService Create() => new LlmService(TimeSpan.FromSeconds(30));
            }
            """);

    [Fact]
    public Task NoCrash_RecursiveFactory()
        => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync("""
            using System;
            using OpenAI;

            static class Clients
            {
                public static OpenAIClientOptions Create(TimeSpan timeout, int depth)
                    => depth > 0 ? Create(timeout, depth - 1) : new OpenAIClientOptions { NetworkTimeout = timeout };

                public static OpenAIClientOptions Short() => Create({|#0:TimeSpan.FromSeconds(10)|}, 3);
            }
            """,
            Verify<SdkTimeoutTooShortAnalyzer>.Diagnostic("LLM404").WithLocation(0)
                .WithArguments("The timeout passed to 'Create'", "10 s", "and becomes OpenAIClientOptions.NetworkTimeout", OpenAIEffect, "2 min"));
}
