using System.Globalization;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>A timeout known at compile time: a number of seconds, or infinite.</summary>
internal sealed class TimeoutValue
{
    private TimeoutValue(double seconds, bool isInfinite)
    {
        Seconds = seconds;
        IsInfinite = isInfinite;
    }

    public static TimeoutValue Infinite { get; } = new(double.PositiveInfinity, isInfinite: true);

    public static TimeoutValue FromSeconds(double seconds) => new(seconds, isInfinite: false);

    /// <summary>The duration in seconds (positive infinity when infinite).</summary>
    public double Seconds { get; }

    /// <summary><c>Timeout.InfiniteTimeSpan</c>, <c>TimeSpan.MaxValue</c>, <c>Timeout.Infinite</c> (−1 ms).</summary>
    public bool IsInfinite { get; }

    /// <summary>True when the value is finite and below <paramref name="minimumSeconds"/>.</summary>
    public bool IsBelow(double minimumSeconds) => !IsInfinite && Seconds < minimumSeconds;

    /// <summary>A short human text: "30 s", "2 min", "1.5 h", "infinite".</summary>
    public string Display => IsInfinite ? "infinite" : DisplaySeconds(Seconds);

    public static string DisplaySeconds(double seconds)
    {
        if (seconds >= 3600 && seconds % 360 == 0)
        {
            return (seconds / 3600).ToString("0.#", CultureInfo.InvariantCulture) + " h";
        }

        if (seconds >= 60 && seconds % 6 == 0)
        {
            return (seconds / 60).ToString("0.#", CultureInfo.InvariantCulture) + " min";
        }

        return seconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
    }
}

/// <summary>
/// Evaluates timeouts written as constants: <c>TimeSpan.FromSeconds(30)</c>, <c>new TimeSpan(0, 2, 0)</c>,
/// <c>Timeout.InfiniteTimeSpan</c>, a millisecond <c>int</c>, and locals or readonly fields initialised with one of these
/// and never written again. Anything else (a value read from configuration, arithmetic on variables) is unknown: the
/// rules do not judge it.
/// </summary>
internal static class TimeoutValues
{
    private const double TicksPerSecond = 10_000_000d;

    /// <summary>The constant timeout <paramref name="value"/> designates, or null when it is not known at compile time.</summary>
    public static TimeoutValue? TryEvaluate(IOperation? value, CancellationToken cancellationToken)
        => TryEvaluate(value, cancellationToken, depth: 0);

    private static TimeoutValue? TryEvaluate(IOperation? value, CancellationToken cancellationToken, int depth)
    {
        if (value is null || depth > 4)
        {
            return null;
        }

        // A millisecond count (CancelAfter(int), new CancellationTokenSource(int)): judged on the value as written, so
        // that an int wrongly converted to a TimeSpan (a compile error) is not taken for one.
        if (value.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64)
        {
            var constant = value.ConstantValue;
            if (constant is not { HasValue: true, Value: { } number })
            {
                return value is ILocalReferenceOperation or IFieldReferenceOperation ? FollowSymbol(value, cancellationToken, depth) : null;
            }

            var milliseconds = Convert.ToDouble(number, CultureInfo.InvariantCulture);
            return milliseconds == -1 ? TimeoutValue.Infinite : TimeoutValue.FromSeconds(milliseconds / 1000d);
        }

        if (!IsTimeSpan(value.Type))
        {
            return null;
        }

        var operation = value.WalkDownConversions();
        if (!IsTimeSpan(operation.Type))
        {
            return null;
        }

        switch (operation)
        {
            case IFieldReferenceOperation field when field.Field.ContainingType?.Name == "Timeout" && field.Field.Name == "InfiniteTimeSpan"
                && field.Field.ContainingType.IsInNamespace("System.Threading"):
                return TimeoutValue.Infinite;

            case IFieldReferenceOperation field when IsTimeSpan(field.Field.ContainingType) && field.Field.IsStatic:
                return field.Field.Name switch
                {
                    "MaxValue" => TimeoutValue.Infinite,
                    "Zero" => TimeoutValue.FromSeconds(0),
                    _ => null,
                };

            case IFieldReferenceOperation or ILocalReferenceOperation:
                return FollowSymbol(operation, cancellationToken, depth);

            case IInvocationOperation invocation when IsTimeSpan(invocation.TargetMethod.ContainingType) && invocation.TargetMethod.IsStatic:
                return FromFactory(invocation);

            case IObjectCreationOperation creation when IsTimeSpan(creation.Type):
                return FromConstructor(creation);

            case IDefaultValueOperation:
                return TimeoutValue.FromSeconds(0);

            default:
                return null;
        }
    }

    /// <summary>A <c>static readonly</c> field, or a local never written after its declaration: its initializer.</summary>
    private static TimeoutValue? FollowSymbol(IOperation reference, CancellationToken cancellationToken, int depth)
        => reference switch
        {
            IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } field } => TryEvaluate(OperationExtensions.DeclaredInitializer(field, reference.SemanticModel, cancellationToken), cancellationToken, depth + 1),
            IFieldReferenceOperation { Field.IsConst: true } => null, // a const int is handled through its constant value
            ILocalReferenceOperation local when !IsWrittenAfterDeclaration(local) => TryEvaluate(StreamRecognizer.LocalInitializer(local.Local, reference.SemanticModel, cancellationToken), cancellationToken, depth + 1),
            _ => null,
        };

    public static bool IsTimeSpan(ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { IsGenericType: true, ConstructedFrom.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return type is { Name: "TimeSpan", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
    }

    /// <summary><c>TimeSpan.FromSeconds(30)</c>, and the .NET 9 overloads <c>TimeSpan.FromMinutes(2, 30)</c>.</summary>
    private static TimeoutValue? FromFactory(IInvocationOperation invocation)
    {
        // Each factory's arguments, in order, and the seconds one unit of each is worth.
        double[]? units = invocation.TargetMethod.Name switch
        {
            "FromDays" => new[] { 86400d, 3600d, 60d, 1d, 1e-3, 1e-6 },
            "FromHours" => new[] { 3600d, 60d, 1d, 1e-3, 1e-6 },
            "FromMinutes" => new[] { 60d, 1d, 1e-3, 1e-6 },
            "FromSeconds" => new[] { 1d, 1e-3, 1e-6 },
            "FromMilliseconds" => new[] { 1e-3, 1e-6 },
            "FromMicroseconds" => new[] { 1e-6 },
            "FromTicks" => new[] { 1d / TicksPerSecond },
            _ => null,
        };

        if (units is null || invocation.Arguments.Length == 0 || invocation.Arguments.Length > units.Length)
        {
            return null;
        }

        return Sum(invocation.Arguments, units);
    }

    /// <summary><c>new TimeSpan(ticks)</c>, <c>(h, m, s)</c>, <c>(d, h, m, s)</c>, <c>(d, h, m, s, ms)</c>, <c>(d, h, m, s, ms, µs)</c>.</summary>
    private static TimeoutValue? FromConstructor(IObjectCreationOperation creation)
    {
        double[]? units = creation.Arguments.Length switch
        {
            0 => null,
            1 => new[] { 1d / TicksPerSecond },
            3 => new[] { 3600d, 60d, 1d },
            4 => new[] { 86400d, 3600d, 60d, 1d },
            5 => new[] { 86400d, 3600d, 60d, 1d, 1e-3 },
            6 => new[] { 86400d, 3600d, 60d, 1d, 1e-3, 1e-6 },
            _ => null,
        };

        return creation.Arguments.Length == 0 ? TimeoutValue.FromSeconds(0) : units is null ? null : Sum(creation.Arguments, units);
    }

    private static TimeoutValue? Sum(System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, double[] units)
    {
        var seconds = 0d;
        for (var i = 0; i < arguments.Length; i++)
        {
            // Arguments are in parameter order here (named arguments are reordered by the compiler's operation tree only
            // when they are given out of order; use the parameter's ordinal to be safe).
            var argument = arguments[i];
            var ordinal = argument.Parameter?.Ordinal ?? i;
            if (ordinal >= units.Length || argument.Value.ConstantValue is not { HasValue: true, Value: { } number })
            {
                return null;
            }

            seconds += Convert.ToDouble(number, CultureInfo.InvariantCulture) * units[ordinal];
        }

        return TimeoutValue.FromSeconds(seconds);
    }


    /// <summary>True when the local is assigned anywhere in its function besides its declaration.</summary>
    private static bool IsWrittenAfterDeclaration(ILocalReferenceOperation reference)
    {
        var root = (IOperation)reference;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        foreach (var node in root.Descendants())
        {
            if (node is IAssignmentOperation { Target: ILocalReferenceOperation target } && SymbolEqualityComparer.Default.Equals(target.Local, reference.Local))
            {
                return true;
            }

            if (node is IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument
                && argument.Value.WalkDownConversions() is ILocalReferenceOperation byRef
                && SymbolEqualityComparer.Default.Equals(byRef.Local, reference.Local))
            {
                return true;
            }
        }

        return false;
    }
}
