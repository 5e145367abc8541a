using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers;

/// <summary>Relays — LLM5xx.</summary>
public static partial class DiagnosticIds
{
    public const string ModelStreamIgnoresClientDisconnect = "LLM502";
}

/// <summary>Relays — LLM5xx.</summary>
public static partial class Descriptors
{
    public static readonly DiagnosticDescriptor LLM502_ModelStreamIgnoresClientDisconnect = Rule(
        DiagnosticIds.ModelStreamIgnoresClientDisconnect,
        "Model stream ignores the client's disconnect",
        "{0} gets {1} in this {2}, so generation and billing go on after the client left; pass the client's token {3}{4}",
        DiagnosticSeverity.Warning,
        "A relay (a minimal-API endpoint, a controller action, middleware, a SignalR hub streaming method, or code that writes a model stream to an HttpResponse) has its client's token at hand: HttpContext.RequestAborted, the endpoint's CancellationToken parameter, the hub method's [EnumeratorCancellation] token. When the model call gets no token, CancellationToken.None or a token not linked to the client's, closing the browser tab does not stop the upstream request: the model generates, and bills, to the end.");
}
