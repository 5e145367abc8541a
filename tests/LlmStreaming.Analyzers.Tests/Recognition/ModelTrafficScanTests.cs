using System.IO;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>
/// The no-SDK gate's two cheap checks: the SDK check by assembly names, and the one-pass search of the signal words
/// (<see cref="ModelTrafficScan.HasSignalWord(SourceText)"/>), which must find exactly what a search of each word in the lower-cased
/// text finds. Every test goes through the scan's own entry, so the texts, long and short one after the other, share its
/// buffer as the trees of a build do. The gate's decisions through compilations are in <see cref="LlmAnalysisContextTests"/>.
/// </summary>
public class ModelTrafficScanTests
{
    private static bool Scan(string text) => ModelTrafficScan.HasSignalWord(SourceText.From(text));

    /// <summary>The plain definition of the search: each word in the lower-cased text, and "stream", up to 8 non-word characters, "true".</summary>
    private static readonly Regex StreamTrue = new(@"stream\W{0,8}true", RegexOptions.CultureInvariant);

    private static bool Reference(string text)
    {
        var lower = text.ToLowerInvariant();
        return ModelTrafficScan.Words.Any(word => lower.Contains(word, StringComparison.Ordinal)) || StreamTrue.IsMatch(lower);
    }

    [Fact]
    public void Words_AreLowerCaseAscii()
        => Assert.All(ModelTrafficScan.Words, word => Assert.True(word.Length >= 2 && word.All(c => c < 128 && !char.IsUpper(c)), word));

    /// <summary>
    /// Over every line and every window of three lines of the package's C# sources (the test sources, the sample and
    /// the valid-code corpus), the one-pass search agrees with the plain definition, on thousands of texts with a word
    /// and thousands without.
    /// </summary>
    [Fact]
    public void HasSignalWord_AgreesWithTheSearchOfEachWordInTheLowerCasedText()
    {
        var sources = SourceCorpus.TestSources().Concat(SourceCorpus.SampleSources()).Concat(SourceCorpus.ValidCorpus()).Select(s => s.Text);
        int found = 0, notFound = 0;
        var disagreements = new List<string>();
        foreach (var source in sources)
        {
            var lines = source.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (var text in new[] { lines[i], string.Join("\n", lines.Skip(i).Take(3)), lines[i].ToUpperInvariant() })
                {
                    var expected = Reference(text);
                    if (Scan(text) != expected)
                    {
                        disagreements.Add(text);
                    }

                    _ = expected ? found++ : notFound++;
                }
            }
        }

        Assert.Empty(disagreements.Take(5));
        Assert.True(found > 1000, $"{found} texts with a word");
        Assert.True(notFound > 10000, $"{notFound} texts without");
    }

    [Theory]
    [InlineData("https://API.OpenAI.com/v1", true)]
    [InlineData("api.openai.co", false)]
    [InlineData("if (line == \"data: [DONE]\")", true)]
    [InlineData("[DONE", false)]
    [InlineData("dElTa", true)]
    [InlineData("delt", false)]
    [InlineData("elta", false)]
    [InlineData("delta", true)]
    [InlineData("xdelta", true)]
    [InlineData("d\u00e9lta", false)]
    [InlineData("\uff44elta", false)] // a full-width 'd'
    [InlineData("choices", true)]
    [InlineData("FinishReason", true)]
    [InlineData("finish_reason", true)]
    [InlineData("http://localhost:11434/api/chat", true)]
    [InlineData("Stream = true", true)]
    [InlineData("new { stream = true }", true)]
    [InlineData("[\"stream\"] = true", true)]
    [InlineData("Add(\"stream\", true)", true)]
    [InlineData("stream =\n    true", true)]
    [InlineData("streamtrue", true)]
    [InlineData("stream         true", false)] // nine spaces
    [InlineData("Streaming = true", false)]
    [InlineData("stream = false", false)]
    [InlineData("stream = trueish", true)] // a superset of the stream requests: "true" as a prefix counts
    [InlineData("stream = tru", false)]
    [InlineData("", false)]
    [InlineData("s", false)]
    public void HasSignalWord_AnyAsciiCaseAnyPosition(string text, bool expected)
    {
        Assert.Equal(expected, Scan(text));
        Assert.Equal(Reference(text), Scan(text));
    }

    /// <summary>Each word at the start, in the middle and at the end of a text, in lower and upper case.</summary>
    [Fact]
    public void HasSignalWord_FindsEveryWordAnywhere()
    {
        foreach (var word in ModelTrafficScan.Words)
        {
            foreach (var text in new[] { word, "x " + word, word + " x", "var a = 1;\n// " + word + "\nvar b = 2;" })
            {
                Assert.True(Scan(text), text);
                Assert.True(Scan(text.ToUpperInvariant()), text.ToUpperInvariant());
            }

            foreach (var part in new[] { word.Substring(1), word.Substring(0, word.Length - 1) })
            {
                Assert.Equal(Reference(part), Scan(part));
            }
        }
    }

    [Theory]
    [InlineData("OpenAI", true)]
    [InlineData("openai", true)]
    [InlineData("OpenAI.Extensions", true)]
    [InlineData("Microsoft.Extensions.AI.Abstractions", true)]
    [InlineData("Microsoft.Extensions.AI", true)]
    [InlineData("Microsoft.SemanticKernel.Core", true)]
    [InlineData("Anthropic", true)]
    [InlineData("OllamaSharp", true)]
    [InlineData("Betalgo.Ranul.OpenAI", true)]
    [InlineData("Microsoft.Agents.AI", true)]
    [InlineData("Microsoft.Agents.AI.Abstractions", true)]
    [InlineData("Microsoft.AgentsX", false)]
    [InlineData("Azure.AI.Inference", true)]
    [InlineData("Azure.Core", false)]
    [InlineData("OpenAIExtras", false)]
    [InlineData("Azure.AI.OpenAI", false)]
    [InlineData("Microsoft.Extensions.AIx", false)]
    [InlineData("Microsoft.Extensions.Http.Resilience", false)]
    [InlineData("System.Net.Http", false)]
    [InlineData(null, false)]
    public void IsSdkAssemblyName(string? name, bool expected)
        => Assert.Equal(expected, SdkAssemblyNames.IsSdkAssemblyName(name));

    /// <summary>
    /// Every type of the catalogue that the real SDK packages define lives in an assembly named by
    /// <see cref="SdkAssemblyNames.Prefixes"/>: the SDK check by names misses none of them.
    /// </summary>
    [Fact]
    public void AssemblyNamePrefixes_HoldEveryCatalogueType()
    {
        var compilation = RecognitionHarness.CreateCompilation("class C { }", References.Framework.AddRange(References.Sdks));
        var names = SdkCatalog.StreamingMethods.Select(m => m.TypeMetadataName).Concat(SdkCatalog.UpdateTypes.Select(u => u.MetadataName)).Distinct().ToList();
        var resolved = names.SelectMany(name => compilation.GetTypesByMetadataName(name)).ToList();

        Assert.All(resolved, type => Assert.True(SdkAssemblyNames.IsSdkAssemblyName(type.ContainingAssembly.Name), type.ContainingAssembly.Name + ": " + type));
        Assert.Equal(
            new[] { "Anthropic", "Azure.AI.Inference", "Betalgo.Ranul.OpenAI", "Microsoft.Agents.AI", "Microsoft.Agents.AI.Abstractions", "Microsoft.Extensions.AI.Abstractions", "Microsoft.SemanticKernel.Abstractions", "Microsoft.SemanticKernel.Core", "OllamaSharp", "OpenAI" },
            resolved.Select(t => t.ContainingAssembly.Name).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The gate's list is written out (so that an ordinary project never builds the families); it must be exactly the
    /// union of the families' prefixes, so a family added or renamed is not missed by the gate.
    /// </summary>
    [Fact]
    public void AssemblyNamePrefixes_AreTheFamiliesPrefixes()
        => Assert.Equal(
            SdkFamilies.All.SelectMany(f => f.AssemblyNamePrefixes).Distinct().Order(StringComparer.Ordinal),
            SdkAssemblyNames.Prefixes.Order(StringComparer.Ordinal));

    private const string SdkLookAlike = """
        namespace OpenAI.Chat
        {
            public class ChatClient
            {
            }
        }
        """;

    /// <summary>
    /// The SDK check goes by the references' assembly names (no type lookup in an ordinary project): a type named like
    /// an SDK's but declared in the project is no SDK, unless the project is the SDK itself (its assembly name).
    /// </summary>
    [Fact]
    public void ReferencesAnSdk_ByAssemblyNames()
    {
        Assert.False(LlmAnalysisContext.ReferencesAnSdk(RecognitionHarness.CreateCompilation(SdkLookAlike, References.Framework)));
        Assert.True(LlmAnalysisContext.ReferencesAnSdk(RecognitionHarness.CreateCompilation(SdkLookAlike, References.Framework).WithAssemblyName("OpenAI")));
        Assert.True(LlmAnalysisContext.ReferencesAnSdk(RecognitionHarness.CreateCompilation("class C { }", References.Framework.AddRange(References.Sdks))));

        // A reference with no file name to read (an in-memory image) is named by its identity.
        var openAI = References.Sdks.OfType<PortableExecutableReference>().Single(r => Path.GetFileName(r.FilePath) == "OpenAI.dll");
        var image = MetadataReference.CreateFromImage(File.ReadAllBytes(openAI.FilePath!));
        Assert.Null(image.FilePath);
        Assert.True(LlmAnalysisContext.ReferencesAnSdk(RecognitionHarness.CreateCompilation("class C { }", References.Framework.Add(image))));

        // An assembly of an SDK's name without its types is not enough: the types must resolve.
        Assert.False(LlmAnalysisContext.ReferencesAnSdk(CSharpCompilation.Create("Anthropic", new[] { CSharpSyntaxTree.ParseText("class C { }") }, References.Framework)));
    }
}
