using System.Collections.Concurrent;
using System.Collections.Immutable;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Tests.Retry;

/// <summary>
/// The LLM1xx analyzers never throw (no AD0001) on incomplete code: a source with every retry shape is cut at many
/// points and analysed as it would be while being typed.
/// </summary>
public class RetryRobustnessTests
{
    private const string Source = """
        using System;
        using System.ClientModel;
        using System.ClientModel.Primitives;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Anthropic;
        using Microsoft.Extensions.AI;
        using OpenAI;
        using Polly;

        class Chat
        {
            private readonly HttpClient _http = new();

            async Task<string> RetryAsync(IChatClient client, CancellationToken ct)
            {
                var answer = new StringBuilder();
                var emitted = false;
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
                        {
                            emitted = true;
                            answer.Append(update.Text);
                            Console.Write(update.Text);
                        }

                        return answer.ToString();
                    }
                    catch (HttpRequestException ex) when (attempt < 3 && ex.StatusCode != null)
                    {
                        await Task.Delay(1000, ct);
                    }
                }
            }

            async Task<string> PollyAsync(ResiliencePipeline pipeline, IChatClient client)
            {
                var stream = await pipeline.ExecuteAsync(t => ValueTask.FromResult(client.GetStreamingResponseAsync("hi", cancellationToken: t)));
                var text = "";
                await foreach (var u in stream) { text += u.Text; }
                return (await client.GetStreamingResponseAsync("x").ToChatResponseAsync()).Text + text;
            }

            async Task<int> HandRolledAsync()
            {
                using var response = await _http.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("{\"stream\": true}"));
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var count = 0;
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (line == "data: [DONE]") break;
                    count++;
                }

                return count;
            }

            object Clients() => new object[]
            {
                new AnthropicClient { MaxRetries = 0 },
                new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(0) },
            };
        }
        """;

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(
        new MidStreamFailureNotRetriedAnalyzer(),
        new RetryWithoutBackoffAnalyzer(),
        new SdkRetriesDisabledAnalyzer(),
        new RetryWrapsUnstartedStreamAnalyzer(),
        new RetryReplaysEmittedOutputAnalyzer(),
        new CatchMissesMidStreamFailureAnalyzer());

    [Fact]
    public async Task NoAnalyzerException_OnTruncatedAndMutatedSources()
    {
        var references = References.Framework.AddRange(References.Sdks);
        var failures = new ConcurrentBag<string>();
        var cuts = Enumerable.Range(1, 60).Select(i => Source.Length * i / 61).ToList();
        var variants = cuts.Select(c => Source.Substring(0, c))
            .Concat(cuts.Select(c => Source.Remove(c, Math.Min(7, Source.Length - c))))
            .Append(Source);

        foreach (var text in variants)
        {
            var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest));
            var compilation = CSharpCompilation.Create("Robustness", new[] { tree }, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, _) => failures.Add(analyzer.GetType().Name + ": " + exception),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false);
            var diagnostics = await compilation.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync();
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task CompleteSource_ReportsEveryRule()
    {
        var compilation = CSharpCompilation.Create(
            "Complete",
            new[] { CSharpSyntaxTree.ParseText(Source, new CSharpParseOptions(LanguageVersion.Latest)) },
            References.Framework.AddRange(References.Sdks),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var diagnostics = await compilation.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync();
        var ids = diagnostics.Select(d => d.Id).Distinct().OrderBy(i => i).ToArray();
        Assert.Equal(new[] { "LLM101", "LLM102", "LLM103", "LLM104", "LLM105", "LLM106" }, ids);
    }
}
