using System.Collections.Immutable;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Tests.Termination;

/// <summary>The termination analyzers never throw on incomplete code: sources cut at many points, all five analyzers at once.</summary>
public class TerminationRobustnessTests
{
    private static readonly string[] Sources =
    {
        """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Net.ServerSentEvents;
        using System.Text;
        using System.Text.Json;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI.Chat;

        class Client
        {
            async Task<string> HandAsync(HttpClient http, string body)
            {
                using var response = await http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent(body));
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var text = new StringBuilder();
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data: ")) continue;
                    var data = line.Substring(6);
                    switch (data) { case "[DONE]": return text.ToString(); }
                    using var doc = JsonDocument.Parse(data);
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                }

                await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
                {
                    if (item.EventType == "error") throw new IOException(item.Data);
                    text.Append(JsonDocument.Parse(item.Data).RootElement.ToString());
                }

                return text.ToString();
            }

            async Task<string> SdkAsync(ChatClient client, IChatClient chat)
            {
                var text = new StringBuilder();
                await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                {
                    foreach (var part in update.ContentUpdate) text.Append(part.Text);
                }

                var response = await chat.GetStreamingResponseAsync("hi").ToChatResponseAsync();
                return text + response.Text;
            }
        }
        """,
        """
        using System.Text;
        using System.Threading.Tasks;
        using Anthropic;
        using Anthropic.Models.Messages;
        using Betalgo.Ranul.OpenAI.Interfaces;
        using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
        using OllamaSharp;
        using OllamaSharp.Models.Chat;

        class Sdks
        {
            async Task<string> AllAsync(AnthropicClient anthropic, MessageCreateParams parameters, IOllamaApiClient ollama, IOpenAIService openAi)
            {
                var text = new StringBuilder();
                await foreach (var e in anthropic.Messages.CreateStreaming(parameters))
                {
                    e.Switch(_ => { }, d => text.Append(d.Delta.StopReason), _ => { }, _ => { }, _ => { }, _ => { });
                }

                await foreach (var chunk in ollama.ChatAsync(new ChatRequest())) text.Append(chunk?.Message?.Content);
                await foreach (var chunk in openAi.ChatCompletion.CreateCompletionAsStream(new ChatCompletionCreateRequest()))
                {
                    text.Append(chunk.Choices[0].Delta?.Content);
                }

                return text.ToString();
            }
        }
        """,
    };

    [Fact]
    public async Task NoAnalyzerThrows_OnTruncatedSources()
    {
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(
            new DoneSentinelNotHandledAnalyzer(), new EndOfStreamAcceptedAnalyzer(), new FinishReasonNotObservedAnalyzer(), new HandRolledSseParsingAnalyzer(), new InStreamErrorIgnoredAnalyzer());
        var references = References.Framework.AddRange(References.Sdks);
        var failures = new List<string>();
        var reportedOnWholeSources = 0;
        foreach (var source in Sources)
        {
            for (var cut = source.Length; cut > 0; cut -= Math.Max(1, source.Length / 40))
            {
                var text = source.Substring(0, cut);
                var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text);
                var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
                    "Truncated",
                    new[] { tree },
                    references,
                    new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
                var options = new CompilationWithAnalyzersOptions(
                    new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                    onAnalyzerException: (exception, analyzer, _) => failures.Add(analyzer.GetType().Name + " at " + cut + ": " + exception.Message),
                    concurrentAnalysis: false,
                    logAnalyzerExecutionTime: false);
                var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
                failures.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage()));
                if (cut == source.Length)
                {
                    reportedOnWholeSources += diagnostics.Count(d => d.Id.StartsWith("LLM2", StringComparison.Ordinal));
                }
            }
        }

        Assert.Empty(failures);
        Assert.True(reportedOnWholeSources >= 4, "the analyzers ran: " + reportedOnWholeSources);
    }
}
