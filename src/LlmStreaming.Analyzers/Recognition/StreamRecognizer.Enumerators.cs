namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Issue 11: the enumerator a loop driven by hand moves may come from elsewhere than <c>stream.GetAsyncEnumerator()</c>
/// in the loop's own method — from a source method whose summary says it returns the enumerator of an SDK stream
/// (<see cref="MethodSummaries.ReturnedEnumerator"/>), or from a lambda handed to a helper that gives back what the
/// lambda returns (<c>await host.RunWithSpinnerAsync(async () =&gt; { var e = …GetAsyncEnumerator(); await e.MoveNextAsync(); return e; })</c>).
/// </summary>
internal sealed partial class StreamRecognizer
{
    /// <summary>
    /// The element type of an enumerator type: <c>IAsyncEnumerator&lt;T&gt;</c> or <c>IEnumerator&lt;T&gt;</c>, also behind
    /// <c>Task&lt;…&gt;</c>/<c>ValueTask&lt;…&gt;</c>; null for anything else.
    /// </summary>
    internal ITypeSymbol? EnumeratorElementType(ITypeSymbol? type)
    {
        var types = _context.Types;
        if (type is INamedTypeSymbol task && (type.IsConstructedFrom(types.TaskOfT) || type.IsConstructedFrom(types.ValueTaskOfT)))
        {
            type = task.TypeArguments[0];
        }

        return type is INamedTypeSymbol { TypeKind: TypeKind.Interface, Name: "IAsyncEnumerator" or "IEnumerator", TypeArguments.Length: 1 } enumerator
            && enumerator.ContainingNamespace.Is("System.Collections.Generic")
            ? enumerator.TypeArguments[0]
            : null;
    }

    /// <summary>
    /// The model stream a loop driven by hand moves through <paramref name="enumerator"/>: the local is initialised with
    /// <c>stream.GetAsyncEnumerator(…)</c> (<c>GetEnumerator()</c> when the loop is not <paramref name="awaited"/>) of a
    /// recognised stream, or (issue 11) with an enumerator obtained from a source method or a lambda (<see cref="EnumeratorSource"/>).
    /// </summary>
    private LlmStreamSource? EnumeratedStream(ILocalSymbol enumerator, bool awaited, LlmOptions options, SemanticModel model, CancellationToken cancellationToken)
    {
        var initializer = LocalInitializer(enumerator, model, cancellationToken)?.WalkDownConversions();
        if (initializer is IInvocationOperation { TargetMethod.Name: "GetAsyncEnumerator" or "GetEnumerator" } getEnumerator)
        {
            return getEnumerator.TargetMethod.Name == (awaited ? "GetAsyncEnumerator" : "GetEnumerator") && Receiver(getEnumerator) is { } stream
                ? TryGetStreamValue(stream, options, cancellationToken)
                : null;
        }

        return initializer is null
            ? null
            : EnumeratorSource(initializer, options, model, MethodSummaries.MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default));
    }

    /// <summary>
    /// The model stream whose enumerator <paramref name="value"/> is: <c>stream.GetAsyncEnumerator(…)</c> (<c>GetEnumerator()</c>)
    /// of a recognised stream, a local initialised with one, a call of a source method that returns one (its summary,
    /// following at most <paramref name="depthLeft"/> methods and none on <paramref name="path"/>), or a helper's result
    /// when the helper gives back what the lambda it is handed returns. Through <c>await</c> and <c>ConfigureAwait</c>.
    /// </summary>
    internal LlmStreamSource? EnumeratorSource(IOperation value, LlmOptions options, SemanticModel model, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var current = value;
        for (var step = 0; step < 8; step++)
        {
            current = current.WalkDownConversions();
            switch (current)
            {
                case IAwaitOperation awaited:
                    current = awaited.Operation;
                    continue;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured }:
                    current = configured;
                    continue;
                case IInvocationOperation { TargetMethod.Name: "GetAsyncEnumerator" or "GetEnumerator" } getEnumerator:
                    return Receiver(getEnumerator) is { } stream ? TryGetStreamValue(stream, options, CancellationToken.None) : null;
                case ILocalReferenceOperation local:
                    if (LocalInitializer(local.Local, model, CancellationToken.None) is not { } initializer)
                    {
                        return null;
                    }

                    current = initializer;
                    continue;
                case IInvocationOperation call:
                    return FromSourceMethod(call, options, model, depthLeft, path) ?? FromLambdaHelper(call, options, model, depthLeft, path);
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The model stream whose enumerator every value <paramref name="function"/> (a method body or a lambda) returns,
    /// apart from <c>null</c>, a stream started there (not one received): a returned local must not be disposed in the function. Null when one return gives back
    /// anything else, or when none returns such an enumerator.
    /// </summary>
    internal LlmStreamSource? ReturnedEnumeratorSource(IOperation function, LlmOptions options, SemanticModel model, int depthLeft, HashSet<IMethodSymbol> path)
    {
        LlmStreamSource? found = null;
        foreach (var node in function.DescendantsWithinFunction())
        {
            if (node is not IReturnOperation { Kind: OperationKind.Return, ReturnedValue: { } returned })
            {
                continue;
            }

            foreach (var value in NonNullValues(returned))
            {
                if ((value is ILocalReferenceOperation local && IsDisposedIn(local.Local, function))
                    || EnumeratorSource(value, options, model, depthLeft, path) is not { Origin: StreamOrigin.Call } source)
                {
                    return null;
                }

                found ??= source;
            }
        }

        return found;
    }

    /// <summary>A call of a source method whose summary says it returns the enumerator of a model stream: the call stands for the stream.</summary>
    private LlmStreamSource? FromSourceMethod(IInvocationOperation call, LlmOptions options, SemanticModel model, int depthLeft, HashSet<IMethodSymbol> path)
        => _context.Summaries.ReturnedEnumerator(call.TargetMethod, options, model, depthLeft, path) is { } summary
            ? new LlmStreamSource(summary.Family, StreamOrigin.Call, call, summary.ElementType)
            : null;

    /// <summary>
    /// <c>helper(() =&gt; …)</c> where the helper's result is what the lambda returns (generic in a type parameter that
    /// both its return type and the delegate parameter's type carry: <c>Task&lt;T&gt; Run&lt;T&gt;(Func&lt;Task&lt;T&gt;&gt; func)</c>).
    /// </summary>
    private LlmStreamSource? FromLambdaHelper(IInvocationOperation call, LlmOptions options, SemanticModel model, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var helper = (call.TargetMethod.ReducedFrom ?? call.TargetMethod).OriginalDefinition;
        if (helper.TypeParameters.Length == 0 || EnumeratorElementType(call.Type) is null)
        {
            return null;
        }

        foreach (var argument in call.Arguments)
        {
            if (argument.Value.WalkDownConversions() is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }
                && argument.Parameter?.OriginalDefinition.Type is INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
                && helper.TypeParameters.Any(t => Mentions(helper.ReturnType, t) && Mentions(invoke.ReturnType, t)))
            {
                return ReturnedEnumeratorSource(lambda, options, model, depthLeft, path);
            }
        }

        return null;
    }

    /// <summary>
    /// The enumerator local a loop condition moves: <c>await e.MoveNextAsync()</c> (with <c>ConfigureAwait</c>) or
    /// <c>e.MoveNext()</c>; a move run by a helper's lambda, <c>await host.RunWithSpinnerAsync(() =&gt; e.MoveNextAsync().AsTask())</c>
    /// (the helper hands back what its lambda returns, as <see cref="FromLambdaHelper"/> reads it); or a conditional
    /// whose two branches both move the same enumerator the same way (AIShell's OpenAI agent moves it under a spinner
    /// after a tool call, directly otherwise). Null for any other condition.
    /// </summary>
    private static ILocalReferenceOperation? MovedEnumerator(IOperation condition, out bool awaited)
    {
        awaited = false;
        var operation = condition.WalkDownConversions();
        if (operation is IConditionalOperation { WhenFalse: { } whenFalse } conditional)
        {
            var first = MovedEnumerator(conditional.WhenTrue, out var firstAwaited);
            var second = MovedEnumerator(whenFalse, out var secondAwaited);
            awaited = firstAwaited;
            return first is not null && second is not null && firstAwaited == secondAwaited
                && SymbolEqualityComparer.Default.Equals(first.Local, second.Local)
                ? first
                : null;
        }

        if (operation is IAwaitOperation awaitOperation)
        {
            awaited = true;
            operation = WithoutConfigureAwait(awaitOperation.Operation);
            if (operation is IInvocationOperation helper && LambdaMove(helper) is { } moved)
            {
                return moved;
            }
        }

        return AsMove(operation, awaited);
    }

    /// <summary><c>e.MoveNextAsync()</c> (<paramref name="awaited"/>) or <c>e.MoveNext()</c> on a local, with <c>.AsTask()</c> allowed after the first.</summary>
    private static ILocalReferenceOperation? AsMove(IOperation operation, bool awaited)
    {
        operation = operation.WalkDownConversions();
        if (awaited && operation is IInvocationOperation { TargetMethod.Name: "AsTask", Arguments.Length: 0, Instance: { } task })
        {
            operation = task.WalkDownConversions();
        }

        return operation is IInvocationOperation { Arguments.Length: 0, Instance: { } instance } call
            && call.TargetMethod.Name == (awaited ? "MoveNextAsync" : "MoveNext")
            && instance.WalkDownConversions() is ILocalReferenceOperation enumerator
            ? enumerator
            : null;
    }

    /// <summary>The enumerator a helper's only lambda argument moves and returns (<c>() =&gt; e.MoveNextAsync().AsTask()</c>), when the helper returns the lambda's result type.</summary>
    private static ILocalReferenceOperation? LambdaMove(IInvocationOperation helper)
    {
        var lambdas = helper.Arguments
            .Select(a => a.Value.WalkDownConversions())
            .OfType<IDelegateCreationOperation>()
            .Select(d => d.Target)
            .OfType<IAnonymousFunctionOperation>()
            .ToList();
        if (lambdas.Count != 1 || lambdas[0].Body.Operations.Length != 1
            || lambdas[0].Body.Operations[0] is not IReturnOperation { ReturnedValue: { } returned }
            || !SymbolEqualityComparer.Default.Equals(helper.TargetMethod.ReturnType, lambdas[0].Symbol.ReturnType))
        {
            return null;
        }

        return AsMove(returned, awaited: true);
    }

    private static IOperation WithoutConfigureAwait(IOperation operation)
    {
        operation = operation.WalkDownConversions();
        return operation is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured }
            ? configured.WalkDownConversions()
            : operation;
    }

    private static bool Mentions(ITypeSymbol type, ITypeParameterSymbol parameter)
        => SymbolEqualityComparer.Default.Equals(type, parameter)
            || (type is INamedTypeSymbol named && named.TypeArguments.Any(a => Mentions(a, parameter)));

    /// <summary>The values a return may give back, apart from a <c>null</c>: both branches of <c>ok ? e : null</c>.</summary>
    private static IEnumerable<IOperation> NonNullValues(IOperation returned)
    {
        var value = returned.WalkDownConversions();
        if (value is IConditionalOperation { WhenFalse: { } whenFalse } conditional)
        {
            return NonNullValues(conditional.WhenTrue).Concat(NonNullValues(whenFalse));
        }

        return value.ConstantValue is { HasValue: true, Value: null } ? [] : [value];
    }

    /// <summary>The function disposes the local: <c>using</c>/<c>await using</c> on its declaration or around it, or a <c>Dispose</c>/<c>DisposeAsync</c> call on it.</summary>
    private static bool IsDisposedIn(ILocalSymbol local, IOperation function)
    {
        foreach (var node in function.DescendantsWithinFunction())
        {
            switch (node)
            {
                case IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync", Instance: { } instance }
                    when SymbolEqualityComparer.Default.Equals(instance.ReferencedSymbol(), local):
                    return true;
                case IUsingOperation { Resources: var resources } when Declares(resources, local):
                    return true;
                case IUsingDeclarationOperation { DeclarationGroup: var group } when Declares(group, local):
                    return true;
            }
        }

        return false;
    }

    private static bool Declares(IOperation resources, ILocalSymbol local)
    {
        foreach (var node in resources.DescendantsAndSelf())
        {
            if ((node is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
                || (node is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local)))
            {
                return true;
            }
        }

        return false;
    }
}
