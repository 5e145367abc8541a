using System.Collections.Immutable;

namespace LlmStreaming.Analyzers.Tests.Conformance.Programs;

/// <summary>
/// The flawed programs the conformance suite fixes and runs: one or more per family the rules recognise, and hand-rolled
/// SSE and NDJSON loops. Each is what a user writes first; none has a retry that works, and each loses or misreports an
/// answer when the stream breaks.
/// </summary>
internal static class Corpus
{
    /// <summary>An SDK stall must end in seconds in a test: the programs give their clients a 2 s network (idle) timeout.</summary>
    private const string OpenAIEntry = """
        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var options = new OpenAIClientOptions { Endpoint = new Uri(baseUrl + "/v1"), NetworkTimeout = TimeSpan.FromSeconds(2) };
                var client = new ChatClient("gpt-test", new ApiKeyCredential("test-key"), options);
                return new Assistant(client, output).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }
        """;

    private const string ExtensionsAIEntry = """
        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var options = new OpenAIClientOptions { Endpoint = new Uri(baseUrl + "/v1"), NetworkTimeout = TimeSpan.FromSeconds(2) };
                IChatClient client = new ChatClient("gpt-test", new ApiKeyCredential("test-key"), options).AsIChatClient();
                return new Assistant(client, output).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }
        """;

    /// <summary>An agent of Microsoft Agent Framework over the same Microsoft.Extensions.AI client.</summary>
    private const string AgentEntry = """
        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var options = new OpenAIClientOptions { Endpoint = new Uri(baseUrl + "/v1"), NetworkTimeout = TimeSpan.FromSeconds(2) };
                AIAgent agent = new ChatClient("gpt-test", new ApiKeyCredential("test-key"), options).AsIChatClient().AsAIAgent(instructions: "Answer briefly.");
                return new Assistant(agent, output).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }
        """;

    /// <summary>
    /// Azure AI Inference through Azure.Core: a 2 s network timeout like the others, and Azure.Core's retry delay (0.8 s,
    /// doubling) shortened so that its three retries of a failed request fit a cell's bound.
    /// </summary>
    private const string AzureInferenceEntry = """
        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var options = new AzureAIInferenceClientOptions();
                options.Retry.NetworkTimeout = TimeSpan.FromSeconds(2);
                options.Retry.Delay = TimeSpan.FromMilliseconds(50);
                var client = new ChatCompletionsClient(new Uri(baseUrl + "/v1"), new AzureKeyCredential("test-key"), options);
                return new Assistant(client, output).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }
        """;

    /// <summary>A hand-rolled client: the HttpClient's own 2 s timeout is the only bound its author chose.</summary>
    private const string HttpEntry = """
        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var http = new HttpClient { BaseAddress = new Uri(baseUrl + "/"), Timeout = TimeSpan.FromSeconds(2) };
                return new Assistant(http, output).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }
        """;

    public static readonly FlawedProgram OpenAIChat = new(
        "openai",
        "OpenAI `CompleteChatStreamingAsync`, text appended, no retry, finish reason never read",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using OpenAI;
        using OpenAI.Chat;

        """ + OpenAIEntry + """

        public sealed class Assistant
        {
            private readonly ChatClient _client;
            private readonly TextWriter _output;

            public Assistant(ChatClient client, TextWriter output)
            {
                _client = client;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var answer = new StringBuilder();
                await foreach (var update in _client.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage(question) }, cancellationToken: cancellationToken))
                {
                    foreach (var part in update.ContentUpdate)
                    {
                        answer.Append(part.Text);
                    }
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4);

    public static readonly FlawedProgram ExtensionsAISorry = new(
        "meai-sorry",
        "Microsoft.Extensions.AI over OpenAI, a catch that answers \"Sorry\" and drops the text",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI;
        using OpenAI.Chat;

        """ + ExtensionsAIEntry + """

        public sealed class Assistant
        {
            private readonly IChatClient _client;
            private readonly TextWriter _output;

            public Assistant(IChatClient client, TextWriter output)
            {
                _client = client;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var answer = new StringBuilder();
                try
                {
                    await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: cancellationToken))
                    {
                        answer.Append(update.Text);
                    }
                }
                catch (Exception)
                {
                    return "Sorry, something went wrong.";
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4);

    public static readonly FlawedProgram AgentFramework = new(
        "agent",
        "Microsoft Agent Framework (`AsAIAgent` over Microsoft.Extensions.AI over OpenAI) `RunStreamingAsync`, a catch that answers \"Sorry\" and drops the text",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Agents.AI;
        using Microsoft.Extensions.AI;
        using OpenAI;
        using OpenAI.Chat;

        """ + AgentEntry + """

        public sealed class Assistant
        {
            private readonly AIAgent _agent;
            private readonly TextWriter _output;

            public Assistant(AIAgent agent, TextWriter output)
            {
                _agent = agent;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var answer = new StringBuilder();
                try
                {
                    await foreach (var update in _agent.RunStreamingAsync(question, cancellationToken: cancellationToken))
                    {
                        answer.Append(update.Text);
                    }
                }
                catch (Exception)
                {
                    return "Sorry, something went wrong.";
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4);

    public static readonly FlawedProgram AzureInference = new(
        "azure-inference",
        "Azure AI Inference `CompleteStreamingAsync`, text appended, no retry, finish reason never read",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Azure;
        using Azure.AI.Inference;

        """ + AzureInferenceEntry + """

        public sealed class Assistant
        {
            private readonly ChatCompletionsClient _client;
            private readonly TextWriter _output;

            public Assistant(ChatCompletionsClient client, TextWriter output)
            {
                _client = client;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var options = new ChatCompletionsOptions { Messages = { new ChatRequestUserMessage(question) }, Model = "fake-model" };
                var answer = new StringBuilder();
                await foreach (var update in await _client.CompleteStreamingAsync(options, cancellationToken))
                {
                    answer.Append(update.ContentUpdate);
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4);

    public static readonly FlawedProgram ExtensionsAIWrites = new(
        "meai-writes",
        "Microsoft.Extensions.AI over OpenAI, each piece written to the user as it arrives, no retry",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI;
        using OpenAI.Chat;

        """ + ExtensionsAIEntry + """

        public sealed class Assistant
        {
            private readonly IChatClient _client;
            private readonly TextWriter _output;

            public Assistant(IChatClient client, TextWriter output)
            {
                _client = client;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var answer = new StringBuilder();
                await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: cancellationToken))
                {
                    await _output.WriteAsync(update.Text);
                    answer.Append(update.Text);
                }

                return answer.ToString();
            }
        }
        """,
        Emits: true,
        SdkRequestsOnPersistentFailure: 4);

    public static readonly FlawedProgram OpenAINaiveRetry = new(
        "openai-naive-retry",
        "OpenAI with a retry loop that retries at once, with no backoff",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using OpenAI;
        using OpenAI.Chat;

        """ + OpenAIEntry + """

        public sealed class Assistant
        {
            private readonly ChatClient _client;
            private readonly TextWriter _output;

            public Assistant(ChatClient client, TextWriter output)
            {
                _client = client;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var answer = new StringBuilder();
                        await foreach (var update in _client.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage(question) }, cancellationToken: cancellationToken))
                        {
                            foreach (var part in update.ContentUpdate)
                            {
                                answer.Append(part.Text);
                            }
                        }

                        return answer.ToString();
                    }
                    catch (IOException) when (attempt < 4)
                    {
                        // try again straight away
                    }
                }
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4);

    public static readonly FlawedProgram HandRolledSse = new(
        "sse",
        "A hand-rolled SSE loop over HttpClient: [DONE] parsed as JSON, no end check, no error check, buffered, no retry",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        """ + HttpEntry + """

        public sealed class Assistant
        {
            private readonly HttpClient _http;
            private readonly TextWriter _output;

            public Assistant(HttpClient http, TextWriter output)
            {
                _http = http;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var body = JsonSerializer.Serialize(new { model = "gpt-test", stream = true, messages = new[] { new { role = "user", content = question } } });
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                using var response = await _http.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                var answer = new StringBuilder();
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data: "))
                    {
                        continue;
                    }

                    var payload = line.Substring(6);
                    using var json = JsonDocument.Parse(payload);
                    var delta = json.RootElement.GetProperty("choices")[0].GetProperty("delta");
                    if (delta.TryGetProperty("content", out var content))
                    {
                        answer.Append(content.GetString());
                    }
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 1);

    /// <summary>The same hand-rolled SSE parse over a body read whole with ReadAsStringAsync and split into lines (issue 13).</summary>
    public static readonly FlawedProgram HandRolledSseWholeBody = new(
        "sse-whole-body",
        "A streamed body read whole (ReadAsStringAsync) and split into lines, then parsed like a stream: [DONE] parsed as JSON, no end check, no error check, no retry",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        """ + HttpEntry + """

        public sealed class Assistant
        {
            private readonly HttpClient _http;
            private readonly TextWriter _output;

            public Assistant(HttpClient http, TextWriter output)
            {
                _http = http;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var body = JsonSerializer.Serialize(new { model = "gpt-test", stream = true, messages = new[] { new { role = "user", content = question } } });
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                using var response = await _http.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                var events = await response.Content.ReadAsStringAsync(cancellationToken);
                var answer = new StringBuilder();
                foreach (var line in events.Split('\n'))
                {
                    if (!line.StartsWith("data: "))
                    {
                        continue;
                    }

                    var payload = line.Substring(6).TrimEnd('\r');
                    using var json = JsonDocument.Parse(payload);
                    var delta = json.RootElement.GetProperty("choices")[0].GetProperty("delta");
                    if (delta.TryGetProperty("content", out var content))
                    {
                        answer.Append(content.GetString());
                    }
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 1);

    /// <summary>
    /// The hand-rolled SSE program in a service that has an <c>ILogger</c> (here one that writes each entry to the output):
    /// the fixed retry must log each retry as a warning and the final failure as an error, with the attempt number.
    /// </summary>
    public static readonly FlawedProgram HandRolledSseLogged = new(
        "sse-logged",
        "The hand-rolled SSE program with an ILogger field: the fix's retry must log each retry (warning) and the final failure (error)",
        WireFormat.OpenAIChat,
        HandRolledSse.Source
            .Replace("using System.Threading.Tasks;\n", "using System.Threading.Tasks;\nusing Microsoft.Extensions.Logging;\n")
            .Replace("    private readonly TextWriter _output;\n", "    private readonly TextWriter _output;\n    private readonly ILogger _logger;\n")
            .Replace("        _output = output;\n", "        _output = output;\n        _logger = new WriterLogger(output);\n")
            + """

            public sealed class WriterLogger : ILogger
            {
                private readonly TextWriter _output;

                public WriterLogger(TextWriter output) => _output = output;

                public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

                public bool IsEnabled(LogLevel logLevel) => true;

                public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                    => _output.WriteLine(logLevel + ": " + formatter(state, exception));
            }
            """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 1,
        Logs: true);

    public static readonly FlawedProgram HandRolledNdjson = new(
        "ndjson",
        "A hand-rolled NDJSON loop over Ollama's /api/chat: no end check, no error check, buffered, no retry",
        WireFormat.Ollama,
        """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        """ + HttpEntry + """

        public sealed class Assistant
        {
            private readonly HttpClient _http;
            private readonly TextWriter _output;

            public Assistant(HttpClient http, TextWriter output)
            {
                _http = http;
                _output = output;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var body = JsonSerializer.Serialize(new { model = "llama3", stream = true, messages = new[] { new { role = "user", content = question } } });
                using var response = await _http.PostAsync("api/chat", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                var answer = new StringBuilder();
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }

                    using var json = JsonDocument.Parse(line);
                    answer.Append(json.RootElement.GetProperty("message").GetProperty("content").GetString());
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 1);

    /// <summary>The most common mistake of 2026 code (LLM304): the failure is logged and the cut text returned as the answer.</summary>
    public static readonly FlawedProgram ExtensionsAISwallow = new(
        "meai-swallow",
        "Microsoft.Extensions.AI over OpenAI, a catch that only logs, then the text returned as if complete",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.AI;
        using OpenAI;
        using OpenAI.Chat;

        """ + ExtensionsAIEntry + """

        public sealed class Assistant
        {
            private readonly IChatClient _client;
            private readonly TextWriter _log;

            public Assistant(IChatClient client, TextWriter log)
            {
                _client = client;
                _log = log;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var answer = new StringBuilder();
                try
                {
                    await foreach (var update in _client.GetStreamingResponseAsync(question, cancellationToken: cancellationToken))
                    {
                        answer.Append(update.Text);
                    }
                }
                catch (Exception ex)
                {
                    Console.Error.WriteLine("The stream failed: " + ex.Message);
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4);

    /// <summary>Anthropic's own SDK: its <c>Timeout</c> covers the headers only, so nothing in the SDK bounds a stalled body.</summary>
    public static readonly FlawedProgram Anthropic = new(
        "anthropic",
        "Anthropic `CreateStreaming`, text deltas appended, no retry, stop reason never read",
        WireFormat.Anthropic,
        """
        using System;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Anthropic;
        using Anthropic.Models.Messages;

        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var client = new AnthropicClient { BaseUrl = baseUrl, ApiKey = "test-key", Timeout = TimeSpan.FromSeconds(2) };
                return new Assistant(client).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }

        public sealed class Assistant
        {
            private readonly AnthropicClient _client;

            public Assistant(AnthropicClient client)
            {
                _client = client;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var request = new MessageCreateParams { Model = "claude-test", MaxTokens = 1024, Messages = [new UserMessageParam(question)] };
                var answer = new StringBuilder();
                await foreach (var streamEvent in _client.Messages.CreateStreaming(request, cancellationToken))
                {
                    if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var text))
                    {
                        answer.Append(text.Text);
                    }
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 3);

    /// <summary>OllamaSharp: no retries of its own, and a stalled read does not observe the token.</summary>
    public static readonly FlawedProgram Ollama = new(
        "ollama",
        "OllamaSharp `ChatAsync`, message content appended, no retry, done never checked",
        WireFormat.Ollama,
        """
        using System;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using OllamaSharp;
        using OllamaSharp.Models.Chat;

        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var client = new OllamaApiClient(new Uri(baseUrl), "llama3");
                return new Assistant(client).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }

        public sealed class Assistant
        {
            private readonly IOllamaApiClient _client;

            public Assistant(IOllamaApiClient client)
            {
                _client = client;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var request = new ChatRequest { Model = "llama3", Messages = [new Message(ChatRole.User, question)] };
                var answer = new StringBuilder();
                await foreach (var chunk in _client.ChatAsync(request, cancellationToken))
                {
                    answer.Append(chunk?.Message.Content);
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 1);

    /// <summary>
    /// Semantic Kernel over its OpenAI connector, built the way its samples build it (a kernel, the chat service taken from
    /// it). The connector takes the OpenAI client it is given, so that client's 2 s network (idle) timeout and its own
    /// retries of the initial request (3) apply.
    /// </summary>
    public static readonly FlawedProgram SemanticKernel = new(
        "semantic-kernel",
        "Semantic Kernel `GetStreamingChatMessageContentsAsync` over the OpenAI connector, content appended, no retry, finish reason never read",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.SemanticKernel;
        using Microsoft.SemanticKernel.ChatCompletion;
        using OpenAI;

        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var options = new OpenAIClientOptions { Endpoint = new Uri(baseUrl + "/v1"), NetworkTimeout = TimeSpan.FromSeconds(2) };
                var kernel = Kernel.CreateBuilder()
                    .AddOpenAIChatCompletion("gpt-test", new OpenAIClient(new ApiKeyCredential("test-key"), options))
                    .Build();
                return new Assistant(kernel.GetRequiredService<IChatCompletionService>()).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }

        public sealed class Assistant
        {
            private readonly IChatCompletionService _chat;

            public Assistant(IChatCompletionService chat)
            {
                _chat = chat;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var history = new ChatHistory();
                history.AddUserMessage(question);
                var answer = new StringBuilder();
                await foreach (var chunk in _chat.GetStreamingChatMessageContentsAsync(history, cancellationToken: cancellationToken))
                {
                    answer.Append(chunk.Content);
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4);

    /// <summary>
    /// Betalgo.Ranul.OpenAI: no retries of its own, failures (statuses, error events) yielded as items with
    /// <c>Successful == false</c> rather than thrown, and no timeout option but the HttpClient's (which covers the headers
    /// only, as Betalgo reads the stream with ResponseHeadersRead): its default client is used.
    /// </summary>
    public static readonly FlawedProgram Betalgo = new(
        "betalgo",
        "Betalgo.Ranul.OpenAI `CreateCompletionAsStream`, first choice's content appended, Successful never read, no retry, finish reason never read",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Betalgo.Ranul.OpenAI;
        using Betalgo.Ranul.OpenAI.Interfaces;
        using Betalgo.Ranul.OpenAI.Managers;
        using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;

        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var service = new OpenAIService(new OpenAIOptions { ApiKey = "test-key", BaseDomain = baseUrl });
                return new Assistant(service).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }

        public sealed class Assistant
        {
            private readonly IOpenAIService _service;

            public Assistant(IOpenAIService service)
            {
                _service = service;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var request = new ChatCompletionCreateRequest { Model = "gpt-test", Messages = new List<ChatMessage> { ChatMessage.FromUser(question) } };
                var answer = new StringBuilder();
                await foreach (var completion in _service.ChatCompletion.CreateCompletionAsStream(request, cancellationToken: cancellationToken))
                {
                    answer.Append(completion.Choices.First().Message.Content);
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 1);

    /// <summary>
    /// OpenAI's Responses API: typed events, the text in <c>StreamingResponseOutputTextDeltaUpdate</c>, the end in
    /// <c>response.completed</c>/<c>response.incomplete</c>, errors as <c>StreamingResponseErrorUpdate</c> items. The request
    /// is sent when the call is awaited, not at the first MoveNext.
    /// </summary>
    public static readonly FlawedProgram OpenAIResponses = new(
        "openai-responses",
        "OpenAI Responses `CreateResponseStreamingAsync`, text deltas appended, no retry, terminal event never read",
        WireFormat.OpenAIResponses,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using OpenAI;
        using OpenAI.Responses;

        #pragma warning disable OPENAI001 // the Responses client is marked experimental

        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var options = new ResponsesClientOptions { Endpoint = new Uri(baseUrl + "/v1"), NetworkTimeout = TimeSpan.FromSeconds(2) };
                var client = new ResponsesClient(new ApiKeyCredential("test-key"), options);
                return new Assistant(client).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }

        public sealed class Assistant
        {
            private readonly ResponsesClient _client;

            public Assistant(ResponsesClient client)
            {
                _client = client;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var answer = new StringBuilder();
                await foreach (var update in await _client.CreateResponseStreamingAsync("gpt-test", question, cancellationToken: cancellationToken))
                {
                    if (update is StreamingResponseOutputTextDeltaUpdate delta)
                    {
                        answer.Append(delta.Delta);
                    }
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4);

    /// <summary>A .NET Framework-era project (C# 7.3): no <c>await foreach</c>, so the synchronous stream.</summary>
    public static readonly FlawedProgram OpenAISyncCSharp73 = new(
        "openai-sync-cs73",
        "OpenAI `CompleteChatStreaming` (synchronous) in a C# 7.3 project, no retry, finish reason never read",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.ClientModel;
        using System.IO;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using OpenAI;
        using OpenAI.Chat;

        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var options = new OpenAIClientOptions { Endpoint = new Uri(baseUrl + "/v1"), NetworkTimeout = TimeSpan.FromSeconds(2) };
                var client = new ChatClient("gpt-test", new ApiKeyCredential("test-key"), options);
                return Task.FromResult(new Assistant(client).Ask("Tell me about foxes.", cancellationToken));
            }
        }

        public sealed class Assistant
        {
            private readonly ChatClient _client;

            public Assistant(ChatClient client)
            {
                _client = client;
            }

            public string Ask(string question, CancellationToken cancellationToken)
            {
                var answer = new StringBuilder();
                foreach (var update in _client.CompleteChatStreaming(new ChatMessage[] { new UserChatMessage(question) }, cancellationToken: cancellationToken))
                {
                    foreach (var part in update.ContentUpdate)
                    {
                        answer.Append(part.Text);
                    }
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 4,
        LanguageVersion: Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp7_3);

    /// <summary>A hand-rolled SSE loop in a C# 7.3 project: using statements, no using declarations.</summary>
    public static readonly FlawedProgram HandRolledSseCSharp73 = new(
        "sse-cs73",
        "A hand-rolled SSE loop in a C# 7.3 project (using statements): no error check, no end check, no retry",
        WireFormat.OpenAIChat,
        """
        using System;
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        public static class ConformanceEntry
        {
            public static Task<string> RunAsync(string baseUrl, TextWriter output, CancellationToken cancellationToken)
            {
                var http = new HttpClient { BaseAddress = new Uri(baseUrl + "/"), Timeout = TimeSpan.FromSeconds(2) };
                return new Assistant(http).AskAsync("Tell me about foxes.", cancellationToken);
            }
        }

        public sealed class Assistant
        {
            private readonly HttpClient _http;

            public Assistant(HttpClient http)
            {
                _http = http;
            }

            public async Task<string> AskAsync(string question, CancellationToken cancellationToken)
            {
                var body = JsonSerializer.Serialize(new { model = "gpt-test", stream = true, messages = new[] { new { role = "user", content = question } } });
                var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                var response = await _http.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var answer = new StringBuilder();
                string line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    if (!line.StartsWith("data: "))
                    {
                        continue;
                    }

                    var payload = line.Substring(6);
                    if (payload == "[DONE]")
                    {
                        break;
                    }

                    var json = JsonDocument.Parse(payload);
                    var choices = json.RootElement.GetProperty("choices");
                    if (choices.GetArrayLength() == 0)
                    {
                        continue;
                    }

                    JsonElement content;
                    if (choices[0].GetProperty("delta").TryGetProperty("content", out content))
                    {
                        answer.Append(content.GetString());
                    }
                }

                return answer.ToString();
            }
        }
        """,
        Emits: false,
        SdkRequestsOnPersistentFailure: 1,
        LanguageVersion: Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp7_3);

    public static readonly ImmutableArray<FlawedProgram> All = ImmutableArray.Create(
        OpenAIChat, ExtensionsAISorry, AgentFramework, AzureInference, ExtensionsAISwallow, ExtensionsAIWrites, OpenAINaiveRetry, Anthropic, Ollama, SemanticKernel, Betalgo, OpenAIResponses, HandRolledSse, HandRolledSseWholeBody, HandRolledSseLogged, HandRolledNdjson, OpenAISyncCSharp73, HandRolledSseCSharp73);
}
