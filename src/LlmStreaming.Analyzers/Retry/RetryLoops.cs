namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// Tells a retry loop from a loop over work items. The core counts any loop whose catch around the enumeration can go
/// round again as a retry construct; but <c>foreach (var question in questions) { try { …stream(question)… } catch { log } }</c>
/// moves on to the next item instead of trying the same request again. Such a loop is not a retry for the LLM1xx rules.
/// </summary>
internal static class RetryLoops
{
    /// <summary>The nearest retry construct around <paramref name="operation"/> that really retries (null when none).</summary>
    public static RetryConstruct? FindRetry(LlmAnalysisContext llm, IOperation operation, LlmOptions options, CancellationToken cancellationToken)
    {
        var retry = llm.Retries.FindEnclosingRetry(operation, options, cancellationToken);
        return retry is not null && IsIterationLoop(retry) ? null : retry;
    }

    /// <summary>
    /// True when the retry construct is a loop whose attempt (the try body) reads a variable the loop advances: the
    /// foreach variable, a variable declared in the loop's header or condition, or one its condition assigns
    /// (<c>while ((line = reader.ReadLine()) != null)</c>).
    /// </summary>
    public static bool IsIterationLoop(RetryConstruct retry)
    {
        if (retry.Kind != RetryKind.Loop || retry.Node is not ILoopOperation loop || retry.Try is not { } @try)
        {
            return false;
        }

        var advancing = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var local in loop.Locals)
        {
            advancing.Add(local);
        }

        IOperation? condition = loop switch
        {
            IWhileLoopOperation whileLoop => whileLoop.Condition,
            IForLoopOperation forLoop => forLoop.Condition,
            _ => null,
        };

        if (condition is not null)
        {
            foreach (var node in condition.DescendantsAndSelf())
            {
                if (node is ISimpleAssignmentOperation { Target: ILocalReferenceOperation assigned })
                {
                    advancing.Add(assigned.Local);
                }
                else if (node is IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared })
                {
                    advancing.Add(declared);
                }
            }
        }

        // A value fetched anew each turn outside the attempt (message = ReadInput(); var input = Console.ReadLine();) that
        // decides whether the loop goes on (the loop's condition, or an 'if' that leaves the loop): a read-eval loop
        // over user input, not a retry of the same request.
        foreach (var fetched in FetchedEachTurn(loop, @try))
        {
            if (condition is not null && condition.References(fetched) || DecidesExit(loop, @try, fetched))
            {
                advancing.Add(fetched);
            }
        }

        if (ReadsConsoleInput(loop, @try))
        {
            return true; // a console chat loop: each round asks the user for a new line, none repeats the last request
        }

        if (advancing.Count == 0)
        {
            return false;
        }

        foreach (var node in @try.Body.DescendantsAndSelf())
        {
            if (node is ILocalReferenceOperation reference && advancing.Contains(reference.Local))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the loop body, outside the attempt, reads a line or key from the console (<c>Console.ReadLine()</c>,
    /// <c>Console.ReadKey()</c>, <c>Console.In.ReadLineAsync()</c>): a read-eval loop over user input.
    /// </summary>
    private static bool ReadsConsoleInput(ILoopOperation loop, ITryOperation @try)
    {
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node is not IInvocationOperation invocation || node.IsWithin(@try))
            {
                continue;
            }

            var method = invocation.TargetMethod;
            if (method.IsStatic && method.Name is "ReadLine" or "ReadKey" or "Read" && IsSystemConsole(method.ContainingType))
            {
                return true;
            }

            if (method.Name is "ReadLine" or "ReadLineAsync"
                && invocation.Instance?.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "In" } input
                && IsSystemConsole(input.Property.ContainingType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSystemConsole(INamedTypeSymbol? type)
        => type is { Name: "Console", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };

    /// <summary>The locals the loop body sets from a call's result outside the attempt: <c>message = ReadInput();</c>, <c>var line = Console.ReadLine();</c>.</summary>
    private static IEnumerable<ILocalSymbol> FetchedEachTurn(ILoopOperation loop, ITryOperation @try)
    {
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node.IsWithin(@try))
            {
                continue;
            }

            switch (node)
            {
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when IsCallResult(assignment.Value):
                    yield return target.Local;
                    break;
                case IVariableDeclaratorOperation declarator when declarator.GetVariableInitializer() is { } initializer && IsCallResult(initializer.Value):
                    yield return declarator.Symbol;
                    break;
            }
        }
    }

    private static bool IsCallResult(IOperation value)
    {
        var current = value.WalkDownConversions();
        while (current is IAwaitOperation awaited)
        {
            current = awaited.Operation.WalkDownConversions();
        }

        return current is IInvocationOperation;
    }

    /// <summary>True when an <c>if</c> of the loop body, outside the attempt, tests <paramref name="local"/> and leaves the loop (<c>break</c>, <c>return</c>).</summary>
    private static bool DecidesExit(ILoopOperation loop, ITryOperation @try, ILocalSymbol local)
    {
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node is not IConditionalOperation { WhenTrue: { } whenTrue } conditional || node.IsWithin(@try) || !conditional.Condition.References(local))
            {
                continue;
            }

            foreach (var jump in whenTrue.DescendantsAndSelf())
            {
                if (jump is IBranchOperation { BranchKind: BranchKind.Break } branch && SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel)
                    || jump is IReturnOperation { Kind: OperationKind.Return or OperationKind.YieldBreak })
                {
                    return true;
                }
            }
        }

        return false;
    }
}
