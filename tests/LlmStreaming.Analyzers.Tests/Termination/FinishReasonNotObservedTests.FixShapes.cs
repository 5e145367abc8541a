using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Termination;

namespace LlmStreaming.Analyzers.Tests.Termination;

/// <summary>
/// LLM203's fix on the shapes no other test writes: the C# 7.3 capture without <c>??=</c>, a list of strings as the
/// accumulated text, Anthropic's <c>stop_reason</c> read through a <c>JsonDocument</c>, the <c>JsonNode</c> captures of
/// Ollama and Chat Completions, a DTO whose choices are a list, and a chunk local named by a keyword.
/// </summary>
public partial class FinishReasonNotObservedTests
{
    /// <summary>C# 7.3 has no <c>??=</c>: the first finish reason is kept by an <c>if</c>.</summary>
    [Fact]
    public Task Fix_OpenAI_CSharp73_CapturesWithoutCoalescingAssignment()
        => FixWithLanguageVersionAsync("""
            using System.Text;
            using OpenAI.Chat;

            class Chat
            {
                string Ask(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    {|LLM203:foreach|} (var update in client.CompleteChatStreaming(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    return text.ToString();
                }
            }
            """, """
            using System;
            using System.IO;
            using System.Text;
            using OpenAI.Chat;

            class Chat
            {
                string Ask(ChatClient client, string question)
                {
                    var text = new StringBuilder();
                    ChatFinishReason? finishReason = null;
                    foreach (var update in client.CompleteChatStreaming(new UserChatMessage(question)))
                    {
                        if (finishReason == null)
                        {
                            finishReason = update.FinishReason;
                        }

                        foreach (var part in update.ContentUpdate) text.Append(part.Text);
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """);

    /// <summary>The text kept as a list of strings: the exceptions carry <c>string.Concat(parts)</c>.</summary>
    [Fact]
    public Task Fix_OpenAI_ListOfStrings_CarriesTheirConcatenation()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var parts = new List<string>();
                    await {|LLM203:foreach|} (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            parts.Add(part.Text);
                        }
                    }

                    return string.Concat(parts);
                }
            }
            """, """
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client, string question)
                {
                    var parts = new List<string>();
                    ChatFinishReason? finishReason = null;
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage(question)))
                    {
                        finishReason ??= update.FinishReason;
                        foreach (var part in update.ContentUpdate)
                        {
                            parts.Add(part.Text);
                        }
                    }

                    if (finishReason is null)
                    {
                        throw new IOException("The model stream ended without a finish reason: the answer was cut off.") { Data = { ["PartialOutput"] = string.Concat(parts) } };
                    }

                    if (finishReason == ChatFinishReason.Length || finishReason == ChatFinishReason.ContentFilter)
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = string.Concat(parts) } };
                    }

                    return string.Concat(parts);
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_HandRolled_AnthropicSse_JsonDocument()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(HandRolledUsings + """
            class Claude
            {
                public async Task<string> AskAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("https://api.anthropic.com/v1/messages", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        var type = doc.RootElement.GetProperty("type").GetString();
                        if (type == "message_stop") break;
                        if (type == "content_block_delta") text.Append(doc.RootElement.GetProperty("delta").GetProperty("text").GetString());
                    }

                    return text.ToString();
                }
            }
            """, HandRolledUsings + """
            class Claude
            {
                public async Task<string> AskAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("https://api.anthropic.com/v1/messages", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? stopReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ")) continue;
                        using var doc = JsonDocument.Parse(line.Substring(6));
                        if (doc.RootElement.ValueKind == JsonValueKind.Object
                            && doc.RootElement.TryGetProperty("delta", out var stopDelta)
                            && stopDelta.ValueKind == JsonValueKind.Object
                            && stopDelta.TryGetProperty("stop_reason", out var stopValue)
                            && stopValue.ValueKind == JsonValueKind.String)
                        {
                            stopReason = stopValue.GetString();
                        }

                        var type = doc.RootElement.GetProperty("type").GetString();
                        if (type == "message_stop") break;
                        if (type == "content_block_delta") text.Append(doc.RootElement.GetProperty("delta").GetProperty("text").GetString());
                    }

                    if (stopReason == "max_tokens" || stopReason == "refusal" || stopReason == "model_context_window_exceeded")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (stop reason: {stopReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    [Fact]
    public Task Fix_HandRolled_OllamaAndChatCompletions_JsonNode()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(HandRolledUsings + """
            class Streams
            {
                public async Task<string> OllamaAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        var node = JsonNode.Parse(line);
                        text.Append((string?)node?["message"]?["content"]);
                        if ((bool?)node?["done"] == true) break;
                    }

                    return text.ToString();
                }

                public async Task<string> ChatAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var node = JsonNode.Parse(line.Substring(6));
                        text.Append((string?)node?["choices"]?[0]?["delta"]?["content"]);
                    }

                    return text.ToString();
                }
            }
            """, HandRolledUsings + """
            class Streams
            {
                public async Task<string> OllamaAsync(HttpClient http, HttpContent payload, CancellationToken ct)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", payload, ct);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    var text = new StringBuilder();
                    string? line;
                    string? doneReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        var node = JsonNode.Parse(line);
                        if (node is JsonObject doneChunk
                            && doneChunk["done_reason"] is JsonValue doneValue
                            && doneValue.TryGetValue<string>(out var doneText))
                        {
                            doneReason = doneText;
                        }

                        text.Append((string?)node?["message"]?["content"]);
                        if ((bool?)node?["done"] == true) break;
                    }

                    if (doneReason == "length")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (done reason: {doneReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }

                public async Task<string> ChatAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    string? finishReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var node = JsonNode.Parse(line.Substring(6));
                        if (node is JsonObject finishChunk
                            && finishChunk["choices"] is JsonArray finishChoices
                            && finishChoices.Count > 0
                            && finishChoices[0] is JsonObject finishChoice
                            && finishChoice["finish_reason"] is JsonValue finishValue
                            && finishValue.TryGetValue<string>(out var finishText))
                        {
                            finishReason = finishText;
                        }

                        text.Append((string?)node?["choices"]?[0]?["delta"]?["content"]);
                    }

                    if (finishReason == "length" || finishReason == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }
            """, FinishReasonNotObservedCodeFix.Key);

    /// <summary>A DTO whose choices are a list (its <c>Count</c>), kept in a local named by a keyword (written <c>@event</c>).</summary>
    [Fact]
    public Task Fix_HandRolled_Dto_ListOfChoices_KeywordLocal()
        => Verify<FinishReasonNotObservedAnalyzer, FinishReasonNotObservedCodeFix>.FixAsync(HandRolledUsings + """
            class Streams
            {
                public async Task<string> ChatAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    {|LLM203:while|} ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var @event = JsonSerializer.Deserialize<ChatChunk>(line.Substring(6));
                        if (@event?.Choices is { Count: > 0 } choices) text.Append(choices[0].Delta?.Content);
                    }

                    return text.ToString();
                }
            }

            class ChatChunk
            {
                public List<Choice>? Choices { get; set; }
            }

            class Choice
            {
                public Delta? Delta { get; set; }
                public string? Finish_Reason { get; set; }
            }

            class Delta
            {
                public string? Content { get; set; }
            }
            """, HandRolledUsings + """
            class Streams
            {
                public async Task<string> ChatAsync(HttpClient http, CancellationToken ct)
                {
                    using var reader = new StreamReader(await http.GetStreamAsync("https://api.openai.com/v1/chat/completions", ct));
                    var text = new StringBuilder();
                    string? line;
                    string? finishReason = null;
                    while ((line = await reader.ReadLineAsync(ct)) != null)
                    {
                        if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
                        var @event = JsonSerializer.Deserialize<ChatChunk>(line.Substring(6));
                        if (@event?.Choices is List<Choice> finishChoices
                            && finishChoices.Count > 0
                            && finishChoices[0]?.Finish_Reason is string finishText)
                        {
                            finishReason = finishText;
                        }

                        if (@event?.Choices is { Count: > 0 } choices) text.Append(choices[0].Delta?.Content);
                    }

                    if (finishReason == "length" || finishReason == "content_filter")
                    {
                        throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).") { Data = { ["PartialOutput"] = text.ToString() } };
                    }

                    return text.ToString();
                }
            }

            class ChatChunk
            {
                public List<Choice>? Choices { get; set; }
            }

            class Choice
            {
                public Delta? Delta { get; set; }
                public string? Finish_Reason { get; set; }
            }

            class Delta
            {
                public string? Content { get; set; }
            }
            """, FinishReasonNotObservedCodeFix.Key);
}
