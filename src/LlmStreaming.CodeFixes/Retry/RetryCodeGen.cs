using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Retry;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.CodeFixes.Retry;

/// <summary>The pieces of the retry code the fixes insert: names, the token in scope, the transient-failure test, the backoff.</summary>
internal static class RetryCodeGen
{
    /// <summary>Retries after the first attempt (so at most four attempts).</summary>
    public const int MaxRetries = 3;

    /// <summary>
    /// The cancellation token to honour: the one handed to the stream (an argument of the call or of
    /// <c>WithCancellation</c>, or of a hand-rolled loop's reads), else the only <c>CancellationToken</c> parameter of the
    /// containing function. Only simple, side-effect-free expressions are reused.
    /// </summary>
    public static ExpressionSyntax? TokenInScope(IOperation enumeration, IEnumerable<IOperation> candidates, RetryTypes types, SemanticModel model, CancellationToken cancellationToken, TextSpan? region = null)
    {
        foreach (var candidate in candidates)
        {
            foreach (var node in candidate.DescendantsAndSelf())
            {
                if (node is IArgumentOperation { Value: { } value }
                    && SymbolEqualityComparer.Default.Equals(value.Type, types.CancellationToken)
                    && value.WalkDownConversions() is { } token
                    && token is ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation
                    && IsSimple(token.Syntax)
                    && !(region is { } span && UsesLocalDeclaredIn(token.Syntax, span, model, cancellationToken)))
                {
                    return ((ExpressionSyntax)token.Syntax).WithoutTrivia();
                }
            }
        }

        var function = SyntaxScopes.ContainingMethod(enumeration, model, cancellationToken);
        var tokens = function?.Parameters.Where(p => SymbolEqualityComparer.Default.Equals(p.Type, types.CancellationToken)).ToList();
        return tokens is { Count: 1 } ? SyntaxFactory.IdentifierName(TemplateSlots.Identifier(tokens[0].Name)) : null;
    }

    /// <summary>
    /// True when <paramref name="syntax"/> names a local declared in <paramref name="span"/> (a token source created
    /// inside the attempt, say): it is out of scope in the retry's catch and backoff.
    /// </summary>
    private static bool UsesLocalDeclaredIn(SyntaxNode syntax, TextSpan span, SemanticModel model, CancellationToken cancellationToken)
        => syntax.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(identifier =>
            model.GetSymbolInfo(identifier, cancellationToken).Symbol is ILocalSymbol local
            && Accumulators.IsDeclaredInside(local, syntax.SyntaxTree, span));

    private static bool IsSimple(SyntaxNode syntax)
        => syntax is IdentifierNameSyntax
            || syntax is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax or ThisExpressionSyntax or MemberAccessExpressionSyntax } member && IsSimple(member.Expression) || syntax is ThisExpressionSyntax;

    /// <summary>True when the function around <paramref name="operation"/> is async (a method, local function or lambda).</summary>
    public static bool IsInAsyncFunction(IOperation operation, SemanticModel model, CancellationToken cancellationToken)
        => SyntaxScopes.ContainingMethod(operation, model, cancellationToken) is { IsAsync: true };

    public static bool SupportsCSharp9(SyntaxTree tree)
        => tree.Options is CSharpParseOptions options && options.LanguageVersion >= LanguageVersion.CSharp9;

    /// <summary>
    /// The transient failures of the stream's family, as a test of the exception named <paramref name="exception"/>: always
    /// <c>IOException</c> (the mid-stream failure) and a timeout (<c>OperationCanceledException</c> while the caller's
    /// <paramref name="token"/> is not cancelled: the SDK's network timeout or an idle timeout; any, when there is no
    /// token), plus the failed (re)connections the SDK does not retry itself — <c>HttpRequestException</c> with no
    /// status or a 408/429/5xx (a 400, 401, 403 or 404 fails at once), <c>HttpOperationException</c> with such a
    /// status, Anthropic's SSE error exception (an error event inside the stream). OpenAI's <c>ClientResultException</c>
    /// and Anthropic's I/O, 5xx and rate-limit exceptions are left out: the client has already retried the request that
    /// failed with them. Before C# 9 the status filters are written as declaration patterns with comparisons. Within
    /// parentheses when it is an <c>||</c> chain.
    /// </summary>
    public static ExpressionSyntax TransientTest(string exception, LlmFamily family, RetryTypes types, CodeTemplate template, Compilation compilation, bool csharp9, ExpressionSyntax? token, HashSet<string> used)
    {
        var transients = TransientTypes(family, types, anyCancellation: token is null);
        var ioException = compilation.GetTypeByMetadataName("System.IO.IOException")!;
        ExpressionSyntax test;
        if (csharp9 && transients.Count > 0)
        {
            // One pattern: exception is IOException or HttpRequestException { StatusCode: … } or …
            var pattern = Pattern(template, ioException, statusMember: null, types);
            foreach (var (type, status) in transients)
            {
                pattern = SyntaxFactory.BinaryPattern(SyntaxKind.OrPattern, pattern, Spaced(SyntaxKind.OrKeyword), Pattern(template, type, status, types));
            }

            test = SyntaxFactory.IsPatternExpression(SyntaxFactory.IdentifierName(TemplateSlots.Identifier(exception)), Spaced(SyntaxKind.IsKeyword), pattern);
        }
        else
        {
            // Before C# 9 (no `or` patterns): one type test per failure, a status compared by hand.
            test = template.Expression("exception is TransientType", new TemplateSlots().Name("exception", exception).Type("TransientType", ioException));
            foreach (var (type, status) in transients)
            {
                var slots = new TemplateSlots().Name("exception", exception).Type("TransientType", type);
                var alternative = status is null
                    ? template.Expression("exception is TransientType", slots)
                    : template.Expression(DeclaredStatusTest, slots.Name("failed", Names.Reserve(used, "failed")).Name("Status", status).Type("HttpStatusCode", types.HttpStatusCode!));
                test = Or(template, test, alternative);
            }
        }

        if (token is not null && types.OperationCanceledException is { } canceled)
        {
            test = Or(template, test, template.Expression(
                "exception is OperationCanceledException && !callerToken.IsCancellationRequested",
                new TemplateSlots().Name("exception", exception).Type("OperationCanceledException", canceled).Expression("callerToken", token)));
        }

        return test.IsKind(SyntaxKind.LogicalOrExpression) ? SyntaxFactory.ParenthesizedExpression(test) : test;
    }

    /// <summary>The same failures as Polly <c>PredicateBuilder</c> calls: <c>.Handle&lt;IOException&gt;()…</c>.</summary>
    public static ExpressionSyntax PollyPredicate(LlmFamily family, RetryTypes types, CodeTemplate template, Compilation compilation, bool csharp9, ExpressionSyntax? token)
    {
        var predicate = template.Expression(
            "new PredicateBuilder().Handle<IOException>()",
            new TemplateSlots().Type("PredicateBuilder", compilation.GetTypeByMetadataName("Polly.PredicateBuilder")!).Type("IOException", compilation.GetTypeByMetadataName("System.IO.IOException")!));
        foreach (var (type, status) in TransientTypes(family, types, anyCancellation: token is null))
        {
            var slots = new TemplateSlots().Expression("predicate", predicate).Type("TransientType", type);
            predicate = status is null
                ? template.Expression("predicate.Handle<TransientType>()", slots)
                : template.Expression(
                    csharp9
                        ? "predicate.Handle<TransientType>(e => e.Status is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError)"
                        : "predicate.Handle<TransientType>(e => e.Status == null || e.Status == HttpStatusCode.RequestTimeout || e.Status == HttpStatusCode.TooManyRequests || e.Status >= HttpStatusCode.InternalServerError)",
                    slots.Name("Status", status).Type("HttpStatusCode", types.HttpStatusCode!));
        }

        if (token is not null && types.OperationCanceledException is { } canceled)
        {
            predicate = template.Expression(
                "predicate.Handle<OperationCanceledException>(_ => !callerToken.IsCancellationRequested)",
                new TemplateSlots().Expression("predicate", predicate).Type("OperationCanceledException", canceled).Expression("callerToken", token));
        }

        return predicate;
    }

    /// <summary>A transient type with its retryable status, before C# 9: a declaration pattern and the status compared by hand.</summary>
    private const string DeclaredStatusTest = "exception is TransientType failed && (failed.Status == null || failed.Status == HttpStatusCode.RequestTimeout || failed.Status == HttpStatusCode.TooManyRequests || failed.Status >= HttpStatusCode.InternalServerError)";

    /// <summary>The pattern of one transient type: the type, or the type with its retryable status (C# 9).</summary>
    private static PatternSyntax Pattern(CodeTemplate template, ITypeSymbol type, string? statusMember, RetryTypes types)
    {
        var slots = new TemplateSlots().Type("TransientType", type);
        var test = statusMember is null
            ? template.Expression("exception is TransientType or TransientType", slots)
            : template.Expression(
                "exception is TransientType { Status: null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError }",
                slots.Name("Status", statusMember).Type("HttpStatusCode", types.HttpStatusCode!));
        var pattern = ((IsPatternExpressionSyntax)test).Pattern;
        return pattern is BinaryPatternSyntax pair ? pair.Left : pattern;
    }

    /// <summary>
    /// <c>await expression</c>. Built rather than parsed: outside an async function the parser reads
    /// <c>await x;</c> as a declaration of <c>x</c>.
    /// </summary>
    public static ExpressionSyntax Awaited(ExpressionSyntax expression)
        => SyntaxFactory.AwaitExpression(SyntaxFactory.Token(default, SyntaxKind.AwaitKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space)), expression);

    /// <summary><c>left || right</c>.</summary>
    private static ExpressionSyntax Or(CodeTemplate template, ExpressionSyntax left, ExpressionSyntax right)
        => template.Expression("left || right", new TemplateSlots().Expression("left", left).Expression("right", right));

    /// <summary>The token <paramref name="kind"/> with a space on each side (<c> or </c>, <c> is </c>).</summary>
    public static SyntaxToken Spaced(SyntaxKind kind)
        => SyntaxFactory.Token(SyntaxFactory.TriviaList(SyntaxFactory.Space), kind, SyntaxFactory.TriviaList(SyntaxFactory.Space));

    /// <summary>The string literal of <paramref name="text"/> (a message or key the fix writes).</summary>
    public static ExpressionSyntax StringLiteral(string text)
        => SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(text));

    /// <summary><see cref="MaxRetries"/> as a literal.</summary>
    public static ExpressionSyntax MaxRetriesLiteral
        => SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(MaxRetries));

    /// <summary>
    /// (type, status member) pairs; the member is null for a plain type test, else its status is tested for a retryable
    /// one (none, 408, 429 or a 5xx). With <paramref name="anyCancellation"/> (no token in scope, so nobody can cancel)
    /// every <c>OperationCanceledException</c> is a timeout.
    /// </summary>
    private static List<(ITypeSymbol Type, string? Status)> TransientTypes(LlmFamily family, RetryTypes types, bool anyCancellation)
    {
        var list = new List<(ITypeSymbol, string?)>();
        var statusTestable = types.HttpStatusCode is not null && types.HasTooManyRequests;

        // The family's own transient exceptions (none for a hand-rolled or configured stream's family: HttpRequestException).
        var transients = SdkFamilies.Get(family)?.TransientExceptions
            ?? ImmutableArray.Create(SdkFamily.HttpRequestFailure);
        foreach (var transient in transients)
        {
            var type = types.Resolve(transient.TypeMetadataName);
            if (type is null)
            {
                continue;
            }

            if (transient.StatusMember is { } member && statusTestable && !type.GetMembers(member).IsEmpty)
            {
                list.Add((type, member));
            }
            else if (transient.StatusMember is null || transient.WholeWithoutStatus)
            {
                list.Add((type, null));
            }
        }

        if (anyCancellation && types.OperationCanceledException is { } canceled)
        {
            list.Add((canceled, null));
        }

        return list;
    }

    /// <summary>
    /// The jittered exponential backoff for the attempt counted by <paramref name="attempt"/> ("full jitter": a random
    /// wait between zero and 0.5 s × 2^attempt, capped at 30 s).
    /// </summary>
    public static ExpressionSyntax BackoffExpression(string attempt, RetryTypes types, CodeTemplate template, Compilation compilation)
        => template.Expression(
            types.HasRandomShared
                ? "TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt)))"
                : "TimeSpan.FromMilliseconds(new Random().NextDouble() * Math.Min(30_000, 500 * Math.Pow(2, attempt)))",
            new TemplateSlots()
                .Name("attempt", attempt)
                .Type("TimeSpan", compilation.GetTypeByMetadataName("System.TimeSpan")!)
                .Type("Random", compilation.GetTypeByMetadataName("System.Random")!)
                .Type("Math", compilation.GetTypeByMetadataName("System.Math")!));

    /// <summary>
    /// The statement that waits the backoff, under a comment that says how long: <c>await Task.Delay(…, ct);</c>, or
    /// <c>Thread.Sleep(…);</c> in a synchronous function.
    /// </summary>
    public static StatementSyntax DelayStatement(string attempt, bool isAsync, ExpressionSyntax? token, RetryTypes types, CodeTemplate template, Compilation compilation)
    {
        var slots = new TemplateSlots()
            .Expression("backoff", BackoffExpression(attempt, types, template, compilation))
            .Type("Task", compilation.GetTypeByMetadataName("System.Threading.Tasks.Task")!)
            .Type("Thread", compilation.GetTypeByMetadataName("System.Threading.Thread")!);
        if (token is not null)
        {
            slots.Expression("callerToken", token);
        }

        return template.Statement(!isAsync ? SleepTemplate : token is null ? DelayTemplate : DelayWithTokenTemplate, slots);
    }

    /// <summary>
    /// The statement that records "output emitted" (in the local <paramref name="emitted"/>) before <paramref name="write"/>:
    /// <c>emitted = true;</c>, or, when the write writes a plain string read from a variable or property
    /// (<c>Console.Write(update.Text)</c>), <c>if (!string.IsNullOrEmpty(update.Text)) emitted = true;</c> — a role-only
    /// or usage-only update writes nothing, and must not stop the retry of a stream that fails before its first text.
    /// </summary>
    public static StatementSyntax EmittedMark(string emitted, SyntaxNode write, CodeTemplate template, SemanticModel model, CancellationToken cancellationToken)
    {
        var slots = new TemplateSlots().Name("emitted", emitted);
        var call = write is ExpressionStatementSyntax { Expression: var expression }
            ? (expression is AwaitExpressionSyntax awaited ? awaited.Expression : expression) as InvocationExpressionSyntax
            : null;
        if (call?.ArgumentList.Arguments is { Count: 1 } arguments
            && arguments[0].Expression is IdentifierNameSyntax or MemberAccessExpressionSyntax
            && arguments[0].Expression.DescendantNodesAndSelf().All(n => n is IdentifierNameSyntax or MemberAccessExpressionSyntax or ThisExpressionSyntax)
            && model.GetTypeInfo(arguments[0].Expression, cancellationToken).Type?.SpecialType == SpecialType.System_String)
        {
            return template.Statement(
                """
                if (!string.IsNullOrEmpty(written))
                {
                emitted = true;
                }
                """,
                slots.Expression("written", arguments[0].Expression));
        }

        return template.Statement("emitted = true;", slots);
    }

    private const string SleepTemplate = """
        // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
        Thread.Sleep(backoff);
        """;

    private const string DelayTemplate = """
        // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
        await Task.Delay(backoff);
        """;

    private const string DelayWithTokenTemplate = """
        // Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).
        await Task.Delay(backoff, callerToken);
        """;
}
