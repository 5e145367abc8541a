using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.CrossMethod;

/// <summary>
/// Issue 11: LLM202 with the end marker handled in a method the read loop calls. An iterator that yields the record
/// <c>ParseLine(line)</c> builds, where that method (or one it returns from, two calls down) sets the record's
/// <c>Done</c> from the marker, hands the end on to its caller. A parser that drops the marker, a record whose
/// <c>Done</c> nobody sets, and a loop that swallows the final record are still reported.
/// </summary>
public class EndMarkerInCalleeTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Threading.Tasks;

        """;

    /// <summary>An OpenAI-style SSE iterator with <paramref name="loopBody"/> and a <c>ParseLine</c> of <paramref name="parseLine"/>; the loop is marked LLM202 when <paramref name="reported"/>.</summary>
    private static string Sse(string loopBody, string parseLine, bool reported) => Usings + $$"""
        record Chunk(string? Text, bool Done);

        class ChatClient
        {
            public async IAsyncEnumerable<Chunk> StreamAsync(HttpClient http, HttpRequestMessage request)
            {
                request.RequestUri = new Uri("https://api.openai.com/v1/chat/completions");
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                string? line;
                {{(reported ? "{|LLM202:while|}" : "while")}} ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data:")) continue;
        {{loopBody}}
                }
            }

            private static Chunk ParseLine(string line)
            {
        {{parseLine}}
            }
        }
        """;

    private const string ParseWithDone = """
                var data = line.Substring(5).TrimStart();
                if (data == "[DONE]") return new Chunk(null, Done: true);
                using var doc = JsonDocument.Parse(data);
                return new Chunk(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString(), false);
        """;

    [Fact]
    public Task NoDiagnostic_SseIteratorYieldingTheRecordParseLineBuilds_DoneBranchInTheCallee()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Sse("""
                    yield return ParseLine(line);
        """, ParseWithDone, reported: false));

    [Fact]
    public Task NoDiagnostic_SseIteratorYieldingALocalFromParseLine_FinalRecordCheckedAfterTheYield()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Sse("""
                    var chunk = ParseLine(line);
                    yield return chunk;
                    if (chunk.Done) yield break;
        """, ParseWithDone, reported: false));

    [Fact]
    public Task NoDiagnostic_SseIterator_DoneSetTwoCallsDown_ByTheMarkerOrTheDeserializer()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Sse("""
                    yield return ParseLine(line);
        """, """
                return Decode(line.Substring(5).TrimStart());
            }

            private static Chunk Decode(string data)
            {
                return data == "[DONE]" ? new Chunk(null, true) : JsonSerializer.Deserialize<Chunk>(data) ?? throw new InvalidDataException(data);
        """, reported: false));

    [Fact]
    public Task NoDiagnostic_SseIterator_DoneSetByAnObjectInitializerInTheCallee()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Sse("""
                    yield return ParseLine(line);
        """, """
                var data = line.Substring(5).TrimStart();
                return new Chunk(data == "[DONE]" ? null : data, false) { Done = data == "[DONE]" };
        """, reported: false));

    /// <summary>The true positive: the parser keeps the text only; the caller cannot tell a cut-off body.</summary>
    [Fact]
    public Task Reports_ParseLineThatDropsTheMarker()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Sse("""
                    var data = line.Substring(5).TrimStart();
                    if (data == "[DONE]") yield break;
                    yield return ParseLine(data);
        """, """
                using var doc = JsonDocument.Parse(line);
                return new Chunk(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString(), false);
        """, reported: true));

    /// <summary>A look-alike: the record has a <c>Done</c> member, but the parser never sets it (always false).</summary>
    [Fact]
    public Task Reports_RecordWithADoneMemberTheParserNeverSets_AndRecursiveParser_NoCrash()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Sse("""
                    yield return ParseLine(line);
        """, """
                if (line.StartsWith(" ")) return ParseLine(line.Trim());
                using var doc = JsonDocument.Parse(line.Substring(5));
                return new Chunk(doc.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString(), Done: false);
        """, reported: true));

    /// <summary>The loop swallows the final record the parser builds before yielding anything.</summary>
    [Fact]
    public Task Reports_LoopThatSwallowsTheFinalRecord()
        => Verify<EndOfStreamAcceptedAnalyzer>.AnalyzerAsync(Sse("""
                    var chunk = ParseLine(line);
                    if (chunk.Done) yield break;
                    yield return chunk;
        """, ParseWithDone, reported: true));
}
