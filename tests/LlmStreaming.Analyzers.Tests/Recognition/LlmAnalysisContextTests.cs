using System.Collections.Immutable;
using System.IO;
using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>
/// The tests that read <see cref="LlmAnalysisContext.CreatedCount"/> (a process-wide counter) run alone: no other test
/// class builds contexts while they count.
/// </summary>
[CollectionDefinition(nameof(ContextCountCollection), DisableParallelization = true)]
public sealed class ContextCountCollection
{
}

/// <summary>The per-compilation context: gated on the SDKs and System.Net.Http, built once per compilation.</summary>
[Collection(nameof(ContextCountCollection))]
public class LlmAnalysisContextTests
{
    /// <summary>
    /// A compilation with neither an SDK nor System.Net.Http: the core library and a few framework assemblies of the
    /// reference pack (none of which defines or forwards HttpClient).
    /// </summary>
    private static readonly ImmutableArray<MetadataReference> NoHttp = References.Framework
        .Where(r => Path.GetFileNameWithoutExtension(r.Display) is "System.Runtime" or "System.Collections" or "System.Console" or "System.Linq" or "System.Threading.Tasks")
        .ToImmutableArray();

    private const string Plain = """
        using System.Collections.Generic;

        class C
        {
            static void Probe()
            {
            }

            List<int> M()
            {
                Probe();
                return new List<int>();
            }
        }
        """;

    [Fact]
    public void Get_ReturnsNull_WithNoSdkAndNoSystemNetHttp()
    {
        Assert.Equal(5, NoHttp.Length);
        var compilation = RecognitionHarness.CreateCompilation(Plain, NoHttp);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Null(compilation.GetTypeByMetadataName("System.Net.Http.HttpClient"));

        var before = LlmAnalysisContext.CreatedCount;
        Assert.Null(LlmAnalysisContext.Get(compilation));
        Assert.Null(LlmAnalysisContext.Get(compilation));
        Assert.Equal(before, LlmAnalysisContext.CreatedCount);
    }

    [Fact]
    public void Get_WithSystemNetHttpOnly_HasNoSdk()
    {
        var compilation = RecognitionHarness.CreateCompilation(Plain, References.Framework);
        var llm = LlmAnalysisContext.Get(compilation);
        Assert.NotNull(llm);
        Assert.False(llm!.HasSdk);
        Assert.Same(compilation, llm.Compilation);
        Assert.NotNull(llm.Types.HttpClient);
        Assert.NotNull(llm.Types.SseParserOfT);
        Assert.NotNull(llm.Types.IAsyncEnumerableOfT);
        Assert.Null(llm.Types.PollyResiliencePipeline);
        Assert.Null(llm.Types.AsyncCollectionResultOfT);
        Assert.Null(llm.Types.HttpClientPipelineTransport);
    }

    [Fact]
    public void Get_WithTheSdks_ResolvesTheirTypes()
    {
        var llm = LlmAnalysisContext.Get(RecognitionHarness.CreateCompilation(Plain, References.Framework.AddRange(References.Sdks)));
        Assert.NotNull(llm);
        Assert.True(llm!.HasSdk);
        Assert.NotNull(llm.Types.PollyResiliencePipeline);
        Assert.NotNull(llm.Types.PollyResiliencePipelineOfT);
        Assert.NotNull(llm.Types.AsyncCollectionResultOfT);
        Assert.NotNull(llm.Types.AsyncStreamingResultOfT);
        Assert.NotNull(llm.Types.HttpClientPipelineTransport);
    }

    [Theory]
    [InlineData("OpenAI210")]
    [InlineData("ExtensionsAI950")]
    public void Get_WithAnOlderSdkOnly_HasSdk(string set)
    {
        var sdk = set == "OpenAI210" ? References.OpenAI210 : References.ExtensionsAI950;
        var llm = LlmAnalysisContext.Get(RecognitionHarness.CreateCompilation(Plain, References.Framework.AddRange(sdk)));
        Assert.True(llm?.HasSdk);
    }

    [Fact]
    public void Get_ReturnsTheSameInstance_ForTheSameCompilation()
    {
        var compilation = RecognitionHarness.CreateCompilation(Plain, References.Framework);
        var first = LlmAnalysisContext.Get(compilation);
        Assert.NotNull(first);
        Assert.Same(first, LlmAnalysisContext.Get(compilation));
        Assert.Same(first!.Streams, LlmAnalysisContext.Get(compilation)!.Streams);

        // A new compilation (even one derived from the first) gets its own context.
        var derived = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class D { }"));
        Assert.NotSame(first, LlmAnalysisContext.Get(derived));
    }

    [Fact]
    public void CreatedCount_GrowsByExactlyOnePerCompilation()
    {
        var before = LlmAnalysisContext.CreatedCount;
        var first = RecognitionHarness.CreateCompilation(Plain, References.Framework.AddRange(References.Sdks));
        var second = RecognitionHarness.CreateCompilation(Plain, References.Framework);
        var none = RecognitionHarness.CreateCompilation(Plain, NoHttp);

        for (var i = 0; i < 3; i++)
        {
            LlmAnalysisContext.Get(first);
            LlmAnalysisContext.Get(second);
            LlmAnalysisContext.Get(none);
        }

        Assert.Equal(before + 2, LlmAnalysisContext.CreatedCount);
    }

    [Fact]
    public void CreatedCount_GrowsByExactlyOne_WhenAnalyzersStartConcurrently()
    {
        for (var round = 0; round < 5; round++)
        {
            var compilation = RecognitionHarness.CreateCompilation(Plain, References.Framework.AddRange(References.Sdks));
            var before = LlmAnalysisContext.CreatedCount;
            using var start = new ManualResetEventSlim();
            var contexts = new LlmAnalysisContext?[16];
            var threads = Enumerable.Range(0, contexts.Length).Select(i => new Thread(() =>
            {
                start.Wait();
                contexts[i] = LlmAnalysisContext.Get(compilation);
            })).ToList();
            threads.ForEach(t => t.Start());
            start.Set();
            threads.ForEach(t => t.Join());

            Assert.Equal(before + 1, LlmAnalysisContext.CreatedCount);
            Assert.All(contexts, c => Assert.Same(contexts[0], c));
        }
    }

    [Fact]
    public async Task CreatedCount_OncePerCompilation_ThroughTheAnalyzerDriver()
    {
        // Two analyzers of the package on one compilation share one context.
        var compilation = RecognitionHarness.CreateCompilation(Plain, References.Framework.AddRange(References.Sdks));
        var before = LlmAnalysisContext.CreatedCount;
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new OptionsProbeAnalyzer(), new global::LlmStreaming.Analyzers.PartialOutput.DeltaOverwritesTextAnalyzer());
        var diagnostics = await compilation.WithAnalyzers(analyzers, new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty))
            .GetAnalyzerDiagnosticsAsync();
        Assert.Equal("LLMPROBE", Assert.Single(diagnostics).Id);
        Assert.Equal(before + 1, LlmAnalysisContext.CreatedCount);
    }

    [Fact]
    public async Task RegistersNothing_WithNoSdkAndNoSystemNetHttp()
    {
        var compilation = RecognitionHarness.CreateCompilation(Plain, NoHttp);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new OptionsProbeAnalyzer()), new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty))
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);

        // System.Net.Http in play but no sign of model traffic: still nothing.
        var withHttp = RecognitionHarness.CreateCompilation(Plain, References.Framework);
        var silent = await withHttp.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new OptionsProbeAnalyzer()), new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty))
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(silent);

        // The same source naming a model endpoint: the probe runs.
        var withSignal = RecognitionHarness.CreateCompilation(Plain.Replace("static void Probe()", "const string Endpoint = \"https://api.openai.com/v1/chat/completions\";\n\n    static void Probe()"), References.Framework);
        var reported = await withSignal.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new OptionsProbeAnalyzer()), new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty))
            .GetAnalyzerDiagnosticsAsync();
        Assert.Single(reported);
    }

    private static readonly AnalyzerOptions NoOptions = new(ImmutableArray<AdditionalText>.Empty);

    /// <summary>The gate the analyzers pass before they build a context or register anything.</summary>
    private static bool Gate(Compilation compilation, AnalyzerOptions options) => ModelTrafficScan.MayHaveModelTraffic(compilation, options, CancellationToken.None);

    /// <summary>An SSE client of an ordinary feed: HttpClient, a short timeout, a read loop, 'data:' lines, no model signal.</summary>
    private const string OrdinaryFeed = """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Threading.Tasks;

        class Feed
        {
            private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

            async Task ReadAsync()
            {
                using var response = await _http.GetAsync("https://example.com/prices", HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (line.StartsWith("data: ")) Console.WriteLine(line.Substring(6));
                }
            }
        }
        """;

    /// <summary>
    /// With no SDK, the rules run only when something in the sources or the options can make model traffic: an ordinary
    /// project pays a text scan and nothing else (the performance target for projects without an LLM SDK).
    /// </summary>
    [Theory]
    [InlineData("https://example.com/prices", false)]
    [InlineData("https://api.openai.com/v1/chat/completions", true)]
    [InlineData("http://localhost:11434/api/chat", true)]
    [InlineData("https://example.com/v1/messages", true)]
    [InlineData("https://my-gateway.example.com/openai/deployments/gpt/chat/completions", true)]
    public void MayHaveModelTraffic_NoSdk_FollowsTheSources(string url, bool expected)
    {
        var compilation = RecognitionHarness.CreateCompilation(OrdinaryFeed.Replace("https://example.com/prices", url), References.Framework);
        Assert.False(LlmAnalysisContext.ReferencesAnSdk(compilation));
        Assert.Equal(expected, Gate(compilation, NoOptions));
    }

    [Theory]
    [InlineData("if (line == \"data: [DONE]\") break;")]
    [InlineData("var finish = \"finish_reason\";")]
    [InlineData("var body = \"{\\\"stream\\\": true}\";")]
    [InlineData("var request = new Request { Stream = true };")]
    public void MayHaveModelTraffic_NoSdk_AnySignalWordOpensTheGate(string statement)
    {
        var source = OrdinaryFeed.Replace("string? line;", "string? line;\n        " + statement) + "\nclass Request { public bool Stream { get; set; } }\n";
        Assert.True(Gate(RecognitionHarness.CreateCompilation(source, References.Framework), NoOptions));
    }

    [Fact]
    public void MayHaveModelTraffic_NoSdk_ConfiguredHostsAndStreamingMethods()
    {
        var feed = RecognitionHarness.CreateCompilation(OrdinaryFeed, References.Framework);
        var hostAdded = RecognitionHarness.CreateCompilation(OrdinaryFeed.Replace("https://example.com/prices", "https://llm.internal.example/generate"), References.Framework);
        var host = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new TestAnalyzerConfigOptionsProvider(new Dictionary<string, string> { ["llm_streaming.model_hosts"] = "llm.internal.example" }));
        var methods = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new TestAnalyzerConfigOptionsProvider(new Dictionary<string, string> { ["llm_streaming.streaming_methods"] = "Feed.ReadAsync" }));

        Assert.False(Gate(feed, host)); // the host is configured, but nothing names it
        Assert.True(Gate(hostAdded, host));
        Assert.True(Gate(RecognitionHarness.CreateCompilation(OrdinaryFeed, References.Framework), methods));
    }

    /// <summary>
    /// Through the analyzer driver, an ordinary project (System.Net.Http but no SDK and no sign of model traffic) builds
    /// no context at all: the gate runs before the known types are resolved. The same project naming a model endpoint
    /// builds exactly one.
    /// </summary>
    [Fact]
    public async Task CreatedCount_NoContextForAnOrdinaryProject_ThroughTheAnalyzerDriver()
    {
        var none = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty);
        var ordinary = RecognitionHarness.CreateCompilation(OrdinaryFeed, References.Framework);
        var before = LlmAnalysisContext.CreatedCount;
        Assert.Empty(await ordinary.WithAnalyzers(PackageCatalog.Analyzers, none).GetAnalyzerDiagnosticsAsync());
        Assert.Equal(before, LlmAnalysisContext.CreatedCount);

        var model = RecognitionHarness.CreateCompilation(OrdinaryFeed.Replace("https://example.com/prices", "https://api.openai.com/v1/chat/completions"), References.Framework);
        var diagnostics = await model.WithAnalyzers(PackageCatalog.Analyzers, none).GetAnalyzerDiagnosticsAsync();
        Assert.Equal(before + 1, LlmAnalysisContext.CreatedCount);
        Assert.Contains(diagnostics, d => d.Id == "LLM401");
    }

    [Fact]
    public void MayHaveModelTraffic_WithAnSdk_AlwaysTrue()
    {
        var compilation = RecognitionHarness.CreateCompilation(OrdinaryFeed, References.Sdks);
        Assert.True(LlmAnalysisContext.ReferencesAnSdk(compilation));
        Assert.True(Gate(compilation, NoOptions));
    }

    [Fact]
    public void GetOptions_ParsesOncePerTree()
    {
        var compilation = RecognitionHarness.CreateCompilation(Plain, References.Framework);
        var llm = LlmAnalysisContext.Get(compilation)!;
        var provider = new TestAnalyzerConfigOptionsProvider(new Dictionary<string, string> { ["llm_streaming.min_timeout_seconds"] = "30" });
        var analyzerOptions = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, provider);
        var tree = compilation.SyntaxTrees[0];

        var first = llm.GetOptions(tree, analyzerOptions);
        var second = llm.GetOptions(tree, analyzerOptions);
        Assert.Same(first, second);
        Assert.Equal(30, first.MinTimeoutSeconds("LLM401"));
        Assert.Equal(1, provider.Requests);
    }
}
