using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.Termination;

/// <summary>
/// LLM205 on OllamaSharp chat loops: Ollama sends a model runner's failure mid-answer as an error line
/// (<c>{"error": "…"}</c>), which OllamaSharp yields as an update whose <c>Message</c> is null. A loop that dereferences
/// <c>Message</c> then throws <see cref="System.NullReferenceException"/>, which no retry takes, and the error's text is
/// lost (found by the conformance suite: the fixed ollama program failed every error-event run this way).
/// </summary>
public partial class InStreamErrorIgnoredTests
{
    private const string OllamaUsings = """
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using OllamaSharp;
        using OllamaSharp.Models.Chat;


        """;

    [Theory]
    [InlineData("text.Append(chunk?.Message.Content);")]
    [InlineData("text.Append(chunk!.Message.Content);")]
    [InlineData("if (chunk is not null) text.Append(chunk.Message.Content);")]
    [InlineData("var content = chunk?.Message.Content; text.Append(content);")]
    public Task Reports_OllamaChatLoop_ThatDereferencesMessage(string body)
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(OllamaUsings + """
            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request, CancellationToken cancellationToken)
                {
                    var text = new StringBuilder();
                    await {|LLM205:foreach|} (var chunk in ollama.ChatAsync(request, cancellationToken))
                    {
                        BODY
                    }

                    return text.ToString();
                }
            }
            """.Replace("BODY", body));

    [Theory]
    [InlineData("text.Append(chunk?.Message?.Content);")]
    [InlineData("if (chunk?.Message is null) continue; text.Append(chunk.Message.Content);")]
    [InlineData("if (chunk == null || chunk.Message == null) throw new System.IO.IOException(\"Ollama error\"); text.Append(chunk.Message.Content);")]
    [InlineData("text.Append((chunk?.Message ?? new Message()).Content);")]
    [InlineData("if (chunk?.Done == true) break;")]
    public Task NoDiagnostic_OllamaChatLoop_MessageTestedOrNotDereferenced(string body)
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(OllamaUsings + """
            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request, CancellationToken cancellationToken)
                {
                    var text = new StringBuilder();
                    await foreach (var chunk in ollama.ChatAsync(request, cancellationToken))
                    {
                        BODY
                    }

                    return text.ToString();
                }
            }
            """.Replace("BODY", body));

    /// <summary>
    /// Look-alikes: OllamaSharp's generate stream (its error line gives a null <c>Response</c>, which appends nothing; the
    /// missing <c>Done</c> then shows the cut, LLM203), and a loop over messages that are not model updates.
    /// </summary>
    [Fact]
    public Task NoDiagnostic_GenerateStreamAndMessagesThatAreNotUpdates()
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(OllamaUsings + """
            using System.Collections.Generic;
            using OllamaSharp.Models;

            class Chat
            {
                async Task<string> GenerateAsync(IOllamaApiClient ollama, GenerateRequest request)
                {
                    var text = new StringBuilder();
                    await foreach (var chunk in ollama.GenerateAsync(request))
                    {
                        text.Append(chunk?.Response);
                    }

                    return text.ToString();
                }

                string History(List<ChatResponseStream> saved)
                {
                    var text = new StringBuilder();
                    foreach (var chunk in saved)
                    {
                        text.Append(chunk.Message.Content);
                    }

                    return text.ToString();
                }
            }
            """);

    [Fact]
    public Task Fix_OllamaChatLoop_ThrowsOnAnUpdateWithNoMessage()
        => Verify<InStreamErrorIgnoredAnalyzer, InStreamErrorIgnoredCodeFix>.FixAsync(OllamaUsings + """
            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request, CancellationToken cancellationToken)
                {
                    var text = new StringBuilder();
                    await {|LLM205:foreach|} (var chunk in ollama.ChatAsync(request, cancellationToken))
                        text.Append(chunk?.Message.Content);

                    return text.ToString();
                }
            }
            """, """
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using OllamaSharp;
            using OllamaSharp.Models.Chat;

            class Chat
            {
                async Task<string> AskAsync(IOllamaApiClient ollama, ChatRequest request, CancellationToken cancellationToken)
                {
                    var text = new StringBuilder();
                    await foreach (var chunk in ollama.ChatAsync(request, cancellationToken))
                    {
                        if (chunk != null && chunk.Message == null)
                        {
                            throw new IOException("The model stream reported an error: Ollama sent an error line, which OllamaSharp yields as an update with no message.");
                        }

                        text.Append(chunk?.Message.Content);
                    }

                    return text.ToString();
                }
            }
            """, InStreamErrorIgnoredCodeFix.Key);
}
