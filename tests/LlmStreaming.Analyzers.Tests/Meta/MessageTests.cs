using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// A message says what, why and how in about 200 characters (the long explanation is the description and the rule page),
/// and quotes code, never prose. Held on the formats and on every message the analyzers render over the sample and the
/// test sources.
/// </summary>
public class MessageTests
{
    /// <summary>The most a message format may take, its placeholders counted as written.</summary>
    private const int FormatLimit = 200;

    /// <summary>The most a rendered message may take on the sample: the format plus code names of ordinary length.</summary>
    private const int SampleLimit = 240;

    /// <summary>The most a rendered message may take on any test source, whose code names can be long.</summary>
    private const int TestSourceLimit = 260;

    /// <summary>Prose in quotes: <c>'the response body'</c>, <c>'a hand-rolled model stream'</c>.</summary>
    private static readonly Regex QuotedProse = new(@"'(the|a|an|this|every) [a-z]", RegexOptions.Compiled);

    [Theory]
    [MemberData(nameof(DescriptorTests.Ids), MemberType = typeof(DescriptorTests))]
    public void Format_IsShort_AndEndsWithTheFix(string id)
    {
        var format = PackageCatalog.Descriptors.Single(d => d.Id == id).MessageFormat.ToString();
        Assert.True(format.Length <= FormatLimit, $"{id}: the message format has {format.Length} characters (at most {FormatLimit}; move the explanation to the description and the rule page): {format}");
        Assert.False(format.EndsWith(".", StringComparison.Ordinal), id + ": a message is not a sentence with a full stop: " + format);
        Assert.DoesNotMatch(QuotedProse, format);
    }

    [Fact]
    public async Task RenderedMessages_OnTheSample_AreShortAndQuoteNoProse()
    {
        var messages = await RenderAsync(SourceCorpus.SampleSources());
        Assert.True(messages.Select(m => m.Id).Distinct().Count() >= 20, "the sample shows too few rules: " + string.Join(", ", messages.Select(m => m.Id).Distinct()));
        AssertMessages(messages, SampleLimit);
    }

    [Fact]
    public async Task RenderedMessages_OnTheTestSources_AreShortAndQuoteNoProse()
    {
        var messages = await RenderAsync(SourceCorpus.TestSources());
        Assert.True(messages.Count > 100, "too few messages: " + messages.Count);
        AssertMessages(messages, TestSourceLimit);
    }

    private static async Task<List<(string Id, string Source, string Message)>> RenderAsync(IEnumerable<(string Name, string Text)> sources)
    {
        var messages = new List<(string, string, string)>();
        foreach (var (name, text) in sources)
        {
            var result = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile(new[] { (name, text) }));
            messages.AddRange(result.Diagnostics.Where(d => d.Id.StartsWith("LLM", StringComparison.Ordinal)).Select(d => (d.Id, name, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))));
        }

        return messages;
    }

    private static void AssertMessages(List<(string Id, string Source, string Message)> messages, int limit)
    {
        var tooLong = messages.Where(m => m.Message.Length > limit).Select(m => $"{m.Source} {m.Id} ({m.Message.Length}): {m.Message}").Distinct().ToList();
        Assert.True(tooLong.Count == 0, $"messages over {limit} characters:\n" + string.Join("\n", tooLong));
        var prose = messages.Where(m => QuotedProse.IsMatch(m.Message)).Select(m => $"{m.Source} {m.Id}: {m.Message}").Distinct().ToList();
        Assert.True(prose.Count == 0, "messages that quote prose as code:\n" + string.Join("\n", prose));
    }
}
