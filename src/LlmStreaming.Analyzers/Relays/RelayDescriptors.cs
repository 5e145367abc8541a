namespace LlmStreaming.Analyzers;

/// <summary>Relays — LLM5xx.</summary>
public static partial class DiagnosticIds
{
    public const string RelayHidesUpstreamFailure = "LLM501";
    public const string ModelStreamIgnoresClientDisconnect = "LLM502";
    public const string SseDataCarriesRawModelText = "LLM503";
    public const string SseRelaySendsNoHeartbeat = "LLM504";
}

/// <summary>Relays — LLM5xx.</summary>
public static partial class Descriptors
{
    public static readonly DiagnosticDescriptor LLM501_RelayHidesUpstreamFailure = Rule(
        DiagnosticIds.RelayHidesUpstreamFailure,
        "Relay ends the client's stream normally after an upstream failure",
        "When {0} fails mid-answer this catch {1}, and the client's stream ends as if the answer were complete; {2}",
        DiagnosticSeverity.Warning,
        "Once a relay has started its response, the status code is sent: only what it writes next tells the browser that the upstream model stream broke. A catch that only logs, writes the error as answer text, writes a normal end ([DONE], message_stop), completes a SignalR channel without the exception or ends the stream, shows a cut-off answer as a finished one. Write an SSE error event and no end marker, complete the channel with the exception, throw a HubException, or abort the connection.");

    public static readonly DiagnosticDescriptor LLM502_ModelStreamIgnoresClientDisconnect = Rule(
        DiagnosticIds.ModelStreamIgnoresClientDisconnect,
        "Model stream ignores the client's disconnect",
        "{0} gets {1} in this {2}, so generation and billing go on after the client left; pass the client's token {3}{4}",
        DiagnosticSeverity.Warning,
        "A relay (a minimal-API endpoint, a controller action, middleware, a SignalR hub streaming method, or code that writes a model stream to an HttpResponse) has its client's token at hand: HttpContext.RequestAborted, the endpoint's CancellationToken parameter, the hub method's [EnumeratorCancellation] token. When the model call gets no token, CancellationToken.None or a token not linked to the client's, closing the browser tab does not stop the upstream request: the model generates, and bills, to the end.");

    public static readonly DiagnosticDescriptor LLM503_SseDataCarriesRawModelText = Rule(
        DiagnosticIds.SseDataCarriesRawModelText,
        "SSE data field carries raw model text",
        "{0} is written raw after 'data:': a newline in a model delta ends the SSE field and the client drops or misreads the rest; JSON-encode it (JsonSerializer.Serialize)",
        DiagnosticSeverity.Warning,
        "In server-sent events a line break ends the data field: a model delta that contains a newline (code, lists, paragraphs) cuts the event, and the browser's EventSource drops or misreads what follows, or takes a line of the answer for another field. Serialize the payload as JSON (one line, newlines escaped), or let SseFormatter or TypedResults.ServerSentEvents write the events.");

    public static readonly DiagnosticDescriptor LLM504_SseRelaySendsNoHeartbeat = Rule(
        DiagnosticIds.SseRelaySendsNoHeartbeat,
        "SSE relay sends no heartbeat",
        "This {0} writes only when {1} yields: while the model thinks nothing crosses the wire and proxies cut the idle connection; write a ': keep-alive' comment every {2} s while nothing was written",
        DiagnosticSeverity.Info,
        "An SSE relay that writes to its client only when the model yields leaves the connection silent while a reasoning model thinks, a tool runs or the upstream queues the request. Reverse proxies and load balancers close connections idle for 60 s to a few minutes (nginx's proxy_read_timeout and an AWS load balancer's idle timeout are 60 s by default), and the browser sees the stream break. A comment line (': keep-alive') written at an interval while no event was written keeps the connection busy; EventSource ignores it. The interval is llm_streaming.heartbeat_seconds (15 s by default).");
}
