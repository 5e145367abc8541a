using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Every analyzer of the package over code that the summaries read across files: broken bodies, unresolved members,
/// generic, abstract, partial and recursive iterators. Nothing may throw, nothing may hang.
/// </summary>
public class CrossMethodRobustnessTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Text;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;

        """;

    private static async Task<AnalyzerRunner.Result> RunAsync(params (string Path, string Text)[] sources)
    {
        var result = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile(sources));
        Assert.True(result.Exceptions.IsEmpty, string.Join(Environment.NewLine, result.Exceptions));
        return result;
    }

    [Fact]
    public async Task BrokenAndUnusualIterators_NoCrash()
    {
        await RunAsync(
            ("Broken.cs", Usings + """
                abstract class Odd
                {
                    private readonly IChatClient _client = null!;

                    public abstract IAsyncEnumerable<string> AbstractAsync();

                    public async IAsyncEnumerable<string> UnresolvedAsync()
                    {
                        await foreach (var u in _client.Nope("hi"))
                        {
                            yield return u.Text;
                        }
                    }

                    public async IAsyncEnumerable<string> UnclosedAsync()
                    {
                        await foreach (var u in _client.GetStreamingResponseAsync("hi"))
                        {
                            yield return u.
                """),
            ("Callers.cs", Usings + """
                partial class Callers
                {
                    partial void Nothing();

                    async Task<string> RunAsync(Odd odd)
                    {
                        var all = new StringBuilder();
                        await foreach (var s in odd.AbstractAsync()) { all.Append(s); }
                        await foreach (var s in odd.UnresolvedAsync()) { all.Append(s); }
                        await foreach (var s in odd.UnclosedAsync()) { all.Append(s); }
                        await foreach (var s in Missing.StreamAsync()) { all.Append(s); }
                        await foreach (var (a, b) in PairsAsync()) { all.Append(a).Append(b); }
                        return all.ToString();
                    }

                    static async IAsyncEnumerable<(string, string)> PairsAsync()
                    {
                        await Task.Yield();
                        yield return ("a", "b");
                    }
                }
                """));
    }

    [Fact]
    public async Task GenericWrapper_IsFollowed_CycleAcrossFiles_IsNot()
    {
        var result = await RunAsync(
            ("Generic.cs", Usings + """
                class Mapper
                {
                    private readonly IChatClient _client;

                    public Mapper(IChatClient client) => _client = client;

                    public async IAsyncEnumerable<T> MapAsync<T>(Func<ChatResponseUpdate, T> map)
                    {
                        await foreach (var u in _client.GetStreamingResponseAsync("hi"))
                        {
                            yield return map(u);
                        }
                    }
                }

                class Ping
                {
                    public async IAsyncEnumerable<string> PingAsync(Pong pong)
                    {
                        await foreach (var s in pong.PongAsync(this)) { yield return s; }
                    }
                }
                """),
            ("Users.cs", Usings + """
                class Pong
                {
                    public async IAsyncEnumerable<string> PongAsync(Ping ping)
                    {
                        await foreach (var s in ping.PingAsync(this)) { yield return s; }
                    }
                }

                class Users
                {
                    async Task<string> RunAsync(Mapper mapper, Ping ping, Pong pong)
                    {
                        var all = new StringBuilder();
                        await foreach (var s in mapper.MapAsync(u => u.Text)) { all.Append(s); }
                        await foreach (var s in ping.PingAsync(pong)) { all.Append(s); }
                        return all.ToString();
                    }
                }
                """));

        var llm101 = result.Diagnostics.Where(d => d.Id == "LLM101").ToList();
        var reported = Assert.Single(llm101);
        Assert.Equal("Users.cs", reported.Location.SourceTree!.FilePath);
        Assert.Contains("'MapAsync'", reported.GetMessage(), StringComparison.Ordinal);
    }
    [Fact]
    public async Task CallerOfAWrapper_GetsOnlyTheRulesThatOptedIn()
    {
        var result = await RunAsync(("Page.cs", WrapperStreamTests.Usings + WrapperStreamTests.Service + """

            class Page
            {
                async Task<string> AskAsync(ChatService chat)
                {
                    var answer = new StringBuilder();
                    await foreach (var text in chat.StreamAsync("hi"))
                    {
                        answer.Append(text);
                    }

                    return answer.ToString();
                }
            }
            """));

        // In the caller: LLM101 only (no finish reason to observe: the iterator dropped it, LLM203 says so in there).
        var inCaller = result.Diagnostics.Where(d => d.Id.StartsWith("LLM", StringComparison.Ordinal) && IsInPage(d)).Select(d => d.Id).ToList();
        Assert.Equal(new[] { "LLM101" }, inCaller);
    }

    private static bool IsInPage(Microsoft.CodeAnalysis.Diagnostic diagnostic)
    {
        var tree = diagnostic.Location.SourceTree!;
        var start = tree.GetText().ToString().IndexOf("class Page", StringComparison.Ordinal);
        return diagnostic.Location.SourceSpan.Start > start;
    }
}
