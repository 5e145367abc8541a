using LlmStreaming.Analyzers.Recognition;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>The textual facts that tie hand-rolled HTTP code to a model.</summary>
public class ModelSignalsTests
{
    private static readonly LlmOptions Configured = LlmOptions.Parse(new TestAnalyzerConfigOptions(new Dictionary<string, string>
    {
        ["llm_streaming.model_hosts"] = "llm.corp.example, *.inference.example",
    }));

    [Theory]
    [InlineData("https://api.openai.com/v1/chat/completions")]
    [InlineData("https://API.OpenAI.com")]
    [InlineData("api.openai.com")]
    [InlineData("https://my-resource.openai.azure.com/openai/deployments/gpt-4o")]
    [InlineData("https://hub.services.ai.azure.com/models")]
    [InlineData("https://api.anthropic.com/v1/messages")]
    [InlineData("http://localhost:11434/api/chat")]
    [InlineData("http://127.0.0.1:11434")]
    [InlineData("https://generativelanguage.googleapis.com/v1beta")]
    [InlineData("https://user@api.mistral.ai/v1")]
    [InlineData("https://api.groq.com/openai/v1?x=1")]
    public void ContainsModelHost_DefaultHosts(string text)
        => Assert.True(ModelSignals.ContainsModelHost(text, LlmOptions.Default));

    [Theory]
    [InlineData("https://api.openai.com.evil.example/v1")]
    [InlineData("https://myapi.openai.com/v1")]
    [InlineData("https://openai.com/blog")]
    [InlineData("http://localhost:114340")]
    [InlineData("http://localhost:5000/api/chat")]
    [InlineData("https://llm.corp.example/v1")]
    [InlineData("")]
    public void ContainsModelHost_NotAModelHost(string text)
        => Assert.False(ModelSignals.ContainsModelHost(text, LlmOptions.Default));

    [Theory]
    [InlineData("https://llm.corp.example/v1")]
    [InlineData("https://eu.inference.example/generate")]
    public void ContainsModelHost_ConfiguredHosts(string text)
    {
        Assert.False(ModelSignals.ContainsModelHost(text, LlmOptions.Default));
        Assert.True(ModelSignals.ContainsModelHost(text, Configured));
    }

    [Theory]
    [InlineData("https://gateway.example/v1/chat/completions", true)]
    [InlineData("v1/chat/completions/", true)]
    [InlineData("/openai/deployments/gpt/chat/completions?api-version=2024-10-21", true)]
    [InlineData("/v1/completions", true)]
    [InlineData("https://api.example/v1/messages", true)]
    [InlineData("/api/chat", true)]
    [InlineData("api/generate", true)]
    [InlineData("/v1/responses", true)]
    [InlineData("models/gemini-1.5:streamGenerateContent?alt=sse", true)]
    [InlineData("/api/chatroom", false)]
    [InlineData("/api/chat/history", false)]
    [InlineData("/v1/messages/archive", false)]
    [InlineData("/v1/completions-report", false)]
    [InlineData("", false)]
    public void ContainsEndpointPath(string text, bool expected)
        => Assert.Equal(expected, ModelSignals.ContainsEndpointPath(text));

    [Theory]
    [InlineData("{\"model\": \"gpt-4o\", \"stream\": true}", true)]
    [InlineData("{\"stream\":true}", true)]
    [InlineData("{ \"stream\" :\n true }", true)]
    [InlineData("{\"stream\": false}", false)]
    [InlineData("{\"stream\": \"true\"}", false)]
    [InlineData("{\"streaming\": true}", false)]
    [InlineData("stream: true", false)]
    [InlineData("\"stream\"", false)]
    [InlineData("\"stream\":", false)]
    [InlineData("\"stream\": tr", false)]
    public void ContainsStreamTrue(string text, bool expected)
        => Assert.Equal(expected, ModelSignals.ContainsStreamTrue(text));

    [Theory]
    [InlineData("[DONE]", true)]
    [InlineData("data: [DONE]", true)]
    [InlineData("finish_reason", true)]
    [InlineData("message_stop", true)]
    [InlineData("content_block_delta", true)]
    [InlineData("done_reason", true)]
    [InlineData("response.completed", true)]
    [InlineData("https://api.openai.com/", true)]
    [InlineData("/v1/chat/completions", true)]
    [InlineData("{\"stream\": true}", true)]
    [InlineData("choices", false)]
    [InlineData("delta", false)]
    [InlineData("done", false)]
    [InlineData("data: ", false)]
    [InlineData("hello", false)]
    [InlineData("", false)]
    public void IsModelSignalLiteral(string text, bool expected)
        => Assert.Equal(expected, ModelSignals.IsModelSignalLiteral(text, LlmOptions.Default));

    [Fact]
    public void WeakNames_AreModelJsonNames()
        => Assert.Subset(ModelSignals.ModelJsonNames, ModelSignals.WeakModelJsonNames);

    [Theory]
    [InlineData("finish_reason", "finishreason")]
    [InlineData("FinishReason", "FinishReason")]
    [InlineData("__done_reason__", "donereason")]
    public void NormalizeMemberName(string name, string expected)
    {
        Assert.Equal(expected, ModelSignals.NormalizeMemberName(name));
        Assert.Contains(ModelSignals.NormalizeMemberName(name), ModelSignals.ModelMemberNames);
    }
}
