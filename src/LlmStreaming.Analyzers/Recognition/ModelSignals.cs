namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The textual facts that tie hand-rolled HTTP code to a model: endpoint paths, model hosts, the <c>[DONE]</c>
/// sentinel, a streaming payload and the JSON names of model stream events.
/// </summary>
internal static class ModelSignals
{
    /// <summary>Hosts of model APIs (suffix match on the host, port included where given). Extended by <c>llm_streaming.model_hosts</c>.</summary>
    public static readonly ImmutableArray<string> DefaultModelHosts = ImmutableArray.Create(
        "api.openai.com",
        ".openai.azure.com",
        ".services.ai.azure.com",
        "models.inference.ai.azure.com",
        "models.github.ai",
        "api.anthropic.com",
        "localhost:11434",
        "127.0.0.1:11434",
        "generativelanguage.googleapis.com",
        "api.mistral.ai",
        "api.groq.com",
        "api.deepseek.com",
        "openrouter.ai",
        "api.together.xyz",
        "api.fireworks.ai",
        "api.x.ai",
        "api.perplexity.ai",
        "api.cohere.com",
        "api.cohere.ai");

    /// <summary>Path endings of model endpoints.</summary>
    public static readonly ImmutableArray<string> EndpointPaths = ImmutableArray.Create(
        "/chat/completions",
        "chat/completions",
        "/v1/completions",
        "/v1/messages",
        "v1/messages",
        "/api/chat",
        "api/chat",
        "/api/generate",
        "api/generate",
        "/v1/responses",
        "v1/responses",
        ":streamGenerateContent");

    /// <summary>JSON names that only model streams use (a literal equal to one of these is a signal).</summary>
    public static readonly ImmutableHashSet<string> ModelJsonNames = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "choices",
        "delta",
        "finish_reason",
        "message_stop",
        "message_delta",
        "content_block_delta",
        "content_block_start",
        "done_reason",
        "response.completed",
        "response.output_text.delta");

    /// <summary>
    /// JSON names of <see cref="ModelJsonNames"/> that other feeds use too ("delta" of an option quote, "choices" of a
    /// poll): alone they are no signal; a type that uses all of them (<c>choices[0].delta</c>) is.
    /// </summary>
    public static readonly ImmutableHashSet<string> WeakModelJsonNames = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "choices",
        "delta");

    /// <summary>Member names of DTOs that only model stream chunks have (compared case-insensitively, underscores ignored).</summary>
    public static readonly ImmutableHashSet<string> ModelMemberNames = ImmutableHashSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "choices",
        "finishreason",
        "donereason",
        "stopreason");

    public const string DoneSentinel = "[DONE]";

    /// <summary>True when <paramref name="text"/> names a model host (by default or configured).</summary>
    public static bool ContainsModelHost(string text, LlmOptions options)
    {
        foreach (var host in DefaultModelHosts)
        {
            if (ContainsHost(text, host))
            {
                return true;
            }
        }

        foreach (var host in options.ModelHosts)
        {
            if (ContainsHost(text, host))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsHost(string text, string host)
    {
        var index = text.IndexOf(host, StringComparison.OrdinalIgnoreCase);
        while (index >= 0)
        {
            // A leading-dot host (".openai.azure.com") is a suffix; otherwise the host must start after "//", "@" or the start.
            var startsCleanly = host[0] == '.'
                || index == 0
                || text[index - 1] == '/'
                || text[index - 1] == '@';
            var end = index + host.Length;
            var endsCleanly = end == text.Length || text[end] == '/' || text[end] == ':' || text[end] == '?' || text[end] == '"';
            if (startsCleanly && endsCleanly)
            {
                return true;
            }

            index = text.IndexOf(host, index + 1, StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    /// <summary>True when <paramref name="text"/> ends with (or is) a model endpoint path, ignoring a query string.</summary>
    public static bool ContainsEndpointPath(string text)
    {
        var query = text.IndexOf('?');
        var path = query >= 0 ? text.Substring(0, query) : text;
        path = path.TrimEnd('/');
        foreach (var endpoint in EndpointPaths)
        {
            if (path.EndsWith(endpoint, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        // "models/gemini-pro:streamGenerateContent?alt=sse" and similar.
        return text.IndexOf(":streamGenerateContent", StringComparison.Ordinal) >= 0;
    }

    /// <summary>True for a JSON payload literal that asks for a stream: <c>"stream": true</c>.</summary>
    public static bool ContainsStreamTrue(string text)
    {
        var index = text.IndexOf("\"stream\"", StringComparison.Ordinal);
        while (index >= 0)
        {
            var i = index + "\"stream\"".Length;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i < text.Length && text[i] == ':')
            {
                i++;
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                if (string.CompareOrdinal(text, i, "true", 0, 4) == 0)
                {
                    return true;
                }
            }

            index = text.IndexOf("\"stream\"", index + 1, StringComparison.Ordinal);
        }

        return false;
    }

    /// <summary>Classifies one string literal of hand-rolled code.</summary>
    public static bool IsModelSignalLiteral(string text, LlmOptions options)
    {
        if (text.Length == 0)
        {
            return false;
        }

        return text.IndexOf(DoneSentinel, StringComparison.Ordinal) >= 0
            || ModelJsonNames.Contains(text) && !WeakModelJsonNames.Contains(text)
            || ContainsEndpointPath(text)
            || ContainsModelHost(text, options)
            || ContainsStreamTrue(text);
    }

    /// <summary>Normalises a member name for <see cref="ModelMemberNames"/>: "finish_reason" and "FinishReason" both give "finishreason".</summary>
    public static string NormalizeMemberName(string name) => name.Replace("_", string.Empty);
}
