namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// Output a stream loop has already emitted when it fails: text written to the console, a writer, a response body, a
/// channel or a callback (none of which can be taken back), and text kept in an accumulator.
/// </summary>
internal static class Emissions
{
    private static readonly ImmutableHashSet<string> WriterMethods = ImmutableHashSet.Create(
        StringComparer.Ordinal, "Write", "WriteLine", "WriteAsync", "WriteLineAsync");

    private static readonly ImmutableHashSet<string> ChannelMethods = ImmutableHashSet.Create(StringComparer.Ordinal, "WriteAsync", "TryWrite");

    private static readonly ImmutableHashSet<string> ResponseExtensionMethods = ImmutableHashSet.Create(
        StringComparer.Ordinal, "WriteAsync", "WriteAsJsonAsync", "SendAsync", "SendCoreAsync");

    private static readonly ImmutableHashSet<string> ResponseTypeNames = ImmutableHashSet.Create(
        StringComparer.Ordinal, "HttpResponse", "IClientProxy", "ISingleClientProxy");

    /// <summary>
    /// The invocations in the loop body that hand a value derived from the update (or line) to the outside world:
    /// <c>Console.Write</c>, <c>TextWriter.Write*</c>, <c>Stream.Write*</c>, <c>PipeWriter.WriteAsync</c>,
    /// <c>ChannelWriter.WriteAsync/TryWrite</c>, <c>IProgress.Report</c>, <c>IObserver.OnNext</c>, ASP.NET
    /// <c>Response.WriteAsync</c>, SignalR <c>SendAsync</c>, and delegate invocations (<c>onToken(update.Text)</c>).
    /// </summary>
    public static ImmutableArray<IInvocationOperation> FindWrites(LlmStreamLoop loop, RetryTypes types)
    {
        var builder = ImmutableArray.CreateBuilder<IInvocationOperation>();
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node is IInvocationOperation invocation && IsWrite(invocation, types) && HasDerivedArgument(invocation, loop))
            {
                builder.Add(invocation);
            }
        }

        builder.Sort((a, b) => a.Syntax.SpanStart.CompareTo(b.Syntax.SpanStart));
        return builder.ToImmutable();
    }

    private static bool IsWrite(IInvocationOperation invocation, RetryTypes types)
    {
        var method = invocation.TargetMethod;
        if (method.MethodKind == MethodKind.DelegateInvoke)
        {
            return true;
        }

        var containing = method.ContainingType;
        if (method.IsStatic && method.ReducedFrom is null && !method.IsExtensionMethod)
        {
            return WriterMethods.Contains(method.Name) && SymbolEqualityComparer.Default.Equals(containing, types.Console);
        }

        var original = method.ReducedFrom ?? method;
        if (original.IsExtensionMethod)
        {
            var extended = original.Parameters.Length > 0 ? original.Parameters[0].Type : null;
            return ResponseExtensionMethods.Contains(method.Name)
                && extended is not null
                && (ResponseTypeNames.Contains(extended.Name) || extended.IsOrInheritsFrom(types.Stream) || extended.IsOrInheritsFrom(types.PipeWriter));
        }

        if (WriterMethods.Contains(method.Name)
            && (containing.IsOrInheritsFrom(types.TextWriter) || containing.IsOrInheritsFrom(types.Stream) || containing.IsOrInheritsFrom(types.PipeWriter)))
        {
            return true;
        }

        if (ChannelMethods.Contains(method.Name) && containing.IsOrInheritsFrom(types.ChannelWriterOfT))
        {
            return true;
        }

        if (method.Name == "Report" && containing.IsOrInheritsFrom(types.IProgressOfT)
            || method.Name == "OnNext" && containing.IsOrInheritsFrom(types.IObserverOfT))
        {
            return true;
        }

        return method.Name is "SendAsync" or "SendCoreAsync" && ResponseTypeNames.Contains(containing.Name);
    }

    private static bool HasDerivedArgument(IInvocationOperation invocation, LlmStreamLoop loop)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (StreamRecognizer.IsDerivedFromIteration(argument.Value, loop))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A short name for a write in a message: <c>Console.Write</c>, <c>writer.WriteAsync</c>, <c>onToken</c>.</summary>
    public static string Describe(IInvocationOperation write)
    {
        var text = write.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax syntax ? syntax.Expression.ToString() : write.TargetMethod.Name;
        if (text.StartsWith("await ", StringComparison.Ordinal))
        {
            text = text.Substring(6);
        }

        return text.Length > 40 ? write.TargetMethod.Name : text;
    }

    /// <summary>The symbols a loop body writes (assignment targets, increments, accumulators): a catch that reads one of them guards the retry.</summary>
    public static ImmutableHashSet<ISymbol> WrittenSymbols(LlmStreamLoop loop, IEnumerable<Accumulator> accumulators)
    {
        var builder = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var accumulator in accumulators)
        {
            builder.Add(accumulator.Symbol);
        }

        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            var target = node switch
            {
                ISimpleAssignmentOperation simple => simple.Target,
                ICompoundAssignmentOperation compound => compound.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                ICoalesceAssignmentOperation coalesce => coalesce.Target,
                _ => null,
            };

            if (target?.ReferencedSymbol() is { } symbol
                && !(symbol is ILocalSymbol local && Accumulators.IsDeclaredInside(local, loop.Loop)))
            {
                builder.Add(symbol);
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>True when <paramref name="region"/> references any of <paramref name="symbols"/>.</summary>
    public static bool ReferencesAny(IOperation region, ImmutableHashSet<ISymbol> symbols)
        => region.DescendantsAndSelf().Any(n => n.ReferencedSymbol() is { } s && symbols.Contains(s));
}
