namespace LlmStreaming.Analyzers.Recognition;

internal static class OperationExtensions
{
    /// <summary>Strips implicit and explicit conversions and parentheses.</summary>
    public static IOperation WalkDownConversions(this IOperation operation)
    {
        var current = operation;
        while (true)
        {
            switch (current)
            {
                case IConversionOperation conversion:
                    current = conversion.Operand;
                    continue;
                case IParenthesizedOperation parenthesized:
                    current = parenthesized.Operand;
                    continue;
                default:
                    return current;
            }
        }
    }

    /// <summary>True for the boundary of a body of its own: a lambda, an anonymous method or a local function.</summary>
    public static bool IsFunctionBoundary(this IOperation operation)
        => operation is IAnonymousFunctionOperation or ILocalFunctionOperation;

    /// <summary>The ancestors of <paramref name="operation"/> up to (not including) the enclosing lambda, local function or member body.</summary>
    public static IEnumerable<IOperation> AncestorsWithinFunction(this IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current.IsFunctionBoundary())
            {
                yield break;
            }

            yield return current;
        }
    }

    /// <summary>The descendants of <paramref name="operation"/>, not entering lambdas, anonymous methods or local functions.</summary>
    public static IEnumerable<IOperation> DescendantsWithinFunction(this IOperation operation)
    {
        var stack = new Stack<IOperation>(16);
        foreach (var child in operation.ChildOperations)
        {
            stack.Push(child);
        }

        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            if (current.IsFunctionBoundary())
            {
                continue;
            }

            foreach (var child in current.ChildOperations)
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>True when <paramref name="node"/> is <paramref name="ancestor"/> or inside it.</summary>
    public static bool IsWithin(this IOperation node, IOperation ancestor)
        => ancestor.Syntax.SyntaxTree == node.Syntax.SyntaxTree && ancestor.Syntax.Span.Contains(node.Syntax.Span);

    /// <summary>The local, parameter, field or property an operation refers to, if any.</summary>
    public static ISymbol? ReferencedSymbol(this IOperation operation)
        => operation.WalkDownConversions() switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation field => field.Field,
            IPropertyReferenceOperation property => property.Property,
            _ => null,
        };

    /// <summary>True when <paramref name="operation"/> (or anything inside it) reads <paramref name="symbol"/>.</summary>
    public static bool References(this IOperation operation, ISymbol symbol)
    {
        if (SymbolEqualityComparer.Default.Equals(operation.ReferencedSymbol(), symbol))
        {
            return true;
        }

        foreach (var descendant in operation.Descendants())
        {
            if (SymbolEqualityComparer.Default.Equals(descendant.ReferencedSymbol(), symbol))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The method that owns <paramref name="operation"/>'s body (the lambda or local function when nested).</summary>
    public static IMethodSymbol? ContainingMethod(this IOperation operation, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        for (var current = operation; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol;
                case ILocalFunctionOperation localFunction:
                    return localFunction.Symbol;
            }
        }

        // Asked at the operation itself: at the start of the member's declaration the enclosing symbol is the type.
        return model.GetEnclosingSymbol(operation.Syntax.SpanStart, cancellationToken) as IMethodSymbol;
    }

    /// <summary>The operations of the loop (condition and body) that belong to it, not to a nested loop or function.</summary>
    public static IEnumerable<IOperation> OwnOperations(this ILoopOperation loop)
    {
        var stack = new Stack<IOperation>();
        foreach (var child in loop.ChildOperations)
        {
            stack.Push(child);
        }

        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            if (current.IsFunctionBoundary() || current is ILoopOperation)
            {
                continue;
            }

            foreach (var child in current.ChildOperations)
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>
    /// The operation of the initializer <paramref name="symbol"/> (a local or a field) is declared with (<c>var stream = …;</c>,
    /// <c>static readonly TimeSpan Limit = …;</c>), when it has one declaration, in <paramref name="model"/>'s tree.
    /// </summary>
    public static IOperation? DeclaredInitializer(ISymbol symbol, SemanticModel? model, CancellationToken cancellationToken)
    {
        if (model is null || symbol.DeclaringSyntaxReferences.Length != 1)
        {
            return null;
        }

        var syntax = symbol.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
        if (syntax is VariableDeclaratorSyntax { Initializer.Value: { } value } && value.SyntaxTree == model.SyntaxTree)
        {
            return model.GetOperation(value, cancellationToken);
        }

        return null;
    }
}
