namespace LlmStreaming.CodeFixes.Retry;

/// <summary>
/// The logging of a generated retry (issue 10, "Monitoring"): where an <c>ILogger</c> is in scope, each retry is logged
/// as a warning and the final failure as an error, both with the attempt number, so that a spike in stream failures
/// shows in the logs before users report it. Nothing is logged, and nothing changes, where no logger is at hand.
/// </summary>
internal static class RetryLogging
{
    private const string LoggerMetadataName = "Microsoft.Extensions.Logging.ILogger";

    /// <summary>The message of a retry: <c>{Attempt}</c> is the attempt that failed, counted from 1.</summary>
    public const string RetryMessage = "The model stream failed on attempt {Attempt}; retrying";

    /// <summary>The message of the last streaming failure, before the non-streaming fallback.</summary>
    public const string FallbackMessage = "The model stream failed on attempt {Attempt}; falling back to a non-streaming call";

    /// <summary>The message of the final failure.</summary>
    public const string FailureMessage = "The model stream failed on attempt {Attempt}; giving up";

    /// <summary>The message of the final failure where the attempt number is not at hand (the Polly form).</summary>
    public const string PollyFailureMessage = "The model stream failed after its retries";

    /// <summary>
    /// The name of an <c>ILogger</c> (or <c>ILogger&lt;T&gt;</c>) usable at <paramref name="position"/> — a local or parameter
    /// first, then a field or property of the type (not an instance member from a static function) — when its
    /// <c>LogWarning</c>/<c>LogError</c> extensions bind there (their namespace is imported); null otherwise.
    /// </summary>
    public static string? FindLogger(SemanticModel model, int position, CancellationToken cancellationToken)
    {
        var loggerType = model.Compilation.GetTypeByMetadataName(LoggerMetadataName);
        if (loggerType is null)
        {
            return null;
        }

        var isStatic = model.GetEnclosingSymbol(position, cancellationToken) is { } enclosing && IsInStaticContext(enclosing);
        var candidates = model.LookupSymbols(position)
            .Select(symbol => (Symbol: symbol, Type: symbol.VariableType(), Rank: Rank(symbol)))
            .Where(c => c.Type is not null && c.Rank >= 0 && IsLogger(c.Type, loggerType))
            .Where(c => !isStatic || c.Symbol is ILocalSymbol or IParameterSymbol || c.Symbol.IsStatic)
            .OrderBy(c => c.Rank)
            .ThenBy(c => c.Symbol.Name, System.StringComparer.Ordinal)
            .ToList();
        foreach (var candidate in candidates)
        {
            if (!model.LookupSymbols(position, candidate.Type, "LogWarning", includeReducedExtensionMethods: true).IsEmpty
                && !model.LookupSymbols(position, candidate.Type, "LogError", includeReducedExtensionMethods: true).IsEmpty)
            {
                return candidate.Symbol.Name;
            }
        }

        return null;
    }

    /// <summary>
    /// <c>logger.LogWarning(ex, "…", attempt + 1);</c>: the <paramref name="exception"/> and the
    /// <paramref name="attemptNumber"/> that failed (<paramref name="message"/>: <see cref="RetryMessage"/> unless given).
    /// </summary>
    public static StatementSyntax RetryStatement(string logger, ExpressionSyntax exception, ExpressionSyntax attemptNumber, CodeTemplate template, string message = RetryMessage)
        => template.Statement(
            "logger.LogWarning(exception, message, attemptNumber);",
            new TemplateSlots().Name("logger", logger).Expression("exception", exception).Expression("message", RetryCodeGen.StringLiteral(message)).Expression("attemptNumber", attemptNumber));

    /// <summary>
    /// <c>logger.LogError(exception, "…", attempt + 1);</c> — not when the caller's own token was cancelled (a user who
    /// cancels is not a failure to alert on): then within <c>if (!token.IsCancellationRequested)</c>, a blank line after it.
    /// </summary>
    public static StatementSyntax FailureStatement(string logger, string exception, ExpressionSyntax? attemptNumber, ExpressionSyntax? token, CodeTemplate template)
    {
        var slots = new TemplateSlots().Name("logger", logger).Name("exception", exception);
        var log = attemptNumber is null
            ? template.Statement("logger.LogError(exception, message);", slots.Expression("message", RetryCodeGen.StringLiteral(PollyFailureMessage)))
            : template.Statement("logger.LogError(exception, message, attemptNumber);", slots.Expression("message", RetryCodeGen.StringLiteral(FailureMessage)).Expression("attemptNumber", attemptNumber));
        if (token is null)
        {
            return log;
        }

        var guarded = template.Statement(
            """
            if (!callerToken.IsCancellationRequested)
            {
            __region__;
            }
            """,
            new TemplateSlots().Expression("callerToken", token),
            new[] { log });
        return guarded.WithTrailingTrivia(guarded.GetTrailingTrivia().Add(SyntaxFactory.LineFeed));
    }

    private static bool IsInStaticContext(ISymbol symbol)
    {
        for (var current = symbol; current is not null; current = current.ContainingSymbol)
        {
            if (current is IMethodSymbol { MethodKind: not (MethodKind.LocalFunction or MethodKind.AnonymousFunction) } method)
            {
                return method.IsStatic;
            }

            if (current is IMethodSymbol { IsStatic: true })
            {
                return true; // a static local function or lambda sees no instance member
            }
        }

        return false;
    }

    private static int Rank(ISymbol symbol) => symbol switch
    {
        ILocalSymbol => 0,
        IParameterSymbol => 1,
        IFieldSymbol => 2,
        IPropertySymbol { IsIndexer: false, GetMethod: not null } => 3,
        _ => -1,
    };

    private static bool IsLogger(ITypeSymbol type, INamedTypeSymbol logger)
        => SymbolEqualityComparer.Default.Equals(type, logger) || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, logger));
}
