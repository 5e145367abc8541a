using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The second kind of summary: which delegate parameters a source method runs under a retry of its own ("protects a
/// delegate with a retry"), so that an enumeration inside a lambda or method group handed to
/// <c>RetryAsync(ct =&gt; …)</c> counts as retried. Kept once per method; followed through at most
/// <see cref="MaxDepth"/> helpers that hand the delegate on, never through a method already on the path.
/// </summary>
internal sealed partial class MethodSummaries
{
    private readonly SummaryCache<IMethodSymbol, ImmutableHashSet<int>> _retriedDelegates = new();

    /// <summary>
    /// True when <paramref name="method"/>, a method of this compilation, runs the delegate it receives as
    /// <paramref name="parameter"/> under a retry: a loop whose try around the delegate's call has a catch of transient
    /// failures (<c>IOException</c> or a base of it, <c>HttpRequestException</c>, an SDK's exception) that lets the loop go
    /// round again, with a delay (<c>Task.Delay</c>, <c>Thread.Sleep</c>) in the loop and no work item the loop advances;
    /// or a Polly execute or configured retry method (or another such helper) it hands the delegate to.
    /// </summary>
    /// <param name="method">The called method (any construction of it).</param>
    /// <param name="parameter">The parameter the delegate is passed to.</param>
    /// <param name="options">The options of the caller's file (configured retry methods).</param>
    public bool RetriesDelegate(IMethodSymbol method, IParameterSymbol parameter, LlmOptions options)
    {
        var definition = Definition(method);
        if (!IsRetryHelperCandidate(definition))
        {
            return false;
        }

        return _retriedDelegates.Get(definition, d => ComputeRetriedDelegates(d, options, MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { d }))
            .Contains(parameter.Ordinal);
    }

    /// <summary>A method of this compilation with one body and a delegate parameter.</summary>
    private static bool IsRetryHelperCandidate(IMethodSymbol method)
        => method is { IsAbstract: false, IsExtern: false, MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction, DeclaringSyntaxReferences.Length: 1 }
            && method.Parameters.Any(p => p.Type.TypeKind == TypeKind.Delegate);

    /// <summary>The ordinals of the delegate parameters <paramref name="method"/> retries, following at most <paramref name="depthLeft"/> helpers.</summary>
    private ImmutableHashSet<int> ComputeRetriedDelegates(IMethodSymbol method, LlmOptions options, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var declaration = method.DeclaringSyntaxReferences[0].GetSyntax();
        if (declaration is not (BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax)
            || ModelFor(declaration.SyntaxTree, callerModel: null) is not { } model
            || model.GetOperation(declaration) is not { } operation)
        {
            return ImmutableHashSet<int>.Empty;
        }

        var retried = ImmutableHashSet<int>.Empty;
        foreach (var node in operation.Descendants())
        {
            if (node is IParameterReferenceOperation { Parameter: { Type.TypeKind: TypeKind.Delegate } parameter } reference
                && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol.OriginalDefinition, method)
                && !retried.Contains(parameter.Ordinal)
                && IsRetriedUse(reference, options, depthLeft, path))
            {
                retried = retried.Add(parameter.Ordinal);
            }
        }

        return retried;
    }

    /// <summary>The delegate is called inside a retry, or handed to something that retries it.</summary>
    private bool IsRetriedUse(IParameterReferenceOperation reference, LlmOptions options, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if (reference.Parent is IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } call && call.Instance == reference)
        {
            return IsInRetryLoop(call) || IsInRetriedLambda(call, options, depthLeft, path);
        }

        return HandedTo(reference) is { } handed && IsRetryingArgument(handed, options, depthLeft, path);
    }

    /// <summary>A loop of the same function whose try around <paramref name="call"/> catches a transient failure, goes round again and waits.</summary>
    private bool IsInRetryLoop(IOperation call)
    {
        var types = RetryTypes.Get(_context.Compilation);
        foreach (var loop in call.AncestorsWithinFunction().OfType<ILoopOperation>())
        {
            if (!call.IsWithin(loop.Body) || !HasDelay(loop, types))
            {
                continue;
            }

            foreach (var @try in CatchCoverage.EnclosingTries(call).Where(t => t.IsWithin(loop.Body)))
            {
                foreach (var @catch in @try.Catches)
                {
                    if (CatchCoverage.EffectiveCaughtTypes(@catch).Any(t => types.CatchesMidStream(t) || types.IsTransportException(t))
                        && RetryRecognizer.CanContinueLoop(@catch, @try, loop, CancellationToken.None)
                        && !RetryLoops.IsIterationLoop(new RetryConstruct(RetryKind.Loop, loop, @try, @catch)))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static bool HasDelay(ILoopOperation loop, RetryTypes types)
        => loop.Body.DescendantsWithinFunction().Any(n => n is IInvocationOperation invocation
            && (Backoff.IsTaskDelay(invocation.TargetMethod, types) || Backoff.IsThreadSleep(invocation.TargetMethod, types)));

    /// <summary>The delegate is called in a lambda of the helper that is itself handed to a retry (<c>pipeline.ExecuteAsync(async t =&gt; await op(t))</c>).</summary>
    private bool IsInRetriedLambda(IOperation call, LlmOptions options, int depthLeft, HashSet<IMethodSymbol> path)
    {
        for (var current = call.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation lambda)
            {
                return HandedTo(lambda) is { } handed && IsRetryingArgument(handed, options, depthLeft, path);
            }

            if (current is ILocalFunctionOperation)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>The argument a delegate (a parameter, a lambda) is passed as, through its conversions and delegate creation.</summary>
    private static IArgumentOperation? HandedTo(IOperation operation) => RetryRecognizer.HandedOn(operation).Parent as IArgumentOperation;

    /// <summary>The argument goes to a Polly execute, a configured retry method, or a source helper that retries that parameter.</summary>
    private bool IsRetryingArgument(IArgumentOperation argument, LlmOptions options, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if (argument.Parent is not IInvocationOperation { TargetMethod: var runner } || argument.Parameter is not { } parameter)
        {
            return false;
        }

        if (_context.Retries.IsRetryRunner(runner, options))
        {
            return true;
        }

        var callee = Definition(runner);
        if (depthLeft <= 1 || !IsRetryHelperCandidate(callee) || path.Contains(callee))
        {
            return false;
        }

        if (_retriedDelegates.TryGetKept(callee, out var kept))
        {
            return kept.Contains(parameter.Ordinal);
        }

        path.Add(callee);
        var inner = ComputeRetriedDelegates(callee, options, depthLeft - 1, path);
        path.Remove(callee);
        return inner.Contains(parameter.Ordinal);
    }
}
