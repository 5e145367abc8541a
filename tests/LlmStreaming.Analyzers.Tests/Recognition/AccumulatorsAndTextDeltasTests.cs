using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>Text deltas and accumulators in stream loops, checked against the real SDKs' update members.</summary>
public class AccumulatorsAndTextDeltasTests
{
    /// <summary>A loop over <paramref name="collection"/> whose body appends the marked, parenthesised delta to an outer StringBuilder.</summary>
    private static string Loop(string parameters, string collection, string body, string usings = "") => $$"""
        using System.Text;
        using System.Threading.Tasks;
        {{usings}}

        class C
        {
            async Task<string> M({{parameters}})
            {
                var text = new StringBuilder();
                await foreach (var update in {{collection}})
                {
                    {{body}}
                }

                return text.ToString();
            }
        }
        """;

    public static TheoryData<string, string, string, string> Deltas() => new()
    {
        { "using Microsoft.Extensions.AI;", "Microsoft.Extensions.AI.IChatClient client", "client.GetStreamingResponseAsync(\"hi\")", "text.Append(/*target*/(update.Text));" },
        { "using OpenAI.Chat;", "ChatClient client", "client.CompleteChatStreamingAsync(new UserChatMessage(\"hi\"))", "foreach (var part in update.ContentUpdate) { text.Append(/*target*/(part.Text)); }" },
        { "using OpenAI.Chat;", "ChatClient client", "client.CompleteChatStreamingAsync(new UserChatMessage(\"hi\"))", "text.Append(/*target*/(update.RefusalUpdate));" },
        { "using Microsoft.SemanticKernel.ChatCompletion;", "IChatCompletionService service", "service.GetStreamingChatMessageContentsAsync(new ChatHistory())", "text.Append(/*target*/(update.Content));" },
        { "using Microsoft.SemanticKernel;", "Kernel kernel", "kernel.InvokePromptStreamingAsync(\"hi\")", "text.Append(/*target*/(update.ToString()));" },
        { "using Anthropic.Models.Messages;", "Anthropic.AnthropicClient client, MessageCreateParams p", "client.Messages.CreateStreaming(p)", "if (update.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var delta)) { text.Append(/*target*/(delta.Text)); }" },
        { "using OllamaSharp;", "IOllamaApiClient client, OllamaSharp.Models.Chat.ChatRequest request", "client.ChatAsync(request)", "text.Append(/*target*/(update?.Message?.Content));" },
        { "using OllamaSharp;", "IOllamaApiClient client, OllamaSharp.Models.GenerateRequest request", "client.GenerateAsync(request)", "text.Append(/*target*/(update?.Response));" },
        { "using OllamaSharp;", "IOllamaApiClient client, OllamaSharp.Models.Chat.ChatRequest request", "client.ChatAsync(request)", "text.Append(/*target*/(update!.Message!.Content));" },
        { "using OllamaSharp;", "IOllamaApiClient client", "new Chat(client).SendAsync(\"hi\")", "text.Append(/*target*/(update));" },
        { "using Betalgo.Ranul.OpenAI.Interfaces;", "IChatCompletionService service, Betalgo.Ranul.OpenAI.ObjectModels.RequestModels.ChatCompletionCreateRequest request", "service.CreateCompletionAsStream(request)", "foreach (var choice in update.Choices) { text.Append(/*target*/(choice.Delta.Content)); }" },
    };

    [Theory]
    [MemberData(nameof(Deltas))]
    public void TextDelta_AndStringBuilderAccumulator_PerFamily(string usings, string parameters, string collection, string body)
    {
        var harness = RecognitionHarness.Compile(Loop(parameters, collection, body, usings));
        var loop = harness.StreamLoop(harness.All<IForEachLoopOperation>()[0]);
        Assert.NotNull(loop);
        Assert.True(TextDeltas.IsTextDelta(harness.At<IOperation>(), loop!, harness.Llm.Streams));

        var accumulator = Assert.Single(Accumulators.Find(loop!, harness.Llm.Types));
        Assert.Equal("text", accumulator.Name);
        Assert.Equal(AccumulatorKind.StringBuilder, accumulator.Kind);
    }

    [Theory]
    [InlineData("text.Append(/*target*/(update.ModelId));")]
    [InlineData("text.Append(/*target*/(\"separator\"));")]
    [InlineData("text.Append(/*target*/(other.Text));")]
    [InlineData("text.Append(/*target*/(update.Role.ToString()));")]
    public void NotATextDelta(string body)
    {
        var harness = RecognitionHarness.Compile(Loop(
            "Microsoft.Extensions.AI.IChatClient client, Microsoft.Extensions.AI.ChatResponseUpdate other",
            "client.GetStreamingResponseAsync(\"hi\")",
            body,
            "using Microsoft.Extensions.AI;"));
        var loop = harness.StreamLoop(harness.All<IForEachLoopOperation>()[0])!;
        Assert.False(TextDeltas.IsTextDelta(harness.At<IOperation>(), loop, harness.Llm.Streams));
    }

    [Fact]
    public void ContentLists()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
            using Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels;

            class C
            {
                async Task M(IChatCompletionService service, ChatCompletionCreateRequest request, ChatCompletionCreateResponse previous)
                {
                    await foreach (var chunk in service.CreateCompletionAsStream(request))
                    {
                        var choices = chunk.Choices;
                        System.Console.Write(/*target*/(chunk.Choices)[0]);
                        System.Console.Write(/*target*/(choices).Count);
                        System.Console.Write(/*target*/(previous.Choices).Count);
                        System.Console.Write(/*target*/(chunk.Model));
                        System.Console.Write(/*target*/(chunk?.Choices)?.Count);
                    }
                }
            }
            """);
        var loop = harness.StreamLoop(harness.Loop())!;
        Assert.True(TextDeltas.IsContentList(harness.At<IOperation>(0), loop));
        Assert.True(TextDeltas.IsContentList(harness.At<IOperation>(1), loop));
        Assert.False(TextDeltas.IsContentList(harness.At<IOperation>(2), loop));
        Assert.False(TextDeltas.IsContentList(harness.At<IOperation>(3), loop));
        Assert.True(TextDeltas.IsContentList(harness.At<IOperation>(4), loop));
    }

    [Fact]
    public void Accumulators_StringAndCollection_NotLoopLocalsNorTheIterationVariable()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class C
            {
                private string _answer = "";

                async Task M(IChatClient client)
                {
                    var parts = new List<string>();
                    var updates = new List<ChatResponseUpdate>();
                    var plain = "";
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        var perUpdate = new StringBuilder();
                        perUpdate.Append(update.Text);
                        _answer += update.Text;
                        plain = plain + update.Text;
                        parts.Add(update.Text);
                        updates.Add(update);
                    }
                }
            }
            """);
        var loop = harness.StreamLoop(harness.Loop())!;
        var found = Accumulators.Find(loop, harness.Llm.Types).ToDictionary(a => a.Name, a => a.Kind);
        Assert.Equal(
            new Dictionary<string, AccumulatorKind>
            {
                ["_answer"] = AccumulatorKind.String,
                ["plain"] = AccumulatorKind.String,
                ["parts"] = AccumulatorKind.Collection,
                ["updates"] = AccumulatorKind.Collection,
            },
            found);
    }
}
