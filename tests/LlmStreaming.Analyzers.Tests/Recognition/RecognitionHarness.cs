using System.Collections.Immutable;
using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>
/// Compiles a snippet against the real references, asserts it has no compiler errors, finds operations by a marker
/// comment (<c>/*target*/</c> before the node) or by position, and runs the recognition core on them.
/// </summary>
internal sealed class RecognitionHarness
{
    public const string Marker = "/*target*/";

    /// <summary>The SDKs' experimental APIs are errors unless suppressed; the snippets use them on purpose.</summary>
    private static readonly ImmutableDictionary<string, ReportDiagnostic> Suppressed = new[]
    {
        "OPENAI001", "OPENAI002", "OPENAI003", "SKEXP0001", "SKEXP0010", "SKEXP0070", "SKEXP0110", "MEAI001",
    }.ToImmutableDictionary(id => id, _ => ReportDiagnostic.Suppress);

    private RecognitionHarness(CSharpCompilation compilation, SyntaxTree tree, LlmOptions options)
    {
        Compilation = compilation;
        Tree = tree;
        Model = compilation.GetSemanticModel(tree);
        Options = options;
    }

    public CSharpCompilation Compilation { get; }

    public SyntaxTree Tree { get; }

    public SemanticModel Model { get; }

    public LlmOptions Options { get; }

    /// <summary>The per-compilation context; the snippets of these tests always have an SDK or System.Net.Http.</summary>
    public LlmAnalysisContext Llm => LlmAnalysisContext.Get(Compilation) ?? throw new InvalidOperationException("No LLM context for this compilation.");

    /// <summary>Compiles <paramref name="source"/> against the framework and every SDK (or <paramref name="sdks"/>).</summary>
    public static RecognitionHarness Compile(string source, ImmutableArray<MetadataReference>? sdks = null, IReadOnlyDictionary<string, string>? options = null, OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary)
        => CompileWith(source, References.Framework.AddRange(sdks ?? References.Sdks), options, outputKind);

    /// <summary>Compiles <paramref name="source"/> against exactly <paramref name="references"/>.</summary>
    public static RecognitionHarness CompileWith(string source, ImmutableArray<MetadataReference> references, IReadOnlyDictionary<string, string>? options = null, OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary)
    {
        var compilation = CreateCompilation(source, references, outputKind);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The snippet does not compile:\n" + string.Join("\n", errors));
        var llmOptions = options is null ? LlmOptions.Default : LlmOptions.Parse(new TestAnalyzerConfigOptions(options));
        return new RecognitionHarness(compilation, compilation.SyntaxTrees[0], llmOptions);
    }

    /// <summary>Compiles <paramref name="source"/> without asserting that it compiles (for incomplete-code tests).</summary>
    public static RecognitionHarness CompileBroken(string source)
    {
        var compilation = CreateCompilation(source, References.Framework.AddRange(References.Sdks));
        return new RecognitionHarness(compilation, compilation.SyntaxTrees[0], LlmOptions.Default);
    }

    /// <summary>A compilation of <paramref name="source"/>, unchecked (for context tests that look only at references).</summary>
    public static CSharpCompilation CreateCompilation(string source, ImmutableArray<MetadataReference> references, OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "/0/Test0.cs");
        var options = new CSharpCompilationOptions(outputKind)
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithSpecificDiagnosticOptions(Suppressed);
        return CSharpCompilation.Create("RecognitionSnippet" + Guid.NewGuid().ToString("N"), new[] { tree }, references, options);
    }

    /// <summary>
    /// The operation of type <typeparamref name="T"/> that starts right after the <paramref name="index"/>-th marker:
    /// the nearest such operation on the way up from the first token after the marker, starting at that token.
    /// </summary>
    public T At<T>(int index = 0, string marker = Marker)
        where T : class, IOperation
    {
        var text = Tree.GetText().ToString();
        var position = -1;
        for (var i = 0; i <= index; i++)
        {
            position = text.IndexOf(marker, position + 1, StringComparison.Ordinal);
            Assert.True(position >= 0, $"Marker {marker} #{index} not found.");
        }

        var token = Tree.GetRoot().FindToken(position + marker.Length);
        for (var node = token.Parent; node is not null && node.SpanStart == token.SpanStart; node = node.Parent)
        {
            // C# has no operation for parentheses: "/*target*/(expression)" designates the expression.
            var designated = node is ParenthesizedExpressionSyntax parenthesized ? parenthesized.Expression : node;
            if (Model.GetOperation(designated) is T operation)
            {
                return operation;
            }
        }

        throw new InvalidOperationException($"No {typeof(T).Name} starts after marker #{index}.");
    }

    /// <summary>All operations of type <typeparamref name="T"/> in the snippet, in source order.</summary>
    public IReadOnlyList<T> All<T>()
        where T : class, IOperation
    {
        var seen = new HashSet<SyntaxNode>();
        var result = new List<T>();
        foreach (var node in Tree.GetRoot().DescendantNodes())
        {
            if (Model.GetOperation(node) is T operation && seen.Add(operation.Syntax))
            {
                result.Add(operation);
            }
        }

        return result.OrderBy(o => o.Syntax.SpanStart).ToList();
    }

    /// <summary>The <paramref name="index"/>-th loop (foreach, await foreach, while, do, for) of the snippet.</summary>
    public ILoopOperation Loop(int index = 0) => All<ILoopOperation>()[index];

    /// <summary>The <paramref name="index"/>-th invocation of a method named <paramref name="methodName"/>.</summary>
    public IInvocationOperation Invocation(string methodName, int index = 0)
    {
        var matches = All<IInvocationOperation>().Where(i => i.TargetMethod.Name == methodName).ToList();
        Assert.True(matches.Count > index, $"Invocation #{index} of {methodName} not found ({matches.Count} found).");
        return matches[index];
    }

    // The recognisers, called the way the rules call them.

    public LlmStreamSource? StreamCall(IInvocationOperation invocation) => Llm.Streams.TryGetStreamCall(invocation, Options);

    public LlmStreamSource? StreamValue(IOperation value) => Llm.Streams.TryGetStreamValue(value, Options, CancellationToken.None);

    public LlmStreamLoop? StreamLoop(ILoopOperation loop) => Llm.Streams.TryGetStreamLoop(loop, Options, CancellationToken.None);

    public LlmStreamSource? Aggregation(IInvocationOperation invocation) => Llm.Streams.TryGetAggregation(invocation, Options, CancellationToken.None);

    public RetryConstruct? Retry(IOperation enumeration) => Llm.Retries.FindEnclosingRetry(enumeration, Options, CancellationToken.None);

    public LlmHttpClientEvidence Classify(IOperation client) => Llm.HttpClients.Classify(client, Options, CancellationToken.None);
}

/// <summary>
/// A dictionary-backed <see cref="AnalyzerConfigOptions"/>: the test double of Roslyn's per-tree options (keys compared
/// as Roslyn compares them).
/// </summary>
internal sealed class TestAnalyzerConfigOptions : AnalyzerConfigOptions
{
    private readonly ImmutableDictionary<string, string> _values;

    public TestAnalyzerConfigOptions(IReadOnlyDictionary<string, string> values)
        => _values = values.ToImmutableDictionary(KeyComparer);

    public override bool TryGetValue(string key, out string value)
    {
        if (_values.TryGetValue(key, out var found))
        {
            value = found;
            return true;
        }

        value = null!;
        return false;
    }
}

/// <summary>A provider that hands the same <see cref="TestAnalyzerConfigOptions"/> to every tree and counts the requests.</summary>
internal sealed class TestAnalyzerConfigOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly AnalyzerConfigOptions _options;
    private int _requests;

    public TestAnalyzerConfigOptionsProvider(IReadOnlyDictionary<string, string> values) => _options = new TestAnalyzerConfigOptions(values);

    public int Requests => _requests;

    public override AnalyzerConfigOptions GlobalOptions => _options;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree)
    {
        Interlocked.Increment(ref _requests);
        return _options;
    }

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;
}
