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
    public static string? TokenInScope(IOperation enumeration, IEnumerable<IOperation> candidates, RetryTypes types, SemanticModel model, CancellationToken cancellationToken, TextSpan? region = null)
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
                    return token.Syntax.ToString();
                }
            }
        }

        var function = SyntaxScopes.ContainingMethod(enumeration, model, cancellationToken);
        var tokens = function?.Parameters.Where(p => SymbolEqualityComparer.Default.Equals(p.Type, types.CancellationToken)).ToList();
        return tokens is { Count: 1 } ? tokens[0].Name : null;
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
    /// The transient failures of the stream's family, as a test of <paramref name="exception"/>: always
    /// <c>IOException</c> (the mid-stream failure) and a timeout (<c>OperationCanceledException</c> while the caller's
    /// <paramref name="token"/> is not cancelled: the SDK's network timeout or an idle timeout; any, when there is no
    /// token), plus the failed (re)connections the SDK does not retry itself — <c>HttpRequestException</c> with no
    /// status or a 408/429/5xx (a 400, 401, 403 or 404 fails at once), <c>HttpOperationException</c> with such a
    /// status, Anthropic's SSE error exception (an error event inside the stream). OpenAI's <c>ClientResultException</c>
    /// and Anthropic's I/O, 5xx and rate-limit exceptions are left out: the client has already retried the request that
    /// failed with them. Before C# 9 the status filters
    /// are written as declaration patterns with comparisons.
    /// </summary>
    public static string TransientTest(string exception, LlmFamily family, RetryTypes types, CodeTemplate template, bool csharp9, string? token, HashSet<string> used)
    {
        var alternatives = new List<string> { template.Type("System.IO.IOException") };
        foreach (var (type, status) in TransientTypes(family, types, template, anyCancellation: token is null))
        {
            if (status is null)
            {
                alternatives.Add(template.Type(type));
            }
            else if (csharp9)
            {
                alternatives.Add(template.Type(type) + " { " + status.Replace(" is ", ": ") + " }");
            }
            else
            {
                // Before C# 9 (no `or` patterns): a declaration pattern and the status compared by hand.
                var failed = Names.Reserve(used, "failed");
                alternatives.Add(template.Type(type) + " " + failed + " && (" + StatusCondition(failed, status) + ")");
            }
        }

        var test = csharp9
            ? exception + " is " + string.Join(" or ", alternatives)
            : string.Join(" || ", alternatives.Select(a => exception + " is " + a));
        if (token is not null && types.OperationCanceledException is { } canceled)
        {
            test += " || " + exception + " is " + template.Type(canceled) + " && !" + token + ".IsCancellationRequested";
        }

        return test.Contains(" || ") ? "(" + test + ")" : test;
    }

    /// <summary>The same failures as Polly <c>PredicateBuilder</c> calls: <c>.Handle&lt;IOException&gt;()…</c>.</summary>
    public static string PollyPredicate(LlmFamily family, RetryTypes types, CodeTemplate template, bool csharp9, string? token)
    {
        var calls = new List<string> { ".Handle<" + template.Type("System.IO.IOException") + ">()" };
        foreach (var (type, status) in TransientTypes(family, types, template, anyCancellation: token is null))
        {
            calls.Add(status is null ? ".Handle<" + template.Type(type) + ">()"
                : csharp9 ? ".Handle<" + template.Type(type) + ">(e => e." + status + ")"
                : ".Handle<" + template.Type(type) + ">(e => " + StatusCondition("e", status) + ")");
        }

        if (token is not null && types.OperationCanceledException is { } canceled)
        {
            calls.Add(".Handle<" + template.Type(canceled) + ">(_ => !" + token + ".IsCancellationRequested)");
        }

        return "new " + template.Type("Polly.PredicateBuilder") + "()" + string.Concat(calls);
    }

    /// <summary>
    /// (type, "Property is pattern") pairs; the status pattern is null for a plain type test. With
    /// <paramref name="anyCancellation"/> (no token in scope, so nobody can cancel) every <c>OperationCanceledException</c> is a timeout.
    /// </summary>
    private static List<(ITypeSymbol Type, string? Status)> TransientTypes(LlmFamily family, RetryTypes types, CodeTemplate template, bool anyCancellation)
    {
        var list = new List<(ITypeSymbol, string?)>();
        void Add(INamedTypeSymbol? type, string? status = null)
        {
            if (type is not null)
            {
                list.Add((type, status));
            }
        }

        var httpStatus = types.HttpStatusCode is { } code ? template.Type(code) : null;
        var retryableStatus = httpStatus is not null && types.HasTooManyRequests
            ? "null or " + httpStatus + ".RequestTimeout or " + httpStatus + ".TooManyRequests or >= " + httpStatus + ".InternalServerError"
            : null;

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

            if (transient.StatusMember is { } member && retryableStatus is not null && !type.GetMembers(member).IsEmpty)
            {
                list.Add((type, member + " is " + retryableStatus));
            }
            else if (transient.StatusMember is null || transient.WholeWithoutStatus)
            {
                list.Add((type, null));
            }
        }

        if (anyCancellation)
        {
            Add(types.OperationCanceledException);
        }

        return list;
    }

    /// <summary>
    /// A status pattern ("StatusCode is null or X.RequestTimeout or >= X.InternalServerError") as a condition on
    /// <paramref name="receiver"/> that C# 7.3 compiles: <c>r.StatusCode == null || r.StatusCode == X.RequestTimeout || r.StatusCode &gt;= …</c>.
    /// </summary>
    private static string StatusCondition(string receiver, string status)
    {
        var split = status.IndexOf(" is ", System.StringComparison.Ordinal);
        var member = receiver + "." + status.Substring(0, split);
        return string.Join(" || ", status.Substring(split + 4).Split(new[] { " or " }, System.StringSplitOptions.None)
            .Select(value => value.StartsWith(">= ", System.StringComparison.Ordinal) ? member + " " + value : member + " == " + value));
    }

    /// <summary>
    /// The jittered exponential backoff for attempt <paramref name="attempt"/> ("full jitter": a random wait between zero
    /// and 0.5 s × 2^attempt, capped at 30 s).
    /// </summary>
    public static string BackoffExpression(string attempt, RetryTypes types, CodeTemplate template)
    {
        var random = types.HasRandomShared ? template.Type("System.Random") + ".Shared" : "new " + template.Type("System.Random") + "()";
        var math = template.Type("System.Math");
        return template.Type("System.TimeSpan") + ".FromMilliseconds(" + random + ".NextDouble() * " + math + ".Min(30_000, 500 * " + math + ".Pow(2, " + attempt + ")))";
    }

    /// <summary>The statement that waits the backoff: <c>await Task.Delay(…, ct);</c>, or <c>Thread.Sleep(…);</c> in a synchronous function.</summary>
    public static string DelayStatement(string attempt, bool isAsync, string? token, RetryTypes types, CodeTemplate template)
    {
        var backoff = BackoffExpression(attempt, types, template);
        return isAsync
            ? "await " + template.Type("System.Threading.Tasks.Task") + ".Delay(" + backoff + (token is null ? string.Empty : ", " + token) + ");"
            : template.Type("System.Threading.Thread") + ".Sleep(" + backoff + ");";
    }

    /// <summary>
    /// The statement that records "output emitted" before <paramref name="write"/>: <c>emitted = true;</c>, or, when the
    /// write writes a plain string read from a variable or property (<c>Console.Write(update.Text)</c>),
    /// <c>if (!string.IsNullOrEmpty(update.Text)) emitted = true;</c> — a role-only or usage-only update writes nothing,
    /// and must not stop the retry of a stream that fails before its first text.
    /// </summary>
    public static StatementSyntax EmittedMark(string emitted, SyntaxNode write, SemanticModel model, CancellationToken cancellationToken)
    {
        var mark = emitted + " = true;";
        var call = write is ExpressionStatementSyntax { Expression: var expression }
            ? (expression is AwaitExpressionSyntax awaited ? awaited.Expression : expression) as InvocationExpressionSyntax
            : null;
        if (call?.ArgumentList.Arguments is { Count: 1 } arguments
            && arguments[0].Expression is IdentifierNameSyntax or MemberAccessExpressionSyntax
            && arguments[0].Expression.DescendantNodesAndSelf().All(n => n is IdentifierNameSyntax or MemberAccessExpressionSyntax or ThisExpressionSyntax)
            && model.GetTypeInfo(arguments[0].Expression, cancellationToken).Type?.SpecialType == SpecialType.System_String)
        {
            mark = "if (!string.IsNullOrEmpty(" + arguments[0].Expression.WithoutTrivia().ToFullString() + "))\n{\n" + mark + "\n}";
        }

        return SyntaxFactory.ParseStatement(mark + "\n").WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
    }

    public const string BackoffComment = "// Exponential backoff with full jitter: a random wait of up to 0.5 s, 1 s, 2 s… (at most 30 s).";
}
