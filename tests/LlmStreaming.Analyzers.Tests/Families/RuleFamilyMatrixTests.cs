using System.Collections.Immutable;
using System.IO;
using System.Text;
using LlmStreaming.Analyzers.Tests.Conformance.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Relays;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Timeouts;

namespace LlmStreaming.Analyzers.Tests.Families;

/// <summary>
/// A rule's shape over SDK streams, written once over <see cref="FamilyShape"/>: the positive marks the exact
/// diagnostics (<c>{|LLMnnn:…|}</c>), the negative is the correct pattern and must give none of the rule's.
/// </summary>
/// <param name="Row">The row's name: the rule's ID, and what it looks at when a rule has several rows.</param>
/// <param name="Analyzer">Runs the rule's analyzer alone over a source and asserts its markup.</param>
/// <param name="Positive">The flawed shape.</param>
/// <param name="Negative">The correct shape.</param>
/// <param name="ClientLevel">The row looks at the client, not the stream: it runs on each family's shape, not on its variants.</param>
/// <param name="NotFor">Why the row does not apply to a family, from the family's own answer (null where it applies).</param>
internal sealed record RuleShape(string Row, Func<string, Task> Analyzer, Func<FamilyShape, string> Positive, Func<FamilyShape, string> Negative, bool ClientLevel = false, Func<FamilyShape, string?>? NotFor = null)
{
    /// <summary>The rule's ID (the row's first word).</summary>
    public string Id => Row.Split(' ')[0];

    /// <summary>The reason the row does not apply to <paramref name="family"/>, or null when it runs.</summary>
    public string? NotApplicable(FamilyShape family)
        => family.NotApplicable.TryGetValue(Row, out var reason) ? reason
            : ClientLevel && family.Variant is not null ? "a client-level row: it runs on the family's shape"
            : NotFor?.Invoke(family);

    public override string ToString() => Row;
}

/// <summary>
/// Issue 12: every rule that looks at SDK streams, positive and negative, over every family where it applies. A family
/// is described once (<see cref="FamilyShapes"/>), a rule's shapes once (<see cref="Rows"/>); a (row, family) pair that
/// does not run says why in the family's data, and a family of <see cref="SdkFamilies.All"/> without data fails.
/// </summary>
public class RuleFamilyMatrixTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;
        """;

    /// <summary>A compilation unit: the common usings, the family's, <paramref name="extraUsings"/> and one class holding <paramref name="members"/>.</summary>
    private static string Unit(FamilyShape f, string members, string extraUsings = "")
        => Indent(Usings + "\n" + (extraUsings.Length > 0 ? extraUsings + "\n" : string.Empty) + f.Usings + "\n\n"
            + "class Chat\n{\n" + members + "\n}\n");

    /// <summary>
    /// <paramref name="source"/> indented by its braces, four spaces a level, blank lines dropped (a failing cell prints a
    /// readable source; the braces of the markup and of one-line initializers balance within their line).
    /// </summary>
    private static string Indent(string source)
    {
        var lines = new List<string>();
        var depth = 0;
        foreach (var line in source.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            var closes = line.StartsWith('}') ? 1 : 0;
            lines.Add(new string(' ', 4 * Math.Max(0, depth - closes)) + line);
            depth += line.Count(c => c == '{') - line.Count(c => c == '}');
            if (line == "class Chat")
            {
                lines.Insert(lines.Count - 1, string.Empty);
            }
        }

        return string.Join("\n", lines) + "\n";
    }

    /// <summary>A method over the family's parameters (<paramref name="extra"/> after them), with a <c>CancellationToken ct</c> unless <paramref name="token"/> is false.</summary>
    private static string Method(FamilyShape f, string body, string returns = "Task<string>", string extra = "", bool token = true)
        => "async " + returns + " AskAsync(" + f.Parameters + extra + (token ? ", CancellationToken ct" : string.Empty) + ")\n{\n" + body + "\n}";

    /// <summary>
    /// The loop that appends the update's text to <c>answer</c> (or does <paramref name="append"/> with it), with
    /// <paramref name="first"/> before and <paramref name="extra"/> after: <paramref name="keyword"/> is the <c>foreach</c>
    /// (marked or not).
    /// </summary>
    private static string AppendLoop(FamilyShape f, string? callMarker = null, string keyword = "foreach", string token = "ct", Func<string, string>? append = null, string extra = "", string first = "")
        => f.ForEach(keyword) + " (var update in " + f.Call(token, callMarker) + ")\n{\n" + first + "\n"
            + f.Text(append ?? (d => "answer.Append(" + d + ");")) + "\n" + extra + "\n}";

    /// <summary>A wait of an exponential backoff with full jitter.</summary>
    private const string Backoff = "await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt))), ct);";

    /// <summary>
    /// The correct retry (LLM101, LLM102, LLM105): each attempt starts from an empty answer, an <c>IOException</c> goes
    /// round again after a backoff, at most three times.
    /// </summary>
    private static string RetryLoop(string attemptBody, string reset = "answer.Clear();", string wait = Backoff, string keyword = "for")
        => keyword + " (var attempt = 0; ; attempt++)\n{\n" + reset + "\ntry\n{\n" + attemptBody + "\n}\n"
            + "catch (IOException) when (attempt < 3)\n{\n" + wait + "\n}\n}";

    private const string Answer = "var answer = new StringBuilder();";

    /// <summary>The streaming call as the receiver of an aggregation.</summary>
    private static string Stream(FamilyShape f) => f.AwaitCall ? "(" + f.Call() + ")" : f.Call();

    /// <summary>A relay: a method that forwards the stream to an <c>HttpResponse</c>, the client's token its own <c>ct</c>.</summary>
    private static string Relay(FamilyShape f, string body)
        => Unit(f, Method(f, body, returns: "Task", extra: ", HttpResponse response"), "using Microsoft.AspNetCore.Http;");

    /// <summary>A heartbeat: an SSE comment every 15 s while the relay runs.</summary>
    private const string Heartbeat = """
        using var heartbeat = new PeriodicTimer(TimeSpan.FromSeconds(15));
        var beating = Task.Run(async () =>
        {
            while (await heartbeat.WaitForNextTickAsync(ct))
            {
                await response.WriteAsync(": keep-alive\n\n", ct);
            }
        }, ct);
        """;

    private static string SseWrite(string data) => "await response.WriteAsync(\"data: \" + " + data + " + \"\\n\\n\", ct);";

    private static string Json(string delta) => "JsonSerializer.Serialize(" + delta + ")";

    /// <summary>Every rule that looks at SDK streams, by row.</summary>
    internal static readonly IReadOnlyList<RuleShape> Rows = new RuleShape[]
    {
        // LLM101: a stream enumerated with nothing to recover from a mid-stream failure; the retry loop is the fix.
        new(
            "LLM101",
            s => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\n" + AppendLoop(f, callMarker: "LLM101") + "\nreturn answer.ToString();")),
            f => Unit(f, Method(f, Answer + "\n" + RetryLoop(AppendLoop(f) + "\nreturn answer.ToString();")))),

        // LLM101 on the SDK's aggregation of the stream: the aggregation enumerates it.
        new(
            "LLM101 (aggregation)",
            s => Verify<MidStreamFailureNotRetriedAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, "var result = await " + Stream(f) + "." + "{|LLM101:" + f.AggregatorMethod + "|}(" + f.AggregatorArguments + ");\nreturn $\"{result}\";")),
            f => Unit(f, Method(f, RetryLoop("var result = await " + Stream(f) + "." + f.AggregatorMethod + "(" + f.AggregatorArguments + ");\nreturn $\"{result}\";", reset: string.Empty)))),

        // LLM102: the retry loop goes round at once.
        new(
            "LLM102",
            s => Verify<RetryWithoutBackoffAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\n" + RetryLoop(AppendLoop(f) + "\nreturn answer.ToString();", wait: string.Empty, keyword: "{|LLM102:for|}"))),
            f => Unit(f, Method(f, Answer + "\n" + RetryLoop(AppendLoop(f) + "\nreturn answer.ToString();")))),

        // LLM103: the client's options turn the SDK's retries off; the correct ones keep them.
        new(
            "LLM103",
            s => Verify<SdkRetriesDisabledAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, "object Options() => " + f.ClientOptions!.Replace("%", "{|LLM103:" + f.RetriesOff + "|}", StringComparison.Ordinal) + ";"),
            f => Unit(f, "object Options() => " + f.ClientOptions!.Replace("%", f.RetriesOn!, StringComparison.Ordinal) + ";"), ClientLevel: true),

        // LLM104: the Polly delegate hands out the stream unstarted; the correct delegate enumerates it.
        new(
            "LLM104",
            s => Verify<RetryWrapsUnstartedStreamAnalyzer>.AnalyzerAsync(s),
            f => Unit(
                f,
                Method(f, Answer + "\nvar stream = await pipeline.ExecuteAsync(" + (f.AwaitCall ? "async token => " + f.Call("token", "LLM104") : "token => ValueTask.FromResult(" + f.Call("token", "LLM104") + ")") + ", ct);\n"
                    + f.ForEach() + " (var update in stream)\n{\n" + f.Text(d => "answer.Append(" + d + ");") + "\n}\nreturn answer.ToString();", extra: ", ResiliencePipeline pipeline"),
                "using Polly;"),
            f => Unit(
                f,
                Method(f, Answer + "\nawait pipeline.ExecuteAsync(async token =>\n{\nanswer.Clear();\n" + AppendLoop(f, token: "token") + "\n}, ct);\nreturn answer.ToString();", extra: ", ResiliencePipeline pipeline"),
                "using Polly;")),

        // LLM105: the retry appends to an answer it never resets, so a failed attempt's text stays in front.
        new(
            "LLM105",
            s => Verify<RetryReplaysEmittedOutputAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\n" + RetryLoop(AppendLoop(f, append: d => "{|LLM105:answer.Append(" + d + ")|};") + "\nreturn answer.ToString();", reset: string.Empty))),
            f => Unit(f, Method(f, Answer + "\n" + RetryLoop(AppendLoop(f) + "\nreturn answer.ToString();")))),

        // LLM106: a catch of the SDK's exception only; the correct one takes IOException too.
        new(
            "LLM106",
            s => Verify<CatchMissesMidStreamFailureAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\ntry\n{\n" + AppendLoop(f) + "\n}\n{|LLM106:catch|} (" + f.SdkException + " ex)\n{\nthrow new InvalidOperationException(\"The model call failed.\", ex);\n}\nreturn answer.ToString();")),
            f => Unit(f, Method(f, Answer + "\ntry\n{\n" + AppendLoop(f) + "\n}\ncatch (" + f.SdkException + " ex)\n{\nthrow new InvalidOperationException(\"The model call failed.\", ex);\n}\ncatch (IOException ex)\n{\nthrow new InvalidOperationException(\"The model stream broke.\", ex);\n}\nreturn answer.ToString();"))),

        // LLM203: the loop never reads the finish reason; the correct loop sets 'finished' on a normal stop and throws without one.
        new(
            "LLM203",
            s => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\n" + AppendLoop(f, keyword: "{|LLM203:foreach|}") + "\nreturn answer.ToString();")),
            f => Unit(f, Method(f, Answer + "\nvar finished = false;\n" + AppendLoop(f, extra: f.ObserveFinish) + "\nif (!finished)\n{\nthrow new IOException(\"The answer was cut off.\");\n}\nreturn answer.ToString();"))),

        // LLM203 on the SDK's aggregation: the result's finish reason is never read; the correct code tests it.
        new(
            "LLM203 (aggregation)",
            s => Verify<FinishReasonNotObservedAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, "var result = await " + Stream(f) + ".{|LLM203:" + f.AggregatorMethod + "|}(" + f.AggregatorArguments + ");\nreturn $\"{result}\";")),
            f => Unit(f, Method(f, "var result = await " + Stream(f) + "." + f.AggregatorMethod + "(" + f.AggregatorArguments + ");\n" + f.AggregateFinishCheck + "\nreturn $\"{result}\";"))),

        // LLM205: an error the SDK hands over as an update is read as text; the correct loop throws on it.
        new(
            "LLM205",
            s => Verify<InStreamErrorIgnoredAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\n" + f.ForEach("{|LLM205:foreach|}") + " (var update in " + f.Call() + ")\n{\n" + f.UncheckedText(d => "answer.Append(" + d + ");") + "\n}\nreturn answer.ToString();")),
            f => Unit(f, Method(f, Answer + "\n" + AppendLoop(f, first: f.ErrorCheck!) + "\nreturn answer.ToString();"))),

        // LLM301: the catch returns a fallback and drops the text; the correct one keeps it on the exception.
        new(
            "LLM301",
            s => Verify<PartialOutputDiscardedAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\ntry\n{\n" + AppendLoop(f) + "\n}\n{|LLM301:catch|} (Exception)\n{\nreturn \"Sorry, something went wrong.\";\n}\nreturn answer.ToString();")),
            f => Unit(f, Method(f, Answer + "\ntry\n{\n" + AppendLoop(f) + "\n}\ncatch (Exception ex)\n{\nex.Data[\"PartialOutput\"] = answer.ToString();\nthrow;\n}\nreturn answer.ToString();"))),

        // LLM302: each fragment overwrites the last; the correct loop appends.
        new(
            "LLM302",
            s => Verify<DeltaOverwritesTextAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, "string? text = null;\n" + f.ForEach() + " (var update in " + f.Call() + ")\n{\n" + f.Text(d => "{|LLM302:text = " + d + "|};") + "\n}\nreturn text ?? \"\";")),
            f => Unit(f, Method(f, "string? text = null;\n" + f.ForEach() + " (var update in " + f.Call() + ")\n{\n" + f.Text(d => "text += " + d + ";") + "\n}\nreturn text ?? \"\";"))),

        // LLM303: the first element of a per-update list some updates leave empty; the correct read tests its count.
        new(
            "LLM303",
            s => Verify<ContentPartIndexedWithoutGuardAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, f.ForEach() + " (var update in " + f.Call() + ")\n{\nConsole.WriteLine({|LLM303:" + f.ContentList + "[0]|});\n}", returns: "Task")),
            f => Unit(f, Method(f, f.ForEach() + " (var update in " + f.Call() + ")\n{\nif (" + f.ContentList + ".Count > 0)\n{\nConsole.WriteLine(" + f.ContentList + "[0]);\n}\n}", returns: "Task"))),

        // LLM304: the catch only swallows the failure and the cut answer is returned as whole; the correct one rethrows with it.
        new(
            "LLM304",
            s => Verify<StreamFailureSwallowedAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\ntry\n{\n" + AppendLoop(f) + "\n}\n{|LLM304:catch|} (IOException)\n{\n}\nreturn answer.ToString();")),
            f => Unit(f, Method(f, Answer + "\ntry\n{\n" + AppendLoop(f) + "\n}\ncatch (IOException ex)\n{\nex.Data[\"PartialOutput\"] = answer.ToString();\nthrow;\n}\nreturn answer.ToString();"))),

        // LLM401: a 30 s HttpClient handed to the SDK; the correct timeout leaves the SDK's own, or minutes where it has none.
        new(
            "LLM401",
            s => Verify<HttpClientTimeoutTooShortAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, "object Create()\n{\nvar http = new HttpClient { {|LLM401:Timeout = TimeSpan.FromSeconds(30)|} };\nreturn " + f.HandHttpClient + ";\n}"),
            f => Unit(f, "object Create()\n{\nvar http = new HttpClient { Timeout = " + f.HttpClientTimeout + " };\nreturn " + f.HandHttpClient + ";\n}"), ClientLevel: true),

        // LLM404: a 10 s deadline on the stream's token; the correct one leaves the model minutes.
        new(
            "LLM404",
            s => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, "using var cts = new CancellationTokenSource({|LLM404:TimeSpan.FromSeconds(10)|});\nvar ct = cts.Token;\n" + Answer + "\n" + AppendLoop(f) + "\nreturn answer.ToString();", token: false)),
            f => Unit(f, Method(f, "using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));\nvar ct = cts.Token;\n" + Answer + "\n" + AppendLoop(f) + "\nreturn answer.ToString();", token: false))),

        // LLM404 on the SDK's own timeout option: 30 s; the correct value leaves the model minutes.
        new(
            "LLM404 (options)",
            s => Verify<SdkTimeoutTooShortAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, "object Options() => " + f.ClientOptions!.Replace("%", "{|LLM404:" + f.TimeoutOption + " = TimeSpan.FromSeconds(30)|}", StringComparison.Ordinal) + ";"),
            f => Unit(f, "object Options() => " + f.ClientOptions!.Replace("%", f.TimeoutOption + " = TimeSpan.FromMinutes(5)", StringComparison.Ordinal) + ";"), ClientLevel: true),

        // LLM406: the call of an SDK that waits for its end marker gets no token with a deadline; the correct one an idle timeout's.
        new(
            "LLM406",
            s => Verify<StreamedBodyWithoutIdleTimeoutAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\n" + AppendLoop(f, callMarker: "LLM406") + "\nreturn answer.ToString();")),
            f => Unit(f, Method(f, "var idleLimit = TimeSpan.FromMinutes(2);\nusing var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);\nidleTimeout.CancelAfter(idleLimit);\n" + Answer + "\n"
                + AppendLoop(f, token: "idleTimeout.Token", first: "idleTimeout.CancelAfter(idleLimit);") + "\nreturn answer.ToString();")),
            NotFor: f => SdkFamilies.Get(f.Id) is { WaitsForEndMarker: true } ? null : "the family's enumeration ends with the body (SdkFamily.WaitsForEndMarker): a stall is its network timeout's (LLM404)"),

        // LLM407: a timeout caught as a cancellation and swallowed; the correct catch tells them apart.
        new(
            "LLM407",
            s => Verify<TimeoutSwallowedAsCancellationAnalyzer>.AnalyzerAsync(s),
            f => Unit(f, Method(f, Answer + "\ntry\n{\n" + AppendLoop(f) + "\n}\ncatch {|LLM407:(OperationCanceledException)|}\n{\nreturn \"\";\n}\nreturn answer.ToString();")),
            f => Unit(f, Method(f, Answer + "\ntry\n{\n" + AppendLoop(f) + "\n}\ncatch (OperationCanceledException ex) when (!ct.IsCancellationRequested)\n{\nthrow new TimeoutException(\"The model stream timed out.\", ex);\n}\nreturn answer.ToString();"))),

        // LLM501: the relay's catch tells the client nothing; the correct one sends an SSE error event.
        new(
            "LLM501",
            s => Verify<RelayHidesUpstreamFailureAnalyzer>.AnalyzerAsync(s),
            f => Relay(f, "try\n{\n" + AppendLoop(f, append: d => SseWrite(Json(d))) + "\n}\n{|LLM501:catch|} (IOException)\n{\n}"),
            f => Relay(f, "try\n{\n" + AppendLoop(f, append: d => SseWrite(Json(d))) + "\n}\ncatch (IOException)\n{\nawait response.WriteAsync(\"event: error\\ndata: {\\\"error\\\":\\\"the model stream failed\\\"}\\n\\n\", ct);\n}")),

        // LLM502: the relay starts the stream with no token; the correct one passes the client's.
        new(
            "LLM502",
            s => Verify<ModelStreamIgnoresClientDisconnectAnalyzer>.AnalyzerAsync(s),
            f => Relay(f, AppendLoop(f, callMarker: "LLM502", token: "CancellationToken.None", append: d => SseWrite(Json(d)))),
            f => Relay(f, AppendLoop(f, append: d => SseWrite(Json(d))))),

        // LLM503: raw model text in an SSE data field; the correct write encodes it as JSON.
        new(
            "LLM503",
            s => Verify<SseDataCarriesRawModelTextAnalyzer>.AnalyzerAsync(s),
            f => Relay(f, AppendLoop(f, append: d => SseWrite("{|LLM503:" + d + "|}"))),
            f => Relay(f, AppendLoop(f, append: d => SseWrite(Json(d))))),

        // LLM504: an SSE relay that writes only when the model yields; the correct one sends a heartbeat.
        new(
            "LLM504",
            s => Verify<SseRelaySendsNoHeartbeatAnalyzer>.AnalyzerAsync(s),
            f => Relay(f, AppendLoop(f, keyword: "{|LLM504:foreach|}", append: d => SseWrite(Json(d)))),
            f => Relay(f, Heartbeat + "\n" + AppendLoop(f, append: d => SseWrite(Json(d))))),
    };

    /// <summary>The rules with no row, each with the reason: none of them looks at an SDK's stream or client.</summary>
    internal static readonly IReadOnlyDictionary<string, string> RulesWithoutRows = new Dictionary<string, string>
    {
        ["LLM201"] = "the [DONE] sentinel of a hand-rolled SSE loop: an SDK parses its own stream",
        ["LLM202"] = "the end of a hand-rolled stream without its terminal marker: an SDK stream's end is LLM203's finish reason",
        ["LLM204"] = "hand-rolled SSE parsing: an SDK parses its own stream",
        ["LLM402"] = "an HttpClient response downloaded whole before a hand-rolled loop reads it: an SDK reads its body streamed",
        ["LLM403"] = "the standard resilience handler of an IHttpClientBuilder, whatever the client serves",
        ["LLM405"] = "the validation of resilience options, whatever the client serves",
    };

    /// <summary>
    /// docs/families.md, the rules by family, is written from this matrix (<c>LLM_UPDATE_BOOKKEEPING=1 dotnet test
    /// --filter Bookkeeping</c>) and fails here while it is stale: a cell marked as tested is a cell that runs.
    /// </summary>
    [Fact]
    public void Bookkeeping_FamiliesPage_IsUpToDate()
    {
        var path = Repository.PathOf("docs", "families.md");
        var page = FamiliesPage();
        if (Environment.GetEnvironmentVariable(Meta.Bookkeeping.UpdateVariable) == "1")
        {
            File.WriteAllText(path, page);
        }

        Assert.True(File.Exists(path) && File.ReadAllText(path) == page, "docs/families.md is stale: LLM_UPDATE_BOOKKEEPING=1 dotnet test --filter Bookkeeping");
    }

    private static string FamiliesPage()
    {
        static string Name(FamilyShape f) => SdkFamilies.Get(f.Id)!.DisplayName;
        var text = new StringBuilder();
        text.Append("# Rules by SDK family\n\n")
            .Append("<!-- generated from tests/LlmStreaming.Analyzers.Tests/Families/RuleFamilyMatrixTests.cs: LLM_UPDATE_BOOKKEEPING=1 dotnet test --filter Bookkeeping -->\n\n")
            .Append("Which rule reports on which SDK's streams, as the rule-by-family test matrix holds it. A ✅ is a tested cell: the\n")
            .Append("rule's flawed shape over that SDK's stream gives the exact diagnostic, and the correct shape gives none, against the\n")
            .Append("real package; where the rule has a code fix, its first action, applied to the flawed shape finding by finding,\n")
            .Append("leaves none of the rule's findings and code that compiles. Any other cell links the reason it does not apply.\n")
            .Append("The same report checks also run over the variants listed\n")
            .Append("below (other streaming methods of a family). A family's answers themselves are in\n")
            .Append("`src/LlmStreaming.Analyzers/Recognition/Families/`.\n\n");
        text.Append("| rule | ").Append(string.Join(" | ", FamilyShapes.All.Select(Name))).Append(" |\n|---|")
            .Append(string.Concat(FamilyShapes.All.Select(_ => "---|"))).Append('\n');
        var notes = new List<string>();
        foreach (var row in Rows)
        {
            text.Append("| [").Append(row.Row).Append("](rules/").Append(row.Id).Append(".md) |");
            foreach (var family in FamilyShapes.All)
            {
                if (row.NotApplicable(family) is { } reason)
                {
                    notes.Add(row.Row + " on " + Name(family) + ": " + reason + ".");
                    text.Append(" n/a [").Append(notes.Count).Append("](#n").Append(notes.Count).Append(") |");
                }
                else
                {
                    text.Append(family.KnownDifferences?.ContainsKey(row.Row) == true ? " ❌ |" : " ✅ |");
                }
            }

            text.Append('\n');
        }

        text.Append("\n## Variants\n\n");
        foreach (var variant in FamilyShapes.Variants)
        {
            var runs = Rows.Where(r => r.NotApplicable(variant) is null).Select(r => r.Row).ToList();
            text.Append("- ").Append(Name(variant)).Append(", ").Append(variant.Variant!.Trim('(', ')')).Append(" (`").Append(variant.Method).Append("`): ")
                .Append(runs.Count).Append(" rows tested");
            var missed = runs.Where(r => variant.KnownDifferences?.ContainsKey(r) == true).ToList();
            text.Append(missed.Count == 0 ? ".\n" : "; not reported today: " + string.Join(", ", missed) + " (below).\n");
        }

        text.Append("\n## Known differences\n\nCells where a rule does not report a flawed shape today; each cell holds today's silence, so mending the rule fails it\nuntil the entry is removed.\n\n");
        var differences = Shapes.SelectMany(f => (f.KnownDifferences ?? new Dictionary<string, string>()).Select(d => "- " + d.Key + " on " + Name(f) + (f.Variant is null ? string.Empty : ", " + f.Variant.Trim('(', ')')) + ": " + d.Value.TrimEnd('.') + ".\n")).ToList();
        text.Append(differences.Count == 0 ? "None.\n" : string.Concat(differences));
        text.Append("\n## Rules with no row\n\n");
        foreach (var rule in RulesWithoutRows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            text.Append("- [").Append(rule.Key).Append("](rules/").Append(rule.Key).Append(".md): ").Append(rule.Value).Append(".\n");
        }

        text.Append("\n## Notes\n\n");
        for (var i = 0; i < notes.Count; i++)
        {
            text.Append("<a id=\"n").Append(i + 1).Append("\"></a>").Append(i + 1).Append(". ").Append(notes[i]).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Every rule of the package has rows here or says why it has none: a new rule is classified.</summary>
    [Fact]
    public void EveryRule_HasRowsOrSaysWhyNot()
    {
        var ids = PackageCatalog.Descriptors.Select(d => d.Id).Distinct().ToList();
        var withRows = Rows.Select(r => r.Id).Distinct().ToList();
        Assert.Empty(withRows.Intersect(RulesWithoutRows.Keys));
        Assert.Equal(ids.OrderBy(i => i, StringComparer.Ordinal), withRows.Concat(RulesWithoutRows.Keys).OrderBy(i => i, StringComparer.Ordinal));
    }

    /// <summary>The families' shapes and their variants.</summary>
    private static IEnumerable<FamilyShape> Shapes => FamilyShapes.All.Concat(FamilyShapes.Variants);

    private static FamilyShape Shape(string name) => Shapes.Single(f => f.Name == name);

    /// <summary>The cells that run: (row, family or variant, positive or negative) where the row applies.</summary>
    public static TheoryData<string, string, bool> Cells()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var row in Rows)
        {
            foreach (var family in Shapes.Where(f => row.NotApplicable(f) is null))
            {
                data.Add(row.Row, family.Name, true);
                data.Add(row.Row, family.Name, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public Task Cell(string row, string family, bool positive)
    {
        var rule = Rows.Single(r => r.Row == row);
        var shape = Shape(family);
        if (!positive)
        {
            return rule.Analyzer(rule.Negative(shape));
        }

        // A known difference: the analyzer misses the positive today (the reason is in the shape's data).
        return shape.KnownDifferences?.ContainsKey(row) == true
            ? rule.Analyzer(SourceCorpus.StripMarkup(rule.Positive(shape)))
            : rule.Analyzer(rule.Positive(shape));
    }

    /// <summary>
    /// The fix cells: (row, family) on each family's shape where the row runs and its rule has a fix. The variants share
    /// their family's fixes and are left to the report cells (a fix cell analyses and compiles the program several times).
    /// </summary>
    public static TheoryData<string, string> FixCells()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Rows.Where(r => ProgramWorkspace.FixersOf(r.Id).Any()))
        {
            foreach (var family in FamilyShapes.All.Where(f => row.NotApplicable(f) is null && f.KnownDifferences?.ContainsKey(row.Row) != true))
            {
                data.Add(row.Row, family.Name);
            }
        }

        return data;
    }

    /// <summary>
    /// A rule's fix works the same on every family's stream: on the flawed shape, the rule's first code action, applied
    /// finding by finding, leaves none of the rule's findings and code that compiles (the exact fixed code of each fix is
    /// held by the rule's own tests; this holds that no family is left without it).
    /// </summary>
    [Theory]
    [MemberData(nameof(FixCells))]
    public async Task FixCell(string row, string family)
    {
        var rule = Rows.Single(r => r.Row == row);
        var analyzer = PackageCatalog.Analyzers.Single(a => a.SupportedDiagnostics.Any(d => d.Id == rule.Id));
        var fixer = ProgramWorkspace.FixersOf(rule.Id).First();
        var document = ProgramWorkspace.Create(SourceCorpus.StripMarkup(rule.Positive(Shape(family))), LanguageVersion.Latest, "llm_streaming.min_timeout_seconds = 120");
        async Task<List<Diagnostic>> FindingsAsync()
        {
            var compilation = (await document.Project.GetCompilationAsync())!;
            var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(analyzer), document.Project.AnalyzerOptions).GetAnalyzerDiagnosticsAsync();
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
            return diagnostics.Where(d => d.Id == rule.Id).OrderBy(d => d.Location.SourceSpan.Start).ToList();
        }

        var findings = await FindingsAsync();
        Assert.True(findings.Count > 0, row + " on " + family + ": no finding on the flawed shape; "
            + string.Join("; ", (await document.Project.GetCompilationAsync())!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)));
        for (var step = 0; step < 6 && findings.Count > 0; step++)
        {
            var action = (await ProgramWorkspace.ActionsAsync(fixer, document, findings[0])).FirstOrDefault();
            Assert.True(action is not null, row + " on " + family + ": no fix offered on " + findings[0]);
            document = await ProgramWorkspace.ApplyAsync(action!, document);
            findings = await FindingsAsync();
        }

        var text = (await document.GetTextAsync()).ToString();
        Assert.True(findings.Count == 0, row + " on " + family + ": the fix leaves " + string.Join("; ", findings) + "\n" + text);
        var errors = (await document.Project.GetCompilationAsync())!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, row + " on " + family + ": the fixed code does not compile: " + string.Join("; ", errors) + "\n" + text);
    }

    /// <summary>
    /// Every family of <see cref="SdkFamilies.All"/> has matrix data, and every (row, family) pair runs or says why not:
    /// a family added without its shapes fails here.
    /// </summary>
    [Fact]
    public void EveryRowAndFamily_RunsOrSaysWhyNot()
    {
        Assert.Equal(SdkFamilies.All.Select(f => f.Id), FamilyShapes.All.Select(f => f.Id));
        Assert.All(FamilyShapes.All, f => Assert.Null(f.Variant));
        Assert.All(FamilyShapes.Variants, f => Assert.NotNull(f.Variant));
        Assert.Equal(Shapes.Count(), Shapes.Select(f => f.Name).Distinct().Count());
        var rows = Rows.Select(r => r.Row).ToList();
        Assert.Equal(rows.Distinct().Count(), rows.Count);
        foreach (var family in Shapes)
        {
            Assert.All(family.NotApplicable.Concat(family.KnownDifferences ?? new Dictionary<string, string>()), reason =>
            {
                Assert.Contains(reason.Key, rows);
                Assert.False(string.IsNullOrWhiteSpace(reason.Value), family + " " + reason.Key + ": a reason is needed");
            });
            Assert.Empty(family.NotApplicable.Keys.Intersect(family.KnownDifferences?.Keys ?? Enumerable.Empty<string>()));
        }

        var cells = Cells().Select(c => ((string)c[0], (string)c[1])).Distinct().ToList();
        foreach (var row in Rows)
        {
            foreach (var family in Shapes)
            {
                Assert.True(
                    cells.Contains((row.Row, family.Name)) ^ row.NotApplicable(family) is not null,
                    row.Row + " on " + family + ": neither run nor given a reason");
            }
        }
    }

    /// <summary>A positive marks its rule's diagnostics and only those; a negative marks none.</summary>
    [Fact]
    public void Positives_MarkTheirRule_NegativesMarkNothing()
    {
        foreach (var row in Rows)
        {
            foreach (var family in Shapes.Where(f => row.NotApplicable(f) is null))
            {
                var positive = row.Positive(family);
                Assert.Contains("{|" + row.Id + ":", positive, StringComparison.Ordinal);
                Assert.DoesNotMatch(@"\{\|(?!" + row.Id + ":)", positive);
                Assert.DoesNotContain("{|", row.Negative(family), StringComparison.Ordinal);
            }
        }
    }

    /// <summary>
    /// The shapes say what the family's data says: the streaming method is one of its streaming methods, the text
    /// fragment one of its delta members, the content list one of its lists, the twin the method's twin, the aggregation
    /// one of its aggregators, the SDK exception one of its error exceptions (<c>HttpRequestException</c> where it names
    /// none), the options and the HttpClient's timeout its options and receivers; where the shape has none, its row says
    /// why.
    /// </summary>
    [Theory]
    [MemberData(nameof(Families))]
    public void Shape_AgreesWithTheFamily(string family)
    {
        var shape = Shape(family);
        var sdk = SdkFamilies.All.Single(f => f.Id == shape.Id);
        Assert.Contains(shape.Method, sdk.StreamingMethods.Select(m => m.MethodName));
        var delta = shape.Delta.Split('.').Last();
        Assert.True(sdk.TextDeltaMembers.Contains(delta) || delta == "ToString()", delta);
        Assert.Equal(shape.ContentList is null, shape.NotApplicable.ContainsKey("LLM303"));
        if (shape.ContentList is not null)
        {
            Assert.Contains(shape.ContentList.Split('.').Last(), sdk.ContentLists);
        }

        Assert.Equal(shape.Twin?.Split('(')[0], sdk.NonStreamingTwins.SingleOrDefault(t => t.StreamingMethod == shape.Method)?.Twin);
        Assert.Equal(shape.AggregatorMethod is null, shape.NotApplicable.ContainsKey("LLM101 (aggregation)"));
        if (shape.AggregatorMethod is not null)
        {
            Assert.Contains(shape.AggregatorMethod, sdk.Aggregators.Select(a => a.MethodName));
        }

        var exceptions = sdk.ErrorExceptions.IsEmpty ? new[] { "System.Net.Http.HttpRequestException" } : sdk.ErrorExceptions.ToArray();
        Assert.Contains(shape.SdkException, exceptions);
        Assert.Equal(shape.ErrorCheck is null, shape.NotApplicable.ContainsKey("LLM205"));
        var aggregator = sdk.Aggregators.SingleOrDefault(a => a.MethodName == shape.AggregatorMethod);
        Assert.Equal(shape.AggregateFinishCheck is null, aggregator is null || aggregator.ThrowsOnMissingEnd);
        if (shape.Variant is not null)
        {
            return;
        }

        Assert.Equal(shape.HandHttpClient is null, shape.NotApplicable.ContainsKey("LLM401"));
        Assert.Equal(shape.HttpClientTimeout?.Contains("Infinite", StringComparison.Ordinal) ?? false, !sdk.HttpClientReceiversWithOwnTimeout.IsEmpty);
        if (shape.TimeoutOption is not null)
        {
            Assert.Contains(sdk.Options, o => o.Kind == SdkOptionKind.Timeout && o.Property == shape.TimeoutOption);
        }

        if (shape.RetriesOff is not null)
        {
            Assert.Contains(sdk.Options, o => o.Kind != SdkOptionKind.Timeout && shape.RetriesOff.StartsWith(o.Property + " ", StringComparison.Ordinal));
        }
    }

    /// <summary>The non-streaming twin compiles and is no stream: no rule reports it.</summary>
    [Theory]
    [MemberData(nameof(Families))]
    public async Task Twin_CompilesAndIsNoStream(string family)
    {
        var shape = Shape(family);
        if (shape.Twin is null)
        {
            return;
        }

        var call = shape.Receiver + "." + shape.Twin;
        var source = Unit(shape, Method(shape, "var result = " + (shape.Twin.Split('(')[0].EndsWith("Async", StringComparison.Ordinal) ? "await " : string.Empty) + call + ";\nreturn " + string.Format(shape.TwinText!, "result") + ";"));
        var compilation = AnalyzerRunner.Compile(new[] { ("Twin.cs", source) });
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        var result = await AnalyzerRunner.RunAsync(compilation);
        Assert.Empty(result.Exceptions);
        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("LLM", StringComparison.Ordinal)));
    }

    public static TheoryData<string> Families() => new(Shapes.Select(f => f.Name));
}
