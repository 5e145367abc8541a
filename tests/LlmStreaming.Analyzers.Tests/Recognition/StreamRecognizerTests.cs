using System.Collections.Immutable;
using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>SDK streams recognised by symbol, for every family of the catalogue, against the real packages.</summary>
public class StreamRecognizerTests
{
    /// <summary>Asserts that the loop after the marker enumerates an SDK stream started by <paramref name="method"/>.</summary>
    private static LlmStreamLoop AssertSdkLoop(string source, LlmFamily family, string? method, ImmutableArray<MetadataReference>? sdks = null, IReadOnlyDictionary<string, string>? options = null)
    {
        var harness = RecognitionHarness.Compile(source, sdks, options);
        var loop = harness.StreamLoop(harness.At<ILoopOperation>());
        Assert.NotNull(loop);
        Assert.Equal(LlmStreamKind.Sdk, loop!.Kind);
        Assert.Equal(family, loop.Family);
        Assert.NotNull(loop.Source);
        Assert.Equal(method, loop.Source!.Call?.TargetMethod.Name);
        Assert.NotNull(loop.IterationVariable);
        Assert.NotNull(loop.ElementType);
        return loop;
    }

    private static void AssertNoStreamLoop(string source, ImmutableArray<MetadataReference>? sdks = null, IReadOnlyDictionary<string, string>? options = null)
    {
        var harness = RecognitionHarness.Compile(source, sdks, options);
        Assert.Null(harness.StreamLoop(harness.At<ILoopOperation>()));
    }

    // ---- OpenAI ------------------------------------------------------------------------------------------------

    [Fact]
    public void Recognizes_OpenAI_CompleteChatStreamingAsync()
    {
        var loop = AssertSdkLoop("""
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class C
            {
                async Task M(ChatClient client)
                {
                    /*target*/await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                    }
                }
            }
            """, LlmFamily.OpenAI, "CompleteChatStreamingAsync");
        Assert.Equal("StreamingChatCompletionUpdate", loop.ElementType!.Name);
        Assert.Equal(StreamOrigin.Call, loop.Source!.Origin);
        Assert.Equal("CompleteChatStreamingAsync", loop.DisplayName);
    }

    [Fact]
    public void Recognizes_OpenAI_CompleteChatStreaming_Sync()
    {
        var loop = AssertSdkLoop("""
            using OpenAI.Chat;

            class C
            {
                void M(ChatClient client)
                {
                    /*target*/foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                    {
                    }
                }
            }
            """, LlmFamily.OpenAI, "CompleteChatStreaming");
        Assert.Equal("StreamingChatCompletionUpdate", loop.ElementType!.Name);
    }

    [Fact]
    public void Recognizes_OpenAI_Responses_AwaitedAsyncStreamingResult()
    {
        var loop = AssertSdkLoop("""
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class C
            {
                async Task M(ResponsesClient client, CreateResponseOptions options)
                {
                    /*target*/await foreach (var update in await client.CreateResponseStreamingAsync(options))
                    {
                    }
                }
            }
            """, LlmFamily.OpenAI, "CreateResponseStreamingAsync");
        Assert.Equal("StreamingResponseUpdate", loop.ElementType!.Name);
    }

    [Fact]
    public void Recognizes_OpenAI_Responses_AwaitedIntoLocal()
    {
        AssertSdkLoop("""
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class C
            {
                async Task M(ResponsesClient client)
                {
                    var updates = await client.GetResponseStreamingAsync("resp_123");
                    /*target*/await foreach (var update in updates)
                    {
                    }
                }
            }
            """, LlmFamily.OpenAI, "GetResponseStreamingAsync");
    }

    [Theory]
    [InlineData("await client.CreateRunStreamingAsync(\"thread\", \"assistant\")", "CreateRunStreamingAsync")]
    [InlineData("await client.CreateThreadAndRunStreamingAsync(\"assistant\")", "CreateThreadAndRunStreamingAsync")]
    [InlineData("await client.SubmitToolOutputsToRunStreamingAsync(\"thread\", \"run\", new ToolOutput[0])", "SubmitToolOutputsToRunStreamingAsync")]
    public void Recognizes_OpenAI_Assistants(string call, string method)
    {
        var loop = AssertSdkLoop($$"""
            using System.Threading.Tasks;
            using OpenAI.Assistants;

            class C
            {
                async Task M(AssistantClient client)
                {
                    /*target*/await foreach (var update in {{call}})
                    {
                    }
                }
            }
            """, LlmFamily.OpenAI, method);
        Assert.Equal("StreamingUpdate", loop.ElementType!.Name);
    }

    [Fact]
    public void NoStream_OpenAI_CompleteChatAsync()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class C
            {
                async Task<string> M(ChatClient client)
                {
                    ChatCompletion completion = await client.CompleteChatAsync(new UserChatMessage("hi"));
                    return completion.Content[0].Text;
                }
            }
            """);
        Assert.Null(harness.StreamCall(harness.Invocation("CompleteChatAsync")));
        Assert.Null(harness.StreamValue(harness.Invocation("CompleteChatAsync").Parent!));
    }

    // ---- OpenAI 2.1.0: Assistants streams were AsyncCollectionResult / CollectionResult, with sync overloads ------

    [Fact]
    public void Recognizes_OpenAI210_Assistants_AsyncCollectionResult()
    {
        var loop = AssertSdkLoop("""
            using System.Threading.Tasks;
            using OpenAI.Assistants;

            class C
            {
                async Task M(AssistantClient client)
                {
                    /*target*/await foreach (var update in client.CreateRunStreamingAsync("thread", "assistant"))
                    {
                    }
                }
            }
            """, LlmFamily.OpenAI, "CreateRunStreamingAsync", References.OpenAI210);
        Assert.Equal("StreamingUpdate", loop.ElementType!.Name);
    }

    [Fact]
    public void Recognizes_OpenAI210_Assistants_Sync()
    {
        AssertSdkLoop("""
            using OpenAI.Assistants;

            class C
            {
                void M(AssistantClient client)
                {
                    /*target*/foreach (var update in client.CreateThreadAndRunStreaming("assistant"))
                    {
                    }
                }
            }
            """, LlmFamily.OpenAI, "CreateThreadAndRunStreaming", References.OpenAI210);
    }

    [Fact]
    public void Recognizes_OpenAI210_Chat()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class C
            {
                async Task M(ChatClient client)
                {
                    /*target*/await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                    }

                    await client.CompleteChatAsync(new UserChatMessage("hi"));
                }
            }
            """, References.OpenAI210);
        Assert.Equal(LlmFamily.OpenAI, harness.StreamLoop(harness.At<ILoopOperation>())?.Family);
        Assert.Null(harness.StreamCall(harness.Invocation("CompleteChatAsync")));
        Assert.Null(harness.Compilation.GetTypeByMetadataName("OpenAI.Responses.ResponsesClient"));
    }

    // ---- Microsoft.Extensions.AI ---------------------------------------------------------------------------------

    [Fact]
    public void Recognizes_ExtensionsAI_InterfaceMethod()
    {
        var loop = AssertSdkLoop("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task M(IChatClient client)
                {
                    /*target*/await foreach (var update in client.GetStreamingResponseAsync(new[] { new ChatMessage(ChatRole.User, "hi") }))
                    {
                    }
                }
            }
            """, LlmFamily.ExtensionsAI, "GetStreamingResponseAsync");
        Assert.Equal("ChatResponseUpdate", loop.ElementType!.Name);
    }

    [Theory]
    [InlineData("client.GetStreamingResponseAsync(\"hi\")")]
    [InlineData("client.GetStreamingResponseAsync(new ChatMessage(ChatRole.User, \"hi\"))")]
    [InlineData("client.GetStreamingResponseAsync(\"hi\", new ChatOptions { Temperature = 0.2f }, ct)")]
    public void Recognizes_ExtensionsAI_ChatClientExtensions(string call)
    {
        var loop = AssertSdkLoop($$"""
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task M(IChatClient client, CancellationToken ct)
                {
                    /*target*/await foreach (var update in {{call}})
                    {
                    }
                }
            }
            """, LlmFamily.ExtensionsAI, "GetStreamingResponseAsync");
        Assert.True(loop.Source!.Call!.TargetMethod.IsExtensionMethod || loop.Source.Call.TargetMethod.ReducedFrom is not null);
    }

    [Fact]
    public void Recognizes_ExtensionsAI_ImplementationOfIChatClient()
    {
        // A user's DelegatingChatClient implements IChatClient: its GetStreamingResponseAsync is the MEAI stream.
        AssertSdkLoop("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            sealed class LoggingChatClient : DelegatingChatClient
            {
                public LoggingChatClient(IChatClient inner) : base(inner)
                {
                }
            }

            class C
            {
                async Task M(LoggingChatClient client)
                {
                    /*target*/await foreach (var update in client.GetStreamingResponseAsync(new[] { new ChatMessage(ChatRole.User, "hi") }))
                    {
                    }
                }
            }
            """, LlmFamily.ExtensionsAI, "GetStreamingResponseAsync");
    }

    // Real code (dotnet/ai-samples, the abstraction-implementation samples): a canned IChatClient whose streaming method
    // only yields fixed updates (and waits) is no model, also behind the builder pipeline.
    [Fact]
    public void NoStream_ExtensionsAI_CannedChatClientOfThisCompilation()
    {
        var harness = RecognitionHarness.Compile("""
            using System;
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            sealed class SampleChatClient : IChatClient
            {
                public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
                    => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "canned")));

                public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    yield return new(ChatRole.Assistant, "first part");
                    await Task.Delay(300, cancellationToken);
                    yield return new(ChatRole.Assistant, "second part");
                }

                public object? GetService(Type serviceType, object? serviceKey = null) => null;

                public void Dispose()
                {
                }
            }

            sealed class ForwardingChatClient : IChatClient
            {
                private readonly IChatClient _inner;

                public ForwardingChatClient(IChatClient inner) => _inner = inner;

                public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
                    => _inner.GetResponseAsync(messages, options, cancellationToken);

                public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    await foreach (var update in _inner.GetStreamingResponseAsync(messages, options, cancellationToken))
                    {
                        yield return update;
                    }
                }

                public object? GetService(Type serviceType, object? serviceKey = null) => null;

                public void Dispose()
                {
                }
            }

            class C
            {
                async Task M(IChatClient real)
                {
                    IChatClient plain = new SampleChatClient();
                    await foreach (var update in plain.GetStreamingResponseAsync("hi")) { }

                    IChatClient built = new SampleChatClient().AsBuilder().UseFunctionInvocation().Build();
                    await foreach (var update in built.GetStreamingResponseAsync("hi")) { }

                    var forwarding = new ForwardingChatClient(real);
                    await foreach (var update in forwarding.GetStreamingResponseAsync("hi")) { }
                }
            }
            """);
        var loops = harness.All<ILoopOperation>();
        Assert.Null(harness.StreamLoop(loops[^3]));
        Assert.Null(harness.StreamLoop(loops[^2]));
        Assert.NotNull(harness.StreamLoop(loops[^1]));
    }

    [Fact]
    public void Recognizes_ExtensionsAI_ToChatResponseAsync_AsAggregation()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task<string> M(IChatClient client)
                {
                    var response = await client.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                    var stream = client.GetStreamingResponseAsync("again");
                    var second = await stream.ToChatResponseAsync();
                    return response.Text + second.Text;
                }
            }
            """);
        var first = harness.Aggregation(harness.Invocation("ToChatResponseAsync", 0));
        Assert.Equal(LlmFamily.ExtensionsAI, first?.Family);
        Assert.Equal("GetStreamingResponseAsync", first?.Call?.TargetMethod.Name);

        var second = harness.Aggregation(harness.Invocation("ToChatResponseAsync", 1));
        Assert.Equal(LlmFamily.ExtensionsAI, second?.Family);
        Assert.Equal(StreamOrigin.Call, second?.Origin);
        Assert.Equal("GetStreamingResponseAsync", second?.Call?.TargetMethod.Name);

        // The aggregation is not itself a stream call.
        Assert.Null(harness.StreamCall(harness.Invocation("ToChatResponseAsync", 0)));
    }

    [Fact]
    public void Recognizes_ExtensionsAI_AggregationOfReceivedStream()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                Task<ChatResponse> M(IAsyncEnumerable<ChatResponseUpdate> updates) => updates.ToChatResponseAsync();
            }
            """);
        var source = harness.Aggregation(harness.Invocation("ToChatResponseAsync"));
        Assert.Equal(LlmFamily.ExtensionsAI, source?.Family);
        Assert.Equal(StreamOrigin.Received, source?.Origin);
    }

    [Fact]
    public void NoStream_ExtensionsAI_GetResponseAsync_And_SyncToChatResponse()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task<string> M(IChatClient client, List<ChatResponseUpdate> updates)
                {
                    var response = await client.GetResponseAsync("hi");
                    var merged = updates.ToChatResponse();
                    var total = updates.Aggregate(0, (n, u) => n + u.Text.Length);
                    return response.Text + merged.Text + total;
                }
            }
            """);
        Assert.Null(harness.StreamCall(harness.Invocation("GetResponseAsync")));
        Assert.Null(harness.Aggregation(harness.Invocation("ToChatResponse")));
        Assert.Null(harness.Aggregation(harness.Invocation("Aggregate")));
    }

    [Fact]
    public void Recognizes_ExtensionsAI950()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task<string> M(IChatClient client)
                {
                    /*target*/await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                    }

                    var response = await client.GetStreamingResponseAsync("again").ToChatResponseAsync();
                    var plain = await client.GetResponseAsync("plain");
                    return response.Text + plain.Text;
                }
            }
            """, References.ExtensionsAI950);
        Assert.Equal(LlmFamily.ExtensionsAI, harness.StreamLoop(harness.At<ILoopOperation>())?.Family);
        Assert.Equal(LlmFamily.ExtensionsAI, harness.Aggregation(harness.Invocation("ToChatResponseAsync"))?.Family);
        Assert.Null(harness.StreamCall(harness.Invocation("GetResponseAsync")));
        Assert.Equal("9.5.0.0", harness.Compilation.GetTypeByMetadataName("Microsoft.Extensions.AI.IChatClient")!.ContainingAssembly.Identity.Version.ToString());
    }

    // ---- Semantic Kernel ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("service.GetStreamingChatMessageContentsAsync(new ChatHistory())", "GetStreamingChatMessageContentsAsync", "StreamingChatMessageContent")]
    [InlineData("service.GetStreamingChatMessageContentsAsync(\"hi\")", "GetStreamingChatMessageContentsAsync", "StreamingChatMessageContent")]
    [InlineData("text.GetStreamingTextContentsAsync(\"hi\")", "GetStreamingTextContentsAsync", "StreamingTextContent")]
    [InlineData("kernel.InvokeStreamingAsync(function)", "InvokeStreamingAsync", "StreamingKernelContent")]
    [InlineData("kernel.InvokeStreamingAsync<string>(function)", "InvokeStreamingAsync", "String")]
    [InlineData("function.InvokeStreamingAsync(kernel)", "InvokeStreamingAsync", "StreamingKernelContent")]
    [InlineData("kernel.InvokePromptStreamingAsync(\"hi\")", "InvokePromptStreamingAsync", "StreamingKernelContent")]
    [InlineData("kernel.InvokePromptStreamingAsync<string>(\"hi\")", "InvokePromptStreamingAsync", "String")]
    public void Recognizes_SemanticKernel(string call, string method, string elementType)
    {
        var loop = AssertSdkLoop($$"""
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;
            using Microsoft.SemanticKernel.TextGeneration;

            class C
            {
                async Task M(Kernel kernel, KernelFunction function, IChatCompletionService service, ITextGenerationService text)
                {
                    /*target*/await foreach (var update in {{call}})
                    {
                    }
                }
            }
            """, LlmFamily.SemanticKernel, method);
        Assert.Equal(elementType, loop.ElementType!.Name);
    }

    [Fact]
    public void NoStream_SemanticKernel_NonStreamingCalls()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class C
            {
                async Task M(Kernel kernel, IChatCompletionService service)
                {
                    await service.GetChatMessageContentsAsync(new ChatHistory());
                    await kernel.InvokePromptAsync("hi");
                }
            }
            """);
        Assert.Null(harness.StreamCall(harness.Invocation("GetChatMessageContentsAsync")));
        Assert.Null(harness.StreamCall(harness.Invocation("InvokePromptAsync")));
    }

    // ---- Anthropic ----------------------------------------------------------------------------------------------

    [Fact]
    public void Recognizes_Anthropic_MessagesCreateStreaming()
    {
        var loop = AssertSdkLoop("""
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class C
            {
                async Task M(AnthropicClient client, MessageCreateParams parameters)
                {
                    /*target*/await foreach (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                    }
                }
            }
            """, LlmFamily.Anthropic, "CreateStreaming");
        Assert.Equal("RawMessageStreamEvent", loop.ElementType!.Name);
    }

    [Fact]
    public void Recognizes_Anthropic_BetaMessagesCreateStreaming()
    {
        var loop = AssertSdkLoop("""
            using System.Threading.Tasks;
            using Anthropic;

            class C
            {
                async Task M(IAnthropicClient client, Anthropic.Models.Beta.Messages.MessageCreateParams parameters)
                {
                    /*target*/await foreach (var streamEvent in client.Beta.Messages.CreateStreaming(parameters))
                    {
                    }
                }
            }
            """, LlmFamily.Anthropic, "CreateStreaming");
        Assert.Equal("BetaRawMessageStreamEvent", loop.ElementType!.Name);
    }

    [Fact]
    public void Recognizes_Anthropic_BetaMessageThreadSendStreaming()
    {
        AssertSdkLoop("""
            using System.Threading.Tasks;
            using Anthropic.Helpers.Beta;

            class C
            {
                async Task M(BetaMessageThread thread)
                {
                    /*target*/await foreach (var streamEvent in thread.SendStreaming())
                    {
                    }
                }
            }
            """, LlmFamily.Anthropic, "SendStreaming");
    }

    [Fact]
    public void Recognizes_Anthropic_Aggregate_AndNotLinqAggregate()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Linq;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class C
            {
                async Task<int> M(AnthropicClient client, MessageCreateParams parameters, int[] numbers)
                {
                    Message message = await client.Messages.CreateStreaming(parameters).Aggregate();
                    return numbers.Aggregate((a, b) => a + b) + message.Content.Count;
                }
            }
            """);
        var aggregated = harness.Aggregation(harness.Invocation("Aggregate", 0));
        Assert.Equal(LlmFamily.Anthropic, aggregated?.Family);
        Assert.Equal("CreateStreaming", aggregated?.Call?.TargetMethod.Name);
        Assert.Null(harness.Aggregation(harness.Invocation("Aggregate", 1)));
    }

    [Fact]
    public void NoStream_Anthropic_Create()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class C
            {
                async Task M(AnthropicClient client, MessageCreateParams parameters) => await client.Messages.Create(parameters);
            }
            """);
        Assert.Null(harness.StreamCall(harness.Invocation("Create")));
    }

    // ---- OllamaSharp --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("IOllamaApiClient", "client.ChatAsync(request)", "ChatAsync", "ChatResponseStream")]
    [InlineData("OllamaApiClient", "client.ChatAsync(request)", "ChatAsync", "ChatResponseStream")]
    [InlineData("IOllamaApiClient", "client.GenerateAsync(generate)", "GenerateAsync", "GenerateResponseStream")]
    [InlineData("OllamaApiClient", "client.GenerateAsync(generate)", "GenerateAsync", "GenerateResponseStream")]
    [InlineData("IOllamaApiClient", "new Chat(client).SendAsync(\"hi\")", "SendAsync", "String")]
    [InlineData("IOllamaApiClient", "new Chat(client).SendAsAsync(ChatRole.User, \"hi\")", "SendAsAsync", "String")]
    public void Recognizes_Ollama(string clientType, string call, string method, string elementType)
    {
        var loop = AssertSdkLoop($$"""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models;
            using OllamaSharp.Models.Chat;

            class C
            {
                async Task M({{clientType}} client, ChatRequest request, GenerateRequest generate)
                {
                    /*target*/await foreach (var chunk in {{call}})
                    {
                    }
                }
            }
            """, LlmFamily.Ollama, method);
        Assert.Equal(elementType, loop.ElementType!.Name);
    }

    [Fact]
    public void Recognizes_Ollama_StreamToEndAsync()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models;

            class C
            {
                async Task<string?> M(IOllamaApiClient client, GenerateRequest request)
                {
                    var done = await client.GenerateAsync(request).StreamToEndAsync();
                    var text = await new Chat(client).SendAsync("hi").StreamToEndAsync();
                    return done?.Response + text;
                }
            }
            """);
        var generate = harness.Aggregation(harness.Invocation("StreamToEndAsync", 0));
        Assert.Equal(LlmFamily.Ollama, generate?.Family);
        Assert.Equal("GenerateAsync", generate?.Call?.TargetMethod.Name);
        var chat = harness.Aggregation(harness.Invocation("StreamToEndAsync", 1));
        Assert.Equal(LlmFamily.Ollama, chat?.Family);
        Assert.Equal("SendAsync", chat?.Call?.TargetMethod.Name);
    }

    [Fact]
    public void NoStream_Ollama_NonChatStreams()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models;

            class C
            {
                async Task M(IOllamaApiClient client, PullModelRequest pull)
                {
                    /*target*/await foreach (var progress in client.PullModelAsync(pull))
                    {
                    }

                    await client.ListLocalModelsAsync();
                }
            }
            """);
        Assert.Null(harness.StreamLoop(harness.At<ILoopOperation>()));
        Assert.Null(harness.StreamCall(harness.Invocation("ListLocalModelsAsync")));
    }

    // Real code (OllamaSharp's own IChatClient.GetResponseAsync, its model-unload helper, AIShell's Ollama agent): the
    // streaming API used for a request that asks for no stream answers with one JSON object.
    [Fact]
    public void NoStream_Ollama_RequestWithStreamFalse()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models;
            using OllamaSharp.Models.Chat;

            class C
            {
                GenerateRequest _request = new();

                static ChatRequest Build(string model, bool stream) => new() { Model = model, Stream = stream };

                async Task M(IOllamaApiClient client)
                {
                    await foreach (var _ in client.GenerateAsync(new GenerateRequest { Model = "m", Stream = false, KeepAlive = "0s" })) { break; }
                    var chat = Build("m", stream: false);
                    var one = await client.ChatAsync(chat).StreamToEndAsync();
                    if (_request.Stream)
                    {
                        await foreach (var update in client.GenerateAsync(_request)) { }
                    }
                    else
                    {
                        var whole = await client.GenerateAsync(_request).StreamToEndAsync();
                    }

                    var streaming = Build("m", stream: true);
                    await foreach (var update in client.ChatAsync(streaming)) { }
                }
            }
            """);
        Assert.Null(harness.StreamLoop(harness.Loop(0)));
        Assert.Null(harness.Aggregation(harness.Invocation("StreamToEndAsync", 0)));
        Assert.NotNull(harness.StreamLoop(harness.Loop(1)));
        Assert.Null(harness.Aggregation(harness.Invocation("StreamToEndAsync", 1)));
        Assert.NotNull(harness.StreamLoop(harness.Loop(2)));
    }

    // ---- Betalgo.Ranul.OpenAI -----------------------------------------------------------------------------------

    [Theory]
    [InlineData("chat.CreateCompletionAsStream(request)", "ChatCompletionCreateResponse")]
    [InlineData("completions.CreateCompletionAsStream(legacy)", "CompletionCreateResponse")]
    [InlineData("service.ChatCompletion.CreateCompletionAsStream(request)", "ChatCompletionCreateResponse")]
    [InlineData("service.CreateCompletionAsStream(request)", "ChatCompletionCreateResponse")]
    [InlineData("service.CreateCompletionAsStream(legacy)", "CompletionCreateResponse")]
    public void Recognizes_Betalgo(string call, string elementType)
    {
        var loop = AssertSdkLoop($$"""
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.Managers;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class C
            {
                async Task M(IChatCompletionService chat, ICompletionService completions, OpenAIService service, ChatCompletionCreateRequest request, CompletionCreateRequest legacy)
                {
                    /*target*/await foreach (var chunk in {{call}})
                    {
                    }
                }
            }
            """, LlmFamily.Betalgo, "CreateCompletionAsStream");
        Assert.Equal(elementType, loop.ElementType!.Name);
    }

    [Fact]
    public void NoStream_Betalgo_CreateCompletion()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class C
            {
                async Task M(IChatCompletionService chat, ChatCompletionCreateRequest request) => await chat.CreateCompletion(request);
            }
            """);
        Assert.Null(harness.StreamCall(harness.Invocation("CreateCompletion")));
    }

    // ---- User methods returning the SDKs' update streams ---------------------------------------------------------

    [Fact]
    public void Recognizes_UserWrapper_ReturningUpdateStream()
    {
        var loop = AssertSdkLoop("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Gateway
            {
                private readonly IChatClient _client;

                public Gateway(IChatClient client) => _client = client;

                public IAsyncEnumerable<ChatResponseUpdate> StreamAsync(string prompt) => _client.GetStreamingResponseAsync(prompt);
            }

            class C
            {
                async Task M(Gateway gateway)
                {
                    /*target*/await foreach (var update in gateway.StreamAsync("hi"))
                    {
                    }
                }
            }
            """, LlmFamily.ExtensionsAI, "StreamAsync");
        Assert.Equal("ChatResponseUpdate", loop.ElementType!.Name);
    }

    [Fact]
    public void Recognizes_UserIterator_ReturningOpenAIUpdates()
    {
        AssertSdkLoop("""
            using System.Collections.Generic;
            using System.Runtime.CompilerServices;
            using System.Threading;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class C
            {
                async IAsyncEnumerable<StreamingChatCompletionUpdate> WrapAsync(ChatClient client, [EnumeratorCancellation] CancellationToken ct = default)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new[] { new UserChatMessage("hi") }, cancellationToken: ct))
                    {
                        yield return update;
                    }
                }

                async Task M(ChatClient client)
                {
                    /*target*/await foreach (var update in WrapAsync(client))
                    {
                    }
                }
            }
            """, LlmFamily.OpenAI, "WrapAsync");
    }

    [Fact]
    public void Recognizes_UserMethod_ReturningTaskOfStream()
    {
        AssertSdkLoop("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Anthropic.Models.Messages;

            abstract class C
            {
                protected abstract Task<IAsyncEnumerable<RawMessageStreamEvent>> OpenAsync();

                async Task M()
                {
                    /*target*/await foreach (var streamEvent in await OpenAsync())
                    {
                    }
                }
            }
            """, LlmFamily.Anthropic, "OpenAsync");
    }

    [Fact]
    public void Recognizes_ConfiguredStreamingMethod()
    {
        const string Source = """
            using System.Collections.Generic;
            using System.Threading.Tasks;

            namespace MyApp
            {
                class Gateway
                {
                    public async IAsyncEnumerable<string> StreamAsync(string prompt)
                    {
                        await Task.Yield();
                        yield return prompt;
                    }
                }

                class C
                {
                    async Task M(Gateway gateway)
                    {
                        /*target*/await foreach (var token in gateway.StreamAsync("hi"))
                        {
                        }
                    }
                }
            }
            """;
        AssertNoStreamLoop(Source);
        var loop = AssertSdkLoop(Source, LlmFamily.Configured, "StreamAsync", options: new Dictionary<string, string> { ["llm_streaming.streaming_methods"] = "MyApp.Gateway.StreamAsync" });
        Assert.Equal(SpecialType.System_String, loop.ElementType!.SpecialType);

        // A documentation ID with the parameter list names the same overload; another overload's ID does not match.
        AssertSdkLoop(Source, LlmFamily.Configured, "StreamAsync", options: new Dictionary<string, string> { ["llm_streaming.streaming_methods"] = "M:MyApp.Gateway.StreamAsync(System.String)" });
        AssertNoStreamLoop(Source, options: new Dictionary<string, string> { ["llm_streaming.streaming_methods"] = "M:MyApp.Gateway.StreamAsync(System.Int32)" });
        AssertNoStreamLoop(Source, options: new Dictionary<string, string> { ["llm_streaming.streaming_methods"] = "MyApp.Other.StreamAsync" });
    }

    [Fact]
    public void Recognizes_ConfiguredInterfaceStreamingMethod_OnTheImplementation()
    {
        AssertSdkLoop("""
            using System.Collections.Generic;
            using System.Threading.Tasks;

            namespace MyApp
            {
                interface IGateway
                {
                    IAsyncEnumerable<string> StreamAsync(string prompt);
                }

                sealed class Gateway : IGateway
                {
                    public async IAsyncEnumerable<string> StreamAsync(string prompt)
                    {
                        await Task.Yield();
                        yield return prompt;
                    }
                }

                class C
                {
                    async Task M(Gateway gateway)
                    {
                        /*target*/await foreach (var token in gateway.StreamAsync("hi"))
                        {
                        }
                    }
                }
            }
            """, LlmFamily.Configured, "StreamAsync", options: new Dictionary<string, string> { ["llm_streaming.streaming_methods"] = "MyApp.IGateway.StreamAsync" });
    }

    [Fact]
    public void Recognizes_ConfiguredStreamingMethod_OfUpdateType_TakesTheSdkFamily()
    {
        AssertSdkLoop("""
            using System.Collections.Generic;
            using System.Linq;
            using Microsoft.Extensions.AI;

            namespace MyApp
            {
                class Replay
                {
                    public IEnumerable<ChatResponseUpdate> Updates() => Enumerable.Empty<ChatResponseUpdate>();
                }

                class C
                {
                    void M(Replay replay)
                    {
                        /*target*/foreach (var update in replay.Updates())
                        {
                        }
                    }
                }
            }
            """, LlmFamily.ExtensionsAI, "Updates", options: new Dictionary<string, string> { ["llm_streaming.streaming_methods"] = "MyApp.Replay.Updates" });
    }

    // ---- Values: locals, await, WithCancellation, ConfigureAwait, received streams -------------------------------

    [Theory]
    [InlineData("client.GetStreamingResponseAsync(\"hi\").WithCancellation(ct)")]
    [InlineData("client.GetStreamingResponseAsync(\"hi\").ConfigureAwait(false)")]
    [InlineData("client.GetStreamingResponseAsync(\"hi\").WithCancellation(ct).ConfigureAwait(false)")]
    [InlineData("(client.GetStreamingResponseAsync(\"hi\"))")]
    [InlineData("stream")]
    [InlineData("stream.WithCancellation(ct)")]
    [InlineData("configured")]
    public void Recognizes_ThroughLocalsAndWrappers(string collection)
    {
        var loop = AssertSdkLoop($$"""
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task M(IChatClient client, CancellationToken ct)
                {
                    var stream = client.GetStreamingResponseAsync("hi");
                    var configured = stream.WithCancellation(ct).ConfigureAwait(false);
                    /*target*/await foreach (var update in {{collection}})
                    {
                    }
                }
            }
            """, LlmFamily.ExtensionsAI, "GetStreamingResponseAsync");
        Assert.Equal(StreamOrigin.Call, loop.Source!.Origin);
        Assert.Equal("ChatResponseUpdate", loop.ElementType!.Name);
    }

    [Theory]
    [InlineData("client.GetStreamingResponseAsync(\"hi\").Where(u => u.Text.Length > 0)", "ChatResponseUpdate")]
    [InlineData("client.GetStreamingResponseAsync(\"hi\").Select(u => u.Text)", "String")]
    [InlineData("client.GetStreamingResponseAsync(\"hi\").Take(10).WithCancellation(ct)", "ChatResponseUpdate")]
    public void Recognizes_ThroughLinqOperators_AsTheSdkCall(string collection, string elementType)
    {
        var loop = AssertSdkLoop($$"""
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task M(IChatClient client, CancellationToken ct)
                {
                    /*target*/await foreach (var update in {{collection}})
                    {
                    }
                }
            }
            """, LlmFamily.ExtensionsAI, "GetStreamingResponseAsync");
        Assert.Equal(elementType, loop.ElementType!.Name);
    }

    [Fact]
    public void NoStreamCall_ForLinqOperatorsAndWrappers_OnlyForTheSdkCall()
    {
        // Rules that look at invocations must see one stream start, not one per operator chained on it.
        var harness = RecognitionHarness.Compile("""
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class C
            {
                async Task M(ChatClient client, CancellationToken ct)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")).Where(u => u.ContentUpdate.Count > 0).WithCancellation(ct))
                    {
                    }

                    foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")).Skip(1))
                    {
                    }
                }
            }
            """);
        var calls = harness.All<IInvocationOperation>().Where(i => harness.StreamCall(i) is not null).Select(i => i.TargetMethod.Name).ToList();
        Assert.Equal(new[] { "CompleteChatStreamingAsync", "CompleteChatStreaming" }, calls);
        Assert.Equal("CompleteChatStreaming", harness.StreamLoop(harness.Loop(1))?.Source?.Call?.TargetMethod.Name);
    }

    [Fact]
    public void Recognizes_LocalAssignedLater_ByType()
    {
        var loop = AssertSdkLoop("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task M(IChatClient client)
                {
                    IAsyncEnumerable<ChatResponseUpdate> stream;
                    stream = client.GetStreamingResponseAsync("hi");
                    /*target*/await foreach (var update in stream)
                    {
                    }
                }
            }
            """, LlmFamily.ExtensionsAI, method: null);
        Assert.Equal(StreamOrigin.Call, loop.Source!.Origin);
    }

    [Theory]
    [InlineData("updates")]
    [InlineData("_field")]
    [InlineData("Property")]
    public void Recognizes_ReceivedStreams(string collection)
    {
        var loop = AssertSdkLoop($$"""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using OllamaSharp.Models.Chat;

            class C
            {
                private IAsyncEnumerable<ChatResponseStream?> _field = null!;

                private IAsyncEnumerable<ChatResponseStream?> Property => _field;

                async Task M(IAsyncEnumerable<ChatResponseStream?> updates)
                {
                    /*target*/await foreach (var chunk in {{collection}})
                    {
                    }
                }
            }
            """, LlmFamily.Ollama, method: null);
        Assert.Equal(StreamOrigin.Received, loop.Source!.Origin);
    }

    [Fact]
    public void FindEnclosingStreamLoop_FromInsideTheBody_AndNotFromTheCollection()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task M(IChatClient client)
                {
                    var text = new StringBuilder();
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        foreach (var content in update.Contents)
                        {
                            text.Append(/*target*/content.ToString());
                        }
                    }
                }
            }
            """);
        var inner = harness.At<IInvocationOperation>();
        var loop = harness.Llm.Streams.FindEnclosingStreamLoop(inner, harness.Options, CancellationToken.None);
        Assert.NotNull(loop);
        Assert.Equal(LlmFamily.ExtensionsAI, loop!.Family);
        Assert.True(StreamRecognizer.IsDerivedFromIteration(inner, loop));

        var call = harness.Invocation("GetStreamingResponseAsync");
        Assert.Null(harness.Llm.Streams.FindEnclosingStreamLoop(call, harness.Options, CancellationToken.None));
    }

    [Fact]
    public void IsDerivedFromIteration_FollowsLocalsPatternsAndOutVariables()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Anthropic.Models.Messages;

            class C
            {
                async Task M(IAsyncEnumerable<RawMessageStreamEvent> events, string other)
                {
                    await foreach (var streamEvent in events)
                    {
                        if (streamEvent.TryPickContentBlockDelta(out var delta))
                        {
                            var value = /*target*/delta.Delta;
                            var copy = value;
                            System.Console.Write(/*target*/copy);
                        }

                        System.Console.Write(/*target*/other);
                    }
                }
            }
            """);
        var loop = harness.StreamLoop(harness.Loop())!;
        Assert.NotNull(loop);
        Assert.True(StreamRecognizer.IsDerivedFromIteration(harness.At<IOperation>(0), loop));
        Assert.True(StreamRecognizer.IsDerivedFromIteration(harness.At<IOperation>(1), loop));
        Assert.False(StreamRecognizer.IsDerivedFromIteration(harness.At<IOperation>(2), loop));
    }

    [Fact]
    public void TryGetStreamLoop_IsCachedPerLoop()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                async Task M(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                    }
                }
            }
            """);
        var loop = harness.Loop();
        Assert.Same(harness.StreamLoop(loop), harness.StreamLoop(loop));
    }

    // ---- Negatives ----------------------------------------------------------------------------------------------

    [Fact]
    public void NoStream_AsyncEnumerableOfString_FromNonLlmCode()
    {
        AssertNoStreamLoop("""
            using System.Collections.Generic;
            using System.Threading.Tasks;

            class Feed
            {
                public async IAsyncEnumerable<string> ReadAsync()
                {
                    await Task.Yield();
                    yield return "tick";
                }
            }

            class C
            {
                async Task M(Feed feed)
                {
                    /*target*/await foreach (var item in feed.ReadAsync())
                    {
                    }
                }
            }
            """);
    }

    [Fact]
    public void NoStream_ListOfUpdates()
    {
        AssertNoStreamLoop("""
            using System.Collections.Generic;
            using Microsoft.Extensions.AI;

            class C
            {
                void M(List<ChatResponseUpdate> updates)
                {
                    /*target*/foreach (var update in updates)
                    {
                    }
                }
            }
            """);
    }

    [Fact]
    public void NoStream_ArrayAndEnumerableOfUpdates()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Collections.Generic;
            using OpenAI.Chat;

            class C
            {
                IEnumerable<StreamingChatCompletionUpdate> Recorded() => new StreamingChatCompletionUpdate[0];

                void M(StreamingChatCompletionUpdate[] updates)
                {
                    /*target*/foreach (var update in updates)
                    {
                    }

                    /*target*/foreach (var update in Recorded())
                    {
                    }
                }
            }
            """);
        Assert.Null(harness.StreamLoop(harness.At<ILoopOperation>(0)));
        Assert.Null(harness.StreamLoop(harness.At<ILoopOperation>(1)));
        Assert.Null(harness.StreamCall(harness.Invocation("Recorded")));
    }

    [Fact]
    public void NoStream_LookAlikeNames_LibraryAbsent()
    {
        // The framework only (System.Net.Http is there, so the context exists): a user type with the SDK's names is not the SDK.
        var harness = RecognitionHarness.Compile("""
            using System.Collections.Generic;
            using System.Threading.Tasks;

            namespace MyApp.Chat
            {
                class ChatClient
                {
                    public async IAsyncEnumerable<string> CompleteChatStreamingAsync(string prompt)
                    {
                        await Task.Yield();
                        yield return prompt;
                    }
                }

                class C
                {
                    async Task M(ChatClient client)
                    {
                        /*target*/await foreach (var update in client.CompleteChatStreamingAsync("hi"))
                        {
                        }
                    }
                }
            }
            """, ImmutableArray<MetadataReference>.Empty);
        Assert.False(harness.Llm.HasSdk);
        Assert.Null(harness.StreamLoop(harness.At<ILoopOperation>()));
        Assert.Null(harness.StreamCall(harness.Invocation("CompleteChatStreamingAsync")));
    }

    [Fact]
    public void NoStream_LookAlikeNames_WithTheSdkReferenced()
    {
        AssertNoStreamLoop("""
            using System.Collections.Generic;
            using System.Threading.Tasks;

            namespace MyApp
            {
                class Fake
                {
                    public async IAsyncEnumerable<string> GetStreamingResponseAsync(string prompt)
                    {
                        await Task.Yield();
                        yield return prompt;
                    }
                }

                class C
                {
                    async Task M(Fake client)
                    {
                        /*target*/await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public void NoStream_UserOverloadWithACataloguedName_ThatReturnsNoStream()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            sealed class CachingChatClient2 : DelegatingChatClient
            {
                public CachingChatClient2(IChatClient inner) : base(inner)
                {
                }

                public Task<string> GetStreamingResponseAsync(int cachedId) => Task.FromResult(cachedId.ToString());
            }

            class C
            {
                async Task<string> M(CachingChatClient2 client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(new[] { new ChatMessage(ChatRole.User, "hi") }))
                    {
                    }

                    return await client.GetStreamingResponseAsync(42);
                }
            }
            """);
        Assert.Equal(LlmFamily.ExtensionsAI, harness.StreamCall(harness.Invocation("GetStreamingResponseAsync", 0))?.Family);
        Assert.Null(harness.StreamCall(harness.Invocation("GetStreamingResponseAsync", 1)));
    }

    [Fact]
    public void Recognizes_InTopLevelStatements()
    {
        var harness = RecognitionHarness.Compile("""
            using Microsoft.Extensions.AI;
            using OllamaSharp;

            IChatClient client = new OllamaApiClient("http://localhost:11434", "llama3");
            /*target*/await foreach (var update in client.GetStreamingResponseAsync("hi"))
            {
                System.Console.Write(update.Text);
            }
            """, outputKind: Microsoft.CodeAnalysis.OutputKind.ConsoleApplication);
        Assert.Equal(LlmFamily.ExtensionsAI, harness.StreamLoop(harness.At<ILoopOperation>())?.Family);
    }

    [Fact]
    public void UpdateFamily_ClassifiesEveryCatalogueUpdateType()
    {
        var harness = RecognitionHarness.Compile("class C { }");
        foreach (var update in SdkCatalog.UpdateTypes)
        {
            var type = harness.Compilation.GetTypeByMetadataName(update.MetadataName);
            if (type is not null)
            {
                Assert.Equal(update.Family, harness.Llm.Streams.UpdateFamily(type));
            }
        }

        Assert.Equal(LlmFamily.Unknown, harness.Llm.Streams.UpdateFamily(harness.Compilation.GetSpecialType(SpecialType.System_String)));
        Assert.Equal(LlmFamily.Unknown, harness.Llm.Streams.UpdateFamily(null));

        // Derived update types count: StreamingChatMessageContent derives from StreamingKernelContent.
        Assert.Equal(LlmFamily.SemanticKernel, harness.Llm.Streams.UpdateFamily(harness.Compilation.GetTypeByMetadataName("Microsoft.SemanticKernel.StreamingChatMessageContent")));
    }

    [Fact]
    public void Catalogue_EveryStreamingMethodExistsInTheReferencedPackages_OrIsAnOlderName()
    {
        // Entries that are names of older or newer versions than the ones referenced (kept so those versions are recognised).
        var otherVersions = new HashSet<string>
        {
            "OpenAI.Responses.ResponsesClient.CreateResponseStreaming",
            "OpenAI.Responses.ResponsesClient.GetResponseStreaming",
            "OpenAI.Responses.OpenAIResponseClient.CreateResponseStreamingAsync",
            "OpenAI.Responses.OpenAIResponseClient.CreateResponseStreaming",
            "OpenAI.Responses.OpenAIResponseClient.GetResponseStreamingAsync",
            "OpenAI.Responses.OpenAIResponseClient.GetResponseStreaming",
            "OpenAI.Assistants.AssistantClient.CreateRunStreaming",
            "OpenAI.Assistants.AssistantClient.CreateThreadAndRunStreaming",
            "OpenAI.Assistants.AssistantClient.SubmitToolOutputsToRunStreaming",
            "Microsoft.Extensions.AI.IChatClient.CompleteStreamingAsync",
            "Microsoft.Extensions.AI.ChatClientExtensions.CompleteStreamingAsync",
            "Microsoft.SemanticKernel.TextGeneration.TextGenerationExtensions.GetStreamingTextContentsAsync",
            "Microsoft.SemanticKernel.KernelExtensions.InvokeStreamingAsync",
        };

        var harness = RecognitionHarness.Compile("class C { }");
        var missing = new List<string>();
        foreach (var method in SdkCatalog.StreamingMethods)
        {
            var key = method.TypeMetadataName + "." + method.MethodName;
            // GetTypesByMetadataName: two assemblies may declare the name (Agent Framework's ChatClientExtensions).
            var type = harness.Compilation.GetTypesByMetadataName(method.TypeMetadataName).FirstOrDefault(t => t.GetMembers(method.MethodName).OfType<IMethodSymbol>().Any());
            var exists = type is not null;
            if (!exists && !otherVersions.Contains(key))
            {
                missing.Add(key);
            }

            if (exists)
            {
                // Every existing entry's methods return a stream the recogniser understands.
                foreach (var overload in type!.GetMembers(method.MethodName).OfType<IMethodSymbol>().Where(m => m.DeclaredAccessibility == Accessibility.Public))
                {
                    Assert.True(harness.Llm.Streams.StreamElementType(overload.ReturnType) is not null, $"{key} returns {overload.ReturnType}");
                }
            }
        }

        Assert.Empty(missing);
    }
}
