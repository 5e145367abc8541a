using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.CodeFixes.Retry;

/// <summary>The statement that empties an accumulator at the start of an attempt: <c>sb.Clear();</c>, <c>list.Clear();</c>, <c>text = "";</c>.</summary>
internal static class AccumulatorResets
{
    public static StatementSyntax? TryGetReset(Accumulator accumulator, LlmStreamLoop loop, SemanticModel model, CancellationToken cancellationToken)
    {
        var target = FindTarget(accumulator, loop);
        if (target is null || !IsStable(target.Syntax, loop, model, cancellationToken))
        {
            return null;
        }

        var expression = ((ExpressionSyntax)target.Syntax).WithoutTrivia();
        switch (accumulator.Kind)
        {
            case AccumulatorKind.StringBuilder:
                return Clear(expression);

            case AccumulatorKind.Collection:
                return HasClear(accumulator.Type) ? Clear(expression) : null;

            case AccumulatorKind.String:
                return Assign(expression, InitialValue(accumulator, model, cancellationToken));

            default:
                return null;
        }
    }

    /// <summary><c>target.Clear();</c>, ending its line.</summary>
    private static StatementSyntax Clear(ExpressionSyntax target)
        => Ended(SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, target, SyntaxFactory.IdentifierName("Clear")))));

    /// <summary><c>target = value;</c>, ending its line.</summary>
    private static StatementSyntax Assign(ExpressionSyntax target, ExpressionSyntax value)
        => Ended(SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            target,
            SyntaxFactory.Token(SyntaxFactory.TriviaList(SyntaxFactory.Space), SyntaxKind.EqualsToken, SyntaxFactory.TriviaList(SyntaxFactory.Space)),
            value)));

    private static StatementSyntax Ended(StatementSyntax statement)
        => statement.WithTrailingTrivia(SyntaxFactory.LineFeed);

    /// <summary>The expression the loop accumulates into (the receiver of Append/Add, the target of +=).</summary>
    private static IOperation? FindTarget(Accumulator accumulator, LlmStreamLoop loop)
    {
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            var target = node switch
            {
                IInvocationOperation { Instance: { } receiver } => receiver,
                ICompoundAssignmentOperation compound => compound.Target,
                ISimpleAssignmentOperation simple => simple.Target,
                _ => null,
            };

            if (target is not null && SymbolEqualityComparer.Default.Equals(target.WalkDownConversions().ReferencedSymbol(), accumulator.Symbol))
            {
                return target.WalkDownConversions();
            }
        }

        return null;
    }

    /// <summary>A name, <c>this.x</c>, or a member of a name declared outside the loop: the same object at the start of the attempt.</summary>
    private static bool IsStable(SyntaxNode syntax, LlmStreamLoop loop, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (syntax)
        {
            case IdentifierNameSyntax:
            case ThisExpressionSyntax:
                return !(model.GetSymbolInfo(syntax, cancellationToken).Symbol is ILocalSymbol local && Accumulators.IsDeclaredInside(local, loop.Loop));
            case MemberAccessExpressionSyntax member:
                return IsStable(member.Expression, loop, model, cancellationToken);
            default:
                return false;
        }
    }

    private static bool HasClear(ITypeSymbol type)
        => type.GetMembers("Clear").Concat(type.AllInterfaces.SelectMany(i => i.GetMembers("Clear")))
            .OfType<IMethodSymbol>()
            .Any(m => m.Parameters.IsEmpty && m.DeclaredAccessibility == Accessibility.Public);

    /// <summary>
    /// The resets of string locals that the loop overwrites with each text delta (<c>text = update.Text</c>, LLM302):
    /// harmless while the loop overwrites, and what keeps the retry correct once LLM302's fix makes it append.
    /// </summary>
    public static IEnumerable<StatementSyntax> OverwrittenTextResets(LlmStreamLoop loop, StreamRecognizer streams, TextSpan region, SemanticModel model, CancellationToken cancellationToken)
    {
        var seen = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node is ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: { Type.SpecialType: SpecialType.System_String } local } } assignment
                && !Accumulators.IsDeclaredInside(local, loop.Loop.Syntax.SyntaxTree, region)
                && TextDeltas.IsTextDelta(assignment.Value, loop, streams)
                && seen.Add(local))
            {
                var initializer = StreamRecognizer.LocalInitializer(local, model, cancellationToken)?.WalkDownConversions();
                yield return Assign(
                    SyntaxFactory.IdentifierName(TemplateSlots.Identifier(local.Name)),
                    initializer is { ConstantValue.HasValue: true } ? ((ExpressionSyntax)initializer.Syntax).WithoutTrivia() : EmptyString);
            }
        }
    }

    private static ExpressionSyntax InitialValue(Accumulator accumulator, SemanticModel model, CancellationToken cancellationToken)
    {
        if (accumulator.Symbol is ILocalSymbol local
            && StreamRecognizer.LocalInitializer(local, model, cancellationToken) is { } initializer)
        {
            var value = initializer.WalkDownConversions();
            if (value.ConstantValue.HasValue
                || value is IFieldReferenceOperation { Field: { Name: "Empty", ContainingType.SpecialType: SpecialType.System_String } })
            {
                return ((ExpressionSyntax)initializer.Syntax).WithoutTrivia();
            }
        }

        return EmptyString;
    }

    /// <summary>The literal <c>""</c>.</summary>
    private static ExpressionSyntax EmptyString
        => RetryCodeGen.StringLiteral(string.Empty);
}
