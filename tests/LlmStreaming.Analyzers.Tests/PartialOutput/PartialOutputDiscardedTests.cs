using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.PartialOutput;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.PartialOutput;

public class PartialOutputDiscardedTests
{
    private static Task Analyze(string source, params DiagnosticResult[] expected) => Verify<PartialOutputDiscardedAnalyzer>.AnalyzerAsync(source, expected);

    private static Task Fix(string source, string fixedSource, string key) => Verify<PartialOutputDiscardedAnalyzer, PartialOutputDiscardedCodeFix>.FixAsync(source, fixedSource, key);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_ExtensionsAI_ReturnsConstant_WithMessage(string family)
        => Analyze(FamilySources.F(family, """
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    {|#0:catch|} (HttpRequestException)
                    {
                        {|#1:return "Sorry, something went wrong.";|}
                    }

                    return answer.ToString();
                }
            }
            """),
            Verify<PartialOutputDiscardedAnalyzer>.Diagnostic("LLM301").WithLocation(0).WithLocation(1)
                .WithArguments("answer", FamilySources.F(family, "'GetStreamingResponseAsync'"), "returning \"Sorry, something went wr…\""));

    [Fact]
    public Task Reports_OpenAI_StringConcatenationThenNull()
        => Analyze("""
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string?> AskAsync(ChatClient client)
                {
                    string text = "";
                    try
                    {
                        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                text += part.Text;
                            }
                        }

                        return text;
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return null;
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_SemanticKernel_ThrowsNewWithoutChunks()
        => Analyze("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<List<StreamingChatMessageContent>> AskAsync(IChatCompletionService chat, ChatHistory history)
                {
                    var chunks = new List<StreamingChatMessageContent>();
                    try
                    {
                        await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(history))
                        {
                            chunks.Add(chunk);
                        }
                    }
                    {|LLM301:catch|} (Exception ex)
                    {
                        throw new InvalidOperationException("The model call failed.", ex);
                    }

                    return chunks;
                }
            }
            """);

    [Fact]
    public Task Reports_Anthropic_ResultVariableOverwritten()
        => Analyze("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Anthropic;
            using Anthropic.Models.Messages;

            class Chat
            {
                async Task<string> AskAsync(AnthropicClient client, MessageCreateParams request)
                {
                    var sb = new StringBuilder();
                    string result;
                    try
                    {
                        await foreach (var evt in client.Messages.CreateStreaming(request))
                        {
                            if (evt.TryPickContentBlockDelta(out var block) && block.Delta.TryPickText(out var delta))
                            {
                                sb.Append(delta.Text);
                            }
                        }

                        result = sb.ToString();
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        result = "The assistant is unavailable.";
                    }

                    return result;
                }
            }
            """);

    [Fact]
    public Task Reports_Ollama_AccumulatorDeclaredInsideTry()
        => Analyze("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient client, ChatRequest request)
                {
                    try
                    {
                        var sb = new StringBuilder();
                        await foreach (var chunk in client.ChatAsync(request))
                        {
                            sb.Append(chunk?.Message.Content);
                        }

                        return sb.ToString();
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return "";
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_Betalgo_CatchClearsAccumulator()
        => Analyze("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                private readonly StringBuilder _answer = new();

                async Task AskAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    try
                    {
                        await foreach (var chunk in chat.CreateCompletionAsStream(request))
                        {
                            if (chunk.Choices.Count > 0)
                            {
                                _answer.Append(chunk.Choices[0].Delta.Content);
                            }
                        }
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        _answer.Clear();
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_HandRolled_SseLoop()
        => Analyze("""
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Client
            {
                async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                        string? line;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (!line.StartsWith("data: ")) continue;
                            var data = line.Substring(6);
                            if (data == "[DONE]") break;
                            using var doc = JsonDocument.Parse(data);
                            sb.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                        }
                    }
                    {|LLM301:catch|} (IOException)
                    {
                        return string.Empty;
                    }

                    return sb.ToString();
                }
            }
            """);

    /// <summary>
    /// Issue 13: <c>bubble.Text = string.Concat(bubble.Text, update.Text)</c> appends to a property, as <c>+=</c> does.
    /// The text is reached through another object, so the fix (which writes the accumulator by its name) offers nothing,
    /// even with a member of that name in scope.
    /// </summary>
    [Fact]
    public Task Reports_ConcatOntoAProperty_NoFixThroughAnotherObject()
        => Verify<PartialOutputDiscardedAnalyzer, PartialOutputDiscardedCodeFix>.NoFixAsync("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Bubble
            {
                public string Text { get; set; } = "";
            }

            class ChatView
            {
                public string Text { get; set; } = "";

                async Task AskAsync(IChatClient client, Bubble bubble)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            bubble.Text = string.Concat(bubble.Text, update.Text);
                        }
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        bubble.Text = "Something went wrong.";
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_ConcatOntoAField()
        => Fix("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _text = "";

                async Task<string> AskAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            _text = string.Concat(_text, update.Text);
                        }
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return "";
                    }

                    return _text;
                }
            }
            """, """
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _text = "";

                async Task<string> AskAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            _text = string.Concat(_text, update.Text);
                        }
                    }
                    catch (Exception ex)
                    {
                        ex.Data["PartialOutput"] = _text;
                        throw;
                    }

                    return _text;
                }
            }
            """, PartialOutputDiscardedCodeFix.RethrowWithPartialKey);

    [Fact]
    public Task NoDiagnostic_CatchKeepsTheAccumulator()
        => Analyze("""
            using System;
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> ReturnsPartialAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return answer + " [incomplete]";
                    }

                    return answer.ToString();
                }

                async Task<string> AttachesPartialAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (Exception ex)
                    {
                        ex.Data["PartialOutput"] = answer.ToString();
                        throw new InvalidOperationException("failed", ex);
                    }

                    return answer.ToString();
                }

                async Task<string> RethrowsAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (Exception)
                    {
                        throw;
                    }

                    return answer.ToString();
                }

                async Task<string> SwallowsAndFallsThroughAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (Exception ex)
                    {
                        Console.Error.WriteLine(ex.Message);
                    }

                    return answer.ToString();
                }

                async Task<string> UserCancelledAsync(IChatClient client, System.Threading.CancellationToken token)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: token))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        return "";
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NothingAccumulatedOrNotAStream()
        => Analyze("""
            using System;
            using System.Collections.Generic;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> PrintOnlyAsync(IChatClient client)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            Console.Write(update.Text);
                        }
                    }
                    catch (Exception)
                    {
                        return "failed";
                    }

                    return "ok";
                }

                async Task<string> NotAStreamAsync(IAsyncEnumerable<string> lines)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        await foreach (var line in lines)
                        {
                            sb.Append(line);
                        }
                    }
                    catch (Exception)
                    {
                        return "";
                    }

                    return sb.ToString();
                }

                async Task<string> TryInsideTheLoopAsync(IChatClient client)
                {
                    var sb = new StringBuilder();
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        try
                        {
                            sb.Append(update.Text.Trim());
                        }
                        catch (Exception)
                        {
                            return "";
                        }
                    }

                    return sb.ToString();
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Fix_RethrowsWithThePartialText(string family)
        => Fix(FamilySources.F(family, """
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    {|LLM301:catch|} (HttpRequestException)
                    {
                        return "Sorry, something went wrong.";
                    }

                    return answer.ToString();
                }
            }
            """), FamilySources.F(family, """
            using System.Net.Http;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> AskAsync(IChatClient client)
                {
                    var answer = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            answer.Append(update.Text);
                        }
                    }
                    catch (HttpRequestException ex)
                    {
                        ex.Data["PartialOutput"] = answer.ToString();
                        throw;
                    }

                    return answer.ToString();
                }
            }
            """), PartialOutputDiscardedCodeFix.RethrowWithPartialKey);

    [Fact]
    public Task Fix_HoistsAccumulatorDeclaredInsideTry()
        => Fix("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient client, ChatRequest request)
                {
                    try
                    {
                        var sb = new StringBuilder();
                        await foreach (var chunk in client.ChatAsync(request))
                        {
                            sb.Append(chunk?.Message.Content);
                        }

                        return sb.ToString();
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return "";
                    }
                }
            }
            """, """
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient client, ChatRequest request)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        await foreach (var chunk in client.ChatAsync(request))
                        {
                            sb.Append(chunk?.Message.Content);
                        }

                        return sb.ToString();
                    }
                    catch (Exception ex)
                    {
                        ex.Data["PartialOutput"] = sb.ToString();
                        throw;
                    }
                }
            }
            """, PartialOutputDiscardedCodeFix.RethrowWithPartialKey);

    [Fact]
    public Task Fix_AssignsPartialTextToResult()
        => Fix("""
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client)
                {
                    var text = "";
                    string result;
                    try
                    {
                        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                text += part.Text;
                            }
                        }

                        result = text;
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        result = "unavailable";
                    }

                    return result;
                }
            }
            """, """
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client)
                {
                    var text = "";
                    string result;
                    try
                    {
                        await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                text += part.Text;
                            }
                        }

                        result = text;
                    }
                    catch (Exception ex)
                    {
                        ex.Data["PartialOutput"] = text;
                        throw;
                    }

                    return result;
                }
            }
            """, PartialOutputDiscardedCodeFix.RethrowWithPartialKey);

    [Fact]
    public Task Fix_AttachesPartialTextToTheNewException()
        => Fix("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<List<string>> AskAsync(IChatCompletionService chat, ChatHistory history)
                {
                    var parts = new List<string>();
                    try
                    {
                        await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(history))
                        {
                            parts.Add(chunk.Content ?? "");
                        }
                    }
                    {|LLM301:catch|} (Exception ex)
                    {
                        // the caller shows an error
                        throw new InvalidOperationException("The model call failed.", ex);
                    }

                    return parts;
                }
            }
            """, """
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task<List<string>> AskAsync(IChatCompletionService chat, ChatHistory history)
                {
                    var parts = new List<string>();
                    try
                    {
                        await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(history))
                        {
                            parts.Add(chunk.Content ?? "");
                        }
                    }
                    catch (Exception ex)
                    {
                        // the caller shows an error
                        var exception = new InvalidOperationException("The model call failed.", ex);
                        exception.Data["PartialOutput"] = string.Concat(parts);
                        throw exception;
                    }

                    return parts;
                }
            }
            """, PartialOutputDiscardedCodeFix.AttachPartialKey);

    [Fact]
    public Task Fix_RethrowsWhateverTheReturnType()
        => Fix("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<int> CountAsync(IChatClient client)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            sb.Append(update.Text);
                        }
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return -1;
                    }

                    return sb.Length;
                }
            }
            """, """
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<int> CountAsync(IChatClient client)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi"))
                        {
                            sb.Append(update.Text);
                        }
                    }
                    catch (Exception ex)
                    {
                        ex.Data["PartialOutput"] = sb.ToString();
                        throw;
                    }

                    return sb.Length;
                }
            }
            """, PartialOutputDiscardedCodeFix.RethrowWithPartialKey);

    [Fact]
    public Task Fix_All_InDocument()
        => Fix("""
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> FirstAsync(IChatClient client)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("one"))
                        {
                            sb.Append(update.Text);
                        }
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return "";
                    }

                    return sb.ToString();
                }

                async Task<string> SecondAsync(IChatClient client)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("two"))
                        {
                            sb.Append(update.Text);
                        }
                    }
                    {|LLM301:catch|} (Exception)
                    {
                        return "";
                    }

                    return sb.ToString();
                }
            }
            """, """
            using System;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task<string> FirstAsync(IChatClient client)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("one"))
                        {
                            sb.Append(update.Text);
                        }
                    }
                    catch (Exception ex)
                    {
                        ex.Data["PartialOutput"] = sb.ToString();
                        throw;
                    }

                    return sb.ToString();
                }

                async Task<string> SecondAsync(IChatClient client)
                {
                    var sb = new StringBuilder();
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("two"))
                        {
                            sb.Append(update.Text);
                        }
                    }
                    catch (Exception ex)
                    {
                        ex.Data["PartialOutput"] = sb.ToString();
                        throw;
                    }

                    return sb.ToString();
                }
            }
            """, PartialOutputDiscardedCodeFix.RethrowWithPartialKey);

    [Fact]
    public Task NoCrash_BrokenCode()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<PartialOutputDiscardedAnalyzer, DefaultVerifier>
        {
            TestCode = """
                using System.Text;
                using Microsoft.Extensions.AI;
                class Chat
                {
                    async System.Threading.Tasks.Task<string> AskAsync(IChatClient client)
                    {
                        var sb = new StringBuilder();
                        try
                        {
                            await foreach (var update in client.GetStreamingResponseAsync(
                            {
                                sb.Append(update.
                        }
                        catch (
                        {
                            return
                """,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        return test.RunAsync();
    }
}
