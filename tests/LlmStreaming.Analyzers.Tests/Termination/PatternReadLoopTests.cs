using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.Termination;

/// <summary>
/// A hand-rolled read loop whose line comes from a pattern, <c>while (await reader.ReadLineAsync() is { } line)</c>
/// (<c>is string line</c>, <c>is not null and var line</c>): the pattern's local is the loop's line, as
/// <c>line</c> is in <c>while ((line = await reader.ReadLineAsync()) != null)</c>.
/// </summary>
public class PatternReadLoopTests
{
    private const string Usings = """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    /// <summary>The loop, with <paramref name="checks"/> (one a line) before the parse and <paramref name="marker"/> (<c>LLM201</c>…) on it.</summary>
    private static string Loop(string condition, string marker, params string[] checks) => Usings + """
        class ChatClient
        {
            public async Task<string> AskAsync(HttpClient http, HttpRequestMessage request)
            {
                request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var text = new StringBuilder();
                while (CONDITION)
                {
                    if (!line.StartsWith("data: ")) continue;
                    var data = line.Substring(6);
        CHECKS            using var doc = PARSE;
                    text.Append(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
                }

                return text.ToString();
            }
        }
        """.Replace("CONDITION", condition)
        .Replace("CHECKS", string.Concat(checks.Select(c => (c.Length == 0 ? "" : "            " + c) + "\n")))
        .Replace("PARSE", Open(marker) + "JsonDocument.Parse(data)" + Close(marker));

    private static string Open(string marker) => marker.Length == 0 ? "" : "{|" + marker + ":";

    private static string Close(string marker) => marker.Length == 0 ? "" : "|}";

    private const string DoneCheck = "if (data == \"[DONE]\") break;";

    private const string ErrorCheck = "if (data.Contains(\"\\\"error\\\"\")) throw new IOException(data);";

    [Theory]
    [InlineData("await reader.ReadLineAsync() is { } line")]
    [InlineData("await reader.ReadLineAsync() is string line")]
    [InlineData("await reader.ReadLineAsync() is not null and var line")]
    [InlineData("(line = await reader.ReadLineAsync()) != null")]
    public Task LLM201_Reports_DoneNotHandled(string condition)
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Declare(condition, Loop(condition, "LLM201", ErrorCheck)));

    [Theory]
    [InlineData("await reader.ReadLineAsync() is { } line")]
    [InlineData("await reader.ReadLineAsync() is string line")]
    [InlineData("await reader.ReadLineAsync() is not null and var line")]
    [InlineData("(line = await reader.ReadLineAsync()) != null")]
    public Task LLM205_Reports_ErrorNotChecked(string condition)
        => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(Declare(condition, Loop(condition, "LLM205", DoneCheck)));

    /// <summary>The assignment form (the comparison the pattern forms are checked against) declares its line before the loop.</summary>
    private static string Declare(string condition, string source)
        => condition.StartsWith("(line =", StringComparison.Ordinal) ? source.Replace("        while (", "        string? line;\n        while (") : source;

    [Fact]
    public async Task NoDiagnostic_DoneAndErrorHandled()
    {
        var handled = Loop("await reader.ReadLineAsync() is { } line", "", DoneCheck, ErrorCheck);
        await Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(handled);
        await Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(handled);
    }

    [Fact]
    public Task NoDiagnostic_PatternLoopOverALogFile()
        => Verify<DoneSentinelNotHandledAnalyzer>.AnalyzerAsync(Usings + """
            class LogReader
            {
                public async Task<int> CountAsync(string path)
                {
                    using var reader = new StreamReader(path);
                    var count = 0;
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        count += doc.RootElement.GetProperty("choices").GetArrayLength();
                    }

                    return count;
                }
            }
            """);

    [Fact]
    public Task LLM201_Fix_InsertsBreakBeforeTheParse()
        => Verify<DoneSentinelNotHandledAnalyzer, DoneSentinelNotHandledCodeFix>.FixAsync(
            Loop("await reader.ReadLineAsync() is { } line", "LLM201"),
            Loop("await reader.ReadLineAsync() is { } line", "", DoneCheck),
            DoneSentinelNotHandledCodeFix.Key);

    [Fact]
    public Task LLM205_Fix_ThrowsWithTheProviderMessage()
        => Verify<InStreamErrorIgnoredAnalyzer, InStreamErrorIgnoredCodeFix>.FixAsync(
            Loop("await reader.ReadLineAsync() is { } line", "LLM205", DoneCheck),
            Loop(
                "await reader.ReadLineAsync() is { } line",
                "",
                DoneCheck,
                "if (data.IndexOf(\"\\\"error\\\"\", StringComparison.Ordinal) >= 0)",
                "{",
                "    using var errorDocument = JsonDocument.Parse(data);",
                "    if (errorDocument.RootElement.ValueKind == JsonValueKind.Object && errorDocument.RootElement.TryGetProperty(\"error\", out var error))",
                "    {",
                "        throw new IOException(\"The model stream reported an error: \" + (error.ValueKind == JsonValueKind.Object && error.TryGetProperty(\"message\", out var message) ? message.ToString() : error.ToString()));",
                "    }",
                "}",
                ""),
            InStreamErrorIgnoredCodeFix.Key);
}
