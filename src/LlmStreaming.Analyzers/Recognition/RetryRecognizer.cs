namespace LlmStreaming.Analyzers.Recognition;

internal enum RetryKind
{
    /// <summary>A loop whose try/catch around the enumeration can start another iteration.</summary>
    Loop,

    /// <summary>A Polly <c>ResiliencePipeline</c>/<c>IAsyncPolicy</c> execute delegate.</summary>
    Polly,

    /// <summary>A method configured in <c>llm_streaming.retry_methods</c>.</summary>
    ConfiguredHelper,

    /// <summary>A source method whose summary says it runs the delegate under a retry (<see cref="MethodSummaries.RetriesDelegate"/>).</summary>
    SourceHelper,
}

/// <summary>A retry construct around an enumeration.</summary>
/// <param name="Kind">Which construct retries.</param>
/// <param name="Node">The retry loop, or the invocation that runs the delegate.</param>
/// <param name="Try">For a retry loop: the try statement around the enumeration.</param>
/// <param name="RetryingCatch">For a retry loop: the catch clause that lets the loop go round again.</param>
internal sealed record RetryConstruct(RetryKind Kind, IOperation Node, ITryOperation? Try, ICatchClauseOperation? RetryingCatch);

/// <summary>
/// Recognises the constructs that retry an enumeration: a loop whose try/catch around it can continue the loop,
/// a Polly execute delegate that contains it, and configured retry helpers. Also recognises pass-through iterators.
/// </summary>
internal sealed class RetryRecognizer
{
    private static readonly System.Collections.Immutable.ImmutableHashSet<string> PollyExecuteNames =
        System.Collections.Immutable.ImmutableHashSet.Create("Execute", "ExecuteAsync", "ExecuteAndCapture", "ExecuteAndCaptureAsync", "ExecuteOutcomeAsync");

    private readonly LlmAnalysisContext _context;

    public RetryRecognizer(LlmAnalysisContext context) => _context = context;

    /// <summary>
    /// The nearest retry construct that re-runs <paramref name="enumeration"/> when it fails, or null. When the
    /// enumeration is in a lambda or a local function, the construct is found where that function is handed on or
    /// called: passed to a Polly execute or a configured helper, or called inside a retry loop (directly, or through a
    /// local that holds the lambda). A lambda handed to anything else (<c>Task.Run</c>) is not followed.
    /// </summary>
    public RetryConstruct? FindEnclosingRetry(IOperation enumeration, LlmOptions options, CancellationToken cancellationToken)
        => FindEnclosingRetry(enumeration, options, cancellationToken, depth: 0);

    private RetryConstruct? FindEnclosingRetry(IOperation enumeration, LlmOptions options, CancellationToken cancellationToken, int depth)
    {
        for (var current = enumeration.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ILoopOperation loop when enumeration.IsWithin(loop.Body):
                    if (FindRetryingCatch(loop, enumeration, cancellationToken) is { } retry)
                    {
                        return retry;
                    }

                    break;

                case IAnonymousFunctionOperation lambda:
                    return RetryForLambda(lambda, options, cancellationToken, depth);

                case ILocalFunctionOperation localFunction:
                    return RetryForUses(
                        localFunction,
                        node => node switch
                        {
                            IMethodReferenceOperation reference => SymbolEqualityComparer.Default.Equals(reference.Method.OriginalDefinition, localFunction.Symbol),
                            IInvocationOperation call => SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, localFunction.Symbol),
                            _ => false,
                        },
                        options,
                        cancellationToken,
                        depth);
            }
        }

        return null;
    }

    private RetryConstruct? RetryForLambda(IAnonymousFunctionOperation lambda, LlmOptions options, CancellationToken cancellationToken, int depth)
    {
        var handed = HandedOn(lambda);
        switch (handed.Parent)
        {
            case IArgumentOperation { Parent: IInvocationOperation invocation } argument:
                return RetryForInvocation(invocation, argument, options);

            // A Polly execute whose delegate does not bind (code being edited): overload resolution fails and leaves an
            // invalid operation, but the call is still a retry; without this, LLM101's fix would wrap it again.
            case IInvalidOperation { Syntax: InvocationExpressionSyntax call } invalid
                when invalid.SemanticModel?.GetSymbolInfo(call, cancellationToken).CandidateSymbols.OfType<IMethodSymbol>().Any(IsPollyExecute) == true:
                return new RetryConstruct(RetryKind.Polly, invalid, null, null);

            // Func<CancellationToken, ValueTask> once = async token => { … }; then once is passed to Polly or called in a retry loop.
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return RetryForUses(
                    lambda,
                    node => node is ILocalReferenceOperation local && SymbolEqualityComparer.Default.Equals(local.Local, declarator.Symbol),
                    options,
                    cancellationToken,
                    depth);

            default:
                return null;
        }
    }

    /// <summary>
    /// The retry around a use of a function: a use passed to a Polly execute or a configured helper, or a call
    /// (<c>Once()</c>, <c>once()</c>) that a retry construct encloses. Only the body that declares the function is searched.
    /// </summary>
    private RetryConstruct? RetryForUses(IOperation function, System.Func<IOperation, bool> isUse, LlmOptions options, CancellationToken cancellationToken, int depth)
    {
        if (depth >= 3)
        {
            return null;
        }

        var root = function;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        foreach (var node in root.Descendants())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!isUse(node) || node.IsWithin(function))
            {
                continue;
            }

            var handed = HandedOn(node);
            var call = node as IInvocationOperation
                ?? (handed.Parent is IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } invoke && invoke.Instance == handed ? invoke : null);
            var retry = call is not null
                ? FindEnclosingRetry(call, options, cancellationToken, depth + 1)
                : handed.Parent is IArgumentOperation { Parent: IInvocationOperation invocation } argument ? RetryForInvocation(invocation, argument, options) : null;
            if (retry is not null)
            {
                return retry;
            }
        }

        return null;
    }

    /// <summary>The outermost of the delegate creations and conversions that wrap <paramref name="operation"/>.</summary>
    internal static IOperation HandedOn(IOperation operation)
    {
        var current = operation;
        while (current.Parent is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        return current;
    }

    private RetryConstruct? RetryForInvocation(IInvocationOperation invocation, IArgumentOperation argument, LlmOptions options)
    {
        if (IsPollyExecute(invocation.TargetMethod))
        {
            return new RetryConstruct(RetryKind.Polly, invocation, null, null);
        }

        if (IsConfiguredRetry(invocation.TargetMethod, options))
        {
            return new RetryConstruct(RetryKind.ConfiguredHelper, invocation, null, null);
        }

        return argument.Parameter is { } parameter && _context.Summaries.RetriesDelegate(invocation.TargetMethod, parameter, options)
            ? new RetryConstruct(RetryKind.SourceHelper, invocation, null, null)
            : null;
    }

    /// <summary>True for a Polly execute or a configured retry method: a runner that retries the delegate it is given.</summary>
    public bool IsRetryRunner(IMethodSymbol method, LlmOptions options) => IsPollyExecute(method) || IsConfiguredRetry(method, options);

    private static bool IsConfiguredRetry(IMethodSymbol method, LlmOptions options)
    {
        foreach (var pattern in options.RetryMethods)
        {
            if (pattern.Matches(method))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A try inside <paramref name="loop"/>'s body (and around <paramref name="enumeration"/>) with a catch that can
    /// continue the loop: it ends reachably (falling through to the next iteration) or says <c>continue</c>.
    /// </summary>
    private static RetryConstruct? FindRetryingCatch(ILoopOperation loop, IOperation enumeration, CancellationToken cancellationToken)
    {
        for (var current = enumeration.Parent; current is not null && current != loop; current = current.Parent)
        {
            if (current is not ITryOperation @try || !enumeration.IsWithin(@try.Body))
            {
                continue;
            }

            foreach (var @catch in @try.Catches)
            {
                if (CanContinueLoop(@catch, @try, loop, cancellationToken))
                {
                    return new RetryConstruct(RetryKind.Loop, loop, @try, @catch);
                }
            }
        }

        return null;
    }

    /// <summary>True when the catch can let <paramref name="loop"/> go round again: it says <c>continue</c>, or falls through to statements that do not always leave.</summary>
    internal static bool CanContinueLoop(ICatchClauseOperation @catch, ITryOperation @try, ILoopOperation loop, CancellationToken cancellationToken)
    {
        // An explicit 'continue' of this loop anywhere in the handler.
        foreach (var branch in @catch.Handler.DescendantsWithinFunction().OfType<IBranchOperation>())
        {
            if (branch.BranchKind == BranchKind.Continue && SymbolEqualityComparer.Default.Equals(branch.Target, loop.ContinueLabel))
            {
                return true;
            }
        }

        if (@catch.Handler.Syntax is not BlockSyntax block || @catch.SemanticModel is not { } model)
        {
            return false;
        }

        var flow = model.AnalyzeControlFlow(block);
        if (flow is null || !flow.Succeeded || !flow.EndPointIsReachable)
        {
            return false;
        }

        // The handler falls through: the loop goes round again unless the statements after the try always leave it.
        return !LeavesLoopAfter(@try, loop, cancellationToken);
    }

    /// <summary>
    /// True when a statement that runs after <paramref name="try"/> falls through always breaks, returns or throws: one
    /// after it in its block, or after any statement that encloses it up to the loop body (<c>using</c>, <c>if</c>,
    /// blocks, an outer <c>try</c>). A nested loop in between stops the search (that loop is the one that goes round).
    /// </summary>
    private static bool LeavesLoopAfter(ITryOperation @try, ILoopOperation loop, CancellationToken cancellationToken)
    {
        IOperation current = @try;
        while (current != loop.Body && current.Parent is { } parent && parent != loop)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (parent is ILoopOperation)
            {
                return false;
            }

            if (parent is IBlockOperation block && AlwaysLeavesAfter(block, current, loop))
            {
                return true;
            }

            current = parent;
        }

        return false;
    }

    private static bool AlwaysLeavesAfter(IBlockOperation block, IOperation statement, ILoopOperation loop)
    {
        var after = false;
        foreach (var next in block.Operations)
        {
            if (next == statement)
            {
                after = true;
                continue;
            }

            if (!after)
            {
                continue;
            }

            switch (next)
            {
                case IBranchOperation { BranchKind: BranchKind.Break } branch when SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel):
                case IReturnOperation { Kind: OperationKind.Return or OperationKind.YieldBreak }:
                case IThrowOperation:
                case IExpressionStatementOperation { Operation: IThrowOperation }:
                    return true;
            }
        }

        return false;
    }

    /// <summary>True for the execute methods of Polly v8 pipelines and Polly v7 policies.</summary>
    public bool IsPollyExecute(IMethodSymbol method)
    {
        if (!PollyExecuteNames.Contains(method.Name))
        {
            return false;
        }

        var types = _context.Types;
        var containing = (method.ReducedFrom ?? method).ContainingType;
        return containing.IsOrInheritsFrom(types.PollyResiliencePipeline)
            || containing.IsOrInheritsFrom(types.PollyResiliencePipelineOfT)
            || containing.IsOrInheritsFrom(types.PollyIAsyncPolicy)
            || containing.IsOrInheritsFrom(types.PollyIAsyncPolicyOfT)
            || containing.IsOrInheritsFrom(types.PollyISyncPolicy)
            || containing.IsOrInheritsFrom(types.PollyISyncPolicyOfT)
            || containing.IsInNamespace("Polly") && containing.Name.EndsWith("Policy", System.StringComparison.Ordinal);
    }

    /// <summary>
    /// True when <paramref name="loop"/> hands each update on with <c>yield return</c>: the iterator's caller owns recovery.
    /// The body itself counts: <c>await foreach (var u in stream) yield return u;</c> has no block around its yield.
    /// </summary>
    public static bool IsPassThroughIterator(ILoopOperation loop)
    {
        if (loop.Body is IReturnOperation { Kind: OperationKind.YieldReturn })
        {
            return true;
        }

        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node is IReturnOperation { Kind: OperationKind.YieldReturn })
            {
                return true;
            }
        }

        return false;
    }
}
