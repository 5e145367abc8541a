using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.PartialOutput;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.PartialOutput;

public class DeltaOverwritesTextTests
{
    private static Task Analyze(string source, params DiagnosticResult[] expected) => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync(source, expected);

    private static Task Fix(string source, string fixedSource) => Verify<DeltaOverwritesTextAnalyzer, DeltaOverwritesTextCodeFix>.FixAsync(source, fixedSource, DeltaOverwritesTextCodeFix.EquivalenceKey);

    [Fact]
    public Task Reports_OpenAI_ContentPartTextAssignedToOuterLocal()
        => Analyze("""
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client)
                {
                    string answer = "";
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            {|LLM302:answer = part.Text|};
                        }
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task Reports_OpenAI_SynchronousStream()
        => Analyze("""
            using OpenAI.Chat;

            class Chat
            {
                string Ask(ChatClient client)
                {
                    var answer = "";
                    foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                    {
                        if (update.ContentUpdate.Count > 0)
                        {
                            {|LLM302:answer = update.ContentUpdate[0].Text|};
                        }
                    }

                    return answer;
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_ExtensionsAI_UpdateTextAssignedToField(string family)
        => Analyze(FamilySources.F(family, """
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _last = "";

                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        {|LLM302:_last = update.Text|};
                    }
                }
            }
            """));

    [Fact]
    public Task Reports_ExtensionsAI_ToStringAssignedToProperty()
        => Analyze("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class ViewModel
            {
                public string Answer { get; set; } = "";

                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi").ConfigureAwait(false))
                    {
                        {|LLM302:Answer = update.ToString()|};
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_SemanticKernel_ContentAssignedToOuterObject()
        => Analyze("""
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Message { public string? Text { get; set; } }

            class Chat
            {
                async Task<Message> AskAsync(IChatCompletionService chat, ChatHistory history)
                {
                    var message = new Message();
                    await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(history))
                    {
                        {|LLM302:message.Text = chunk.Content|};
                    }

                    return message;
                }
            }
            """);

    [Fact]
    public Task Reports_Anthropic_TextDelta()
        => Analyze("""
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams request)
                {
                    string text = "";
                    await foreach (var evt in client.Messages.CreateStreaming(request))
                    {
                        if (evt.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var delta))
                        {
                            {|LLM302:text = delta.Text|};
                        }
                    }

                    return text;
                }
            }
            """);

    [Fact]
    public Task Reports_Ollama_ChatSendYieldsFragments()
        => Analyze("""
            using System.Threading.Tasks;
            using OllamaSharp;

            class Chat
            {
                async Task<string> AskAsync(OllamaSharp.Chat chat)
                {
                    var answer = "";
                    await foreach (var token in chat.SendAsync("hi"))
                    {
                        {|LLM302:answer = token|};
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task Reports_Ollama_GenerateResponse()
        => Analyze("""
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient client)
                {
                    var answer = "";
                    await foreach (var chunk in client.GenerateAsync(new GenerateRequest { Prompt = "hi" }))
                    {
                        {|LLM302:answer = chunk!.Response|};
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task Reports_Betalgo_DeltaContent()
        => Analyze("""
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task<string?> AskAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    string? answer = null;
                    await foreach (var chunk in chat.CreateCompletionAsStream(request))
                    {
                        {|LLM302:answer = chunk.Choices[0].Delta.Content|};
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolled_DtoDeltaContent()
        => Analyze("""
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Chunk { public Choice[] Choices { get; set; } = []; }
            class Choice { public Delta? Delta { get; set; } }
            class Delta { public string? Content { get; set; } }

            class Client
            {
                async Task<string?> AskAsync(HttpClient http)
                {
                    using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", null);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    string? answer = null;
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var chunk = JsonSerializer.Deserialize<Chunk>(line.Substring(6));
                        {|LLM302:answer = chunk?.Choices[0].Delta?.Content|};
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_AppendWithPlusEquals()
        => Analyze("""
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = "";
                    var sb = new StringBuilder();
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        answer += update.Text;
                        answer = answer + update.Text;
                        sb.Append(update.Text);
                    }

                    return answer + sb;
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LoopLocalAndLocalNotReadAfterTheLoop()
        => Analyze("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task PrintAsync(IChatClient client)
                {
                    string current = "";
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        var text = update.Text;
                        text = update.Text.Trim();
                        current = update.Text;
                        Console.Write(current);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NonDeltaMembers()
        => Analyze("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string? _responseId;
                private string? _model;

                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        _responseId = update.ResponseId;
                        _model = update.ModelId;
                        var finish = update.FinishReason?.ToString();
                    }
                }
            }
            """);

    /// <summary>Issue 13: a member of an anonymous object (each delta serialised as it arrives) is not a variable that outlives the loop.</summary>
    [Fact]
    public Task NoDiagnostic_AnonymousObjectMember()
        => Analyze("""
            using System.IO;
            using System.Text.Json;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Relay
            {
                async Task CopyAsync(IChatClient client, TextWriter writer)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        var json = JsonSerializer.Serialize(new { text = update.Text });
                        await writer.WriteLineAsync(json);
                        await writer.WriteLineAsync(JsonSerializer.Serialize(new { update.Role, content = update.Text }));
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NotAnLlmStream()
        => Analyze("""
            using System.Collections.Generic;
            using System.Threading.Tasks;

            class Message { public string Text { get; set; } = ""; }

            class Feed
            {
                private string _last = "";

                async Task ReadAsync(IAsyncEnumerable<Message> messages)
                {
                    await foreach (var message in messages)
                    {
                        _last = message.Text;
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_CollectedUpdatesAreNotAStream()
        => Analyze("""
            using System.Collections.Generic;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _last = "";

                void Replay(List<ChatResponseUpdate> updates)
                {
                    foreach (var update in updates)
                    {
                        _last = update.Text;
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_WithoutAnySdk()
        => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync("""
            class Plain
            {
                private string _text = "";
                void Set(string[] parts) { foreach (var p in parts) { _text = p; } }
            }
            """, References.Framework, editorConfig: null);

    [Fact]
    public Task Reports_ConfiguredStreamingMethod()
        => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;

            namespace MyCompany.Llm
            {
                public sealed class Gateway
                {
                    public async IAsyncEnumerable<string> StreamAsync(string prompt) { await Task.Yield(); yield return prompt; }
                }

                class Chat
                {
                    private string _answer = "";

                    async Task AskAsync(Gateway gateway)
                    {
                        await foreach (var token in gateway.StreamAsync("hi"))
                        {
                            {|LLM302:_answer = token|};
                        }
                    }
                }
            }
            """, References.Sdks, "llm_streaming.streaming_methods = MyCompany.Llm.Gateway.StreamAsync");

    [Fact]
    public Task Reports_OlderExtensionsAI()
        => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _last = "";

                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        {|LLM302:_last = update.Text|};
                    }
                }
            }
            """, References.ExtensionsAI950, editorConfig: null);

    [Fact]
    public Task Reports_OlderOpenAI()
        => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                private string _last = "";

                async Task AskAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            {|LLM302:_last = part.Text|};
                        }
                    }
                }
            }
            """, References.OpenAI210, editorConfig: null);

    [Fact]
    public Task NoCrash_BrokenCode()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<DeltaOverwritesTextAnalyzer, DefaultVerifier>
        {
            TestCode = """
                using System.Threading.Tasks;
                using Microsoft.Extensions.AI;

                class Chat
                {
                    private string _last = "";

                    async Task AskAsync(IChatClient client)
                    {
                        await foreach (var update in client.GetStreamingResponseAsync(
                        {
                            _last = update.
                        }
                """,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        return test.RunAsync();
    }

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_ChangesAssignmentToAppend(string family)
        => Fix(FamilySources.F(family, """
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var text = "";
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        {|LLM302:text = update.Text|}; // keep me
                    }

                    return text;
                }
            }
            """), FamilySources.F(family, """
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var text = "";
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        text += update.Text; // keep me
                    }

                    return text;
                }
            }
            """));

    [Fact]
    public Task Fix_All_InDocument()
        => Fix("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                public string Answer { get; set; } = "";
                private string _thinking = "";

                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        {|LLM302:Answer = update.Text|};
                        {|LLM302:_thinking = update.ToString()|};
                    }
                }
            }
            """, """
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                public string Answer { get; set; } = "";
                private string _thinking = "";

                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        Answer += update.Text;
                        _thinking += update.ToString();
                    }
                }
            }
            """);
}
