namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// What the try statements around an enumeration (in the same function, innermost first) do with a mid-stream
/// transport failure: an <c>IOException</c> (<c>HttpIOException</c> on .NET 8+) thrown by <c>MoveNext</c> once the
/// response has started.
/// </summary>
internal sealed class CatchCoverage
{
    private CatchCoverage(ICatchClauseOperation? midStreamClause, bool handled, ITryOperation? transportOnlyTry, ICatchClauseOperation? transportClause)
    {
        MidStreamClause = midStreamClause;
        Handled = handled;
        TransportOnlyTry = transportOnlyTry;
        TransportClause = transportClause;
    }

    /// <summary>The innermost clause that catches the failure (<c>IOException</c>, a base of it, or <c>HttpIOException</c>).</summary>
    public ICatchClauseOperation? MidStreamClause { get; }

    /// <summary>Some clause catches the failure and can complete without throwing (it handles it).</summary>
    public bool Handled { get; }

    /// <summary>
    /// When no clause on the way out catches the failure: the innermost try whose clauses catch SDK or HTTP exceptions
    /// (the LLM106 case). Null otherwise.
    /// </summary>
    public ITryOperation? TransportOnlyTry { get; }

    /// <summary>The first SDK/HTTP clause of <see cref="TransportOnlyTry"/>.</summary>
    public ICatchClauseOperation? TransportClause { get; }

    public static CatchCoverage Analyze(IOperation enumeration, RetryTypes types)
    {
        ICatchClauseOperation? midStream = null;
        var handled = false;
        ITryOperation? transportTry = null;
        ICatchClauseOperation? transportClause = null;

        foreach (var @try in EnclosingTries(enumeration))
        {
            ICatchClauseOperation? catching = null;
            foreach (var @catch in @try.Catches)
            {
                var caught = EffectiveCaughtTypes(@catch);
                if (caught.Any(t => types.CatchesMidStream(t)))
                {
                    catching = @catch;
                    break;
                }

                if (transportTry is null && caught.Any(t => types.IsTransportException(t)))
                {
                    transportTry = @try;
                    transportClause = @catch;
                }
            }

            if (catching is null)
            {
                continue;
            }

            midStream ??= catching;
            if (CompletesWithoutThrowing(catching))
            {
                handled = true;
                break;
            }

            // The clause rethrows: the failure goes on to the tries further out.
        }

        return midStream is null
            ? new CatchCoverage(null, false, transportTry, transportClause)
            : new CatchCoverage(midStream, handled, null, null);
    }

    /// <summary>The try statements whose body contains <paramref name="operation"/>, innermost first, within its function.</summary>
    public static IEnumerable<ITryOperation> EnclosingTries(IOperation operation)
    {
        foreach (var ancestor in operation.AncestorsWithinFunction())
        {
            if (ancestor is ITryOperation @try && operation.IsWithin(@try.Body))
            {
                yield return @try;
            }
        }
    }

    /// <summary>
    /// The exception types a clause really catches: its declared type (<c>object</c> for a bare <c>catch</c>), narrowed by
    /// a filter that tests the exception's type (<c>when (ex is HttpRequestException or IOException)</c>).
    /// </summary>
    public static ImmutableArray<ITypeSymbol> EffectiveCaughtTypes(ICatchClauseOperation @catch)
    {
        var declared = ImmutableArray.Create(@catch.ExceptionType);
        if (@catch.Filter is not { } filter || @catch.Locals.IsEmpty)
        {
            return declared;
        }

        var narrowed = NarrowingTypes(filter, @catch.Locals[0]);
        return narrowed.IsDefaultOrEmpty ? declared : narrowed;
    }

    /// <summary>The types a filter restricts the exception local to, or default when it does not restrict it by type.</summary>
    private static ImmutableArray<ITypeSymbol> NarrowingTypes(IOperation filter, ILocalSymbol exception)
    {
        var value = filter.WalkDownConversions();
        switch (value)
        {
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                var left = NarrowingTypes(and.LeftOperand, exception);
                return left.IsDefaultOrEmpty ? NarrowingTypes(and.RightOperand, exception) : left;

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or:
                var l = NarrowingTypes(or.LeftOperand, exception);
                var r = NarrowingTypes(or.RightOperand, exception);
                return l.IsDefaultOrEmpty || r.IsDefaultOrEmpty ? default : l.AddRange(r);

            case IIsTypeOperation isType when IsException(isType.ValueOperand, exception) && !isType.IsNegated:
                return ImmutableArray.Create(isType.TypeOperand);

            case IIsPatternOperation isPattern when IsException(isPattern.Value, exception):
                return PatternTypes(isPattern.Pattern);

            default:
                return default;
        }
    }

    private static ImmutableArray<ITypeSymbol> PatternTypes(IPatternOperation pattern)
    {
        switch (pattern)
        {
            case ITypePatternOperation type:
                return ImmutableArray.Create(type.MatchedType);
            case IDeclarationPatternOperation { MatchedType: { } matched }:
                return ImmutableArray.Create(matched);
            case IRecursivePatternOperation { MatchedType: { } matched }:
                return ImmutableArray.Create(matched);
            case IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.Or } or:
                var l = PatternTypes(or.LeftPattern);
                var r = PatternTypes(or.RightPattern);
                return l.IsDefaultOrEmpty || r.IsDefaultOrEmpty ? default : l.AddRange(r);
            case IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } and:
                var first = PatternTypes(and.LeftPattern);
                return first.IsDefaultOrEmpty ? PatternTypes(and.RightPattern) : first;
            default:
                return default;
        }
    }

    private static bool IsException(IOperation value, ILocalSymbol exception)
        => value.WalkDownConversions() is ILocalReferenceOperation local && SymbolEqualityComparer.Default.Equals(local.Local, exception);

    /// <summary>
    /// True when the handler can complete without throwing: its end is reachable, or it leaves with return, break,
    /// continue or goto. A handler that always throws (<c>throw;</c>, <c>throw new …</c>) does not handle the failure.
    /// </summary>
    public static bool CompletesWithoutThrowing(ICatchClauseOperation @catch)
    {
        if (@catch.Handler.Syntax is not BlockSyntax block || @catch.SemanticModel is not { } model)
        {
            return true;
        }

        if (block.Statements.Count == 0)
        {
            return true;
        }

        var flow = model.AnalyzeControlFlow(block);
        if (flow is null || !flow.Succeeded)
        {
            return true;
        }

        return flow.EndPointIsReachable || !flow.ExitPoints.IsEmpty;
    }
}
