using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Tests.Conformance.Programs;

/// <summary>The wire format a program's model speaks (the fake server picks it from the request path: <c>/chat/completions</c>, <c>/responses</c>, <c>/messages</c>, <c>/api/chat</c>).</summary>
internal enum WireFormat
{
    OpenAIChat,
    OpenAIResponses,
    Anthropic,
    Ollama,
}

/// <summary>
/// A small flawed program of the kind users write: an entry <c>ConformanceEntry.RunAsync(baseUrl, output, cancellationToken)</c>
/// that points a client at the fake server and asks one question, and the flawed streaming code it calls.
/// </summary>
/// <param name="Name">A short name for the matrix.</param>
/// <param name="Description">What the program does and how it is flawed.</param>
/// <param name="Format">The wire format of its model.</param>
/// <param name="Source">The whole program.</param>
/// <param name="Emits">True when it writes each piece to the user as it arrives (<c>output</c>): a retry may not replay what was written.</param>
/// <param name="SdkRequestsOnPersistentFailure">How many requests the SDK itself makes when every request fails with a 5xx (its own retries of the initial request); 1 for a client that does not retry.</param>
/// <param name="LanguageVersion">The project's C# version.</param>
/// <param name="Logs">It has an <c>ILogger</c> that writes <c>Warning: …</c>/<c>Error: …</c> lines to <c>output</c>: the fixed retry must log each retry and the final failure.</param>
internal sealed record FlawedProgram(
    string Name,
    string Description,
    WireFormat Format,
    string Source,
    bool Emits,
    int SdkRequestsOnPersistentFailure,
    LanguageVersion LanguageVersion = LanguageVersion.Latest,
    bool Logs = false)
{
    public override string ToString() => Name;
}
