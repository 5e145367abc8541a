using System.Collections.Immutable;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>The <c>llm_streaming.*</c> options: defaults, valid values, per-rule values; a malformed value is ignored, never an exception.</summary>
public class LlmOptionsTests
{
    private static LlmOptions Parse(params (string Key, string Value)[] values)
        => LlmOptions.Parse(new TestAnalyzerConfigOptions(values.ToDictionary(v => v.Key, v => v.Value)));

    [Fact]
    public void Defaults()
    {
        var options = Parse();
        Assert.Same(LlmOptions.Default, options);
        Assert.Equal(120, options.MinTimeoutSeconds("LLM401"));
        Assert.Equal(120, options.MinTimeoutSeconds("LLM999"));
        Assert.Empty(options.RetryMethods);
        Assert.Empty(options.StreamingMethods);
        Assert.Empty(options.ModelHosts);
    }

    [Fact]
    public void UnrelatedKeys_KeepTheDefaults()
        => Assert.Same(LlmOptions.Default, Parse(("dotnet_diagnostic.LLM401.severity", "none"), ("llm_streaming.unknown_option", "1")));

    [Theory]
    [InlineData("300", 300)]
    [InlineData(" 45 ", 45)]
    [InlineData("1", 1)]
    public void MinTimeoutSeconds_Valid(string value, int expected)
    {
        var options = Parse(("llm_streaming.min_timeout_seconds", value));
        Assert.Equal(expected, options.MinTimeoutSeconds("LLM401"));
        Assert.Equal(expected, options.MinTimeoutSeconds("LLM405"));
    }

    [Fact]
    public void MinTimeoutSeconds_PerRule_OverridesTheSharedValue()
    {
        var options = Parse(
            ("llm_streaming.min_timeout_seconds", "300"),
            ("llm_streaming.LLM401.min_timeout_seconds", "600"));
        Assert.Equal(600, options.MinTimeoutSeconds("LLM401"));
        Assert.Equal(300, options.MinTimeoutSeconds("LLM402"));
    }

    [Fact]
    public void MinTimeoutSeconds_PerRule_AloneKeepsTheDefaultForOtherRules()
    {
        var options = Parse(("llm_streaming.LLM403.min_timeout_seconds", "90"));
        Assert.Equal(90, options.MinTimeoutSeconds("LLM403"));
        Assert.Equal(120, options.MinTimeoutSeconds("LLM401"));
    }

    [Fact]
    public void MinTimeoutSeconds_PerRule_KeyAsRoslynStoresIt()
    {
        // Roslyn lowercases .editorconfig keys; the lookup must still find the rule's value.
        Assert.Equal(600, Parse(("llm_streaming.llm401.min_timeout_seconds", "600")).MinTimeoutSeconds("LLM401"));
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("1e3")]
    [InlineData("12.5")]
    [InlineData("120s")]
    [InlineData("99999999999")]
    [InlineData("0x78")]
    public void MinTimeoutSeconds_Malformed_IsIgnored(string value)
    {
        var options = Parse(("llm_streaming.min_timeout_seconds", value), ("llm_streaming.LLM401.min_timeout_seconds", value));
        Assert.Equal(120, options.MinTimeoutSeconds("LLM401"));
        Assert.Equal(120, options.MinTimeoutSeconds("LLM402"));
    }

    [Fact]
    public void MinTimeoutSeconds_MalformedPerRule_FallsBackToTheSharedValue()
    {
        var options = Parse(("llm_streaming.min_timeout_seconds", "200"), ("llm_streaming.LLM401.min_timeout_seconds", "-1"));
        Assert.Equal(200, options.MinTimeoutSeconds("LLM401"));
    }

    [Fact]
    public void RetryAndStreamingMethods_Valid()
    {
        var options = Parse(
            ("llm_streaming.retry_methods", "MyApp.Retry.RunAsync, M:MyApp.Retry.RunAsync(System.Func{System.Threading.Tasks.Task},System.Int32); Helpers.WithRetry"),
            ("llm_streaming.streaming_methods", "MyApp.Gateway.StreamAsync\nMyApp.Gateway`1.Stream"));

        Assert.Equal(3, options.RetryMethods.Length);
        Assert.Equal(("MyApp.Retry", "RunAsync", (string?)null), Describe(options.RetryMethods[0]));
        Assert.Equal(("MyApp.Retry", "RunAsync", "M:MyApp.Retry.RunAsync(System.Func{System.Threading.Tasks.Task},System.Int32)"), Describe(options.RetryMethods[1]));
        Assert.Equal(("Helpers", "WithRetry", (string?)null), Describe(options.RetryMethods[2]));

        Assert.Equal(2, options.StreamingMethods.Length);
        Assert.Equal(("MyApp.Gateway", "Stream", (string?)null), Describe(options.StreamingMethods[1]));
    }

    private static (string? Type, string Method, string? DocumentationId) Describe(MethodPattern pattern)
        => (pattern.TypeName, pattern.MethodName, pattern.DocumentationId);

    [Theory]
    [InlineData(",,, ;")]
    [InlineData("not a method")]
    [InlineData("Method")]
    [InlineData("()")]
    [InlineData("M:")]
    [InlineData("M:A.B(")]
    [InlineData("A..B")]
    [InlineData(".A.B")]
    [InlineData("A.B.")]
    [InlineData("1abc.Def")]
    [InlineData("A.B(System.String")]
    [InlineData("A.`1")]
    [InlineData("A.B)))(((")]
    [InlineData("\u0000\u0001")]
    public void MethodLists_Garbage_IsIgnored(string value)
    {
        var options = Parse(("llm_streaming.retry_methods", value), ("llm_streaming.streaming_methods", value));
        Assert.Empty(options.RetryMethods);
        Assert.Empty(options.StreamingMethods);
    }

    [Fact]
    public void MethodLists_GarbageBesideValidEntries_KeepsTheValidOnes()
    {
        var options = Parse(("llm_streaming.retry_methods", "garbage, MyApp.Retry.RunAsync, ((, A..B"));
        Assert.Equal("RunAsync", Assert.Single(options.RetryMethods).MethodName);
    }

    [Fact]
    public void MethodLists_UnclosedParenthesis_DoesNotSwallowTheFollowingEntries()
    {
        var options = Parse(("llm_streaming.retry_methods", "MyApp.Retry.RunAsync, M:MyApp.Retry.Run(System.String, MyApp.Other.Run"));
        Assert.Equal(new[] { "RunAsync", "Run" }, options.RetryMethods.Select(m => m.MethodName));
        Assert.Equal("MyApp.Other", options.RetryMethods[1].TypeName);
    }

    [Fact]
    public void ModelHosts_Valid()
    {
        var options = Parse(("llm_streaming.model_hosts", "https://llm.corp.example/, *.ai.corp.example; localhost:8080"));
        Assert.Equal(new[] { "llm.corp.example", ".ai.corp.example", "localhost:8080" }, options.ModelHosts);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("https://")]
    [InlineData("https://host.example/path")]
    [InlineData("x")]
    [InlineData(", ;")]
    public void ModelHosts_Garbage_IsIgnored(string value)
        => Assert.Empty(Parse(("llm_streaming.model_hosts", value)).ModelHosts);

    [Fact]
    public void NeverThrows_OnArbitraryValues()
    {
        var random = new Random(20240611);
        const string Alphabet = "abcXYZ019 .,;:()`{}[]*/\\\"'\t\n\r-_M@#\u00e9\u4e2d\u0000";
        var keys = new[]
        {
            "llm_streaming.min_timeout_seconds", "llm_streaming.LLM401.min_timeout_seconds", "llm_streaming.retry_methods",
            "llm_streaming.streaming_methods", "llm_streaming.model_hosts",
        };
        for (var i = 0; i < 500; i++)
        {
            var values = keys.ToDictionary(k => k, _ => new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray()));
            var options = LlmOptions.Parse(new TestAnalyzerConfigOptions(values));
            Assert.True(options.MinTimeoutSeconds("LLM401") > 0);
            foreach (var host in options.ModelHosts)
            {
                Assert.True(host.Length > 1);
                ModelSignals.ContainsModelHost(values["llm_streaming.model_hosts"], options);
            }
        }
    }

    [Fact]
    public void MethodPattern_MatchesBySymbol()
    {
        var harness = RecognitionHarness.Compile("""
            using System;
            using System.Threading.Tasks;

            namespace MyApp
            {
                static class Retry
                {
                    public static Task RunAsync(Func<Task> action) => action();

                    public static Task RunAsync(Func<Task> action, int attempts) => action();
                }

                class Outer
                {
                    public class Inner
                    {
                        public static void Run()
                        {
                        }
                    }
                }

                class C
                {
                    Task M()
                    {
                        Outer.Inner.Run();
                        Retry.RunAsync(() => Task.CompletedTask, 3);
                        return Retry.RunAsync(() => Task.CompletedTask);
                    }
                }
            }
            """);
        var oneArgument = harness.Invocation("RunAsync", 1).TargetMethod;
        var twoArguments = harness.Invocation("RunAsync", 0).TargetMethod;
        var nested = harness.Invocation("Run").TargetMethod;

        bool Matches(string pattern, IMethodSymbol method) => MethodPattern.TryParse(pattern)!.Matches(method);

        Assert.True(Matches("MyApp.Retry.RunAsync", oneArgument));
        Assert.True(Matches("MyApp.Retry.RunAsync", twoArguments));
        Assert.True(Matches("Retry.RunAsync", oneArgument));
        Assert.True(Matches("M:MyApp.Retry.RunAsync(System.Func{System.Threading.Tasks.Task})", oneArgument));
        Assert.False(Matches("M:MyApp.Retry.RunAsync(System.Func{System.Threading.Tasks.Task})", twoArguments));
        Assert.False(Matches("Other.Retry.RunAsync", oneArgument));
        Assert.False(Matches("MyApp.Retry.Run", oneArgument));
        Assert.True(Matches("MyApp.Outer.Inner.Run", nested));
        Assert.True(Matches("M:MyApp.Outer.Inner.Run", nested));
    }

    [Fact]
    public void MethodPattern_InterfaceOrBaseMethod_MatchesImplementationsAndOverrides()
    {
        var harness = RecognitionHarness.Compile("""
            using System;
            using System.Threading.Tasks;

            namespace MyApp
            {
                interface IRetryPolicy
                {
                    Task ExecuteAsync(Func<Task> action);
                }

                abstract class RetryBase
                {
                    public abstract Task RunAsync(Func<Task> action);
                }

                sealed class RetryPolicy : RetryBase, IRetryPolicy
                {
                    public Task ExecuteAsync(Func<Task> action) => action();

                    public override Task RunAsync(Func<Task> action) => action();
                }

                static class Helpers
                {
                    public static Task ExecuteAsync(Func<Task> action) => action();
                }

                class C
                {
                    async Task M(RetryPolicy policy)
                    {
                        await policy.ExecuteAsync(() => Task.CompletedTask);
                        await policy.RunAsync(() => Task.CompletedTask);
                        await Helpers.ExecuteAsync(() => Task.CompletedTask);
                    }
                }
            }
            """);
        bool Matches(string pattern, IMethodSymbol method) => MethodPattern.TryParse(pattern)!.Matches(method);
        Assert.True(Matches("MyApp.IRetryPolicy.ExecuteAsync", harness.Invocation("ExecuteAsync", 0).TargetMethod));
        Assert.True(Matches("MyApp.RetryBase.RunAsync", harness.Invocation("RunAsync").TargetMethod));
        Assert.False(Matches("MyApp.IRetryPolicy.ExecuteAsync", harness.Invocation("ExecuteAsync", 1).TargetMethod));
        Assert.False(Matches("MyApp.RetryBase.ExecuteAsync", harness.Invocation("ExecuteAsync", 0).TargetMethod));
    }

    // ---- The real Roslyn path: .editorconfig → AnalyzerConfigOptionsProvider → LlmAnalysisContext.GetOptions ------

    [Fact]
    public Task EditorConfig_ThroughRoslyn_DefaultsWithoutAFile()
        => Verify<OptionsProbeAnalyzer>.AnalyzerAsync(
            ProbeSource,
            References.Sdks,
            editorConfig: null,
            Probe().WithArguments(120, 120, 0, 0, 0));

    [Fact]
    public Task EditorConfig_ThroughRoslyn_ValidValues()
        => Verify<OptionsProbeAnalyzer>.AnalyzerAsync(
            ProbeSource,
            References.Sdks,
            """
            llm_streaming.min_timeout_seconds = 300
            llm_streaming.LLM401.min_timeout_seconds = 600
            llm_streaming.retry_methods = MyApp.Retry.RunAsync, M:MyApp.Retry.Run(System.Action)
            llm_streaming.streaming_methods = MyApp.Gateway.StreamAsync
            llm_streaming.model_hosts = llm.corp.example
            """,
            Probe().WithArguments(600, 300, 2, 1, 1));

    [Fact]
    public Task EditorConfig_ThroughRoslyn_MalformedValuesAreIgnored()
        => Verify<OptionsProbeAnalyzer>.AnalyzerAsync(
            ProbeSource,
            References.Sdks,
            """
            llm_streaming.min_timeout_seconds = -3
            llm_streaming.LLM401.min_timeout_seconds = soon
            llm_streaming.retry_methods = ((garbage
            llm_streaming.streaming_methods = ,,,
            llm_streaming.model_hosts = /
            """,
            Probe().WithArguments(120, 120, 0, 0, 0));

    [Fact]
    public Task EditorConfig_ThroughRoslyn_SemicolonStartsAComment()
        => Verify<OptionsProbeAnalyzer>.AnalyzerAsync(
            ProbeSource,
            References.Sdks,
            """
            llm_streaming.retry_methods = MyApp.Retry.RunAsync; MyApp.Retry.Run
            llm_streaming.streaming_methods = MyApp.A.Stream, MyApp.B.Stream # and a comment
            llm_streaming.model_hosts = a.example b.example
            """,
            // Roslyn's .editorconfig parser cuts a value at ';' or '#': lists are separated by commas (or spaces for hosts).
            Probe().WithArguments(120, 120, 1, 2, 2));

    private const string ProbeSource = """
        class C
        {
            static void Probe()
            {
            }

            void M() => {|#0:Probe()|};
        }
        """;

    private static DiagnosticResult Probe() => new DiagnosticResult(OptionsProbeAnalyzer.Rule).WithLocation(0);
}

/// <summary>
/// A test-only analyzer that reports the options the recognition core parsed for the tree of each <c>Probe()</c> call.
/// (Not shipped: the release tracking and extended-rules checks of the analyzer project do not apply to it.)
/// </summary>
#pragma warning disable RS1036, RS2008
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OptionsProbeAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = new(
        "LLMPROBE",
        "Options probe",
        "LLM401 {0}, LLM402 {1}, retry {2}, streaming {3}, hosts {4}",
        "Test",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        LlmAnalyzerSetup.RegisterCompilationStart(context, static (start, llm) =>
            start.RegisterOperationAction(
                operation =>
                {
                    var invocation = (Microsoft.CodeAnalysis.Operations.IInvocationOperation)operation.Operation;
                    if (invocation.TargetMethod.Name != "Probe")
                    {
                        return;
                    }

                    var options = llm.GetOptions(operation.Operation.Syntax.SyntaxTree, operation.Options);
                    operation.ReportDiagnostic(Diagnostic.Create(
                        Rule,
                        invocation.Syntax.GetLocation(),
                        options.MinTimeoutSeconds("LLM401"),
                        options.MinTimeoutSeconds("LLM402"),
                        options.RetryMethods.Length,
                        options.StreamingMethods.Length,
                        options.ModelHosts.Length));
                },
                OperationKind.Invocation));
    }
}
#pragma warning restore RS1036, RS2008
