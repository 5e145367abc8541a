using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.IO;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Timeouts;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

/// <summary>
/// LLM403 on service defaults from another assembly: Aspire's <c>builder.AddServiceDefaults()</c>, whose
/// <c>ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler())</c> the app's compilation cannot see. The
/// ServiceDefaults library of each test is real code compiled here against the real Microsoft.Extensions.Http.Resilience
/// and referenced as an image (a built project reference) or as a compilation (a project reference in the IDE).
/// </summary>
public partial class StandardResilienceDefaultsTests
{
    /// <summary>The Aspire template's ServiceDefaults, cut to what the packages here provide (no OpenTelemetry, no service discovery).</summary>
    private const string TemplateServiceDefaults = """
        using Microsoft.Extensions.DependencyInjection;

        namespace Microsoft.Extensions.Hosting;

        public static class Extensions
        {
            public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
            {
                builder.ConfigureOpenTelemetry();

                builder.Services.ConfigureHttpClientDefaults(http =>
                {
                    // Turn on resilience by default
                    http.AddStandardResilienceHandler();
                });

                return builder;
            }

            public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
                => builder;
        }
        """;

    private const string AppUsings = """
        using System;
        using System.Net.Http;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        using Microsoft.Extensions.Http.Resilience;
        using OllamaSharp;

        """;

    private static readonly ConcurrentDictionary<(string Name, string Source, bool Old), MetadataReference> Images = new();

    private static string ServiceDefaultsMessage(string method, string client)
        => "AddStandardResilienceHandler from the service defaults ('" + method + "') limits " + client
            + " to 10 s per attempt, 30 s in total; call RemoveAllResilienceHandlers() on it, then add one with long timeouts";

    private static DiagnosticResult ServiceDefaultsDiagnostic(string method, string client)
        => Verify<StandardResilienceDefaultsAnalyzer>.Diagnostic("LLM403").WithLocation(0).WithMessage(ServiceDefaultsMessage(method, client));

    /// <summary>The library compiled against the real packages, emitted and referenced as an image (as a build references a project).</summary>
    private static MetadataReference Image(string source, string assemblyName = "Contoso.ServiceDefaults", bool httpResilience810 = false)
        => Images.GetOrAdd((assemblyName, source, httpResilience810), key =>
        {
            using var image = new MemoryStream();
            var result = Library(key.Source, key.Name, key.Old ? References.SdksWithHttpResilience810 : References.Sdks).Emit(image);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            return MetadataReference.CreateFromImage(image.ToArray());
        });

    private static CSharpCompilation Library(string source, string assemblyName, ImmutableArray<MetadataReference> references)
        => CSharpCompilation.Create(
            assemblyName,
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
            References.Framework.AddRange(references),
            AnalyzerRunner.CompilationOptions.WithSpecificDiagnosticOptions(
                AnalyzerRunner.CompilationOptions.SpecificDiagnosticOptions.SetItem("EXTEXP0001", ReportDiagnostic.Suppress)));

    private static ImmutableArray<MetadataReference> With(MetadataReference library, bool httpResilience810 = false)
        => (httpResilience810 ? References.SdksWithHttpResilience810 : References.Sdks).Add(library);

    private static Task AnalyzeWith(MetadataReference library, string source, params DiagnosticResult[] expected)
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(source, With(library), editorConfig: null, expected);

    [Fact]
    public Task Reports_ServiceDefaults_TemplateOnTheHostBuilder_NamedModelClient()
        => AnalyzeWith(Image(TemplateServiceDefaults), AppUsings + """
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.{|#0:AddServiceDefaults|}();
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                    builder.Services.AddHttpClient("github", c => c.BaseAddress = new Uri("https://api.github.com/"));
                }
            }
            """,
            ServiceDefaultsDiagnostic("AddServiceDefaults", "AddHttpClient(\"ollama\")"));

    [Fact]
    public Task Reports_ServiceDefaults_OnTheServiceCollection_TypedClientHandedToAnSdk()
        => AnalyzeWith(Image("""
            using Microsoft.Extensions.DependencyInjection;

            namespace Contoso.Hosting;

            public static class AppDefaults
            {
                public static IServiceCollection AddAppDefaults(this IServiceCollection services)
                    => services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
            }
            """, "Contoso.Defaults"), AppUsings + """
            using Contoso.Hosting;

            sealed class LocalChat
            {
                private readonly OllamaApiClient _ollama;

                public LocalChat(HttpClient http) => _ollama = new OllamaApiClient(http);
            }

            static class Setup
            {
                static void Register(IServiceCollection services)
                {
                    services.{|#0:AddAppDefaults|}();
                    services.AddHttpClient<LocalChat>();
                }
            }
            """,
            ServiceDefaultsDiagnostic("AddAppDefaults", "AddHttpClient<LocalChat>"));

    /// <summary>
    /// A handler of the client's own does not lift the defaults' one: the client then runs both, and the defaults' handler
    /// (10 s / 30 s) still cuts the call — measured with Microsoft.Extensions.Http.Resilience 10.11.0 against a server that
    /// answers after 13 s (dotnet/extensions#4814). The client's own handler, with long timeouts, is not reported.
    /// </summary>
    [Fact]
    public Task Reports_ServiceDefaults_ModelClientWithAHandlerOfItsOwnButNotRemoved()
        => AnalyzeWith(Image(TemplateServiceDefaults), AppUsings + """
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.{|#0:AddServiceDefaults|}();
                    builder.Services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
                        .AddStandardResilienceHandler(o =>
                        {
                            o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                            o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
                            o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                        });
                }
            }
            """,
            ServiceDefaultsDiagnostic("AddServiceDefaults", "AddHttpClient(\"openai\")"));

    /// <summary>The app's own defaults that take the handlers off run after the service defaults' only when registered after them (measured).</summary>
    [Fact]
    public Task Reports_ServiceDefaults_AppDefaultsRemoveTheHandlersBeforeThem()
        => AnalyzeWith(Image(TemplateServiceDefaults), AppUsings + """
            #pragma warning disable EXTEXP0001
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.Services.ConfigureHttpClientDefaults(http => http.RemoveAllResilienceHandlers());
                    builder.{|#0:AddServiceDefaults|}();
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                }
            }
            """,
            ServiceDefaultsDiagnostic("AddServiceDefaults", "AddHttpClient(\"ollama\")"));

    /// <summary>Removing the handlers from the model client exempts it; a handler it adds afterwards is judged as any other.</summary>
    [Fact]
    public Task Reports_OnlyTheClientsOwnHandler_WhenTheClientRemovesTheServiceDefaultsHandler()
        => AnalyzeWith(Image(TemplateServiceDefaults), AppUsings + """
            #pragma warning disable EXTEXP0001
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"))
                        .RemoveAllResilienceHandlers()
                        .{|LLM403:AddStandardResilienceHandler|}();
                }
            }
            """);

    /// <summary>
    /// In the IDE a project reference is the other project's compilation, not an image: the same evidence is read from its
    /// syntax, with the same answers.
    /// </summary>
    [Fact]
    public async Task Reports_ServiceDefaults_AsAProjectReferenceInTheIde_AndNotWhenThatProjectRaisesTheTimeouts()
    {
        const string App = AppUsings + """
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                }
            }
            """;

        var template = Library(TemplateServiceDefaults, "Contoso.ServiceDefaults", References.Sdks).ToMetadataReference();
        var result = await AnalyzerRunner.RunAsync(
            AnalyzerRunner.Compile(new[] { ("Program.cs", App) }, References.Sdks.Add(template)),
            ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(new StandardResilienceDefaultsAnalyzer()));
        Assert.Empty(result.Exceptions);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("LLM403", diagnostic.Id);
        Assert.Equal(ServiceDefaultsMessage("AddServiceDefaults", "AddHttpClient(\"ollama\")"), diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(App.IndexOf("AddServiceDefaults", StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Equal("AddServiceDefaults".Length, diagnostic.Location.SourceSpan.Length);

        var raised = Library(RaisedServiceDefaults, "Contoso.ServiceDefaults", References.Sdks).ToMetadataReference();
        result = await AnalyzerRunner.RunAsync(
            AnalyzerRunner.Compile(new[] { ("Program.cs", App) }, References.Sdks.Add(raised)),
            ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(new StandardResilienceDefaultsAnalyzer()));
        Assert.Empty(result.Exceptions);
        Assert.Empty(result.Diagnostics);
    }

    /// <summary>Microsoft.Extensions.Http.Resilience 8.x has no <c>RemoveAllResilienceHandlers</c>: the message names the remedies that exist.</summary>
    [Fact]
    public Task Reports_ServiceDefaults_HttpResilience8_SaysRaiseTheTimeoutsInstead()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(AppUsings + """
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.{|#0:AddServiceDefaults|}();
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                }
            }
            """,
            With(Image(TemplateServiceDefaults, httpResilience810: true), httpResilience810: true),
            editorConfig: null,
            Verify<StandardResilienceDefaultsAnalyzer>.Diagnostic("LLM403").WithLocation(0).WithMessage(
                "AddStandardResilienceHandler from the service defaults ('AddServiceDefaults') limits AddHttpClient(\"ollama\") to 10 s per attempt, 30 s in total; raise the timeouts in the service defaults, or with ConfigureAll<HttpStandardResilienceOptions>"));

    [Fact]
    public Task NoDiagnostic_ServiceDefaults_ProjectWithoutAModelClient()
        => AnalyzeWith(Image(TemplateServiceDefaults), AppUsings + """
            #pragma warning disable EXTEXP0001
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    builder.Services.AddHttpClient("github", c => c.BaseAddress = new Uri("https://api.github.com/"));
                    builder.Services.AddHttpClient<OllamaApiClient>(c => c.BaseAddress = new Uri("http://localhost:11434/")).RemoveAllResilienceHandlers();
                }

                static void Chat()
                {
                    var ollama = new OllamaApiClient(new Uri("http://localhost:11434/")); // not a factory client: the defaults do not reach it
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ServiceDefaults_ModelClientRemovesTheHandlers()
        => AnalyzeWith(Image(TemplateServiceDefaults), AppUsings + """
            #pragma warning disable EXTEXP0001
            static class Program
            {
                static void Removed(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/")).RemoveAllResilienceHandlers();
                }

                static void RemovedThenLongTimeouts(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    var openai = builder.Services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"));
                    openai.RemoveAllResilienceHandlers();
                    openai.AddStandardResilienceHandler(o =>
                    {
                        o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                        o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
                        o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                    });
                }
            }
            """);

    [Fact]
    public Task NoDiagnostic_ServiceDefaults_AppDefaultsOrOptionsOverrideThemForEveryClient()
        => AnalyzeWith(Image(TemplateServiceDefaults), AppUsings + """
            #pragma warning disable EXTEXP0001
            static class Program
            {
                static void RemovedAfterwards(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    builder.Services.ConfigureHttpClientDefaults(http => http.RemoveAllResilienceHandlers());
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                }

                static void EveryHandlerConfigured(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    builder.Services.ConfigureAll<HttpStandardResilienceOptions>(o =>
                    {
                        o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                        o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
                        o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                    });
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                }
            }
            """);

    private const string RaisedServiceDefaults = """
        using System;
        using Microsoft.Extensions.DependencyInjection;

        namespace Microsoft.Extensions.Hosting;

        public static class Extensions
        {
            public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
            {
                builder.Services.ConfigureHttpClientDefaults(http =>
                {
                    http.AddStandardResilienceHandler(o =>
                    {
                        o.AttemptTimeout.Timeout = TimeSpan.FromMinutes(3);
                        o.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
                        o.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(6);
                    });
                });

                return builder;
            }
        }
        """;

    private const string ModelApp = AppUsings + """
        static class Program
        {
            static void Configure(IHostApplicationBuilder builder)
            {
                builder.AddServiceDefaults();
                builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
            }
        }
        """;

    [Fact]
    public Task NoDiagnostic_ServiceDefaults_ThatRaiseTheTimeouts()
        => AnalyzeWith(Image(RaisedServiceDefaults), ModelApp);

    [Fact]
    public Task NoDiagnostic_ServiceDefaults_WithoutHttpResilience()
        => AnalyzeWith(Image("""
            using System;
            using Microsoft.Extensions.DependencyInjection;

            namespace Microsoft.Extensions.Hosting;

            public static class Extensions
            {
                public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
                {
                    builder.Services.ConfigureHttpClientDefaults(http => http.ConfigureHttpClient(c => c.Timeout = TimeSpan.FromMinutes(5)));
                    return builder;
                }
            }
            """, "Contoso.PlainDefaults"), ModelApp);

    /// <summary>A library that references Http.Resilience for a client of its own, not for every client.</summary>
    [Fact]
    public Task NoDiagnostic_ServiceDefaults_ThatGiveTheHandlerToTheirOwnClientOnly()
        => AnalyzeWith(Image("""
            using System;
            using Microsoft.Extensions.DependencyInjection;

            namespace Microsoft.Extensions.Hosting;

            public static class Extensions
            {
                public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
                {
                    builder.Services.AddHttpClient("telemetry", c => c.BaseAddress = new Uri("https://telemetry.contoso.com/")).AddStandardResilienceHandler();
                    return builder;
                }
            }
            """, "Contoso.OwnClientDefaults"), ModelApp);

    /// <summary>Other extensions of the same assembly (no "Defaults" in the name), and the same library shipped under a Microsoft name.</summary>
    [Fact]
    public async Task NoDiagnostic_OtherExtensionsOfTheServiceDefaults_AndMicrosoftsOwnAssemblies()
    {
        await AnalyzeWith(Image(TemplateServiceDefaults), AppUsings + """
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.ConfigureOpenTelemetry();
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                }
            }
            """);
        await AnalyzeWith(Image(TemplateServiceDefaults, "Microsoft.Extensions.Contoso"), ModelApp);
    }

    /// <summary>Service defaults in the project itself: the handler is judged where it is written, and the call is not reported again.</summary>
    [Fact]
    public Task Reports_OnlyTheHandler_WhenTheServiceDefaultsAreInTheProject()
        => Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync("""
            using System;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;

            static class Extensions
            {
                public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
                {
                    builder.Services.ConfigureHttpClientDefaults(http => http.{|LLM403:AddStandardResilienceHandler|}());
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                    return builder;
                }
            }

            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    builder.Services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"));
                }
            }
            """);

    [Fact]
    public async Task Options_ServiceDefaults_MinimumAtOrBelowTheDefaults()
    {
        await Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(ModelApp, With(Image(TemplateServiceDefaults)), "llm_streaming.LLM403.min_timeout_seconds = 10\n");
        await Verify<StandardResilienceDefaultsAnalyzer>.AnalyzerAsync(
            ModelApp.Replace("builder.AddServiceDefaults()", "builder.{|#0:AddServiceDefaults|}()", StringComparison.Ordinal),
            With(Image(TemplateServiceDefaults)),
            "llm_streaming.min_timeout_seconds = 10\nllm_streaming.LLM403.min_timeout_seconds = 20\n",
            ServiceDefaultsDiagnostic("AddServiceDefaults", "AddHttpClient(\"ollama\")"));
    }

    /// <summary>
    /// No fix for this shape: the remedy, <c>RemoveAllResilienceHandlers()</c>, is experimental (EXTEXP0001, an error until
    /// suppressed), and which handler the model client should get instead is the user's decision.
    /// </summary>
    [Fact]
    public Task NoFix_ServiceDefaults()
        => Verify<StandardResilienceDefaultsAnalyzer, StandardResilienceDefaultsCodeFix>.NoFixAsync(
            ModelApp.Replace("builder.AddServiceDefaults()", "builder.{|LLM403:AddServiceDefaults|}()", StringComparison.Ordinal),
            With(Image(TemplateServiceDefaults)));

    /// <summary>
    /// The referenced assembly is read only for a service-defaults call in a method that registers a model client, and once
    /// per compilation however many calls there are.
    /// </summary>
    [Fact]
    public async Task ServiceDefaults_AssemblyIsReadOnlyWhenNeeded_AndOnce()
    {
        var library = Image(TemplateServiceDefaults);
        var before = ServiceDefaults.ReadCount;
        await AnalyzeWith(library, AppUsings + """
            static class Program
            {
                static void Configure(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults();
                    builder.Services.AddHttpClient("github", c => c.BaseAddress = new Uri("https://api.github.com/"));
                }
            }
            """);
        Assert.Equal(before, ServiceDefaults.ReadCount);

        var compilation = AnalyzerRunner.Compile(
            new[] { ("Program.cs", ModelApp + "\nstatic class Again { static void Configure(IHostApplicationBuilder builder) { builder.AddServiceDefaults(); builder.Services.AddHttpClient<OllamaApiClient>(); } }") },
            With(library));
        var result = await AnalyzerRunner.RunAsync(compilation, ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(new StandardResilienceDefaultsAnalyzer()));
        Assert.Empty(result.Exceptions);
        Assert.Equal(2, result.Diagnostics.Count(d => d.Id == "LLM403"));
        Assert.Equal(before + 1, ServiceDefaults.ReadCount);
    }

    [Fact]
    public Task NoCrash_ServiceDefaults_IncompleteCode()
        => TimeoutTestHelpers.BrokenCodeAsync<StandardResilienceDefaultsAnalyzer>(AppUsings + """
            #pragma warning disable EXTEXP0001
            static class Program
            {
                static void Reported(IHostApplicationBuilder builder)
                {
                    builder.{|LLM403:AddServiceDefaults|}(;
                    builder.Services.AddHttpClient("ollama", c => c.BaseAddress = new Uri("http://localhost:11434/"));
                    builder.Services.AddHttpClient(, c => c.BaseAddress = new Uri("http://localhost:11434/"));
                }

                static void Hostile(IHostApplicationBuilder builder)
                {
                    builder.AddServiceDefaults<>();
                    builder.Services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/")).RemoveAllResilienceHandlers(
                    AddServiceDefaults(null);
                    builder.Services.ConfigureHttpClientDefaults(http => http.RemoveAllResilienceHandlers()
                }
            }
            """, With(Image(TemplateServiceDefaults)));
}
