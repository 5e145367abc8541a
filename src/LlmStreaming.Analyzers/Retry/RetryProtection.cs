using System.Collections.Concurrent;

namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// Whether a mid-stream failure at an operation is recovered from: a retry construct around it, a catch that handles
/// it, or — for a private method or local function — every caller in the same type doing so ("stream once" helpers
/// called from a retry loop or a Polly delegate).
/// </summary>
internal sealed class RetryProtection
{
    private const int MaxCallerDepth = 3;

    private readonly LlmAnalysisContext _llm;
    private readonly RetryTypes _types;
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _methods = new(SymbolEqualityComparer.Default);

    public RetryProtection(LlmAnalysisContext llm, RetryTypes types)
    {
        _llm = llm;
        _types = types;
    }

    /// <summary>True when a retry construct, or a catch that handles the failure, is around <paramref name="operation"/> in its function.</summary>
    public bool IsLocallyProtected(IOperation operation, LlmOptions options, CancellationToken cancellationToken)
        => RetryLoops.FindRetry(_llm, operation, options, cancellationToken) is not null
            || CatchCoverage.Analyze(operation, _types).Handled;

    /// <summary>
    /// True when <paramref name="operation"/> is in a private method or a local function that is called (or passed as a
    /// delegate) at least once, and only from protected places.
    /// </summary>
    public bool IsProtectedByCallers(IOperation operation, LlmOptions options, CancellationToken cancellationToken)
        => IsProtectedByCallers(operation, options, cancellationToken, depth: 0, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));

    private bool IsProtectedByCallers(IOperation operation, LlmOptions options, CancellationToken cancellationToken, int depth, HashSet<IMethodSymbol> visiting)
    {
        if (depth >= MaxCallerDepth || operation.SemanticModel is not { } model)
        {
            return false;
        }

        var (method, scope) = ContainingFunction(operation, model, cancellationToken);
        if (method is null || scope is null || !visiting.Add(method))
        {
            return false;
        }

        try
        {
            if (depth == 0 && _methods.TryGetValue(method, out var cached))
            {
                return cached;
            }

            var result = AllCallersProtected(method, scope, model, options, cancellationToken, depth, visiting);
            if (depth == 0)
            {
                _methods.TryAdd(method, result);
            }

            return result;
        }
        finally
        {
            visiting.Remove(method);
        }
    }

    /// <summary>
    /// The private method or local function that contains <paramref name="operation"/>, and the syntax in which its
    /// callers can be: its type's declaration (a single one, in this tree) or, for a local function, its member.
    /// </summary>
    private static (IMethodSymbol? Method, SyntaxNode? Scope) ContainingFunction(IOperation operation, SemanticModel model, CancellationToken cancellationToken)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation:
                    return (null, null);

                case ILocalFunctionOperation localFunction:
                    var member = localFunction;
                    IOperation top = member;
                    while (top.Parent is not null)
                    {
                        top = top.Parent;
                    }

                    return (localFunction.Symbol, top.Syntax);
            }
        }

        if (model.GetEnclosingSymbol(operation.Syntax.SpanStart, cancellationToken) is not IMethodSymbol method
            || method.MethodKind != MethodKind.Ordinary
            || method.DeclaredAccessibility != Accessibility.Private
            || method.ContainingType is not { } type
            || type.DeclaringSyntaxReferences.Length != 1
            || type.DeclaringSyntaxReferences[0].SyntaxTree != model.SyntaxTree)
        {
            return (null, null);
        }

        return (method, type.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken));
    }

    private bool AllCallersProtected(IMethodSymbol method, SyntaxNode scope, SemanticModel model, LlmOptions options, CancellationToken cancellationToken, int depth, HashSet<IMethodSymbol> visiting)
    {
        var sawCaller = false;
        foreach (var node in scope.DescendantNodes())
        {
            if (node is not SimpleNameSyntax name || name.Identifier.ValueText != method.Name)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol as IMethodSymbol;
            if (symbol is null || !SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, method.OriginalDefinition))
            {
                continue;
            }

            SyntaxNode expression = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
            IOperation? site;
            if (expression.Parent is InvocationExpressionSyntax invocation && invocation.Expression == expression)
            {
                site = model.GetOperation(invocation, cancellationToken);
            }
            else
            {
                site = model.GetOperation(expression, cancellationToken);
            }

            if (site is null)
            {
                return false;
            }

            if (IsWithinFunction(site, method))
            {
                continue; // a recursive call
            }

            sawCaller = true;
            if (!IsCallSiteProtected(site, options, cancellationToken, depth, visiting))
            {
                return false;
            }
        }

        return sawCaller;
    }

    private bool IsCallSiteProtected(IOperation site, LlmOptions options, CancellationToken cancellationToken, int depth, HashSet<IMethodSymbol> visiting)
    {
        if (site is IMethodReferenceOperation reference)
        {
            // pipeline.ExecuteAsync(StreamOnceAsync, ct): the method group is the retried delegate.
            IOperation current = reference;
            while (current.Parent is IDelegateCreationOperation or IConversionOperation)
            {
                current = current.Parent;
            }

            if (current.Parent is IArgumentOperation { Parent: IInvocationOperation runner } argument
                && (_llm.Retries.IsRetryRunner(runner.TargetMethod, options)
                    || argument.Parameter is { } parameter && _llm.Summaries.RetriesDelegate(runner.TargetMethod, parameter, options)))
            {
                return true;
            }

            return IsLocallyProtected(reference, options, cancellationToken);
        }

        return IsLocallyProtected(site, options, cancellationToken)
            || IsProtectedByCallers(site, options, cancellationToken, depth + 1, visiting);
    }

    private static bool IsWithinFunction(IOperation site, IMethodSymbol method)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == site.Syntax.SyntaxTree && reference.Span.Contains(site.Syntax.Span))
            {
                return true;
            }
        }

        return false;
    }
}
