using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>
/// The text gate of the passed timeouts (LLM401, LLM404): a compilation in which no member named "…Timeout" is assigned
/// a plain name gets no action on its calls and creations. A superset of what the summaries accept; the reporting tests
/// (<c>PassedTimeoutTests</c>, <c>PassedSdkTimeoutTests</c>) would fail if it said no where they report.
/// </summary>
public class TimeoutParameterScanTests
{
    [Theory]
    [InlineData("_http.Timeout = timeout;")]
    [InlineData("var http = new HttpClient { BaseAddress = uri, Timeout = timeout };")]
    [InlineData("var http = new HttpClient { Timeout = timeout, BaseAddress = uri };")]
    [InlineData("var http = new HttpClient\n{\n    Timeout = timeout\n};")]
    [InlineData("options.NetworkTimeout = (TimeSpan)timeout;")]
    [InlineData("options.NetworkTimeout = timeout!;")]
    [InlineData("client.Timeout = (timeout);")]
    [InlineData("client.Timeout = @timeout;")]
    [InlineData("client.Timeout =\n    timeout;")]
    [InlineData("builder.Configure(c => c.Timeout = timeout);")]
    [InlineData("options.NetworkTimeout = timeout as TimeSpan?;")]
    [InlineData("client.Timeout = timeout /* from the caller */;")]
    [InlineData("client.Timeout = TimeSpan.FromSeconds(seconds);")] // in doubt: a name inside a call
    public void SaysYes_WhereATimeoutMayBeAParameter(string statement)
        => Assert.True(TimeoutParameterScan.MaySetTimeoutFromParameter(SourceText.From(statement)));

    [Theory]
    [InlineData("_http.Timeout = TimeSpan.FromSeconds(20);")]
    [InlineData("var o = new CacheOptions { Timeout = TimeSpan.FromMinutes(5), Capacity = 500 };")]
    [InlineData("client.Timeout = TimeSpan.Zero;")]
    [InlineData("client.Timeout = Timeout.InfiniteTimeSpan;")]
    [InlineData("client.Timeout = options.Timeout;")]
    [InlineData("client.Timeout = options?.Timeout;")]
    [InlineData("client.Timeout = TimeSpan.FromSeconds(options.Seconds);")]
    [InlineData("if (client.Timeout == limit) { }")]
    [InlineData("TimeSpan Timeout => limit;")]
    [InlineData("var t = client.Timeout;")]
    [InlineData("options.TimeoutSeconds = seconds;")]
    [InlineData("options.Timeout = 30;")]
    [InlineData("options.Timeout = \"30s\";")]
    [InlineData("cts.CancelAfter(Timeout);")]
    [InlineData("")]
    [InlineData("Timeout")]
    [InlineData("Timeout =")]
    public void SaysNo_ElsewhereAndOnPartialText(string statement)
        => Assert.False(TimeoutParameterScan.MaySetTimeoutFromParameter(SourceText.From(statement)));

    private const string Constant = """
        using System;
        using System.Net.Http;
        using OpenAI;

        class Clients
        {
            public HttpClient Http() => new HttpClient { BaseAddress = new Uri("https://api.openai.com/v1/"), Timeout = TimeSpan.FromSeconds(30) };

            public OpenAIClientOptions Options() => new OpenAIClientOptions { NetworkTimeout = TimeSpan.FromMinutes(5) };
        }
        """;

    private const string FromParameter = """
        using System;
        using System.Net.Http;

        class LlmClient
        {
            private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri("https://api.openai.com/v1/") };

            public LlmClient(TimeSpan timeout) => _http.Timeout = timeout;
        }
        """;

    /// <summary>
    /// The count the gate exists for: LLM401 and LLM404 each register one action fewer (the one on every call and
    /// creation) in a compilation where nothing sets a timeout from a parameter.
    /// </summary>
    [Fact]
    public async Task PassedTimeoutActions_AreRegisteredOnlyWhereATimeoutMayComeFromAParameter()
    {
        var without = await OperationActionCounts(Constant);
        var with = await OperationActionCounts(Constant, FromParameter);

        Assert.Equal(without.Http + 1, with.Http);
        Assert.Equal(without.Sdk + 1, with.Sdk);
    }

    private static async Task<(int Http, int Sdk)> OperationActionCounts(params string[] sources)
    {
        var compilation = AnalyzerRunner.Compile(sources.Select((text, i) => (Path: "File" + i + ".cs", Text: text)));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var telemetry = await AnalyzerRunner.TelemetryAsync(compilation, new HttpClientTimeoutTooShortAnalyzer(), new SdkTimeoutTooShortAnalyzer());
        return (telemetry[0].OperationActionsCount, telemetry[1].OperationActionsCount);
    }
}
