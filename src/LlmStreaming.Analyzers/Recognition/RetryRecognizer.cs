using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Recognition;

internal enum RetryKind
{
    /// <summary>A loop whose try/catch around the enumeration can start another iteration.</summary>
    Loop,

    /// <summary>A Polly <c>ResiliencePipeline</c>/<c>IAsyncPolicy</c> execute delegate.</summary>
    Polly,

    /// <summary>A method configured in <c>llm_streaming.retry_methods</c>.</summary>
    ConfiguredHelper,
}

/// <summary>A retry construct around an enumeration.</summary>
internal sealed class RetryConstruct
{
    public RetryConstruct(RetryKind kind, IOperation node, ITryOperation? @try, ICatchClauseOperation? retryingCatch)
    {
        Kind = kind;
        Node = node;
        Try = @try;
        RetryingCatch = retryingCatch;
    }

    public RetryKind Kind { get; }

    /// <summary>The retry loop, or the invocation that runs the delegate.</summary>
    public IOperation Node { get; }

    /// <summary>For a retry loop: the try statement around the enumeration.</summary>
    public ITryOperation? Try { get; }

    /// <summary>For a retry loop: the catch clause that lets the loop go round again.</summary>
    public ICatchClauseOperation? RetryingCatch { get; }
}

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

    /// <summary>The nearest retry construct that re-runs <paramref name="enumeration"/> when it fails, or null.</summary>
    public RetryConstruct? FindEnclosingRetry(IOperation enumeration, LlmOptions options, CancellationToken cancellationToken)
    {
        ITryOperation? innermostTry = null;
        for (var current = enumeration.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ITryOperation @try when enumeration.IsWithin(@try.Body):
                    innermostTry ??= @try;
                    break;

                case ILoopOperation loop when enumeration.IsWithin(loop.Body):
                    if (FindRetryingCatch(loop, enumeration, cancellationToken) is { } retry)
                    {
                        return retry;
                    }

                    break;

                case IAnonymousFunctionOperation lambda:
                    return RetryForDelegate(lambda, options);

                case ILocalFunctionOperation:
                    return null;
            }
        }

        return null;
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

    private static bool CanContinueLoop(ICatchClauseOperation @catch, ITryOperation @try, ILoopOperation loop, CancellationToken cancellationToken)
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

    /// <summary>True when a statement after <paramref name="try"/> at the same level of the loop body always breaks, returns or throws.</summary>
    private static bool LeavesLoopAfter(ITryOperation @try, ILoopOperation loop, CancellationToken cancellationToken)
    {
        if (@try.Parent is not IBlockOperation block)
        {
            return false;
        }

        var after = false;
        foreach (var statement in block.Operations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (statement == @try)
            {
                after = true;
                continue;
            }

            if (!after)
            {
                continue;
            }

            switch (statement)
            {
                case IBranchOperation { BranchKind: BranchKind.Break } branch when SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel):
                case IReturnOperation { Kind: OperationKind.Return }:
                case IThrowOperation:
                case IExpressionStatementOperation { Operation: IThrowOperation }:
                    return true;
            }
        }

        return false;
    }

    private RetryConstruct? RetryForDelegate(IAnonymousFunctionOperation lambda, LlmOptions options)
    {
        IOperation current = lambda;
        while (current.Parent is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        if (current.Parent is not IArgumentOperation { Parent: IInvocationOperation invocation })
        {
            return null;
        }

        if (IsPollyExecute(invocation.TargetMethod))
        {
            return new RetryConstruct(RetryKind.Polly, invocation, null, null);
        }

        foreach (var pattern in options.RetryMethods)
        {
            if (pattern.Matches(invocation.TargetMethod))
            {
                return new RetryConstruct(RetryKind.ConfiguredHelper, invocation, null, null);
            }
        }

        return null;
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
    /// </summary>
    public static bool IsPassThroughIterator(ILoopOperation loop)
    {
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
