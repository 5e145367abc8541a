using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http;
using System.Text;
using System.Threading;
using Anthropic;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using OllamaSharp;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>What a streaming call through a real SDK produced: the text, the finish reason it read, the exception.</summary>
public sealed record SdkOutcome(string Text, string? Finish, Exception? Error, TimeSpan Elapsed)
{
    public override string ToString()
        => $"text='{Text}' finish={Finish ?? "null"} error={Describe(Error)} elapsed={Elapsed.TotalMilliseconds:0}ms";

    public static string Describe(Exception? e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            var status = x switch
            {
                ClientResultException cre => "(" + cre.Status + ")",
                HttpRequestException hre => "(" + (hre.StatusCode is { } code ? (int)code + "," : string.Empty) + hre.HttpRequestError + ")",
                HttpIOException hio => "(" + hio.HttpRequestError + ")",
                System.Net.Sockets.SocketException se => "(" + se.SocketErrorCode + ")",
                _ => string.Empty,
            };
            parts.Add(x.GetType().FullName + status);
        }

        return parts.Count == 0 ? "none" : string.Join(" <- ", parts);
    }
}

/// <summary>Drives the real SDK clients against a <see cref="FakeModelServer"/>.</summary>
public static class SdkDrivers
{
    public static ChatClient OpenAIChat(FakeModelServer server, int? maxRetries = null, TimeSpan? networkTimeout = null)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl + "/v1") };
        if (maxRetries is { } retries)
        {
            options.RetryPolicy = new ClientRetryPolicy(retries);
        }

        if (networkTimeout is { } timeout)
        {
            options.NetworkTimeout = timeout;
        }

        return new ChatClient(WireFormat.Model, new ApiKeyCredential("fake-key"), options);
    }

    public static AnthropicClient Anthropic(FakeModelServer server, int? maxRetries = null, TimeSpan? timeout = null)
        => new() { BaseUrl = server.BaseUrl, ApiKey = "fake-key", MaxRetries = maxRetries, Timeout = timeout };

    public static OllamaApiClient Ollama(FakeModelServer server) => new(new Uri(server.BaseUrl), WireFormat.Model);

    private static async Task<SdkOutcome> RunAsync(Func<StringBuilder, Action<string?>, Task> body)
    {
        var text = new StringBuilder();
        string? finish = null;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await body(text, f => finish = f ?? finish);
            return new SdkOutcome(text.ToString(), finish, null, watch.Elapsed);
        }
        catch (Exception e)
        {
            return new SdkOutcome(text.ToString(), finish, e, watch.Elapsed);
        }
    }

    public static Task<SdkOutcome> OpenAIStreamAsync(ChatClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: ct))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }

                finish(update.FinishReason?.ToString());
            }
        });

    public static Task<SdkOutcome> OpenAICompleteAsync(ChatClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: ct);
            text.Append(completion.Content[0].Text);
            finish(completion.FinishReason.ToString());
        });

    public static Task<SdkOutcome> ExtensionsAIStreamAsync(IChatClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("hi", cancellationToken: ct))
            {
                text.Append(update.Text);
                finish(update.FinishReason?.Value);
            }
        });

    public static Task<SdkOutcome> AnthropicStreamAsync(AnthropicClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            var request = new MessageCreateParams { Model = WireFormat.Model, MaxTokens = 100, Messages = [new UserMessageParam("hi")] };
            await foreach (var streamEvent in client.Messages.CreateStreaming(request, ct))
            {
                if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
                {
                    text.Append(textDelta.Text);
                }

                if (streamEvent.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason is { } reason)
                {
                    finish(reason.Raw());
                }
            }
        });

    public static Task<SdkOutcome> AnthropicCreateAsync(AnthropicClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            var request = new MessageCreateParams { Model = WireFormat.Model, MaxTokens = 100, Messages = [new UserMessageParam("hi")] };
            var message = await client.Messages.Create(request, ct);
            foreach (var block in message.Content)
            {
                if (block.TryPickText(out var t))
                {
                    text.Append(t.Text);
                }
            }

            finish(message.StopReason?.Raw());
        });

    public static Task<SdkOutcome> OllamaChatAsync(OllamaApiClient client, CancellationToken ct, bool stream = true)
        => RunAsync(async (text, finish) =>
        {
            var request = new ChatRequest { Model = WireFormat.Model, Stream = stream, Messages = [new OllamaSharp.Models.Chat.Message(OllamaSharp.Models.Chat.ChatRole.User, "hi")] };
            await foreach (var chunk in client.ChatAsync(request, ct))
            {
                text.Append(chunk?.Message?.Content);
                if (chunk is ChatDoneResponseStream done)
                {
                    finish(done.DoneReason ?? "(done)");
                }
            }
        });

    public static Task<SdkOutcome> OllamaGenerateAsync(OllamaApiClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            await foreach (var chunk in client.GenerateAsync(new GenerateRequest { Model = WireFormat.Model, Prompt = "hi" }, ct))
            {
                text.Append(chunk?.Response);
                if (chunk is GenerateDoneResponseStream done)
                {
                    finish(done.DoneReason ?? "(done)");
                }
            }
        });

    public static Microsoft.SemanticKernel.Connectors.OpenAI.OpenAIChatCompletionService SemanticKernel(FakeModelServer server)
        => new(WireFormat.Model, new Uri(server.BaseUrl + "/v1"), "fake-key");

    /// <summary>
    /// Semantic Kernel as the conformance program builds it: a kernel whose chat service wraps an OpenAI client of the
    /// caller's (so the client's retries and network timeout are the ones that apply).
    /// </summary>
    public static Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService SemanticKernelOverClient(FakeModelServer server, TimeSpan? networkTimeout = null)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(server.BaseUrl + "/v1") };
        if (networkTimeout is { } timeout)
        {
            options.NetworkTimeout = timeout;
        }

        var kernel = Microsoft.SemanticKernel.Kernel.CreateBuilder()
            .AddOpenAIChatCompletion(WireFormat.Model, new OpenAIClient(new ApiKeyCredential("fake-key"), options))
            .Build();
        return kernel.GetRequiredService<Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService>();
    }

    public static Task<SdkOutcome> SemanticKernelStreamAsync(Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService service, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            var history = new Microsoft.SemanticKernel.ChatCompletion.ChatHistory();
            history.AddUserMessage("hi");
            await foreach (var update in service.GetStreamingChatMessageContentsAsync(history, cancellationToken: ct))
            {
                text.Append(update.Content);
                if (update.Metadata is { } metadata && metadata.TryGetValue("FinishReason", out var reason) && reason is not null)
                {
                    finish(reason.ToString());
                }
            }
        });

    /// <summary>Azure AI Inference's client (Azure.Core underneath: its retries, its network timeout) on the fake server's chat completions.</summary>
    public static global::Azure.AI.Inference.ChatCompletionsClient AzureInference(FakeModelServer server, TimeSpan? networkTimeout = null)
    {
        // Azure.Core's retry delay (0.8 s, doubling) shortened so that its three retries fit the rows' bound; their count is what the rows measure.
        var options = new global::Azure.AI.Inference.AzureAIInferenceClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(50);
        if (networkTimeout is { } timeout)
        {
            options.Retry.NetworkTimeout = timeout;
        }

        return new(new Uri(server.BaseUrl + "/v1"), new global::Azure.AzureKeyCredential("fake-key"), options);
    }

    public static Task<SdkOutcome> AzureInferenceStreamAsync(global::Azure.AI.Inference.ChatCompletionsClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            var options = new global::Azure.AI.Inference.ChatCompletionsOptions(new global::Azure.AI.Inference.ChatRequestMessage[] { new global::Azure.AI.Inference.ChatRequestUserMessage("hi") }) { Model = WireFormat.Model };
            await foreach (var update in await client.CompleteStreamingAsync(options, ct))
            {
                text.Append(update.ContentUpdate);
                if (update.FinishReason is { } reason)
                {
                    finish(reason.ToString());
                }
            }
        });

    public static Task<SdkOutcome> AzureInferenceCompleteAsync(global::Azure.AI.Inference.ChatCompletionsClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            var options = new global::Azure.AI.Inference.ChatCompletionsOptions(new global::Azure.AI.Inference.ChatRequestMessage[] { new global::Azure.AI.Inference.ChatRequestUserMessage("hi") }) { Model = WireFormat.Model };
            var response = await client.CompleteAsync(options, ct);
            text.Append(response.Value.Content);
            if (response.Value.FinishReason is { } reason)
            {
                finish(reason.ToString());
            }
        });

    /// <summary>Betalgo's service, on its own HttpClient, or on <paramref name="http"/> (its only timeout is that client's).</summary>
    public static global::Betalgo.Ranul.OpenAI.Managers.OpenAIService Betalgo(FakeModelServer server, HttpClient? http = null)
        => new(new global::Betalgo.Ranul.OpenAI.OpenAIOptions { ApiKey = "fake-key", BaseDomain = server.BaseUrl }, http);

    /// <summary>Betalgo reports some failures in the response (Successful false, Error) instead of throwing: they come back as finish "error:CODE".</summary>
    public static Task<SdkOutcome> BetalgoStreamAsync(global::Betalgo.Ranul.OpenAI.Managers.OpenAIService service, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            var request = new global::Betalgo.Ranul.OpenAI.ObjectModels.RequestModels.ChatCompletionCreateRequest
            {
                Model = WireFormat.Model,
                Messages = [global::Betalgo.Ranul.OpenAI.ObjectModels.RequestModels.ChatMessage.FromUser("hi")],
            };
            await foreach (var chunk in service.ChatCompletion.CreateCompletionAsStream(request, cancellationToken: ct))
            {
                if (!chunk.Successful)
                {
                    finish("error:" + (chunk.Error?.Code ?? chunk.Error?.Type ?? "?"));
                    continue;
                }

                foreach (var choice in chunk.Choices)
                {
                    text.Append(choice.Message?.Content);
                    finish(choice.FinishReason);
                }
            }
        });

    /// <summary>
    /// The items of a Betalgo stream that report a failure (<c>Successful == false</c>), as "STATUS:CODE" (the item's
    /// <c>HttpStatusCode</c> as a number, and its error code); the text as it arrives.
    /// </summary>
    public static Task<SdkOutcome> BetalgoFailedItemsAsync(global::Betalgo.Ranul.OpenAI.Managers.OpenAIService service, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            var request = new global::Betalgo.Ranul.OpenAI.ObjectModels.RequestModels.ChatCompletionCreateRequest
            {
                Model = WireFormat.Model,
                Messages = [global::Betalgo.Ranul.OpenAI.ObjectModels.RequestModels.ChatMessage.FromUser("hi")],
            };
            await foreach (var chunk in service.ChatCompletion.CreateCompletionAsStream(request, cancellationToken: ct))
            {
                if (!chunk.Successful)
                {
                    finish((int)chunk.HttpStatusCode + ":" + (chunk.Error?.Code ?? chunk.Error?.Type ?? "?"));
                    continue;
                }

                foreach (var choice in chunk.Choices)
                {
                    text.Append(choice.Message?.Content);
                }
            }
        });

    public static ResponsesClient Responses(FakeModelServer server, TimeSpan? networkTimeout = null)
    {
        var options = new ResponsesClientOptions { Endpoint = new Uri(server.BaseUrl + "/v1") };
        if (networkTimeout is { } timeout)
        {
            options.NetworkTimeout = timeout;
        }

        return new ResponsesClient(new ApiKeyCredential("fake-key"), options);
    }

    public static Task<SdkOutcome> ResponsesStreamAsync(ResponsesClient client, CancellationToken ct)
        => RunAsync(async (text, finish) =>
        {
            await foreach (var update in await client.CreateResponseStreamingAsync(WireFormat.Model, "hi", cancellationToken: ct))
            {
                if (update is StreamingResponseOutputTextDeltaUpdate delta)
                {
                    text.Append(delta.Delta);
                }
                else if (update is StreamingResponseCompletedUpdate completed)
                {
                    finish(completed.Response.Status?.ToString());
                }
                else if (update is StreamingResponseErrorUpdate error)
                {
                    finish("error:" + error.Code);
                }
                else if (update is StreamingResponseIncompleteUpdate incomplete)
                {
                    finish("incomplete:" + incomplete.Response.IncompleteStatusDetails?.Reason?.ToString());
                }
            }
        });
}
