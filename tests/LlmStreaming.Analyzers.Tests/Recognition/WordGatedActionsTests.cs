using System.Collections.Immutable;
using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>
/// The word gate of the actions that look at a few names only (<see cref="WordGatedActions"/>): a code block opens when
/// its text holds one of the words, and the rules that use it register no action on every call or property of a
/// compilation. The reporting tests of LLM101, LLM203, LLM303, LLM403, LLM404 and LLM405 would fail where it said no
/// where they report.
/// </summary>
public class WordGatedActionsTests
{
    private const string Source = """
        using System;
        using System.Threading;

        class C
        {
            private readonly int _field = Environment.ProcessorCount;

            void Cancels(CancellationTokenSource cts) => cts.CancelAfter(TimeSpan.FromSeconds(5));

            void InAComment()
            {
                // cts.CancelAfter(…) later
            }

            void Longer(C c) => c.CancelAfterwards();

            void CancelAfterwards() { }

            void Defaults() => AddServiceDefaults();

            void AddServiceDefaults() { }

            void Nothing(int[] items) => Console.WriteLine(items[0]);
        }
        """;

    private static readonly ImmutableArray<string> CancelAfter = ImmutableArray.Create("CancelAfter");

    [Theory]
    [InlineData("Cancels", true)]
    [InlineData("InAComment", true)] // a superset: a comment opens the gate
    [InlineData("Longer", false)] // only inside a longer name
    [InlineData("Nothing", false)]
    public void AWord_OpensTheBlocksThatWriteIt(string method, bool expected)
        => Assert.Equal(expected, SourceWords.AnyContains(Blocks(method), CancelAfter, ImmutableArray<string>.Empty, default));

    [Theory]
    [InlineData("Defaults", true)]
    [InlineData("AddServiceDefaults", false)] // an empty body: the method's name is not in its block
    [InlineData("Nothing", false)]
    public void AFragment_OpensTheBlocksThatWriteItInsideANameToo(string method, bool expected)
        => Assert.Equal(expected, SourceWords.AnyContains(Blocks(method), ImmutableArray<string>.Empty, ImmutableArray.Create("Defaults"), default));

    [Fact]
    public void AFieldInitializer_IsABlockOfItsOwn()
    {
        var compilation = AnalyzerRunner.Compile(new[] { (Path: "C.cs", Text: Source) });
        var tree = compilation.SyntaxTrees.First();
        var model = compilation.GetSemanticModel(tree);
        var initializer = tree.GetRoot().DescendantNodes().OfType<EqualsValueClauseSyntax>().Single();
        var block = ImmutableArray.Create(model.GetOperation(initializer)!);

        Assert.True(SourceWords.AnyContains(block, ImmutableArray.Create("ProcessorCount"), ImmutableArray<string>.Empty, default));
        Assert.False(SourceWords.AnyContains(block, CancelAfter, ImmutableArray<string>.Empty, default));
    }

    /// <summary>
    /// The count the gate exists for: each of these rules registers its call, property or assignment actions per code
    /// block, behind a gate, and for the whole compilation only the actions no name can gate (loops, creations).
    /// </summary>
    [Theory]
    [InlineData(typeof(ContentPartIndexedWithoutGuardAnalyzer), 0, 1)]
    [InlineData(typeof(MidStreamFailureNotRetriedAnalyzer), 1, 1)] // its loops
    [InlineData(typeof(FinishReasonNotObservedAnalyzer), 1, 1)] // its loops
    [InlineData(typeof(StandardResilienceDefaultsAnalyzer), 0, 1)]
    [InlineData(typeof(ResilienceTimeoutsInvalidAnalyzer), 0, 1)]
    [InlineData(typeof(SdkTimeoutTooShortAnalyzer), 1, 2)] // its CancellationTokenSource creations; options, CancelAfter
    [InlineData(typeof(SdkRetriesDisabledAnalyzer), 0, 1)]
    public async Task TheRule_RegistersItsActionsPerOpenBlock(Type analyzerType, int compilationWideActions, int gates)
    {
        var compilation = AnalyzerRunner.Compile(new[] { (Path: "C.cs", Text: Source) });
        var telemetry = (await AnalyzerRunner.TelemetryAsync(compilation, (DiagnosticAnalyzer)Activator.CreateInstance(analyzerType)!))[0];

        Assert.Equal(compilationWideActions, telemetry.OperationActionsCount);
        Assert.Equal(gates, telemetry.OperationBlockStartActionsCount);
    }

    private static ImmutableArray<IOperation> Blocks(string method)
    {
        var compilation = AnalyzerRunner.Compile(new[] { (Path: "C.cs", Text: Source) });
        var tree = compilation.SyntaxTrees.First();
        var model = compilation.GetSemanticModel(tree);
        var declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == method);
        SyntaxNode body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody!;
        return ImmutableArray.Create(model.GetOperation(body)!);
    }
}
