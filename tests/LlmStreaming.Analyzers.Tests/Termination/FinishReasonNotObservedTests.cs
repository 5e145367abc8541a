using LlmStreaming.Analyzers.Tests.Families;
using System.Collections.Immutable;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Termination;

public partial class FinishReasonNotObservedTests
{
    [Fact]
    public Task Reports_OpenAI_ChatLoopWithoutFinishReason()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            text.Append(part.Text);
                        }
                    }

                    return text.ToString();
                }

                string Ask(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    {|LLM203:foreach|} (var update in client.CompleteChatStreaming(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_OpenAI_ResponsesLoopWithoutTerminalEvent()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class Chat
            {
                async Task<string> AskAsync(ResponsesClient client, CreateResponseOptions options)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in await client.CreateResponseStreamingAsync(options))
                    {
                        if (update is StreamingResponseOutputTextDeltaUpdate delta)
                        {
                            text.Append(delta.Delta);
                        }
                    }

                    return text.ToString();
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_ExtensionsAI_LoopAndAggregation(string family)
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}();
                    return response.Text;
                }

                async Task<string> InlineAsync(IChatClient client, string question)
                    => (await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}()).Text;
            }
            """));

    [Fact]
    public Task Reports_ExtensionsAI950_LoopWithoutFinishReason()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, IList<ChatMessage> messages)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(messages))
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }
            }
            """, References.ExtensionsAI950, editorConfig: null);

    [Fact]
    public Task Reports_SemanticKernel_ChatLoop()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService service, ChatHistory history, Kernel kernel)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var content in service.GetStreamingChatMessageContentsAsync(history))
                    {
                        text.Append(content.Content);
                    }

                    await {|LLM203:foreach|} (var content in kernel.InvokePromptStreamingAsync("Tell me a joke"))
                    {
                        text.Append(content);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_Anthropic_EventLoop()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                        if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                        {
                            text.Append(textDelta.Text);
                        }
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_Ollama_ChatLoop()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var chunk in ollama.ChatAsync(request))
                    {
                        text.Append(chunk?.Message?.Content);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_Betalgo_StreamLoop()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Linq;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (chunk.Successful)
                        {
                            text.Append(chunk.Choices.FirstOrDefault()?.Message?.Content);
                        }
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Reports_IteratorThatYieldsOnlyTheText()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async IAsyncEnumerable<string> StreamAsync(IChatClient client, string question)
                {
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        yield return update.Text;
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HelperThatOnlyPrintsTheUpdate()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task PrintAsync(IChatClient client, string question)
                {
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        Show(update);
                        Console.WriteLine(update);
                    }
                }

                static void Show(ChatResponseUpdate update) => Console.Write(update.Text);
            }
            """);

    [Theory]
    [InlineData("if (update.FinishReason == ChatFinishReason.Length) throw new InvalidOperationException();")]
    [InlineData("finish = update.FinishReason ?? finish;")]
    [InlineData("Track(update);")]
    public Task NoDiagnostic_OpenAI_FinishReasonRead(string statement)
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                private ChatFinishReason? _last;

                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finish = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
            """ + "            " + statement + "\n" + """
                    }

                    return text.ToString() + finish;
                }

                private void Track(StreamingChatCompletionUpdate update) => _last = update.FinishReason ?? _last;
            }
            """);

    [Theory]
    [InlineData("if (update is StreamingResponseCompletedUpdate) completed = true;")]
    [InlineData("if (update.Kind == StreamingResponseUpdateKind.ResponseIncomplete) throw new InvalidOperationException();")]
    [InlineData("switch (update) { case StreamingResponseIncompleteUpdate incomplete: throw new InvalidOperationException(incomplete.Response.IncompleteStatusDetails?.Reason?.ToString()); }")]
    public Task NoDiagnostic_Responses_TerminalEventHandled(string statement)
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class Chat
            {
                async Task<string> AskAsync(ResponsesClient client, CreateResponseOptions options)
                {
                    var text = new StringBuilder();
                    var completed = false;
                    await foreach (var update in await client.CreateResponseStreamingAsync(options))
                    {
                        if (update is StreamingResponseOutputTextDeltaUpdate delta) text.Append(delta.Delta);
            """ + "            " + statement + "\n" + """
                    }

                    return completed ? text.ToString() : "";
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task NoDiagnostic_ExtensionsAI_CorrectPatterns(string family)
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(FamilySources.F(family, """
            using System;
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finish = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text);
                        finish ??= update.FinishReason;
                    }

                    return finish is null ? throw new InvalidOperationException() : text.ToString();
                }

                async IAsyncEnumerable<ChatResponseUpdate> RelayAsync(IChatClient client, string question)
                {
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        yield return update;
                    }
                }

                async Task<ChatResponse> CollectAsync(IChatClient client, string question)
                {
                    var updates = new List<ChatResponseUpdate>();
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        Console.Write(update.Text);
                        updates.Add(update);
                    }

                    return updates.ToChatResponse();
                }

                async Task<ChatResponse> ReturnAsync(IChatClient client, string question)
                    => await client.GetStreamingResponseAsync(question).ToChatResponseAsync();

                async Task<string> CheckAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).ToChatResponseAsync();
                    if (response.FinishReason != ChatFinishReason.Stop) throw new InvalidOperationException();
                    return response.Text;
                }
            }
            """));

    [Theory]
    [InlineData("if (content.Metadata?[\"FinishReason\"] is \"Length\") throw new InvalidOperationException();")]
    [InlineData("if ((content as OpenAIStreamingChatMessageContent)?.FinishReason is not null) done = true;")]
    public Task NoDiagnostic_SemanticKernel_FinishReasonRead(string statement)
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;
            using Microsoft.SemanticKernel.Connectors.OpenAI;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService service, ChatHistory history, Kernel kernel)
                {
                    var text = new StringBuilder();
                    var done = false;
                    await foreach (var content in service.GetStreamingChatMessageContentsAsync(history))
                    {
                        text.Append(content.Content);
            """ + "            " + statement + "\n" + """
                    }

                    await foreach (var piece in kernel.InvokePromptStreamingAsync<string>("Tell me a joke"))
                    {
                        text.Append(piece);
                    }

                    return done ? text.ToString() : "";
                }
            }
            """);

    [Theory]
    [InlineData("if (streamEvent.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason is { } reason) stop = reason.Raw();")]
    [InlineData("if (streamEvent.TryPickStop(out _)) stop = \"end\";")]
    [InlineData("if (streamEvent.Value is RawMessageStopEvent) stop = \"end\";")]
    [InlineData("streamEvent.Switch(_ => { }, _ => { }, _ => stop = \"end\", _ => { }, _ => { }, _ => { });")]
    public Task NoDiagnostic_Anthropic_StopObserved(string statement)
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var text = new StringBuilder();
                    string? stop = null;
                    await foreach (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                        if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta)) text.Append(textDelta.Text);
            """ + "            " + statement + "\n" + """
                    }

                    return stop is null ? "" : text.ToString();
                }

                async Task<Message> AggregateAsync(AnthropicClient client, MessageCreateParams parameters)
                    => await client.Messages.CreateStreaming(parameters).Aggregate();
            }
            """);

    // Real code (the Anthropic SDK's own examples): CollectAsync feeds an aggregator while handing the events on, and throws
    // when the stream ends without message_stop, like Aggregate().
    [Fact]
    public Task NoDiagnostic_Anthropic_CollectAsyncIntoAnAggregator()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Helpers;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<Message> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    IAsyncEnumerable<RawMessageStreamEvent> updates = client.Messages.CreateStreaming(parameters);
                    var aggregator = new MessageContentAggregator();
                    await foreach (var rawEvent in updates.CollectAsync(aggregator))
                    {
                        if (rawEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var text))
                        {
                            Console.Write(text.Text);
                        }
                    }

                    return aggregator.Message();
                }

                async Task PrintAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var aggregator = new MessageContentAggregator();
                    await foreach (var rawEvent in aggregator.CollectAsync(client.Messages.CreateStreaming(parameters)))
                    {
                        Console.Write(rawEvent);
                    }
                }
            }
            """);

    // Real code (OllamaSharp's image generation demo): the image arrives only with the final (done) response.
    [Fact]
    public Task NoDiagnostic_Ollama_ImageReadFromTheFinalResponse()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models;

            class Images
            {
                async Task<string?> GenerateAsync(IOllamaApiClient ollama, GenerateRequest request)
                {
                    string? lastImage = null;
                    await foreach (var response in ollama.GenerateAsync(request))
                    {
                        if (response is null)
                        {
                            continue;
                        }

                        if (!string.IsNullOrEmpty(response.Image))
                        {
                            lastImage = response.Image;
                        }
                    }

                    return lastImage;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_Ollama_DoneReadAndTextStreams()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var text = new StringBuilder();
                    var done = false;
                    await foreach (var chunk in ollama.ChatAsync(request))
                    {
                        text.Append(chunk?.Message?.Content);
                        done |= chunk?.Done == true;
                    }

                    return done ? text.ToString() : throw new InvalidOperationException();
                }

                async Task<string> TextAsync(OllamaSharp.Chat chat)
                {
                    var text = new StringBuilder();
                    await foreach (var token in chat.SendAsync("hi"))
                    {
                        text.Append(token);
                    }

                    return text.ToString();
                }

                async Task<ChatDoneResponseStream?> ToEndAsync(IOllamaApiClient ollama, ChatRequest request)
                    => await ollama.ChatAsync(request).StreamToEndAsync();
            }
            """);

    [Fact]
    public Task NoDiagnostic_Betalgo_FinishReasonRead()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    string? finish = null;
                    await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (!chunk.Successful) break;
                        if (chunk.Choices.Count == 0) continue;
                        text.Append(chunk.Choices[0].Delta?.Content);
                        finish = chunk.Choices[0].FinishReason ?? finish;
                    }

                    return finish is null ? "" : text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LoopThatTakesTheFirstUpdateOnly()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string?> FirstWordAsync(IChatClient client, string question)
                {
                    string? first = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        first = update.Text;
                        break;
                    }

                    return first;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LookAlikeUserStream()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;

            class Update
            {
                public string? Text { get; set; }
            }

            class Chat
            {
                async Task<string> ReadAsync(IAsyncEnumerable<Update> updates)
                {
                    var text = new StringBuilder();
                    await foreach (var update in updates)
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LibraryAbsent()
        => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;

            class Chat
            {
                async Task<string> ReadAsync(IAsyncEnumerable<string> tokens)
                {
                    var text = new StringBuilder();
                    await foreach (var token in tokens) text.Append(token);
                    return text.ToString();
                }
            }
            """, ImmutableArray<MetadataReference>.Empty, editorConfig: null);

    [Fact]
    public Task Reports_BrokenCode_WithoutThrowing()
        => TerminationTest.BrokenCodeAsync<FinishReasonNotObservedAnalyzer>("""
            using System.Text;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text;
                        Missing(update.
                    }
                    var response = await client.GetStreamingResponseAsync().{|LLM203:ToChatResponseAsync|}(
            """);

    [Fact]
    public Task Fix_OpenAI_CapturesAndChecksTheFinishReason()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            text.Append(part.Text);
                        }
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        finishReason ??= update.FinishReason;
                        foreach (var part in update.ContentUpdate)
                        {
                            text.Append(part.Text);
                        }
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_ExtensionsAI_LoopWithoutBracesAndAggregation(string family)
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(FamilySources.F(family, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                        text.Append(update.Text);

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).{|LLM203:ToChatResponseAsync|}();
                    return response.Text;
                }
            }
            """), FamilySources.F(family, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        finishReason ??= update.FinishReason;
                        text.Append(update.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }

                async Task<string> AggregateAsync(IChatClient client, string question)
                {
                    var response = await client.GetStreamingResponseAsync(question).ToChatResponseAsync();
                    if (response.FinishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.");
                    }

                    if (response.FinishReason == ChatFinishReason.Length || response.FinishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {response.FinishReason}).");
                    }

                    return response.Text;
                }
            }
            """), FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_ExtensionsAI_AmbiguousWithOpenAIChatFinishReason()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.GetStreamingResponseAsync(question))
                    {
                        text.Append(update.Text);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client, string question)
                {
                    var text = new StringBuilder();
                    Microsoft.Extensions.AI.ChatFinishReason? finishReason = null;
                    await foreach (var update in client.GetStreamingResponseAsync(question))
                    {
                        finishReason ??= update.FinishReason;
                        text.Append(update.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == Microsoft.Extensions.AI.ChatFinishReason.Length || finishReason == Microsoft.Extensions.AI.ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_SemanticKernel_ReadsTheMetadata()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService service, ChatHistory history)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var content in service.GetStreamingChatMessageContentsAsync(history))
                    {
                        text.Append(content.Content);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<string> AskAsync(IChatCompletionService service, ChatHistory history)
                {
                    var text = new StringBuilder();
                    object? finishReason = null;
                    await foreach (var content in service.GetStreamingChatMessageContentsAsync(history))
                    {
                        if (content.Metadata is { } metadata && metadata.TryGetValue("FinishReason", out var reason) && reason is not null)
                        {
                            finishReason = reason;
                        }

                        text.Append(content.Content);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason.ToString() is "Length" or "ContentFilter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_Anthropic_CapturesTheStopReason()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                        if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                        {
                            text.Append(textDelta.Text);
                        }
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Core;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams parameters)
                {
                    var text = new StringBuilder();
                    ApiEnum<string, StopReason>? stopReason = null;
                    await foreach (var streamEvent in client.Messages.CreateStreaming(parameters))
                    {
                        if (streamEvent.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason is { } reason)
                        {
                            stopReason = reason;
                        }

                        if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                        {
                            text.Append(textDelta.Text);
                        }
                    }

                    if (stopReason is null)
                    {
                        throw new IOException("The model stream ended without a stop reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (stopReason == StopReason.MaxTokens || stopReason == StopReason.ModelContextWindowExceeded || stopReason == StopReason.Refusal)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (stop reason: {stopReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_Ollama_CapturesTheDoneReason()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var chunk in ollama.ChatAsync(request))
                    {
                        text.Append(chunk?.Message?.Content);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request)
                {
                    var text = new StringBuilder();
                    string? doneReason = null;
                    await foreach (var chunk in ollama.ChatAsync(request))
                    {
                        if (chunk?.Done == true)
                        {
                            doneReason = (chunk as ChatDoneResponseStream)?.DoneReason ?? "stop";
                        }

                        text.Append(chunk?.Message?.Content);
                    }

                    if (doneReason is null)
                    {
                        throw new IOException("The model stream ended before its final 'done' chunk: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (doneReason == "length")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (done reason: {doneReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_Betalgo_CapturesTheFirstChoiceFinishReason()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (!chunk.Successful) throw new IOException(chunk.Error?.Message);
                        text.Append(chunk.Choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string> AskAsync(IOpenAIService openAi, ChatCompletionCreateRequest request)
                {
                    var text = new StringBuilder();
                    string? finishReason = null;
                    await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(request))
                    {
                        if (chunk.Choices is { Count: > 0 } choices && choices[0].FinishReason is { } reason)
                        {
                            finishReason = reason;
                        }

                        if (!chunk.Successful) throw new IOException(chunk.Error?.Message);
                        text.Append(chunk.Choices[0].Delta?.Content);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == "length" || finishReason == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_Responses_WaitsForTheTerminalEvent()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class Chat
            {
                async Task<string> AskAsync(ResponsesClient client, CreateResponseOptions options)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in await client.CreateResponseStreamingAsync(options))
                    {
                        if (update is StreamingResponseOutputTextDeltaUpdate delta)
                        {
                            text.Append(delta.Delta);
                        }
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Responses;

            class Chat
            {
                async Task<string> AskAsync(ResponsesClient client, CreateResponseOptions options)
                {
                    var text = new StringBuilder();
                    StreamingResponseUpdate? terminalUpdate = null;
                    await foreach (var update in await client.CreateResponseStreamingAsync(options))
                    {
                        if (update is StreamingResponseCompletedUpdate or StreamingResponseIncompleteUpdate)
                        {
                            terminalUpdate = update;
                        }

                        if (update is StreamingResponseOutputTextDeltaUpdate delta)
                        {
                            text.Append(delta.Delta);
                        }
                    }

                    if (terminalUpdate is null)
                    {
                        throw new IOException("The model stream ended before response.completed: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (terminalUpdate is StreamingResponseIncompleteUpdate incomplete)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer ({incomplete.Response.IncompleteStatusDetails?.Reason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_All_TwoLoopsInOneMethod()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskTwiceAsync(ChatClient client)
                {
                    var text = new StringBuilder();
                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage("first")))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage("second")))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskTwiceAsync(ChatClient client)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("first")))
                    {
                        finishReason ??= update.FinishReason;
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    ChatFinishReason? finishReason2 = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("second")))
                    {
                        finishReason2 ??= update.FinishReason;
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    if (finishReason2 is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason2 == ChatFinishReason.Length || finishReason2 == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason2}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);
}
