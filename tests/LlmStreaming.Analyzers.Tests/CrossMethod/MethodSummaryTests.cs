using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Recognition;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>The method summaries themselves: what they say, once per method, the same in any order.</summary>
public class MethodSummaryTests
{
    private const string Chain = """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;

        class Chain
        {
            private readonly IChatClient _client;

            public Chain(IChatClient client) => _client = client;

            public async IAsyncEnumerable<string> L1()
            {
                await foreach (var u in _client.GetStreamingResponseAsync("hi")) { yield return u.Text; }
            }

            public async IAsyncEnumerable<string> L2()
            {
                await foreach (var s in L1()) { yield return s; }
            }

            public async IAsyncEnumerable<string> L3()
            {
                await foreach (var s in L2()) { yield return s; }
            }

            public async IAsyncEnumerable<string> L4()
            {
                await foreach (var s in L3()) { yield return s; }
            }
        }

        class Callers
        {
            async Task<string> A(Chain chain) { var t = ""; await foreach (var s in chain.L1()) { t += s; } return t; }
            async Task<string> B(Chain chain) { var t = ""; await foreach (var s in chain.L1()) { t += s; } return t; }
            async Task<string> C(Chain chain) { var t = ""; await foreach (var s in chain.L1()) { t += s; } return t; }
        }
        """;

    private static ModelTextStream? Summary(RecognitionHarness harness, string name)
    {
        var method = harness.Compilation.GetTypeByMetadataName("Chain")!.GetMembers(name).OfType<Microsoft.CodeAnalysis.IMethodSymbol>().Single();
        return harness.Llm.Summaries.ReturnedTextStream(method, harness.Options, harness.Model);
    }

    [Fact]
    public void Summary_SaysFamilyStreamAndDepth_UpToThree()
    {
        var harness = RecognitionHarness.Compile(Chain);
        var l1 = Summary(harness, "L1");
        Assert.NotNull(l1);
        Assert.Equal(LlmFamily.ExtensionsAI, l1!.Family);
        Assert.Equal("GetStreamingResponseAsync", l1.StreamName);
        Assert.Equal(1, l1.Depth);
        Assert.Equal(2, Summary(harness, "L2")!.Depth);
        Assert.Equal(3, Summary(harness, "L3")!.Depth);
        Assert.Null(Summary(harness, "L4"));
    }

    [Fact]
    public void Summary_IsTheSame_InAnyOrder()
    {
        var deepestFirst = RecognitionHarness.Compile(Chain);
        var answers = new[] { "L4", "L3", "L2", "L1" }.Select(n => Summary(deepestFirst, n)?.Depth).ToArray();
        var shallowestFirst = RecognitionHarness.Compile(Chain);
        var reversed = new[] { "L1", "L2", "L3", "L4" }.Select(n => Summary(shallowestFirst, n)?.Depth).Reverse().ToArray();
        Assert.Equal(new int?[] { null, 3, 2, 1 }, answers);
        Assert.Equal(answers, reversed);
    }

    [Fact]
    public void Summary_IsComputedOncePerMethod_HoweverManyCallersAndRules()
    {
        var harness = RecognitionHarness.Compile(Chain);
        var callerLoops = harness.All<IForEachLoopOperation>().Where(l => l.Syntax.ToString().Contains("chain.L1()")).ToList();
        Assert.Equal(3, callerLoops.Count);
        foreach (var loop in callerLoops)
        {
            for (var rule = 0; rule < 3; rule++)
            {
                var streamLoop = harness.Llm.Streams.TryGetStreamLoop(loop, harness.Options, CancellationToken.None, StreamShapes.All);
                Assert.NotNull(streamLoop);
                Assert.Equal(StreamShapes.Wrapper, streamLoop!.Shape);

                // Rules that did not opt in see nothing.
                Assert.Null(harness.StreamLoop(loop));
            }
        }

        Assert.Equal(1, harness.Llm.Summaries.ComputedCount);
    }
}
