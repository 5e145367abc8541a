using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;

namespace LlmStreaming.Analyzers.Tests.Conformance;

// FakeModelServer: an in-process model server on 127.0.0.1 (ephemeral port) that answers like OpenAI (chat
// completions and Responses), Anthropic Messages and Ollama (chat, generate), and breaks on purpose per request.
//
// Streaming or not: OpenAI and Anthropic stream when the body has "stream": true, Ollama unless "stream": false.
// A streaming response is chunked, one frame (SSE event or NDJSON line) a chunk. A non-streaming response gets the
// whole JSON, and the faults become: ResetAfter*/ResetAfterRole = RST before any response; Truncated = the
// Content-Length body cut in half, then FIN; Stall = no response at all; ErrorEvent = a 500 with the API's error
// body; NoEnd = the full answer with a null finish reason; Length/ContentFilter = the cut answer with that reason;
// Slow = one delay, then the answer. Status faults are the same either way. An unknown path gets 404.
//
// What each fault surfaces as in the real SDKs (each line is checked by FakeModelServerTests):
// Notation: "A <- B" is an exception and its InnerException; "n=" is how many requests the call sent; "RST" is
// "System.IO.IOException <- SocketException(ConnectionReset)"; "CUT" is "System.Net.Http.HttpIOException(ResponseEnded)" (HttpIOException : IOException).
// Tokens already received stay received: every mid-stream fault leaves the partial text in the caller's hands.
// A read aborted by a timeout or a cancel ("IOException <- SocketException(OperationAborted)" below) is, as timing has
// it on a loaded machine, an HttpIOException instead.
//
// OpenAI 2.15 ChatClient.CompleteChatStreamingAsync (default ClientRetryPolicy: 3 retries, honours retry-after-ms):
//   ResetAfter / ResetAfterRole   -> RST thrown from the enumeration, n=1 (no retry once the headers came)
//   Truncated                     -> CUT, n=1
//   NoEnd                         -> normal end, FinishReason never set (null), no exception
//   ErrorEvent (data: {"error"})  -> SILENT: the enumeration ends normally, no exception, FinishReason null
//   Length / ContentFilter        -> normal end, FinishReason Length / ContentFilter, text cut
//   Stall + NetworkTimeout        -> TaskCanceledException <- TaskCanceledException <- IOException <- SocketException(OperationAborted),
//                                    n=1, the caller's token not cancelled (the same chain when the caller's token fires)
//   Slow                          -> the whole answer, FinishReason Stop
//   429 / 500 / 503               -> ClientResultException(Status 429/500/503) after n=4 (retry-after-ms=10 keeps it fast)
//   400 / 401 / 403 / 404         -> ClientResultException(Status ...), n=1
// OpenAI 2.15 ChatClient.CompleteChatAsync (not streaming; the body is read inside the retry loop):
//   reset before any response     -> AggregateException <- ClientResultException(Status 0) <- HttpRequestException(Unknown) <- RST, n=4
//   Truncated (body cut)          -> AggregateException <- CUT, n=4
//   Stall + NetworkTimeout        -> AggregateException <- TaskCanceledException <- (as streaming), n=retries+1
//   NoEnd (finish_reason null)    -> ArgumentOutOfRangeException (the SDK cannot read a null finish_reason), n=1
//   ErrorEvent (sent as a 500)    -> ClientResultException(500), n=4
// Microsoft.Extensions.AI 10.11 (OpenAI ChatClient.AsIChatClient().GetStreamingResponseAsync): the same exceptions
//   and counts as OpenAI (ClientResultException, RST, CUT pass through unwrapped); FinishReason "stop" / "length" /
//   "content_filter"; ErrorEvent and NoEnd are SILENT (FinishReason null).
// Microsoft.Extensions.AI over Anthropic 13.12 (AnthropicClient.AsIChatClient(model)): Anthropic's exceptions pass through
//   unwrapped (RST, CUT, AnthropicSseException, AnthropicRateLimitException n=3, ...); FinishReason "stop" / "length" /
//   "content_filter" (refusal); NoEnd SILENT. Stall: the caller's token ends it with a TaskCanceledException (its inner
//   exception varies: HttpIOException was seen).
// Microsoft.Extensions.AI over OllamaSharp 5.5.2 (OllamaApiClient as IChatClient): as OllamaSharp: ErrorEvent and NoEnd
//   SILENT, statuses HttpRequestException / OllamaException with n=1, and the token does NOT end a stall (CUT when the server closes).
// Semantic Kernel 1.82 OpenAIChatCompletionService.GetStreamingChatMessageContentsAsync: exactly as OpenAI 2.15 streaming
//   (same exceptions and counts; ErrorEvent and NoEnd SILENT; Metadata["FinishReason"] Stop / Length / ContentFilter).
//   Built over an OpenAIClient of the caller's (Kernel.CreateBuilder().AddOpenAIChatCompletion(model, client)): that
//   client's retries (429 / 500 / 503 n=4; 401 / 404 n=1) and its NetworkTimeout (a stall: TaskCanceledException, n=1) apply.
// Azure AI Inference 1.0.0-beta.5 ChatCompletionsClient.CompleteStreamingAsync (Azure.Core: 3 retries of the request):
//   ResetAfter -> RST, n=1;  Truncated -> CUT, n=1;  Length / ContentFilter -> FinishReason "length" / "content_filter"
//   NoEnd / ErrorEvent -> NOT ENDED: the enumeration spins (one core busy), past Retry.NetworkTimeout, until the caller's
//                         token is cancelled, then ends normally (no exception, FinishReason null); with no token it hangs
//   429 / 500 -> Azure.RequestFailedException after n=4;  400 -> Azure.RequestFailedException, n=1
// Betalgo.Ranul.OpenAI 9.2.6 ChatCompletion.CreateCompletionAsStream (no retries at all, n=1 always):
//   ResetAfter / ResetAfterRole -> RST;  Truncated -> CUT;  NoEnd -> normal end, FinishReason null
//   ErrorEvent and every status (429, 500, 503, 400, 401, ...) -> NO exception: a chunk with Successful == false and
//     Error.Code ("server_error", "rate_limit_exceeded", "service_unavailable", "invalid_api_key", ...)
//   Stall -> like Ollama: the caller's token does NOT interrupt a stalled read; hangs until the server closes, then CUT.
//     Betalgo has no timeout option; the Timeout of an HttpClient handed to it does not bound the stalled body either.
//   A failed item's HttpStatusCode is the response's status (429, 500, 400, 401, 404, ...); an error event's is 200.
//   400 / 403 / 404 -> items with Error.Code "invalid_value" / "unsupported_country_region_territory" / "model_not_found".
// OpenAI 2.15 ResponsesClient.CreateResponseStreamingAsync: RST / CUT / statuses as chat (429 / 500 / 503 n=4; 400 / 401 /
//   404 n=1); NoEnd (no response.completed) ends normally; ErrorEvent (event: error) arrives as a StreamingResponseErrorUpdate,
//   no exception; Length / ContentFilter arrive as StreamingResponseIncompleteUpdate with reason max_output_tokens /
//   content_filter; Stall + NetworkTimeout -> TaskCanceledException as chat, n=1. The request is sent when the call is
//   awaited (it returns Task<AsyncStreamingResult<StreamingResponseUpdate>>), the body read by the enumeration.
// Anthropic 13.12 Messages.CreateStreaming (default MaxRetries 2 = 3 requests, honours retry-after-ms):
//   ResetAfter / ResetAfterRole   -> RST (not wrapped), n=1
//   Truncated                     -> CUT, n=1
//   NoEnd (no message_delta/stop) -> normal end, no stop reason, no exception
//   ErrorEvent (overloaded_error) -> Anthropic.Exceptions.AnthropicSseException (: AnthropicServiceException, not AnthropicApiException), n=1
//   Length / ContentFilter        -> stop_reason max_tokens / refusal
//   Stall                         -> ClientOptions.Timeout does NOT bound the stream body; only the caller's token:
//                                    TaskCanceledException <- IOException <- SocketException(OperationAborted), n=1
//   429 -> AnthropicRateLimitException (: Anthropic4xxException : AnthropicApiException), n=3
//   500 -> Anthropic5xxException (: AnthropicApiException), n=3;  503 -> AnthropicServiceUnavailableException (: Anthropic5xxException), n=3
//   529 -> AnthropicOverloadedException (: Anthropic5xxException), n=3
//   400 / 401 / 403 / 404 -> AnthropicBadRequest / Unauthorized / Forbidden / NotFoundException (: Anthropic4xxException), n=1
// Anthropic 13.12 Messages.Create (not streaming):
//   reset before any response     -> AnthropicIOException (: AnthropicException only) <- HttpRequestException(Unknown) <- RST, n=3 (~1.2 s of backoff)
//   Truncated                     -> CUT (unwrapped), n=1 (not retried)
//   Stall + Timeout               -> TaskCanceledException <- TimeoutException <- ..., n=MaxRetries+1
//   ErrorEvent (sent as a 500)    -> Anthropic5xxException, n=3
// OllamaSharp 5.5.2 ChatAsync / GenerateAsync (no retries at all):
//   ResetAfter / ResetAfterRole   -> RST, n=1;  Truncated -> CUT, n=1
//   NoEnd                         -> normal end, no ChatDoneResponseStream (DoneReason never seen)
//   ErrorEvent ({"error":...} line) -> SILENT: yielded as an update with Message null and Done false (a loop that
//                                    reads update.Message.Content throws NullReferenceException), then a normal end
//   Length                        -> done_reason "length"; (ContentFilter: Ollama has no such reason; the fake sends "content_filter")
//   Stall                         -> the caller's token does NOT interrupt a stalled read: the call hangs until the
//                                    server closes (here ConnectionTimeout), then CUT. A real stall hangs for ever.
//   429 / 500 / 503 / 401 / 403 / 404 -> HttpRequestException(StatusCode set, HttpRequestError Unknown), n=1
//   400                           -> OllamaSharp.Models.Exceptions.OllamaException (: Exception), n=1

/// <summary>One request the fake server saw, and what became of its response.</summary>
public sealed class FakeRequest
{
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool responseCompleted;
    private volatile bool clientAborted;

    internal FakeRequest(int number, string method, string path, WireApi api, bool streaming, DateTimeOffset receivedAt, Fault fault, string body, IReadOnlyDictionary<string, string> headers)
    {
        Number = number;
        Method = method;
        Path = path;
        Api = api;
        Streaming = streaming;
        ReceivedAt = receivedAt;
        Fault = fault;
        Body = body;
        Headers = headers;
    }

    /// <summary>1-based, over all requests the server received.</summary>
    public int Number { get; }

    public string Method { get; }

    /// <summary>The path without the query string.</summary>
    public string Path { get; }

    public WireApi Api { get; }

    public bool Streaming { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>What the script chose for this request.</summary>
    public Fault Fault { get; }

    public string Body { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The server wrote everything it meant to (for a fault: up to the planned cut).</summary>
    public bool ResponseCompleted => responseCompleted;

    /// <summary>The client closed or reset the connection before the server had written everything it meant to.</summary>
    public bool ClientAborted => clientAborted;

    /// <summary>Completes when the server is done with this request's connection.</summary>
    public Task Finished => finished.Task;


    internal void MarkCompleted() => responseCompleted = true;

    internal void MarkAborted() => clientAborted = true;

    internal void MarkFinished()
    {
        if (!finished.Task.IsCompleted)
        {
            FinishedAt = DateTimeOffset.UtcNow;
        }

        finished.TrySetResult();
    }

    /// <summary>When the server was done with the request (its response sent, cut or abandoned); null until then.</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    public override string ToString() => $"#{Number} {Method} {Path} {(Streaming ? "stream" : "whole")} {Fault}{(ClientAborted ? " client-aborted" : string.Empty)}";
}

/// <summary>
/// A fake model server for run-time tests: raw sockets on loopback, HTTP/1.1, <c>Connection: close</c> on every response.
/// Set <see cref="Script"/> to choose each request's <see cref="Fault"/>; read <see cref="Requests"/> afterwards.
/// </summary>
public sealed class FakeModelServer : IDisposable, IAsyncDisposable
{
    /// <summary>The answer's tokens; every normal response sends exactly these, in order.</summary>
    public static IReadOnlyList<string> Tokens { get; } = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."];

    /// <summary>The concatenation of <see cref="Tokens"/>.</summary>
    public static string Answer { get; } = string.Concat(Tokens);

    private readonly TcpListener listener;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<HttpConnection, byte> open = new();
    private readonly ConcurrentDictionary<Task, byte> running = new();
    private readonly List<FakeRequest> requests = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> waiters = [];
    private readonly object gate = new();
    private readonly Task acceptLoop;
    private int requestCount;
    private int disposed;

    public FakeModelServer()
    {
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        BaseUrl = "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);
        acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>The tokens this server's answers are made of: <see cref="Tokens"/> unless a test needs others (a delta with a newline).</summary>
    public IReadOnlyList<string> AnswerTokens { get; set; } = Tokens;

    /// <summary>http://127.0.0.1:PORT (no trailing slash, no /v1).</summary>
    public string BaseUrl { get; }

    /// <summary>The fault for the request with the given 1-based number (counted over all paths). Default: always normal.</summary>
    public Func<int, Fault> Script { get; set; } = FaultScript.Always(Fault.Normal);

    /// <summary>The longest the server keeps any connection (a stall ends here at the latest).</summary>
    public TimeSpan ConnectionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait sent with 429 and 5xx when the fault names none: <c>retry-after-ms</c> and <c>Retry-After</c> (whole seconds, rounded down).</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>A pause before a reset or a cut, so the client has read the frames before them.</summary>
    public TimeSpan CutDelay { get; set; } = TimeSpan.FromMilliseconds(30);

    public int RequestCount => Volatile.Read(ref requestCount);

    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (gate)
            {
                return requests.ToArray();
            }
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> requests have been received.</summary>
    public Task WaitForRequestsAsync(int count, CancellationToken cancellationToken = default)
    {
        Task task;
        lock (gate)
        {
            if (requests.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, signal));
            task = signal.Task;
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes when the server is done with every request received so far, so their <see cref="FakeRequest.ClientAborted"/>
    /// flags are final. (A connection the client opened but sent nothing on is not waited for: HttpClient keeps such
    /// connections in its pool after a cancelled attempt.)
    /// </summary>
    public Task WaitForIdleAsync(CancellationToken cancellationToken = default)
        => Task.WhenAll(Requests.Select(r => r.Finished)).WaitAsync(cancellationToken);

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                // Disposed between the check above and the accept: the listener is stopped (InvalidOperationException
                // "Not listening"). Seen once under load, where it failed DisposeAsync and with it the whole matrix.
                return;
            }

            var connection = new HttpConnection(socket);
            open[connection] = 0;
            var task = Task.Run(() => ServeAsync(connection));
            running[task] = 0;
            _ = task.ContinueWith(t => running.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(HttpConnection connection)
    {
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        cap.CancelAfter(ConnectionTimeout);
        FakeRequest? request = null;
        try
        {
            var head = await connection.ReadRequestAsync(cap.Token).ConfigureAwait(false);
            if (head is null)
            {
                return;
            }

            request = Record(head);
            using var clientGone = CancellationTokenSource.CreateLinkedTokenSource(cap.Token);
            var watch = connection.WatchForCloseAsync(cap.Token).ContinueWith(
                _ =>
                {
                    try
                    {
                        clientGone.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                },
                TaskScheduler.Default);
            try
            {
                var reset = await RespondAsync(connection, request, clientGone.Token).ConfigureAwait(false);
                request.MarkCompleted();
                if (reset)
                {
                    connection.Reset();
                }
                else
                {
                    connection.CloseGracefully();
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // Gone before the planned end: the client went away, unless the server's own cap or stop cut it.
                if (!cap.IsCancellationRequested)
                {
                    request.MarkAborted();
                }

                connection.Dispose();
            }

            await watch.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidDataException or FormatException)
        {
            // A broken or half-sent request: nothing to answer.
        }
        catch (Exception e)
        {
            // A bug in the fake: the client sees the connection close; the log says why.
            Console.Error.WriteLine("FakeModelServer failed on a connection: " + e);
        }
        finally
        {
            connection.Dispose();
            open.TryRemove(connection, out _);
            request?.MarkFinished();
        }
    }

    private FakeRequest Record(HttpRequestHead head)
    {
        var query = head.Target.IndexOf('?');
        var path = query >= 0 ? head.Target.Substring(0, query) : head.Target;
        var format = WireFormat.ForPath(path, out var api);
        JsonElement? json = null;
        try
        {
            if (head.Body.Length > 0)
            {
                json = JsonDocument.Parse(head.Body).RootElement.Clone();
            }
        }
        catch (JsonException)
        {
        }

        var streaming = format?.IsStreaming(json) ?? false;
        lock (gate)
        {
            var number = ++requestCount;
            Fault fault;
            try
            {
                fault = Script(number);
                if (fault.StreamingOnly && !streaming)
                {
                    fault = Fault.Normal; // a fault of the streaming path only: the non-streaming call works
                }
            }
            catch (Exception e)
            {
                // A script that throws answers 500, so the test sees it rather than a hang.
                fault = Fault.Status(500);
                Console.Error.WriteLine("FakeModelServer script failed for request " + number + ": " + e);
            }

            var request = new FakeRequest(number, head.Method, path, api, streaming, DateTimeOffset.UtcNow, fault, head.Body, head.Headers);
            requests.Add(request);
            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                if (requests.Count >= waiters[i].Count)
                {
                    waiters[i].Signal.TrySetResult();
                    waiters.RemoveAt(i);
                }
            }

            return request;
        }
    }

    /// <summary>Writes the response the fault calls for; true when the connection should end with a reset.</summary>
    private async Task<bool> RespondAsync(HttpConnection c, FakeRequest request, CancellationToken ct)
    {
        var format = WireFormat.ForPath(request.Path, out _);
        if (format is null)
        {
            await WriteWholeAsync(c, 404, WireFormat.UnknownPathBody(request.Path), [], ct).ConfigureAwait(false);
            return false;
        }

        var fault = request.Fault;
        if (fault.Kind == FaultKind.Status)
        {
            await WriteWholeAsync(c, fault.StatusCode, format.ErrorBody(fault.StatusCode), RetryHeaders(fault), ct).ConfigureAwait(false);
            return false;
        }

        return request.Streaming
            ? await StreamAsync(c, format, fault, ct).ConfigureAwait(false)
            : await RespondWholeAsync(c, format, fault, ct).ConfigureAwait(false);
    }

    private IEnumerable<KeyValuePair<string, string>> RetryHeaders(Fault fault)
    {
        if (fault.StatusCode != 429 && fault.StatusCode < 500 && fault.RetryAfter is null)
        {
            return [];
        }

        var wait = fault.RetryAfter ?? RetryAfter;
        return
        [
            new("Retry-After", ((long)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            new("retry-after-ms", ((long)wait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)),
        ];
    }

    private static readonly KeyValuePair<string, string>[] IdHeaders = [new("x-request-id", "req_fake"), new("request-id", "req_fake")];

    private static async Task WriteWholeAsync(HttpConnection c, int status, string body, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        await c.WriteHeadAsync(status, "application/json", bytes.Length, headers.Concat(IdHeaders), ct).ConfigureAwait(false);
        await c.WriteAsync(bytes, ct).ConfigureAwait(false);
    }

    private async Task<bool> RespondWholeAsync(HttpConnection c, WireFormat format, Fault fault, CancellationToken ct)
    {
        var tokens = AnswerTokens;
        var all = tokens.Count;
        switch (fault.Kind)
        {
            case FaultKind.ResetAfter or FaultKind.ResetAfterRole:
                return true;
            case FaultKind.Stall:
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                return false;
            case FaultKind.ErrorEvent:
                await WriteWholeAsync(c, 500, format.ErrorBody(500), RetryHeaders(Fault.Status(500)), ct).ConfigureAwait(false);
                return false;
            case FaultKind.Truncated:
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(format.Complete(string.Concat(tokens), Finish.Stop, all));
                await c.WriteHeadAsync(200, "application/json", bytes.Length, IdHeaders, ct).ConfigureAwait(false);
                await c.WriteAsync(bytes.AsSpan(0, bytes.Length / 2).ToArray(), ct).ConfigureAwait(false);
                return false;
            }

            case FaultKind.Slow:
                await Task.Delay(fault.Delay, ct).ConfigureAwait(false);
                break;
        }

        var (count, finish) = fault.Kind switch
        {
            FaultKind.Length => (Clamp(fault.Tokens), (Finish?)Finish.Length),
            FaultKind.ContentFilter => (Clamp(fault.Tokens), Finish.ContentFilter),
            FaultKind.NoEnd => (all, null),
            _ => (all, Finish.Stop),
        };
        await WriteWholeAsync(c, 200, format.Complete(string.Concat(tokens.Take(count)), finish, count), [], ct).ConfigureAwait(false);
        return false;
    }

    private int Clamp(int count) => Math.Clamp(count, 0, AnswerTokens.Count);

    private async Task<bool> StreamAsync(HttpConnection c, WireFormat format, Fault fault, CancellationToken ct)
    {
        var tokens = AnswerTokens;
        await c.WriteHeadAsync(200, format.StreamContentType, null, [new("Cache-Control", "no-cache"), .. IdHeaders], ct).ConfigureAwait(false);
        foreach (var frame in format.Head())
        {
            await c.WriteChunkAsync(frame, ct).ConfigureAwait(false);
        }

        if (fault.Kind == FaultKind.ResetAfterRole)
        {
            await Task.Delay(CutDelay, ct).ConfigureAwait(false);
            return true;
        }

        var sent = fault.Kind switch
        {
            FaultKind.ResetAfter or FaultKind.Truncated or FaultKind.ErrorEvent or FaultKind.Length or FaultKind.ContentFilter or FaultKind.Stall => Clamp(fault.Tokens),
            _ => tokens.Count,
        };
        for (var i = 0; i < sent; i++)
        {
            if (fault.Kind == FaultKind.Slow)
            {
                await Task.Delay(fault.Delay, ct).ConfigureAwait(false);
            }

            await c.WriteChunkAsync(format.Token(tokens[i], i), ct).ConfigureAwait(false);
        }

        var text = string.Concat(tokens.Take(sent));
        switch (fault.Kind)
        {
            case FaultKind.ResetAfter:
                await Task.Delay(CutDelay, ct).ConfigureAwait(false);
                return true;
            case FaultKind.Truncated:
                await Task.Delay(CutDelay, ct).ConfigureAwait(false);
                await c.WriteHalfChunkAsync(sent < tokens.Count ? format.Token(tokens[sent], sent) : format.Tail(Finish.Stop, text, sent).First(), ct).ConfigureAwait(false);
                return false;
            case FaultKind.Stall:
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                return false;
            case FaultKind.ErrorEvent:
                await c.WriteChunkAsync(format.ErrorEvent(), ct).ConfigureAwait(false);
                break;
            case FaultKind.NoEnd:
                break;
            default:
                var finish = fault.Kind switch
                {
                    FaultKind.Length => Finish.Length,
                    FaultKind.ContentFilter => Finish.ContentFilter,
                    _ => Finish.Stop,
                };
                foreach (var frame in format.Tail(finish, text, sent))
                {
                    await c.WriteChunkAsync(frame, ct).ConfigureAwait(false);
                }

                break;
        }

        await c.WriteLastChunkAsync(ct).ConfigureAwait(false);
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        stopping.Cancel();
        listener.Stop();
        foreach (var connection in open.Keys)
        {
            connection.Dispose();
        }

        try
        {
            await acceptLoop.ConfigureAwait(false);
            await Task.WhenAll(running.Keys.ToArray()).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        lock (gate)
        {
            foreach (var (_, signal) in waiters)
            {
                signal.TrySetCanceled();
            }

            waiters.Clear();
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
