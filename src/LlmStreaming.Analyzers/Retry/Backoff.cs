namespace LlmStreaming.Analyzers.Retry;

internal enum BackoffKind
{
    /// <summary>No wait at all between attempts.</summary>
    None,

    /// <summary>Only constant waits (<c>Task.Delay(1000)</c>), none jittered.</summary>
    Constant,

    /// <summary>A wait that grows, is jittered, or is computed by code the rule does not judge.</summary>
    Adequate,
}

/// <summary>How a retry loop waits between attempts.</summary>
internal static class Backoff
{
    private static readonly string[] DelayLikeNames = { "Delay", "Sleep", "Backoff", "Wait", "Pause", "Throttle" };

    /// <summary>
    /// Classifies the waits in <paramref name="retryLoop"/>'s body (outside the stream loops in it):
    /// <c>Task.Delay</c>/<c>Thread.Sleep</c> with a constant argument are constant; any other delay-like call
    /// (<c>WaitAsync</c>, <c>BackoffAsync(attempt)</c>…) or a computed argument counts as a backoff.
    /// </summary>
    public static BackoffKind Classify(ILoopOperation retryLoop, ImmutableArray<ILoopOperation> streamLoops, RetryTypes types, out IInvocationOperation? constantDelay, CancellationToken cancellationToken)
    {
        constantDelay = null;
        var sawConstant = false;
        foreach (var node in retryLoop.Body.DescendantsWithinFunction())
        {
            if (node is not IInvocationOperation invocation || streamLoops.Any(l => node.IsWithin(l.Body)))
            {
                continue;
            }

            var method = invocation.TargetMethod;
            if (IsTaskDelay(method, types) || IsThreadSleep(method, types))
            {
                if (invocation.Arguments.Length > 0 && IsConstantDelay(invocation.Arguments[0].Value, retryLoop, types, depth: 0, cancellationToken))
                {
                    sawConstant = true;
                    constantDelay ??= invocation;
                    continue;
                }

                return BackoffKind.Adequate;
            }

            if (DelayLikeNames.Any(n => method.Name.IndexOf(n, StringComparison.OrdinalIgnoreCase) >= 0))
            {
                return BackoffKind.Adequate;
            }
        }

        return sawConstant ? BackoffKind.Constant : BackoffKind.None;
    }

    public static bool IsTaskDelay(IMethodSymbol method, RetryTypes types)
        => method.Name == "Delay" && SymbolEqualityComparer.Default.Equals(method.ContainingType, types.Task);

    public static bool IsThreadSleep(IMethodSymbol method, RetryTypes types)
        => method.Name == "Sleep" && SymbolEqualityComparer.Default.Equals(method.ContainingType, types.Thread);

    /// <summary>
    /// True for a delay known at compile time and not jittered: a constant, <c>TimeSpan.Zero</c>,
    /// <c>TimeSpan.FromSeconds(2)</c>, <c>new TimeSpan(0, 0, 1)</c>, or a local/readonly field only ever holding one.
    /// </summary>
    private static bool IsConstantDelay(IOperation value, ILoopOperation retryLoop, RetryTypes types, int depth, CancellationToken cancellationToken)
    {
        if (depth > 3)
        {
            return false;
        }

        var current = value.WalkDownConversions();
        if (current.ConstantValue.HasValue)
        {
            return true;
        }

        switch (current)
        {
            case IFieldReferenceOperation { Field: { IsStatic: true } field } when SymbolEqualityComparer.Default.Equals(field.ContainingType, types.TimeSpan):
                return field.Name is "Zero" or "MaxValue" or "MinValue";

            case IFieldReferenceOperation { Field: { IsReadOnly: true } field }:
                return Recognition.OperationExtensions.DeclaredInitializer(field, current.SemanticModel, cancellationToken) is { } fieldInit
                    && IsConstantDelay(fieldInit, retryLoop, types, depth + 1, cancellationToken);

            case IInvocationOperation invocation when SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, types.TimeSpan)
                && invocation.TargetMethod.IsStatic && invocation.TargetMethod.Name.StartsWith("From", StringComparison.Ordinal):
                return invocation.Arguments.All(a => IsConstantDelay(a.Value, retryLoop, types, depth + 1, cancellationToken));

            case IObjectCreationOperation creation when SymbolEqualityComparer.Default.Equals(creation.Type, types.TimeSpan):
                return creation.Arguments.All(a => IsConstantDelay(a.Value, retryLoop, types, depth + 1, cancellationToken));

            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                return IsConstantDelay(conditional.WhenTrue, retryLoop, types, depth + 1, cancellationToken)
                    && IsConstantDelay(whenFalse, retryLoop, types, depth + 1, cancellationToken);

            case ILocalReferenceOperation local:
                return !IsReassigned(local.Local, retryLoop)
                    && StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken) is { } init
                    && IsConstantDelay(init, retryLoop, types, depth + 1, cancellationToken);

            default:
                return false;
        }
    }


    /// <summary>True when <paramref name="local"/> is assigned anywhere in the function of <paramref name="anchor"/> besides its declaration.</summary>
    private static bool IsReassigned(ILocalSymbol local, IOperation anchor)
    {
        var root = anchor;
        while (root.Parent is not null && !root.Parent.IsFunctionBoundary())
        {
            root = root.Parent;
        }

        foreach (var node in root.DescendantsWithinFunction())
        {
            var target = node switch
            {
                ISimpleAssignmentOperation simple => simple.Target,
                ICompoundAssignmentOperation compound => compound.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                ICoalesceAssignmentOperation coalesce => coalesce.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                _ => null,
            };

            if (target is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                return true;
            }
        }

        return false;
    }
}
