using System.Globalization;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The <c>.editorconfig</c> options of the package (<c>llm_streaming.*</c>), parsed once per syntax tree.
/// A malformed value is ignored: the default stands, and nothing throws.
/// </summary>
internal sealed class LlmOptions
{
    public const string Prefix = "llm_streaming.";
    public const string MinTimeoutSecondsKey = "min_timeout_seconds";
    public const string RetryMethodsKey = "retry_methods";
    public const string StreamingMethodsKey = "streaming_methods";
    public const string ModelHostsKey = "model_hosts";
    public const string HeartbeatSecondsKey = "heartbeat_seconds";
    public const int DefaultMinTimeoutSeconds = 120;
    public const int DefaultHeartbeatSeconds = 15;

    public static readonly LlmOptions Default = new(
        DefaultMinTimeoutSeconds,
        null,
        ImmutableArray<MethodPattern>.Empty,
        ImmutableArray<MethodPattern>.Empty,
        ImmutableArray<string>.Empty,
        DefaultHeartbeatSeconds);

    private readonly int _minTimeoutSeconds;
    // A plain dictionary, filled in Parse and only read after; null when no rule has its own key.
    private readonly Dictionary<string, int>? _minTimeoutSecondsPerRule;

    private LlmOptions(
        int minTimeoutSeconds,
        Dictionary<string, int>? minTimeoutSecondsPerRule,
        ImmutableArray<MethodPattern> retryMethods,
        ImmutableArray<MethodPattern> streamingMethods,
        ImmutableArray<string> modelHosts,
        int heartbeatSeconds)
    {
        _minTimeoutSeconds = minTimeoutSeconds;
        _minTimeoutSecondsPerRule = minTimeoutSecondsPerRule;
        RetryMethods = retryMethods;
        StreamingMethods = streamingMethods;
        ModelHosts = modelHosts;
        HeartbeatSeconds = heartbeatSeconds;
    }

    /// <summary>Extra methods that run a delegate with retries (<c>llm_streaming.retry_methods</c>).</summary>
    public ImmutableArray<MethodPattern> RetryMethods { get; }

    /// <summary>Extra methods that start a model stream (<c>llm_streaming.streaming_methods</c>).</summary>
    public ImmutableArray<MethodPattern> StreamingMethods { get; }

    /// <summary>Extra model hosts (<c>llm_streaming.model_hosts</c>).</summary>
    public ImmutableArray<string> ModelHosts { get; }

    /// <summary>The interval of the heartbeat LLM504's fix writes, in seconds (<c>llm_streaming.heartbeat_seconds</c>, default 15).</summary>
    public int HeartbeatSeconds { get; }

    /// <summary>The minimum acceptable timeout for <paramref name="ruleId"/>: its own key, else the shared key, else 120 s.</summary>
    public int MinTimeoutSeconds(string ruleId)
        => _minTimeoutSecondsPerRule is not null && _minTimeoutSecondsPerRule.TryGetValue(ruleId, out var value) ? value : _minTimeoutSeconds;

    public static LlmOptions Parse(AnalyzerConfigOptions options)
    {
        var minTimeout = TryGetPositiveInt(options, Prefix + MinTimeoutSecondsKey) ?? DefaultMinTimeoutSeconds;

        Dictionary<string, int>? perRule = null;
        foreach (var ruleId in KnownRuleIds)
        {
            var value = TryGetPositiveInt(options, Prefix + ruleId + "." + MinTimeoutSecondsKey);
            if (value is int v)
            {
                (perRule ??= new Dictionary<string, int>(StringComparer.Ordinal))[ruleId] = v;
            }
        }

        var retry = options.TryGetValue(Prefix + RetryMethodsKey, out var retryText) ? MethodPattern.ParseList(retryText) : ImmutableArray<MethodPattern>.Empty;
        var streaming = options.TryGetValue(Prefix + StreamingMethodsKey, out var streamingText) ? MethodPattern.ParseList(streamingText) : ImmutableArray<MethodPattern>.Empty;
        var hosts = options.TryGetValue(Prefix + ModelHostsKey, out var hostsText) ? ParseHosts(hostsText) : ImmutableArray<string>.Empty;
        var heartbeat = TryGetPositiveInt(options, Prefix + HeartbeatSecondsKey) ?? DefaultHeartbeatSeconds;

        if (minTimeout == DefaultMinTimeoutSeconds && perRule is null && retry.IsEmpty && streaming.IsEmpty && hosts.IsEmpty && heartbeat == DefaultHeartbeatSeconds)
        {
            return Default;
        }

        return new LlmOptions(minTimeout, perRule, retry, streaming, hosts, heartbeat);
    }

    /// <summary>Rule IDs that accept a per-rule <c>min_timeout_seconds</c>.</summary>
    private static readonly ImmutableArray<string> KnownRuleIds = ImmutableArray.Create("LLM401", "LLM402", "LLM403", "LLM404", "LLM405", "LLM406", "LLM407");

    private static int? TryGetPositiveInt(AnalyzerConfigOptions options, string key)
    {
        if (options.TryGetValue(key, out var text)
            && int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            && value > 0)
        {
            return value;
        }

        return null;
    }

    internal static ImmutableArray<string> ParseHosts(string text)
    {
        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var item in SplitList(text))
        {
            var host = item;
            var scheme = host.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0)
            {
                host = host.Substring(scheme + 3);
            }

            host = host.TrimEnd('/');
            if (host.StartsWith("*.", StringComparison.Ordinal))
            {
                host = host.Substring(1);
            }

            if (host.Length > 1 && host.IndexOf('/') < 0 && host.IndexOf(' ') < 0)
            {
                builder.Add(host);
            }
        }

        return builder.ToImmutable();
    }

    internal static IEnumerable<string> SplitList(string text)
    {
        foreach (var part in text.Split(new[] { ',', ';', '\n', '\r', '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var trimmed = part.Trim();
            if (trimmed.Length > 0)
            {
                yield return trimmed;
            }
        }
    }
}

/// <summary>
/// A configured method: <c>Namespace.Type.Method</c> (any overload) or a documentation ID <c>M:Namespace.Type.Method(System.String)</c>.
/// </summary>
/// <param name="TypeName">The containing type's full name, without generic arity; null when the pattern names only "Type.Method"'s method.</param>
/// <param name="MethodName">The method's name.</param>
/// <param name="DocumentationId">The documentation ID when one was given with a parameter list.</param>
internal sealed record MethodPattern(string? TypeName, string MethodName, string? DocumentationId)
{
    public static ImmutableArray<MethodPattern> ParseList(string text)
    {
        var builder = ImmutableArray.CreateBuilder<MethodPattern>();
        // Documentation IDs contain commas between parameters: split on ',' only outside parentheses.
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : ',';
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if ((c == ',' || c == ';' || c == '\n' || c == '\r') && depth == 0 || i == text.Length)
            {
                // A parenthesis left open to the end: the rest is split plainly, so the malformed item is ignored
                // and the items after it still stand.
                var rest = text.Substring(start, i - start);
                var items = depth == 0 ? new[] { rest } : rest.Split(',', ';', '\n', '\r');
                start = i + 1;
                foreach (var item in items)
                {
                    if (TryParse(item.Trim()) is MethodPattern pattern)
                    {
                        builder.Add(pattern);
                    }
                }
            }
        }

        return builder.ToImmutable();
    }

    internal static MethodPattern? TryParse(string item)
    {
        if (item.Length == 0)
        {
            return null;
        }

        string? documentationId = null;
        var body = item;
        if (body.StartsWith("M:", StringComparison.Ordinal))
        {
            body = body.Substring(2);
        }

        var paren = body.IndexOf('(');
        if (paren >= 0)
        {
            if (!body.EndsWith(")", StringComparison.Ordinal))
            {
                return null;
            }

            documentationId = "M:" + body;
            body = body.Substring(0, paren);
        }

        var lastDot = body.LastIndexOf('.');
        var methodName = lastDot >= 0 ? body.Substring(lastDot + 1) : body;
        var typeName = lastDot > 0 ? body.Substring(0, lastDot) : null;
        if (!IsIdentifier(methodName) || typeName is null || !IsDottedName(typeName))
        {
            return null;
        }

        // Generic arity ("RunAsync``1", "Retry`1.Run") is part of a documentation ID, not of the symbols' names.
        methodName = WithoutArity(methodName);
        typeName = string.Join(".", typeName.Split('.').Select(WithoutArity));
        if (methodName.Length == 0 || typeName.Split('.').Any(part => part.Length == 0))
        {
            return null;
        }

        return new MethodPattern(typeName, methodName, documentationId);
    }

    public bool Matches(IMethodSymbol method)
    {
        var original = method.ReducedFrom ?? method;
        original = original.OriginalDefinition;
        if (!string.Equals(original.Name, MethodName, StringComparison.Ordinal))
        {
            return false;
        }

        if (DocumentationId is not null)
        {
            return string.Equals(original.GetDocumentationCommentId(), DocumentationId, StringComparison.Ordinal);
        }

        if (TypeName is null)
        {
            return false;
        }

        // Like the catalogue, a configured interface or base method also names its implementations and overrides
        // ("MyApp.IRetryPolicy.ExecuteAsync" matches a call on the concrete RetryPolicy). Static methods match only on their type.
        var containing = original.ContainingType;
        if (NameMatches(containing, TypeName))
        {
            return true;
        }

        if (original.IsStatic || containing is null)
        {
            return false;
        }

        for (var baseType = containing.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            if (NameMatches(baseType, TypeName) && DeclaresMethod(baseType))
            {
                return true;
            }
        }

        foreach (var @interface in containing.AllInterfaces)
        {
            if (NameMatches(@interface, TypeName) && DeclaresMethod(@interface))
            {
                return true;
            }
        }

        return false;
    }

    private bool DeclaresMethod(INamedTypeSymbol type)
    {
        foreach (var member in type.GetMembers(MethodName))
        {
            if (member is IMethodSymbol { IsStatic: false })
            {
                return true;
            }
        }

        return false;
    }

    private static bool NameMatches(INamedTypeSymbol? type, string typeName)
    {
        if (type is null)
        {
            return false;
        }

        var full = FullName(type);
        if (string.Equals(full, typeName, StringComparison.Ordinal))
        {
            return true;
        }

        // "Type.Method" without a namespace matches by the type's simple name.
        return typeName.IndexOf('.') < 0 && string.Equals(type.Name, typeName, StringComparison.Ordinal);
    }

    internal static string FullName(INamedTypeSymbol type)
    {
        var name = type.MetadataName;
        var arity = name.IndexOf('`');
        if (arity >= 0)
        {
            name = name.Substring(0, arity);
        }

        if (type.ContainingType is INamedTypeSymbol outer)
        {
            return FullName(outer) + "." + name;
        }

        var ns = type.ContainingNamespace;
        return ns is null || ns.IsGlobalNamespace ? name : ns.ToDisplayString() + "." + name;
    }

    private static string WithoutArity(string name)
    {
        var tick = name.IndexOf('`');
        return tick >= 0 ? name.Substring(0, tick) : name;
    }

    private static bool IsIdentifier(string text)
    {
        if (text.Length == 0 || !(char.IsLetter(text[0]) || text[0] == '_'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_' || c == '`'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDottedName(string text)
    {
        foreach (var part in text.Split('.'))
        {
            if (!IsIdentifier(part))
            {
                return false;
            }
        }

        return true;
    }
}
