using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Tests.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.PartialOutput;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.PartialOutput;

public class ContentPartIndexedWithoutGuardTests
{
    private static Task Analyze(string source, params DiagnosticResult[] expected) => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(source, expected);

    private static Task Fix(string source, string fixedSource) => Verify<ContentPartIndexedWithoutGuardAnalyzer, ContentPartIndexedWithoutGuardCodeFix>.FixAsync(source, fixedSource, ContentPartIndexedWithoutGuardCodeFix.EquivalenceKey);

    [Fact]
    public Task Reports_OpenAI_ContentUpdateIndexed()
        => Analyze("""
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task PrintAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        Console.Write({|LLM303:update.ContentUpdate[0]|}.Text);
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_OpenAI_FirstAndToolCallUpdates()
        => Analyze("""
            using System;
            using System.Linq;
            using OpenAI.Chat;

            class Chat
            {
                void Print(ChatClient client)
                {
                    foreach (var update in client.CompleteChatStreaming(new UserChatMessage("hi")))
                    {
                        Console.Write({|LLM303:update.ContentUpdate.First()|}.Text);
                        Console.Write({|LLM303:update.ToolCallUpdates[0]|}.FunctionName);
                        Console.Write({|LLM303:update.ContentUpdate[^1]|}.Text);
                    }
                }
            }
            """);

    [Theory]
    [MemberData(nameof(FamilySources.ChatClientFamilies), MemberType = typeof(FamilySources))]
    public Task Reports_ExtensionsAI_Contents(string family)
        => Analyze(FamilySources.F(family, """
            using System;
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                async Task PrintAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        var content = {|LLM303:update.Contents[0]|};
                        Console.Write(content);
                    }
                }
            }
            """));

    [Fact]
    public Task Reports_SemanticKernel_Items()
        => Analyze("""
            using System;
            using System.Threading.Tasks;
            using Microsoft.SemanticKernel;
            using Microsoft.SemanticKernel.ChatCompletion;

            class Chat
            {
                async Task PrintAsync(IChatCompletionService chat, ChatHistory history)
                {
                    await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(history))
                    {
                        Console.Write({|LLM303:chunk.Items[0]|});
                    }
                }
            }
            """);

    [Fact]
    public Task Reports_Betalgo_Choices()
        => Analyze("""
            using System;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task PrintAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    await foreach (var chunk in chat.CreateCompletionAsStream(request))
                    {
                        Console.Write({|LLM303:chunk.Choices[0]|}.Delta.Content);
                    }
                }
            }
            """);

    /// <summary>The message quotes code, not prose: a hand-rolled stream is "the response body", unquoted.</summary>
    [Fact]
    public Task Reports_HandRolled_JsonChoices()
        => Analyze("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Client
            {
                async Task PrintAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    while (!reader.EndOfStream)
                    {
                        var line = await reader.ReadLineAsync();
                        if (line is null || !line.StartsWith("data:")) continue;
                        var payload = line.Substring(5).Trim();
                        if (payload == "[DONE]") break;
                        using var doc = JsonDocument.Parse(payload);
                        var choice = {|#0:doc.RootElement.GetProperty("choices")[0]|};
                        Console.Write(choice.GetProperty("delta").GetProperty("content").GetString());
                    }
                }
            }
            """,
            Verify<ContentPartIndexedWithoutGuardAnalyzer>.Diagnostic("LLM303").WithLocation(0)
                .WithMessage("'doc.RootElement.GetProperty(\"choices\")' is indexed without a count check: updates of the response body with only a role, usage or finish reason have no parts, so it throws; check the count or iterate the parts"));

    [Fact]
    public Task Reports_OpenAI_MessageQuotesTheCall()
        => Analyze("""
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task PrintAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        Console.Write({|#0:update.ContentUpdate[0]|}.Text);
                    }
                }
            }
            """,
            Verify<ContentPartIndexedWithoutGuardAnalyzer>.Diagnostic("LLM303").WithLocation(0).WithArguments("update.ContentUpdate", "'CompleteChatStreamingAsync'"));

    /// <summary>Parentheses do not hide a guard (a second Fix All added a guard inside the first one).</summary>
    [Fact]
    public Task NoDiagnostic_GuardedWithParentheses()
        => Analyze("""
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task PrintAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        if ((update.ContentUpdate).Count > 0)
                        {
                            Console.Write((update.ContentUpdate)[0].Text);
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_Guarded()
        => Analyze("""
            using System;
            using System.Linq;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task PrintAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        if (update.ContentUpdate.Count > 0)
                        {
                            Console.Write(update.ContentUpdate[0].Text);
                        }

                        if (update.ToolCallUpdates.Count == 0)
                        {
                            continue;
                        }

                        Console.Write(update.ToolCallUpdates[0].FunctionName);
                    }
                }

                async Task PatternsAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        var text = update.ContentUpdate.Count > 0 ? update.ContentUpdate[0].Text : "";
                        if (update is { ToolCallUpdates.Count: > 0 })
                        {
                            Console.Write(update.ToolCallUpdates[0].FunctionName + text);
                        }

                        if (update.ContentUpdate.Any())
                        {
                            Console.Write(update.ContentUpdate.First().Text);
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_IteratedOrFirstOrDefault()
        => Analyze("""
            using System;
            using System.Linq;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task PrintAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            Console.Write(part.Text);
                        }

                        Console.Write(update.ContentUpdate.FirstOrDefault()?.Text);
                    }
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_NonStreamingCompletion()
        => Analyze("""
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task PrintAsync(ChatClient client)
                {
                    ChatCompletion completion = await client.CompleteChatAsync(new UserChatMessage("hi"));
                    Console.Write(completion.Content[0].Text);
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_LookAlikeNonLlmLoop()
        => Analyze("""
            using System;
            using System.Collections.Generic;

            class Order { public List<string> Items { get; } = new(); }

            class Orders
            {
                void Print(IEnumerable<Order> orders)
                {
                    foreach (var order in orders)
                    {
                        Console.Write(order.Items[0]);
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_WrapsStatementInCountGuard()
        => Fix("""
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task PrintAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        Console.Write({|LLM303:update.ContentUpdate[0]|}.Text);
                    }
                }
            }
            """, """
            using System;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task PrintAsync(ChatClient client)
                {
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        if (update.ContentUpdate.Count > 0)
                        {
                            Console.Write(update.ContentUpdate[0].Text);
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task Fix_GuardsStringExpressionInDeclaration()
        => Fix("""
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client)
                {
                    var sb = new StringBuilder();
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        var text = {|LLM303:update.ContentUpdate[0]|}.Text;
                        sb.Append(text);
                    }

                    return sb.ToString();
                }
            }
            """, """
            using System.Text;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client)
                {
                    var sb = new StringBuilder();
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        var text = update.ContentUpdate.Count > 0 ? update.ContentUpdate[0].Text : string.Empty;
                        sb.Append(text);
                    }

                    return sb.ToString();
                }
            }
            """);

    [Fact]
    public Task Fix_SkipsUpdatesWithoutPartsBeforeADeclaration()
        => Fix("""
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Client
            {
                async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var answer = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var chunk = JsonDocument.Parse(data);
                        var delta = {|LLM303:chunk.RootElement.GetProperty("choices")[0]|}.GetProperty("delta");
                        answer.Append(delta.GetProperty("content").GetString());
                    }

                    return answer.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Net.Http;
            using System.Text;
            using System.Text.Json;
            using System.Threading.Tasks;

            class Client
            {
                async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var answer = new StringBuilder();
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        var data = line.Substring(6);
                        if (data == "[DONE]") break;
                        using var chunk = JsonDocument.Parse(data);
                        if (chunk.RootElement.GetProperty("choices").GetArrayLength() == 0)
                        {
                            continue;
                        }

                        var delta = chunk.RootElement.GetProperty("choices")[0].GetProperty("delta");
                        answer.Append(delta.GetProperty("content").GetString());
                    }

                    return answer.ToString();
                }
            }
            """);

    [Fact]
    public Task Fix_All_InDocument()
        => Fix("""
            using System;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task PrintAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    await foreach (var chunk in chat.CreateCompletionAsStream(request))
                    {
                        Console.Write({|LLM303:chunk.Choices[0]|}.Delta.Content);
                    }
                }

                async Task LogAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    await foreach (var chunk in chat.CreateCompletionAsStream(request))
                    {
                        Console.WriteLine({|LLM303:chunk.Choices[0]|}.FinishReason);
                    }
                }
            }
            """, """
            using System;
            using System.Threading.Tasks;
            using Betalgo.Ranul.OpenAI.Interfaces;
            using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

            class Chat
            {
                async Task PrintAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    await foreach (var chunk in chat.CreateCompletionAsStream(request))
                    {
                        if (chunk.Choices.Count > 0)
                        {
                            Console.Write(chunk.Choices[0].Delta.Content);
                        }
                    }
                }

                async Task LogAsync(IChatCompletionService chat, ChatCompletionCreateRequest request)
                {
                    await foreach (var chunk in chat.CreateCompletionAsStream(request))
                    {
                        if (chunk.Choices.Count > 0)
                        {
                            Console.WriteLine(chunk.Choices[0].FinishReason);
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task NoCrash_BrokenCode()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<ContentPartIndexedWithoutGuardAnalyzer, DefaultVerifier>
        {
            TestCode = """
                using OpenAI.Chat;
                class Chat
                {
                    void Print(ChatClient client)
                    {
                        foreach (var update in client.CompleteChatStreaming(
                        {
                            var x = update.ContentUpdate[;
                """,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        TestSettings.Apply(test, References.Sdks, editorConfig: null);
        return test.RunAsync();
    }
}
