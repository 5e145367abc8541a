using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>
/// Incomplete code (what an editor holds while the user types) never makes the recognition core throw: every
/// recogniser runs over every loop, invocation and reference of truncated and broken sources.
/// </summary>
public class RobustnessTests
{
    private const string Valid = """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Net.ServerSentEvents;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI.Chat;
        using OllamaSharp;
        using Polly;

        class Client
        {
            private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("https://api.openai.com/") };

            async Task<string> AskAsync(IChatClient client, ChatClient openAI, ResiliencePipeline pipeline, CancellationToken ct)
            {
                var text = new StringBuilder();
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    try
                    {
                        await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct).WithCancellation(ct))
                        {
                            text.Append(update.Text);
                        }

                        break;
                    }
                    catch (HttpRequestException) when (attempt < 2)
                    {
                        await Task.Delay(100, ct);
                    }
                }

                await pipeline.ExecuteAsync(async token =>
                {
                    foreach (var update in openAI.CompleteChatStreaming(new UserChatMessage("hi")))
                    {
                        text.Append(update.ContentUpdate.Count);
                    }
                }, ct);

                var response = await client.GetStreamingResponseAsync("again").ToChatResponseAsync();
                using var body = await _http.GetStreamAsync("v1/chat/completions");
                using var reader = new StreamReader(body);
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data: ") || line == "data: [DONE]")
                    {
                        continue;
                    }

                    using var json = JsonDocument.Parse(line.Substring(6));
                    text.Append(json.RootElement.GetProperty("choices")[0].GetProperty("delta"));
                }

                await foreach (var item in SseParser.Create(body).EnumerateAsync())
                {
                    text.Append(item.Data);
                }

                var ollama = new OllamaApiClient(_http);
                return text.ToString() + response.Text + ollama;
            }
        }
        """;

    public static TheoryData<string> BrokenSources() => new()
    {
        "class C { async System.Threading.Tasks.Task M(Microsoft.Extensions.AI.IChatClient client) { await foreach (var u in client.) { } } }",
        "class C { async System.Threading.Tasks.Task M(Microsoft.Extensions.AI.IChatClient client) { await foreach (var u in client.GetStreamingResponseAsync(",
        "class C { async System.Threading.Tasks.Task M(Unknown client) { await foreach (var u in client.GetStreamingResponseAsync(\"hi\")) { u.Text += 1; } } }",
        "class C { void M() { foreach (var u in ) { } while () { } for (;;) { try { } catch { continue } } } }",
        "class C { async System.Threading.Tasks.Task M(System.IO.StreamReader reader) { string line; while ((line = await reader.ReadLineAsync()) != ) { if (line.StartsWith(\"data:\")) } } }",
        "class C { System.Net.Http.HttpClient _http = new() { BaseAddress = new System.Uri( }; void M() => _http.PostAsync(\"/v1/chat/completions\", ); }",
        "class C { void M(Polly.ResiliencePipeline p) { p.ExecuteAsync(async ct => { await foreach (var x in Missing()) { } }, ); } }",
        "using Microsoft.Extensions.AI; class C { async void M(IChatClient c) { var s = c.GetStreamingResponseAsync(\"x\"); var s = s; await foreach (var u in s) { } } }",
        "class C { async System.Threading.Tasks.Task M() { async System.Threading.Tasks.Task Once() { await foreach (var u in Once()) { } } while (true) { try { await Once(); } catch { } } } }",
        "class C { void M() { System.Func<int> f = () => f(); while (true) { try { f(); } catch { } } } }",
    };

    [Theory]
    [MemberData(nameof(BrokenSources))]
    public void NoException_OnBrokenCode(string source)
        => RunEverything(RecognitionHarness.CompileBroken(source));

    [Fact]
    public void NoException_OnTruncatedSources()
    {
        for (var length = 40; length < Valid.Length; length += 53)
        {
            var truncated = Valid.Substring(0, length);
            try
            {
                RunEverything(RecognitionHarness.CompileBroken(truncated));
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"Truncated at {length}: ...{truncated.Substring(Math.Max(0, length - 80))}", ex);
            }
        }
    }

    [Fact]
    public void ValidSource_IsRecognised()
    {
        var harness = RecognitionHarness.Compile(Valid);
        var loops = harness.All<ILoopOperation>().Select(l => harness.StreamLoop(l)?.Kind).ToList();
        Assert.Equal(new LlmStreamKind?[] { null, LlmStreamKind.Sdk, LlmStreamKind.Sdk, LlmStreamKind.HandRolled, LlmStreamKind.HandRolled }, loops);
    }

    private static void RunEverything(RecognitionHarness harness)
    {
        var llm = harness.Llm;
        var options = harness.Options;
        var ct = CancellationToken.None;
        foreach (var node in harness.Tree.GetRoot().DescendantNodes())
        {
            if (harness.Model.GetOperation(node) is not { } operation)
            {
                continue;
            }

            switch (operation)
            {
                case ILoopOperation loop:
                    var streamLoop = llm.Streams.TryGetStreamLoop(loop, options, ct);
                    if (streamLoop is not null)
                    {
                        Accumulators.Find(streamLoop, llm.Types);
                        StreamRecognizer.IsDerivedFromIteration(loop.Body, streamLoop);
                    }

                    RetryRecognizer.IsPassThroughIterator(loop);
                    llm.Retries.FindEnclosingRetry(loop, options, ct);
                    break;

                case IInvocationOperation invocation:
                    llm.Streams.TryGetStreamCall(invocation, options);
                    llm.Streams.TryGetAggregation(invocation, options, ct);
                    llm.Streams.FindEnclosingStreamLoop(invocation, options, ct);
                    llm.Retries.FindEnclosingRetry(invocation, options, ct);
                    llm.Retries.IsPollyExecute(invocation.TargetMethod);
                    break;

                case ILocalReferenceOperation or IFieldReferenceOperation or IParameterReferenceOperation or IPropertyReferenceOperation or IObjectCreationOperation:
                    llm.HttpClients.Classify(operation, options, ct);
                    llm.Streams.TryGetStreamValue(operation, options, ct);
                    break;
            }
        }
    }
}
