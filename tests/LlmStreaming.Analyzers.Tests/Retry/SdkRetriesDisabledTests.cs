using System.Collections.Immutable;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Retry;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Retry;

public class SdkRetriesDisabledTests
{
    [Fact]
    public Task Reports_OpenAI_ClientRetryPolicyZero()
        => Verify<SdkRetriesDisabledAnalyzer>.AnalyzerAsync("""
            using System.ClientModel;
            using System.ClientModel.Primitives;
            using OpenAI;

            class Clients
            {
                OpenAIClient Initializer(string key)
                    => new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions { {|LLM103:RetryPolicy = new ClientRetryPolicy(0)|} });

                OpenAIClient Statement(string key)
                {
                    var options = new OpenAIClientOptions();
                    {|LLM103:options.RetryPolicy = new ClientRetryPolicy(maxRetries: 0)|};
                    return new OpenAIClient(new ApiKeyCredential(key), options);
                }
            }
            """);

    [Fact]
    public Task Reports_Anthropic_MaxRetriesZero()
        => Verify<SdkRetriesDisabledAnalyzer>.AnalyzerAsync("""
            using Anthropic;
            using Anthropic.Core;

            class Clients
            {
                AnthropicClient Client() => new AnthropicClient { {|LLM103:MaxRetries = 0|} };

                AnthropicClient Options()
                {
                    var options = new ClientOptions();
                    {|LLM103:options.MaxRetries = 0|};
                    return new AnthropicClient(options);
                }

                IAnthropicClient WithOptions(IAnthropicClient client)
                    => client.WithOptions(o => o with { {|LLM103:MaxRetries = 0|} });
            }
            """);

    [Fact]
    public Task NoDiagnostic_PositiveCountsDefaultsAndLookAlikes()
        => Verify<SdkRetriesDisabledAnalyzer>.AnalyzerAsync("""
            using System.ClientModel.Primitives;
            using Anthropic;
            using OpenAI;

            class Settings
            {
                public int MaxRetries { get; set; }
            }

            class Clients
            {
                void Configure(int retries)
                {
                    var openAI = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(5) };
                    var anthropic = new AnthropicClient { MaxRetries = 4 };
                    var computed = new AnthropicClient { MaxRetries = retries };
                    var reset = new AnthropicClient { MaxRetries = null };
                    var mine = new Settings { MaxRetries = 0 };
                    var generic = new ClientPipelineOptions { RetryPolicy = new ClientRetryPolicy(0) };
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NoSdkReferenced()
        => Verify<SdkRetriesDisabledAnalyzer>.AnalyzerAsync("""
            class Settings
            {
                public int MaxRetries { get; set; }

                static Settings Create() => new Settings { MaxRetries = 0 };
            }
            """,
            ImmutableArray<MetadataReference>.Empty,
            editorConfig: null);

    [Fact]
    public Task NoDiagnostic_BrokenCode()
        => Verify<SdkRetriesDisabledAnalyzer>.AnalyzerAsync("""
            using Anthropic;

            class Clients
            {
                AnthropicClient Client() => new AnthropicClient { {|CS0117:MaxRetry|} = 0 };

                void Options() => {|CS0103:options|}.MaxRetries = 0;
            }
            """);

    [Fact]
    public Task Fix_RemovesTheOverride_FixAll()
        => RetryVerify.FixAsync<SdkRetriesDisabledAnalyzer, SdkRetriesDisabledCodeFix>("""
            using System.ClientModel;
            using System.ClientModel.Primitives;
            using Anthropic;
            using Anthropic.Core;
            using OpenAI;

            class Clients
            {
                OpenAIClient OpenAIClient(string key)
                {
                    var options = new OpenAIClientOptions
                    {
                        {|LLM103:RetryPolicy = new ClientRetryPolicy(0)|},
                        UserAgentApplicationId = "chat",
                    };
                    return new OpenAIClient(new ApiKeyCredential(key), options);
                }

                AnthropicClient Client() => new AnthropicClient { {|LLM103:MaxRetries = 0|} };

                AnthropicClient Options()
                {
                    var options = new ClientOptions();
                    // We retry ourselves.
                    {|LLM103:options.MaxRetries = 0|};
                    return new AnthropicClient(options);
                }

                IAnthropicClient WithOptions(IAnthropicClient client)
                    => client.WithOptions(o => o with { {|LLM103:MaxRetries = 0|} });
            }
            """, """
            using System.ClientModel;
            using System.ClientModel.Primitives;
            using Anthropic;
            using Anthropic.Core;
            using OpenAI;

            class Clients
            {
                OpenAIClient OpenAIClient(string key)
                {
                    var options = new OpenAIClientOptions
                    {
                        UserAgentApplicationId = "chat",
                    };
                    return new OpenAIClient(new ApiKeyCredential(key), options);
                }

                AnthropicClient Client() => new AnthropicClient();

                AnthropicClient Options()
                {
                    var options = new ClientOptions();
                    return new AnthropicClient(options);
                }

                IAnthropicClient WithOptions(IAnthropicClient client)
                    => client.WithOptions(o => o);
            }
            """, SdkRetriesDisabledCodeFix.EquivalenceKey);
}
