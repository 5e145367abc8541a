using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>The text pre-filters: a node's text contains a fragment, or a whole word, within the node's span only.</summary>
public class SourceWordsTests
{
    private const string Source = """
        class C
        {
            void A()
            {
                var retry = 0; // no keyword here: 'retry', 'TryParse', 'entry'
                int.TryParse("1", out var entry);
            }

            void B()
            {
                try { } catch { }
            }

            void D() { @try(); }

            void @try() { }

            string E() => reader.ReadLineAsync();
        }
        """;

    private static MethodDeclarationSyntax Method(string name)
        => CSharpSyntaxTree.ParseText(Source).GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == name);

    [Theory]
    [InlineData("A", false)] // only inside longer identifiers (and the node's neighbours have it)
    [InlineData("B", true)]
    [InlineData("D", true)] // '@try' names the method: '@' is no identifier character
    [InlineData("E", false)]
    public void ContainsWord_Try(string method, bool expected)
        => Assert.Equal(expected, SourceWords.ContainsWord(Method(method), "try", CancellationToken.None));

    [Fact]
    public void ContainsText_FindsPartsOfNames_InTheNodeOnly()
    {
        Assert.True(SourceWords.ContainsText(Method("E"), "ReadLine", CancellationToken.None));
        Assert.False(SourceWords.ContainsText(Method("B"), "ReadLine", CancellationToken.None));
        Assert.True(SourceWords.ContainsWord(Method("E"), "reader", CancellationToken.None));
        Assert.False(SourceWords.ContainsWord(Method("E"), "ReadLine", CancellationToken.None));
    }

    /// <summary>
    /// Hand-rolled recognition walks only the loops whose text has a read (a deterministic guard of the pre-filter that
    /// keeps ordinary loops cheap): of four loops, the one that reads lines.
    /// </summary>
    [Fact]
    public void HandRolledRecognition_WalksOnlyLoopsThatRead()
    {
        var harness = RecognitionHarness.Compile("""
            using System.Collections.Generic;
            using System.IO;
            using System.Net.Http;
            using System.Threading.Tasks;

            class C
            {
                async Task<int> RunAsync(HttpClient http, List<string> items)
                {
                    var total = 0;
                    foreach (var item in items) total += item.Length;
                    for (var i = 0; i < 3; i++) total += i;
                    while (total > 100) total /= 2;
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions"));
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line.StartsWith("data: ")) total++;
                    }

                    return total;
                }
            }
            """);
        var loops = harness.All<Microsoft.CodeAnalysis.Operations.ILoopOperation>();
        Assert.Equal(4, loops.Count);
        var recognized = loops.Select(harness.StreamLoop).ToList();

        Assert.Equal(1, harness.Llm.HandRolled.WalkedLoops);
        Assert.Null(recognized[0]);
    }
}
