using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Recognition;

internal enum AccumulatorKind
{
    /// <summary><c>sb.Append(…)</c> on a StringBuilder.</summary>
    StringBuilder,

    /// <summary><c>text += …</c> (or <c>text = text + …</c>, <c>text = string.Concat(text, …)</c>) on a string.</summary>
    String,

    /// <summary><c>list.Add(…)</c> on a collection.</summary>
    Collection,
}

/// <summary>A variable, field or property into which a stream loop accumulates the generated output.</summary>
internal sealed record Accumulator(ISymbol Symbol, AccumulatorKind Kind, ITypeSymbol Type)
{
    public string Name => Symbol.Name;
}

internal static class Accumulators
{
    private static readonly ImmutableHashSet<string> AppendNames = ImmutableHashSet.Create("Append", "AppendLine", "AppendFormat", "Insert");
    private static readonly ImmutableHashSet<string> AddNames = ImmutableHashSet.Create("Add", "AddRange");

    /// <summary>
    /// The accumulators a stream loop writes to: StringBuilders appended to, strings concatenated to, and
    /// collections added to, that are declared outside the loop (a loop-local dies with the iteration).
    /// </summary>
    public static ImmutableArray<Accumulator> Find(LlmStreamLoop loop, KnownTypes types)
    {
        var found = new Dictionary<ISymbol, Accumulator>(SymbolEqualityComparer.Default);
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            switch (node)
            {
                case IInvocationOperation { Instance: { } receiver } invocation when AppendNames.Contains(invocation.TargetMethod.Name)
                    && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, types.StringBuilder):
                    Add(found, receiver, AccumulatorKind.StringBuilder, loop);
                    break;

                case IInvocationOperation { Instance: { } receiver } invocation when AddNames.Contains(invocation.TargetMethod.Name)
                    && receiver.Type is { } collectionType
                    && collectionType.GetTypeArgumentOf(types.IEnumerableOfT) is not null
                    && collectionType.SpecialType != SpecialType.System_String:
                    Add(found, receiver, AccumulatorKind.Collection, loop);
                    break;

                case ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add } compound when compound.Target.Type?.SpecialType == SpecialType.System_String:
                    Add(found, compound.Target, AccumulatorKind.String, loop);
                    break;

                case ISimpleAssignmentOperation simple when simple.Target.Type?.SpecialType == SpecialType.System_String
                    && simple.Value.WalkDownConversions() is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } binary
                    && simple.Target.ReferencedSymbol() is { } target
                    && SymbolEqualityComparer.Default.Equals(binary.LeftOperand.WalkDownConversions().ReferencedSymbol(), target):
                    Add(found, simple.Target, AccumulatorKind.String, loop);
                    break;

                case ISimpleAssignmentOperation concat when concat.Target.Type?.SpecialType == SpecialType.System_String
                    && concat.Target.ReferencedSymbol() is { } concatTarget
                    && IsConcatOnto(concat.Value, concatTarget):
                    Add(found, concat.Target, AccumulatorKind.String, loop);
                    break;
            }
        }

        return found.Values.ToImmutableArray();
    }

    /// <summary><c>string.Concat(x, …)</c> whose first part is <paramref name="target"/> itself: <c>bubble.Text = string.Concat(bubble.Text, update.Text)</c>.</summary>
    private static bool IsConcatOnto(IOperation value, ISymbol target)
    {
        if (value.WalkDownConversions() is not IInvocationOperation { TargetMethod: { Name: "Concat", IsStatic: true, ContainingType.SpecialType: SpecialType.System_String } } concat
            || concat.Arguments.Length == 0)
        {
            return false;
        }

        var first = concat.Arguments[0].Value.WalkDownConversions();
        if (first is IArrayCreationOperation { Initializer.ElementValues: { Length: > 0 } elements })
        {
            first = elements[0].WalkDownConversions();
        }

        return SymbolEqualityComparer.Default.Equals(first.ReferencedSymbol(), target);
    }

    private static void Add(Dictionary<ISymbol, Accumulator> found, IOperation target, AccumulatorKind kind, LlmStreamLoop loop)
    {
        var symbol = target.WalkDownConversions().ReferencedSymbol();
        if (symbol is null || found.ContainsKey(symbol) || target.Type is null)
        {
            return;
        }

        if (symbol is ILocalSymbol local && IsDeclaredInside(local, loop.Loop))
        {
            return;
        }

        if (symbol is ILocalSymbol iteration && SymbolEqualityComparer.Default.Equals(iteration, loop.IterationVariable))
        {
            return;
        }

        found.Add(symbol, new Accumulator(symbol, kind, target.Type));
    }

    /// <summary>True when <paramref name="local"/> is declared inside <paramref name="operation"/>'s syntax.</summary>
    public static bool IsDeclaredInside(ILocalSymbol local, IOperation operation)
        => IsDeclaredInside(local, operation.Syntax.SyntaxTree, operation.Syntax.Span);

    /// <summary>True when <paramref name="local"/> is declared inside <paramref name="span"/> of <paramref name="tree"/> (a code fix's region of statements).</summary>
    public static bool IsDeclaredInside(ILocalSymbol local, SyntaxTree tree, TextSpan span)
    {
        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == tree && span.Contains(reference.Span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="operation"/> only resets <paramref name="accumulator"/> (Clear, or an assignment not derived from it).</summary>
    public static bool IsReset(IOperation operation, ISymbol accumulator)
    {
        switch (operation)
        {
            case IInvocationOperation { Instance: { } receiver, TargetMethod.Name: "Clear" }:
                return SymbolEqualityComparer.Default.Equals(receiver.WalkDownConversions().ReferencedSymbol(), accumulator);
            case ISimpleAssignmentOperation assignment:
                return SymbolEqualityComparer.Default.Equals(assignment.Target.WalkDownConversions().ReferencedSymbol(), accumulator)
                    && !assignment.Value.References(accumulator);
            default:
                return false;
        }
    }

    /// <summary>
    /// True when <paramref name="region"/> reads <paramref name="accumulator"/> for anything but resetting it
    /// (returning, storing, logging or attaching it).
    /// </summary>
    public static bool IsReadIn(IOperation region, ISymbol accumulator)
    {
        foreach (var node in region.DescendantsAndSelf())
        {
            if (!SymbolEqualityComparer.Default.Equals(node.ReferencedSymbol(), accumulator) || node is IConversionOperation)
            {
                continue;
            }

            // the reference is the receiver of Clear() or the target of a resetting assignment: not a read
            var parent = node.Parent;
            while (parent is IConversionOperation)
            {
                parent = parent.Parent;
            }

            if (parent is IInvocationOperation invocation && invocation.Instance is { } instance && instance.WalkDownConversions() == node && IsReset(invocation, accumulator))
            {
                continue;
            }

            if (parent is ISimpleAssignmentOperation assignment && assignment.Target.WalkDownConversions() == node)
            {
                continue;
            }

            return true;
        }

        return false;
    }
}
