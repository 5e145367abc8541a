using System.Collections.Generic;
using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

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
}
