using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using Microsoft.Extensions.AI;
using OpenAI.Responses;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>
/// The fake server against the real SDK clients: each row is one line of the table at the top of FakeModelServer.cs.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class FakeModelServerTests
{
    private const string Reset = "System.IO.IOException <- System.Net.Sockets.SocketException(ConnectionReset)";
    private const string Cut = "System.Net.Http.HttpIOException(ResponseEnded)";
    private const string ReadTimeout = "System.Threading.Tasks.TaskCanceledException <- System.Threading.Tasks.TaskCanceledException <- System.IO.IOException <- System.Net.Sockets.SocketException(OperationAborted)";
    private const string Cancelled = "System.Threading.Tasks.TaskCanceledException <- System.IO.IOException <- System.Net.Sockets.SocketException(OperationAborted)";

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    /// <summary>Faults by the names the rows use.</summary>
    private static Fault F(string name) => name switch
    {
        "Normal" => Fault.Normal,
        "ResetAfter3" => Fault.ResetAfter(3),
        "ResetAfterRole" => Fault.ResetAfterRole,
        "Truncated3" => Fault.Truncated(3),
        "NoEnd" => Fault.NoEnd,
        "ErrorEvent3" => Fault.ErrorEvent(3),
        "Length4" => Fault.Length(4),
        "ContentFilter2" => Fault.ContentFilter(2),
        "Slow" => Fault.Slow(TimeSpan.FromMilliseconds(10)),
        _ => Fault.Status(int.Parse(name, System.Globalization.CultureInfo.InvariantCulture)),
    };

    /// <summary>Cancels <paramref name="cts"/> <paramref name="delay"/> after the server saw its first request (so a slow machine does not cancel before the stream started).</summary>
    private static void CancelAfterFirstRequest(FakeModelServer server, CancellationTokenSource cts, TimeSpan delay)
        => _ = server.WaitForRequestsAsync(1).ContinueWith(t => { if (t.IsCompletedSuccessfully) { cts.CancelAfter(delay); } }, TaskScheduler.Default);

    private static string Prefix(int tokens) => string.Concat(FakeModelServer.Tokens.Take(tokens));

    /// <summary>
    /// A read cut short by a timeout or a cancel: the chain given, whose aborted read is an IOException over a
    /// SocketException(OperationAborted) — or, as timing has it on a loaded machine, an HttpIOException.
    /// </summary>
    private static void AssertCancelledRead(string expected, Exception? error)
    {
        const string AbortedRead = "System.IO.IOException <- System.Net.Sockets.SocketException(OperationAborted)";
        var actual = SdkOutcome.Describe(error);
        var head = expected.Substring(0, expected.IndexOf(AbortedRead, StringComparison.Ordinal));
        Assert.True(
            actual == expected || actual.StartsWith(head + "System.Net.Http.HttpIOException(", StringComparison.Ordinal),
            "expected " + expected + " (or an HttpIOException for the aborted read), got " + actual);
    }

    /// <summary>Runs one call against a server that answers every request with <paramref name="fault"/>, and checks the row.</summary>
    private static async Task<FakeModelServer> CheckAsync(
        Func<FakeModelServer, CancellationToken, Task<SdkOutcome>> run, Fault fault, int tokens, string? finish, string? error, int requests, bool streaming = true)
    {
        var server = new FakeModelServer { Script = FaultScript.Always(fault), ConnectionTimeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var cts = new CancellationTokenSource(Bound);
            var outcome = await run(server, cts.Token);
            await server.WaitForIdleAsync().WaitAsync(Bound);
            var context = fault + ": " + outcome;
            Assert.True(Prefix(tokens) == outcome.Text, context);
            Assert.True(finish == outcome.Finish, context);
            Assert.True((error ?? "none") == SdkOutcome.Describe(outcome.Error), context);
            Assert.True(requests == server.RequestCount, context + " requests=" + server.RequestCount);
            Assert.All(server.Requests, r => Assert.Equal(streaming, r.Streaming));
            return server;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    // ---- OpenAI 2.15, ChatClient.CompleteChatStreamingAsync (default retry policy) ----

    [Theory]
    [InlineData("Normal", 10, "Stop", null, 1)]
    [InlineData("Slow", 10, "Stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("ResetAfterRole", 0, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, null, null, 1)]
    [InlineData("Length4", 4, "Length", null, 1)]
    [InlineData("ContentFilter2", 2, "ContentFilter", null, 1)]
    [InlineData("429", 0, null, "System.ClientModel.ClientResultException(429)", 4)]
    [InlineData("500", 0, null, "System.ClientModel.ClientResultException(500)", 4)]
    [InlineData("503", 0, null, "System.ClientModel.ClientResultException(503)", 4)]
    [InlineData("400", 0, null, "System.ClientModel.ClientResultException(400)", 1)]
    [InlineData("401", 0, null, "System.ClientModel.ClientResultException(401)", 1)]
    [InlineData("403", 0, null, "System.ClientModel.ClientResultException(403)", 1)]
    [InlineData("404", 0, null, "System.ClientModel.ClientResultException(404)", 1)]
    public Task OpenAI_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.OpenAIStreamAsync(SdkDrivers.OpenAIChat(s), ct), F(fault), tokens, finish, error, requests);

    [Theory]
    [InlineData("Normal", 10, "Stop", null, 1)]
    [InlineData("Length4", 4, "Length", null, 1)]
    [InlineData("ContentFilter2", 2, "ContentFilter", null, 1)]
    [InlineData("ResetAfter3", 0, null, "System.AggregateException <- System.ClientModel.ClientResultException(0) <- System.Net.Http.HttpRequestException(Unknown) <- " + Reset, 4)]
    [InlineData("Truncated3", 0, null, "System.AggregateException <- " + Cut, 4)]
    [InlineData("NoEnd", 0, null, "System.ArgumentOutOfRangeException", 1)]
    [InlineData("ErrorEvent3", 0, null, "System.ClientModel.ClientResultException(500)", 4)]
    [InlineData("429", 0, null, "System.ClientModel.ClientResultException(429)", 4)]
    [InlineData("401", 0, null, "System.ClientModel.ClientResultException(401)", 1)]
    public Task OpenAI_NonStreaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.OpenAICompleteAsync(SdkDrivers.OpenAIChat(s), ct), F(fault), tokens, finish, error, requests, streaming: false);

    // ---- Microsoft.Extensions.AI 10.11 over the OpenAI ChatClient (AsIChatClient) ----

    [Theory]
    [InlineData("Normal", 10, "stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("ResetAfterRole", 0, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, null, null, 1)]
    [InlineData("Length4", 4, "length", null, 1)]
    [InlineData("ContentFilter2", 2, "content_filter", null, 1)]
    [InlineData("429", 0, null, "System.ClientModel.ClientResultException(429)", 4)]
    [InlineData("500", 0, null, "System.ClientModel.ClientResultException(500)", 4)]
    [InlineData("503", 0, null, "System.ClientModel.ClientResultException(503)", 4)]
    [InlineData("400", 0, null, "System.ClientModel.ClientResultException(400)", 1)]
    public Task ExtensionsAI_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.ExtensionsAIStreamAsync(SdkDrivers.OpenAIChat(s).AsIChatClient(), ct), F(fault), tokens, finish, error, requests);

    // ---- Microsoft.Extensions.AI over Anthropic (AnthropicClient.AsIChatClient) and over OllamaSharp (OllamaApiClient is an IChatClient) ----

    [Theory]
    [InlineData("Normal", 10, "stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, null, "Anthropic.Exceptions.AnthropicSseException", 1)]
    [InlineData("Length4", 4, "length", null, 1)]
    [InlineData("ContentFilter2", 2, "content_filter", null, 1)]
    [InlineData("429", 0, null, "Anthropic.Exceptions.AnthropicRateLimitException", 3)]
    [InlineData("529", 0, null, "Anthropic.Exceptions.AnthropicOverloadedException", 3)]
    [InlineData("400", 0, null, "Anthropic.Exceptions.AnthropicBadRequestException", 1)]
    public Task ExtensionsAI_OverAnthropic_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.ExtensionsAIStreamAsync(SdkDrivers.Anthropic(s).AsIChatClient(WireFormat.Model), ct), F(fault), tokens, finish, error, requests);

    [Theory]
    [InlineData("Normal", 10, "stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, null, null, 1)]
    [InlineData("Length4", 4, "length", null, 1)]
    [InlineData("429", 0, null, "System.Net.Http.HttpRequestException(429,Unknown)", 1)]
    [InlineData("400", 0, null, "OllamaSharp.Models.Exceptions.OllamaException", 1)]
    public Task ExtensionsAI_OverOllama_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.ExtensionsAIStreamAsync(SdkDrivers.Ollama(s), ct), F(fault), tokens, finish, error, requests);

    [Fact]
    public async Task ExtensionsAI_OverAnthropic_Stall_IsEndedByTheToken()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)) };
        using var cts = new CancellationTokenSource();
        CancelAfterFirstRequest(server, cts, TimeSpan.FromMilliseconds(300));
        var outcome = await SdkDrivers.ExtensionsAIStreamAsync(SdkDrivers.Anthropic(server).AsIChatClient(WireFormat.Model), cts.Token).WaitAsync(Bound);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        Assert.Equal(Prefix(2), outcome.Text);
        Assert.IsType<TaskCanceledException>(outcome.Error);
        Assert.True(server.Requests[0].ClientAborted);
    }

    [Fact]
    public async Task ExtensionsAI_OverOllama_Stall_IgnoresTheToken()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)), ConnectionTimeout = TimeSpan.FromMilliseconds(1500) };
        using var cts = new CancellationTokenSource();
        CancelAfterFirstRequest(server, cts, TimeSpan.FromMilliseconds(200));
        var outcome = await SdkDrivers.ExtensionsAIStreamAsync(SdkDrivers.Ollama(server), cts.Token).WaitAsync(Bound);

        Assert.Equal(Cut, SdkOutcome.Describe(outcome.Error));
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(1400), outcome.ToString());
    }

    // ---- Semantic Kernel 1.82, OpenAIChatCompletionService.GetStreamingChatMessageContentsAsync (the OpenAI SDK underneath) ----

    [Theory]
    [InlineData("Normal", 10, "Stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, null, null, 1)]
    [InlineData("Length4", 4, "Length", null, 1)]
    [InlineData("ContentFilter2", 2, "ContentFilter", null, 1)]
    [InlineData("429", 0, null, "System.ClientModel.ClientResultException(429)", 4)]
    [InlineData("500", 0, null, "System.ClientModel.ClientResultException(500)", 4)]
    [InlineData("400", 0, null, "System.ClientModel.ClientResultException(400)", 1)]
    public Task SemanticKernel_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.SemanticKernelStreamAsync(SdkDrivers.SemanticKernel(s), ct), F(fault), tokens, finish, error, requests);

    // The conformance program's construction: a kernel over an OpenAI client of its own (its retries, its network timeout).
    [Theory]
    [InlineData("Normal", 10, "Stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("429", 0, null, "System.ClientModel.ClientResultException(429)", 4)]
    [InlineData("500", 0, null, "System.ClientModel.ClientResultException(500)", 4)]
    [InlineData("503", 0, null, "System.ClientModel.ClientResultException(503)", 4)]
    [InlineData("401", 0, null, "System.ClientModel.ClientResultException(401)", 1)]
    [InlineData("404", 0, null, "System.ClientModel.ClientResultException(404)", 1)]
    public Task SemanticKernel_KernelOverAnOpenAIClient_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.SemanticKernelStreamAsync(SdkDrivers.SemanticKernelOverClient(s), ct), F(fault), tokens, finish, error, requests);

    // ---- Azure AI Inference 1.0.0-beta.5, ChatCompletionsClient.CompleteStreamingAsync (Azure.Core's retries) ----

    [Theory]
    [InlineData("Normal", 10, "stop", null, 1)]
    [InlineData("Slow", 10, "stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("Length4", 4, "length", null, 1)]
    [InlineData("ContentFilter2", 2, "content_filter", null, 1)]
    [InlineData("429", 0, null, "Azure.RequestFailedException", 4)]
    [InlineData("500", 0, null, "Azure.RequestFailedException", 4)]
    [InlineData("400", 0, null, "Azure.RequestFailedException", 1)]
    public Task AzureInference_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.AzureInferenceStreamAsync(SdkDrivers.AzureInference(s), ct), F(fault), tokens, finish, error, requests);

    /// <summary>
    /// A stream whose body ends without <c>[DONE]</c> (after all its tokens, or after an error event) is not ended by the
    /// SDK: the enumeration spins (a core busy; measured outside the suite), past its 1 s network timeout, until the
    /// caller's token is cancelled, and then ends as if the answer were complete (no exception). Without a token that
    /// fires, the program hangs: the reason LLM406 reports its calls and its fix passes them an idle timeout's token.
    /// </summary>
    [Theory]
    [InlineData("NoEnd", 10)]
    [InlineData("ErrorEvent3", 3)]
    public async Task AzureInference_StreamWithoutDone_WaitsForTheToken_ThenEndsAsIfComplete(string fault, int tokens)
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(F(fault)), ConnectionTimeout = TimeSpan.FromSeconds(10) };
        using var cts = new CancellationTokenSource();
        CancelAfterFirstRequest(server, cts, TimeSpan.FromMilliseconds(2500));
        var outcome = await SdkDrivers.AzureInferenceStreamAsync(SdkDrivers.AzureInference(server, networkTimeout: TimeSpan.FromSeconds(1)), cts.Token).WaitAsync(Bound);

        Assert.Equal(Prefix(tokens), outcome.Text);
        Assert.Null(outcome.Finish);
        Assert.Null(outcome.Error);
        Assert.True(cts.IsCancellationRequested);
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(2400), outcome.ToString());
        Assert.Equal(1, server.RequestCount);
    }

    // ---- Betalgo.Ranul.OpenAI 9.2.6, ChatCompletion.CreateCompletionAsStream (no retries; errors in band) ----

    [Theory]
    [InlineData("Normal", 10, "stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("ResetAfterRole", 0, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, "error:server_error", null, 1)]
    [InlineData("Length4", 4, "length", null, 1)]
    [InlineData("ContentFilter2", 2, "content_filter", null, 1)]
    [InlineData("429", 0, "error:rate_limit_exceeded", null, 1)]
    [InlineData("500", 0, "error:server_error", null, 1)]
    [InlineData("503", 0, "error:service_unavailable", null, 1)]
    [InlineData("401", 0, "error:invalid_api_key", null, 1)]
    [InlineData("400", 0, "error:invalid_value", null, 1)]
    [InlineData("403", 0, "error:unsupported_country_region_territory", null, 1)]
    [InlineData("404", 0, "error:model_not_found", null, 1)]
    public Task Betalgo_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.BetalgoStreamAsync(SdkDrivers.Betalgo(s), ct), F(fault), tokens, finish, error, requests);

    // A failed request comes as an item that carries the response's status; an error event inside a 200 stream carries 200.
    [Theory]
    [InlineData("ErrorEvent3", 3, "200:server_error")]
    [InlineData("429", 0, "429:rate_limit_exceeded")]
    [InlineData("500", 0, "500:server_error")]
    [InlineData("400", 0, "400:invalid_value")]
    [InlineData("401", 0, "401:invalid_api_key")]
    [InlineData("404", 0, "404:model_not_found")]
    public Task Betalgo_FailedItems_CarryTheStatus(string fault, int tokens, string finish)
        => CheckAsync((s, ct) => SdkDrivers.BetalgoFailedItemsAsync(SdkDrivers.Betalgo(s), ct), F(fault), tokens, finish, null, 1);

    // ---- OpenAI 2.15 Responses, ResponsesClient.CreateResponseStreamingAsync ----

    [Theory]
    [InlineData("Normal", 10, "Completed", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("ResetAfterRole", 0, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, "error:server_error", null, 1)]
    [InlineData("Length4", 4, "incomplete:max_output_tokens", null, 1)]
    [InlineData("ContentFilter2", 2, "incomplete:content_filter", null, 1)]
    [InlineData("429", 0, null, "System.ClientModel.ClientResultException(429)", 4)]
    [InlineData("500", 0, null, "System.ClientModel.ClientResultException(500)", 4)]
    [InlineData("503", 0, null, "System.ClientModel.ClientResultException(503)", 4)]
    [InlineData("400", 0, null, "System.ClientModel.ClientResultException(400)", 1)]
    [InlineData("401", 0, null, "System.ClientModel.ClientResultException(401)", 1)]
    [InlineData("404", 0, null, "System.ClientModel.ClientResultException(404)", 1)]
    public Task Responses_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.ResponsesStreamAsync(SdkDrivers.Responses(s), ct), F(fault), tokens, finish, error, requests);

    // ---- Anthropic 13.12, Messages.CreateStreaming (default MaxRetries 2) ----

    [Theory]
    [InlineData("Normal", 10, "end_turn", null, 1)]
    [InlineData("Slow", 10, "end_turn", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("ResetAfterRole", 0, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, null, "Anthropic.Exceptions.AnthropicSseException", 1)]
    [InlineData("Length4", 4, "max_tokens", null, 1)]
    [InlineData("ContentFilter2", 2, "refusal", null, 1)]
    [InlineData("429", 0, null, "Anthropic.Exceptions.AnthropicRateLimitException", 3)]
    [InlineData("500", 0, null, "Anthropic.Exceptions.Anthropic5xxException", 3)]
    [InlineData("503", 0, null, "Anthropic.Exceptions.AnthropicServiceUnavailableException", 3)]
    [InlineData("529", 0, null, "Anthropic.Exceptions.AnthropicOverloadedException", 3)]
    [InlineData("400", 0, null, "Anthropic.Exceptions.AnthropicBadRequestException", 1)]
    [InlineData("401", 0, null, "Anthropic.Exceptions.AnthropicUnauthorizedException", 1)]
    [InlineData("403", 0, null, "Anthropic.Exceptions.AnthropicForbiddenException", 1)]
    [InlineData("404", 0, null, "Anthropic.Exceptions.AnthropicNotFoundException", 1)]
    public Task Anthropic_Streaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.AnthropicStreamAsync(SdkDrivers.Anthropic(s), ct), F(fault), tokens, finish, error, requests);

    [Theory]
    [InlineData("Normal", 10, "end_turn", null, 1)]
    [InlineData("Length4", 4, "max_tokens", null, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ResetAfter3", 0, null, "Anthropic.Exceptions.AnthropicIOException <- System.Net.Http.HttpRequestException(Unknown) <- " + Reset, 3)]
    [InlineData("Truncated3", 0, null, Cut, 1)]
    [InlineData("ErrorEvent3", 0, null, "Anthropic.Exceptions.Anthropic5xxException", 3)]
    public Task Anthropic_NonStreaming(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.AnthropicCreateAsync(SdkDrivers.Anthropic(s), ct), F(fault), tokens, finish, error, requests, streaming: false);

    // ---- OllamaSharp 5.5.2, ChatAsync and GenerateAsync (no retries) ----

    [Theory]
    [InlineData("Normal", 10, "stop", null, 1)]
    [InlineData("Slow", 10, "stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("ResetAfterRole", 0, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("NoEnd", 10, null, null, 1)]
    [InlineData("ErrorEvent3", 3, null, null, 1)]
    [InlineData("Length4", 4, "length", null, 1)]
    [InlineData("ContentFilter2", 2, "content_filter", null, 1)]
    [InlineData("429", 0, null, "System.Net.Http.HttpRequestException(429,Unknown)", 1)]
    [InlineData("500", 0, null, "System.Net.Http.HttpRequestException(500,Unknown)", 1)]
    [InlineData("503", 0, null, "System.Net.Http.HttpRequestException(503,Unknown)", 1)]
    [InlineData("400", 0, null, "OllamaSharp.Models.Exceptions.OllamaException", 1)]
    [InlineData("401", 0, null, "System.Net.Http.HttpRequestException(401,Unknown)", 1)]
    [InlineData("403", 0, null, "System.Net.Http.HttpRequestException(403,Unknown)", 1)]
    [InlineData("404", 0, null, "System.Net.Http.HttpRequestException(404,Unknown)", 1)]
    public Task Ollama_Chat(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.OllamaChatAsync(SdkDrivers.Ollama(s), ct), F(fault), tokens, finish, error, requests);

    [Theory]
    [InlineData("Normal", 10, "stop", null, 1)]
    [InlineData("ResetAfter3", 3, null, Reset, 1)]
    [InlineData("Truncated3", 3, null, Cut, 1)]
    [InlineData("ErrorEvent3", 3, null, null, 1)]
    [InlineData("Length4", 4, "length", null, 1)]
    [InlineData("500", 0, null, "System.Net.Http.HttpRequestException(500,Unknown)", 1)]
    public Task Ollama_Generate(string fault, int tokens, string? finish, string? error, int requests)
        => CheckAsync((s, ct) => SdkDrivers.OllamaGenerateAsync(SdkDrivers.Ollama(s), ct), F(fault), tokens, finish, error, requests);

    /// <summary>
    /// What LLM205's OllamaSharp case rests on: Ollama's error line is not skipped and does not throw, it is yielded as
    /// an update whose Message is null (and whose Done is false), after the tokens before it.
    /// </summary>
    [Fact]
    public async Task Ollama_Chat_ErrorLine_IsAnUpdateWithNoMessage()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.ErrorEvent(3)) };
        using var cts = new CancellationTokenSource(Bound);
        var request = new OllamaSharp.Models.Chat.ChatRequest { Model = WireFormat.Model, Messages = [new OllamaSharp.Models.Chat.Message(OllamaSharp.Models.Chat.ChatRole.User, "hi")] };
        var updates = new List<OllamaSharp.Models.Chat.ChatResponseStream?>();
        await foreach (var update in SdkDrivers.Ollama(server).ChatAsync(request, cts.Token))
        {
            updates.Add(update);
        }

        Assert.Equal(4, updates.Count);
        Assert.All(updates.Take(3), u => Assert.NotNull(u?.Message));
        Assert.NotNull(updates[3]);
        Assert.Null(updates[3]!.Message);
        Assert.False(updates[3]!.Done);
    }

    [Fact]
    public Task Ollama_Chat_NonStreaming()
        => CheckAsync((s, ct) => SdkDrivers.OllamaChatAsync(SdkDrivers.Ollama(s), ct, stream: false), Fault.Normal, 10, "stop", null, 1, streaming: false);

    // ---- Stalls: who bounds them ----

    [Fact]
    public async Task OpenAI_Streaming_Stall_IsEndedByNetworkTimeout_WithoutRetry()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)) };
        using var cts = new CancellationTokenSource(Bound);
        var outcome = await SdkDrivers.OpenAIStreamAsync(SdkDrivers.OpenAIChat(server, networkTimeout: TimeSpan.FromMilliseconds(300)), cts.Token);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        Assert.Equal(Prefix(2), outcome.Text);
        AssertCancelledRead(ReadTimeout, outcome.Error);
        Assert.False(cts.IsCancellationRequested);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(2), outcome.ToString());
        Assert.Equal(1, server.RequestCount);
        Assert.True(server.Requests[0].ClientAborted);
    }

    [Fact]
    public async Task SemanticKernel_KernelOverAnOpenAIClient_Stall_IsEndedByItsNetworkTimeout_WithoutRetry()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)) };
        using var cts = new CancellationTokenSource(Bound);
        var outcome = await SdkDrivers.SemanticKernelStreamAsync(SdkDrivers.SemanticKernelOverClient(server, networkTimeout: TimeSpan.FromMilliseconds(300)), cts.Token);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        Assert.Equal(Prefix(2), outcome.Text);
        AssertCancelledRead(ReadTimeout, outcome.Error);
        Assert.False(cts.IsCancellationRequested);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(2), outcome.ToString());
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Responses_Streaming_SendsTheRequest_WhenTheCallIsAwaited()
    {
        await using var server = new FakeModelServer();
        using var cts = new CancellationTokenSource(Bound);
        var stream = await SdkDrivers.Responses(server).CreateResponseStreamingAsync(WireFormat.Model, "hi", cancellationToken: cts.Token);
        Assert.Equal(1, server.RequestCount);
        var updates = 0;
        await foreach (var _ in stream)
        {
            updates++;
        }

        Assert.True(updates > 10);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Responses_Streaming_Stall_IsEndedByNetworkTimeout_WithoutRetry()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)) };
        using var cts = new CancellationTokenSource(Bound);
        var outcome = await SdkDrivers.ResponsesStreamAsync(SdkDrivers.Responses(server, networkTimeout: TimeSpan.FromMilliseconds(300)), cts.Token);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        Assert.Equal(Prefix(2), outcome.Text);
        AssertCancelledRead(ReadTimeout, outcome.Error);
        Assert.False(cts.IsCancellationRequested);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(2), outcome.ToString());
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task OpenAI_Streaming_Stall_IsEndedByTheToken()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)) };
        using var cts = new CancellationTokenSource();
        CancelAfterFirstRequest(server, cts, TimeSpan.FromMilliseconds(300));
        var outcome = await SdkDrivers.OpenAIStreamAsync(SdkDrivers.OpenAIChat(server), cts.Token).WaitAsync(Bound);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        AssertCancelledRead(ReadTimeout, outcome.Error);
        Assert.True(server.Requests[0].ClientAborted);
    }

    /// <summary>
    /// The client gave up on the retried request by its own timer, so it can return before the server has read that
    /// request's head (on a loaded machine the thread pool runs the server's read late; CI saw 1 request once). Wait for
    /// the second request to be recorded, then for both to finish. A client that never sent it fails here after the bound.
    /// </summary>
    private static async Task WaitForRetriedRequestAsync(FakeModelServer server)
    {
        await server.WaitForRequestsAsync(2).WaitAsync(Bound);
        await server.WaitForIdleAsync().WaitAsync(Bound);
    }

    [Fact]
    public async Task OpenAI_NonStreaming_Stall_IsRetriedAfterEachNetworkTimeout()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)) };
        using var cts = new CancellationTokenSource(Bound);
        var outcome = await SdkDrivers.OpenAICompleteAsync(SdkDrivers.OpenAIChat(server, maxRetries: 1, networkTimeout: TimeSpan.FromMilliseconds(200)), cts.Token);
        await WaitForRetriedRequestAsync(server);

        AssertCancelledRead("System.AggregateException <- System.Threading.Tasks.TaskCanceledException <- " + ReadTimeout, outcome.Error);
        Assert.Equal(2, server.RequestCount);
        Assert.All(server.Requests, r => Assert.True(r.ClientAborted));
    }

    [Fact]
    public async Task Anthropic_Streaming_Stall_IsNotBoundedByTimeout_OnlyByTheToken()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)) };
        using var cts = new CancellationTokenSource();
        CancelAfterFirstRequest(server, cts, TimeSpan.FromMilliseconds(800));
        var outcome = await SdkDrivers.AnthropicStreamAsync(SdkDrivers.Anthropic(server, timeout: TimeSpan.FromMilliseconds(200)), cts.Token).WaitAsync(Bound);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        Assert.Equal(Prefix(2), outcome.Text);
        AssertCancelledRead(Cancelled, outcome.Error);
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(700), outcome.ToString());
        Assert.True(cts.IsCancellationRequested);
        Assert.Equal(1, server.RequestCount);
        Assert.True(server.Requests[0].ClientAborted);
    }

    [Fact]
    public async Task Anthropic_NonStreaming_Stall_IsRetriedAfterEachTimeout()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)) };
        using var cts = new CancellationTokenSource(Bound);
        var outcome = await SdkDrivers.AnthropicCreateAsync(SdkDrivers.Anthropic(server, maxRetries: 1, timeout: TimeSpan.FromMilliseconds(200)), cts.Token);
        await WaitForRetriedRequestAsync(server);

        Assert.StartsWith("System.Threading.Tasks.TaskCanceledException <- System.TimeoutException", SdkOutcome.Describe(outcome.Error), StringComparison.Ordinal);
        Assert.Equal(2, server.RequestCount);
        Assert.All(server.Requests, r => Assert.True(r.ClientAborted));
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("generate")]
    public async Task Ollama_Stall_IgnoresTheToken_AndHangsUntilTheServerCloses(string endpoint)
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)), ConnectionTimeout = TimeSpan.FromMilliseconds(1500) };
        using var cts = new CancellationTokenSource();
        CancelAfterFirstRequest(server, cts, TimeSpan.FromMilliseconds(200));
        var client = SdkDrivers.Ollama(server);
        var call = endpoint == "chat" ? SdkDrivers.OllamaChatAsync(client, cts.Token) : SdkDrivers.OllamaGenerateAsync(client, cts.Token);
        var outcome = await call.WaitAsync(Bound);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        Assert.Equal(Prefix(2), outcome.Text);
        Assert.Equal(Cut, SdkOutcome.Describe(outcome.Error));
        Assert.True(cts.IsCancellationRequested);
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(1400), outcome.ToString());
        Assert.False(server.Requests[0].ClientAborted);
    }

    [Fact]
    public void ExceptionHierarchies_AsTheTableSays()
    {
        Assert.True(typeof(Anthropic.Exceptions.Anthropic4xxException).IsAssignableFrom(typeof(Anthropic.Exceptions.AnthropicRateLimitException)));
        Assert.True(typeof(Anthropic.Exceptions.AnthropicApiException).IsAssignableFrom(typeof(Anthropic.Exceptions.Anthropic4xxException)));
        Assert.True(typeof(Anthropic.Exceptions.AnthropicApiException).IsAssignableFrom(typeof(Anthropic.Exceptions.Anthropic5xxException)));
        Assert.True(typeof(Anthropic.Exceptions.Anthropic5xxException).IsAssignableFrom(typeof(Anthropic.Exceptions.AnthropicServiceUnavailableException)));
        Assert.True(typeof(Anthropic.Exceptions.Anthropic5xxException).IsAssignableFrom(typeof(Anthropic.Exceptions.AnthropicOverloadedException)));
        Assert.True(typeof(Anthropic.Exceptions.Anthropic4xxException).IsAssignableFrom(typeof(Anthropic.Exceptions.AnthropicBadRequestException)));
        Assert.True(typeof(Anthropic.Exceptions.AnthropicServiceException).IsAssignableFrom(typeof(Anthropic.Exceptions.AnthropicSseException)));
        Assert.False(typeof(Anthropic.Exceptions.AnthropicApiException).IsAssignableFrom(typeof(Anthropic.Exceptions.AnthropicSseException)));
        Assert.True(typeof(Anthropic.Exceptions.AnthropicException).IsAssignableFrom(typeof(Anthropic.Exceptions.AnthropicIOException)));
        Assert.False(typeof(Anthropic.Exceptions.AnthropicServiceException).IsAssignableFrom(typeof(Anthropic.Exceptions.AnthropicIOException)));
        Assert.Equal(typeof(Exception), typeof(OllamaSharp.Models.Exceptions.OllamaException).BaseType);
        Assert.True(typeof(IOException).IsAssignableFrom(typeof(HttpIOException)));
    }

    [Fact]
    public async Task Betalgo_Stall_IgnoresTheToken_AndHangsUntilTheServerCloses()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)), ConnectionTimeout = TimeSpan.FromMilliseconds(1500) };
        using var cts = new CancellationTokenSource();
        CancelAfterFirstRequest(server, cts, TimeSpan.FromMilliseconds(200));
        var outcome = await SdkDrivers.BetalgoStreamAsync(SdkDrivers.Betalgo(server), cts.Token).WaitAsync(Bound);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        Assert.Equal(Prefix(2), outcome.Text);
        Assert.Equal(Cut, SdkOutcome.Describe(outcome.Error));
        Assert.True(cts.IsCancellationRequested);
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(1400), outcome.ToString());
        Assert.False(server.Requests[0].ClientAborted);
    }

    [Fact]
    public async Task Betalgo_Stall_IsNotBoundedByTheHttpClientTimeout()
    {
        // The Timeout is long enough for the headers to arrive on a loaded machine (300 ms failed once under load).
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(2)), ConnectionTimeout = TimeSpan.FromMilliseconds(2500) };
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(1000) };
        using var cts = new CancellationTokenSource(Bound);
        var outcome = await SdkDrivers.BetalgoStreamAsync(SdkDrivers.Betalgo(server, http), cts.Token).WaitAsync(Bound);
        await server.WaitForIdleAsync().WaitAsync(Bound);

        Assert.Equal(Prefix(2), outcome.Text);
        Assert.Equal(Cut, SdkOutcome.Describe(outcome.Error));
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(2400), outcome.ToString());
        Assert.False(server.Requests[0].ClientAborted);
    }

    // ---- The server itself ----

    [Fact]
    public async Task BaseUrl_IsLoopback_OnAnEphemeralPort()
    {
        await using var first = new FakeModelServer();
        await using var second = new FakeModelServer();

        Assert.Equal("http://127.0.0.1:" + first.Port, first.BaseUrl);
        Assert.NotEqual(first.Port, second.Port);
        Assert.Equal(string.Concat(FakeModelServer.Tokens), FakeModelServer.Answer);
        Assert.Equal("The quick brown fox jumps over the lazy dog.", FakeModelServer.Answer);
    }

    [Fact]
    public async Task FailFirst_ThenNormal_TheSdkRetryGetsTheWholeAnswerOnce()
    {
        await using var server = new FakeModelServer { Script = FaultScript.FailFirst(2, Fault.Status(503)) };
        using var cts = new CancellationTokenSource(Bound);
        var outcome = await SdkDrivers.OpenAIStreamAsync(SdkDrivers.OpenAIChat(server), cts.Token);

        Assert.Equal(FakeModelServer.Answer, outcome.Text);
        Assert.Equal("Stop", outcome.Finish);
        Assert.Equal([1, 2, 3], server.Requests.Select(r => r.Number));
        Assert.Equal([FaultKind.Status, FaultKind.Status, FaultKind.Normal], server.Requests.Select(r => r.Fault.Kind));
        Assert.All(server.Requests, r => Assert.Equal(WireApi.OpenAIChat, r.Api));
    }

    [Fact]
    public async Task Script_CountsRequestsOverAllPaths()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Sequence(Fault.Normal, Fault.Length(1)) };
        using var cts = new CancellationTokenSource(Bound);
        var first = await SdkDrivers.AnthropicStreamAsync(SdkDrivers.Anthropic(server), cts.Token);
        var second = await SdkDrivers.OllamaGenerateAsync(SdkDrivers.Ollama(server), cts.Token);
        var third = await SdkDrivers.OllamaChatAsync(SdkDrivers.Ollama(server), cts.Token);

        Assert.Equal(("end_turn", "length", "stop"), (first.Finish, second.Finish, third.Finish));
        Assert.Equal(Prefix(1), second.Text);
        Assert.Equal(["/v1/messages", "/api/generate", "/api/chat"], server.Requests.Select(r => r.Path));
        Assert.Equal([WireApi.Anthropic, WireApi.OllamaGenerate, WireApi.OllamaChat], server.Requests.Select(r => r.Api));
        Assert.Contains("\"stream\":true", server.Requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RawHttp_ChunkedRequestBody_RetryHeaders_AndConnectionClose()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Sequence(Fault.Status(429), Fault.Status(500, TimeSpan.FromSeconds(2)), Fault.Status(401)) };
        using var http = new HttpClient { Timeout = Bound };

        async Task<HttpResponseMessage> PostChunkedAsync()
        {
            // A stream of unknown length goes out chunked.
            var content = new StreamContent(new NonSeekable(Encoding.UTF8.GetBytes("{\"model\":\"m\",\"stream\":true}")));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return await http.PostAsync(server.BaseUrl + "/chat/completions", content);
        }

        using var tooMany = await PostChunkedAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, tooMany.StatusCode);
        Assert.Equal(TimeSpan.Zero, tooMany.Headers.RetryAfter?.Delta);
        Assert.Equal("10", tooMany.Headers.GetValues("retry-after-ms").Single());
        Assert.True(tooMany.Headers.ConnectionClose);
        Assert.Contains("rate_limit_exceeded", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var failed = await PostChunkedAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), failed.Headers.RetryAfter?.Delta);
        Assert.Equal("2000", failed.Headers.GetValues("retry-after-ms").Single());

        using var unauthorized = await PostChunkedAsync();
        Assert.False(unauthorized.Headers.Contains("retry-after-ms"));

        Assert.All(server.Requests, r => Assert.Equal("{\"model\":\"m\",\"stream\":true}", r.Body));
        Assert.All(server.Requests, r => Assert.Equal("chunked", r.Headers["Transfer-Encoding"]));
        Assert.All(server.Requests, r => Assert.True(r.Streaming));
    }

    [Fact]
    public async Task UnknownPath_Gets404()
    {
        await using var server = new FakeModelServer();
        using var http = new HttpClient { Timeout = Bound };
        using var response = await http.PostAsync(server.BaseUrl + "/v1/embeddings", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(WireApi.Unknown, server.Requests.Single().Api);
    }

    [Fact]
    public async Task WaitForRequests_CompletesWhenTheNthRequestArrives()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Status(500)) };
        var seenThree = server.WaitForRequestsAsync(3);
        var seenFive = server.WaitForRequestsAsync(5);
        Assert.False(seenThree.IsCompleted);

        using var cts = new CancellationTokenSource(Bound);
        await SdkDrivers.OpenAIStreamAsync(SdkDrivers.OpenAIChat(server), cts.Token);

        await seenThree.WaitAsync(Bound);
        Assert.False(seenFive.IsCompleted);
        Assert.Equal(4, server.RequestCount);
        await server.WaitForRequestsAsync(4).WaitAsync(Bound);
    }

    [Fact]
    public async Task ClientAbort_IsRecorded_OnlyWhenTheClientLeavesEarly()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Sequence(Fault.Slow(TimeSpan.FromMilliseconds(100)), Fault.Normal) };
        using (var cts = new CancellationTokenSource())
        {
            CancelAfterFirstRequest(server, cts, TimeSpan.FromMilliseconds(350));
            var cancelled = await SdkDrivers.OpenAIStreamAsync(SdkDrivers.OpenAIChat(server), cts.Token);
            Assert.IsAssignableFrom<OperationCanceledException>(cancelled.Error);
        }

        using (var cts = new CancellationTokenSource(Bound))
        {
            var whole = await SdkDrivers.OpenAIStreamAsync(SdkDrivers.OpenAIChat(server), cts.Token);
            Assert.Equal(FakeModelServer.Answer, whole.Text);
        }

        await server.WaitForIdleAsync().WaitAsync(Bound);
        Assert.Equal([true, false], server.Requests.Select(r => r.ClientAborted));
        Assert.Equal([false, true], server.Requests.Select(r => r.ResponseCompleted));
        Assert.True(server.Requests[0].ReceivedAt <= server.Requests[1].ReceivedAt);
    }

    [Fact]
    public async Task ConnectionTimeout_EndsAStall()
    {
        await using var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(1)), ConnectionTimeout = TimeSpan.FromMilliseconds(300) };
        using var http = new HttpClient { Timeout = Bound };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var read = await Record.ExceptionAsync(() => http.PostAsync(server.BaseUrl + "/api/chat", new StringContent("{}")));

        // HttpClient buffers the body here, so the cut surfaces wrapped.
        Assert.IsType<HttpIOException>(Assert.IsType<HttpRequestException>(read).InnerException);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), watch.Elapsed.ToString());
        await server.WaitForIdleAsync().WaitAsync(Bound);
        Assert.False(server.Requests.Single().ClientAborted);
        Assert.False(server.Requests.Single().ResponseCompleted);
    }

    [Fact]
    public async Task Dispose_ClosesOpenConnections_AndStopsAccepting()
    {
        var server = new FakeModelServer { Script = FaultScript.Always(Fault.Stall(1)) };
        var baseUrl = server.BaseUrl;
        using var http = new HttpClient { Timeout = Bound };
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/api/chat") { Content = new StringContent("{}") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reading = response.Content.ReadAsStringAsync();
        await server.WaitForRequestsAsync(1).WaitAsync(Bound);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), watch.Elapsed.ToString());
        await Assert.ThrowsAnyAsync<Exception>(() => reading.WaitAsync(Bound));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync(baseUrl + "/api/chat", new StringContent("{}")));
    }

    /// <summary>A stream that hides its length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
