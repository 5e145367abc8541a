using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.CodeFixes.Retry;

/// <summary>
/// LLM106: gives the mid-stream <c>IOException</c> the same handling as the SDK/HTTP exception the catch already
/// handles — a filter that tests the type gains <c>or IOException</c>; a typed clause becomes
/// <c>catch (Exception ex) when ((ex is T or IOException) &amp;&amp; filter)</c>, one handler for both. Only when part of
/// the filter needs the SDK type does an <c>IOException</c> clause follow with a copy of the handler (and the filter
/// minus those parts); the copy leaves the comments out, since they were written about the SDK exception.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CatchMissesMidStreamFailureCodeFix)), Shared]
public sealed class CatchMissesMidStreamFailureCodeFix : LlmCodeFix
{
    public const string EquivalenceKey = "LLM106.AddIOExceptionClause";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.CatchMissesMidStreamFailure);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.ForFixer(this);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count == 0
            || root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan) is not CatchClauseSyntax clause
            || Plan(clause, model, context.CancellationToken) is null)
        {
            return;
        }

        var span = clause.Span;
        context.RegisterCodeFix(
            CodeAction.Create("Handle IOException the same way", c => FixAsync(context.Document, span, c), EquivalenceKey),
            diagnostic);
    }

    private static async Task<Document> FixAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindNode(span) is not CatchClauseSyntax clause || model is null || Plan(clause, model, cancellationToken) is not { } plan)
        {
            return document;
        }

        var template = new CodeTemplate(model.Compilation, SyntaxGenerator.GetGenerator(document));
        var ioException = template.Type("System.IO.IOException");
        var io = new TemplateSlots().Type("IOException", model.Compilation.GetTypeByMetadataName("System.IO.IOException")!);
        SyntaxNode newRoot;
        if (plan.Narrowing is { } narrowing)
        {
            // The tree the compiler would build for the same code: `or` binds loosest of the patterns.
            ExpressionSyntax widened;
            if (narrowing is IsPatternExpressionSyntax pattern)
            {
                var added = ((BinaryPatternSyntax)((IsPatternExpressionSyntax)template.Expression("exception is IOException or IOException", io)).Pattern).Right;
                widened = SyntaxFactory.IsPatternExpression(
                    pattern.Expression.WithoutTrivia(),
                    RetryCodeGen.Spaced(SyntaxKind.IsKeyword),
                    SyntaxFactory.BinaryPattern(SyntaxKind.OrPattern, pattern.Pattern.WithoutTrivia(), RetryCodeGen.Spaced(SyntaxKind.OrKeyword), added));
            }
            else
            {
                widened = template.Expression("(narrowing || exception is IOException)", io.Expression("narrowing", narrowing.WithoutTrivia()).Name("exception", plan.ExceptionName));
            }

            newRoot = root.ReplaceNode(narrowing, FinishTypes(widened.WithTriviaFrom(narrowing), template));
        }
        else if (plan.Widen)
        {
            var name = plan.ExceptionName.Length > 0
                ? plan.ExceptionName
                : Names.Reserve(Names.UsedNames(model, clause.Block.SpanStart, new SyntaxNode[] { clause.Block }), "ex");
            io.Name("exception", name).Expression("Caught", clause.Declaration!.Type.WithoutTrivia());
            var test = template.Expression(RetryCodeGen.SupportsCSharp9(root.SyntaxTree) ? "exception is Caught or IOException" : "exception is Caught || exception is IOException", io);
            if (clause.Filter is { } existing)
            {
                // The type test first, the clause's own condition after it, both kept as written.
                var condition = existing.FilterExpression.WithoutTrivia();
                test = template.Expression(
                    NeedsParentheses(condition) ? "(test) && (condition)" : "(test) && condition",
                    new TemplateSlots().Expression("test", test).Expression("condition", condition));
            }

            var widened = clause
                .WithDeclaration(SyntaxFactory.CatchDeclaration(SyntaxFactory.IdentifierName(template.Type("System.Exception")), SyntaxFactory.Identifier(name)).WithTriviaFrom(clause.Declaration))
                .WithFilter(SyntaxFactory.CatchFilterClause(test));
            newRoot = root.ReplaceNode(clause, FinishTypes(widened, template));
        }
        else
        {
            var declaration = SyntaxFactory.CatchDeclaration(SyntaxFactory.IdentifierName(ioException), plan.KeepsVariable ? clause.Declaration!.Identifier : default)
                .WithTriviaFrom(clause.Declaration!);
            var added = clause
                .WithDeclaration(declaration)
                .WithFilter(plan.Filter is null ? null : SyntaxFactory.CatchFilterClause(plan.Filter.WithoutTrivia()))
                .WithLeadingTrivia(clause.GetLeadingTrivia())
                .WithTrailingTrivia(clause.GetTrailingTrivia());
            added = FinishTypes(WithoutComments(added), template).WithAdditionalAnnotations(Formatter.Annotation);
            newRoot = root.InsertNodesAfter(clause, new[] { added });
        }

        return await Cleanup.AddImportsAsync(document.WithSyntaxRoot(newRoot), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A condition that would bind differently after <c>&amp;&amp;</c> without parentheses.</summary>
    private static bool NeedsParentheses(ExpressionSyntax condition)
        => condition is ConditionalExpressionSyntax or AssignmentExpressionSyntax or LambdaExpressionSyntax
            || condition.IsKind(SyntaxKind.LogicalOrExpression) || condition.IsKind(SyntaxKind.CoalesceExpression);

    /// <summary>
    /// The copied clause without its comments: they describe the SDK exception's handling. A comment alone on its line
    /// goes with its line; a comment after code goes with the spaces before it.
    /// </summary>
    private static CatchClauseSyntax WithoutComments(CatchClauseSyntax clause)
        => clause.ReplaceTokens(
            clause.Block.DescendantTokens(),
            (original, _) => original
                .WithLeadingTrivia(StripComments(original.LeadingTrivia))
                .WithTrailingTrivia(StripComments(original.TrailingTrivia)));

    private static SyntaxTriviaList StripComments(SyntaxTriviaList trivia)
    {
        if (!trivia.Any(IsComment))
        {
            return trivia;
        }

        var kept = new List<SyntaxTrivia>();
        for (var i = 0; i < trivia.Count; i++)
        {
            if (!IsComment(trivia[i]))
            {
                kept.Add(trivia[i]);
                continue;
            }

            // The spaces before the comment, and the line break after it when the comment had its own line.
            var ownLine = kept.Count == 0 || kept[kept.Count - 1].IsKind(SyntaxKind.EndOfLineTrivia)
                || (kept[kept.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia) && (kept.Count == 1 || kept[kept.Count - 2].IsKind(SyntaxKind.EndOfLineTrivia)));
            if (kept.Count > 0 && kept[kept.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia))
            {
                kept.RemoveAt(kept.Count - 1);
            }

            if (ownLine && i + 1 < trivia.Count && trivia[i + 1].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                i++;
            }
        }

        return SyntaxFactory.TriviaList(kept);
    }

    private static bool IsComment(SyntaxTrivia trivia)
        => trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) || trivia.IsKind(SyntaxKind.MultiLineCommentTrivia);

    private static T FinishTypes<T>(T node, CodeTemplate template)
        where T : SyntaxNode
        => template.ReplacePlaceholders(node).WithAdditionalAnnotations(Formatter.Annotation);

    /// <param name="ExceptionName">The catch's exception variable (empty when it declares none).</param>
    /// <param name="Narrowing">The part of the filter that tests the exception's type (widened with IOException).</param>
    /// <param name="Filter">The filter of the added IOException clause (null: none).</param>
    /// <param name="KeepsVariable">The added clause still uses the exception variable (else it declares none: no CS0168).</param>
    /// <param name="Widen">The typed clause becomes <c>catch (Exception ex) when (ex is T or IOException)</c>: one handler, not a copy.</param>
    private sealed record CatchPlan(string ExceptionName, ExpressionSyntax? Narrowing, ExpressionSyntax? Filter, bool KeepsVariable = true, bool Widen = false);

    private static CatchPlan? Plan(CatchClauseSyntax clause, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetOperation(clause, cancellationToken) is not ICatchClauseOperation @catch)
        {
            return null;
        }

        var types = RetryTypes.Get(model.Compilation);
        if (types.IOException is null || types.Exception is null)
        {
            return null;
        }

        var local = @catch.Locals.IsEmpty ? null : @catch.Locals[0];

        // A filter that narrows a base type to SDK/HTTP types: widen the type test.
        if (local is not null && @catch.Filter is { } filterOperation && types.CatchesMidStream(@catch.ExceptionType))
        {
            var narrowing = NarrowingSyntax(filterOperation, local);
            return narrowing is null ? null : new CatchPlan(local.Name, narrowing, null);
        }

        if (clause.Declaration is null || clause.Block.Statements.Any(s => s.DescendantNodesAndSelf().Any(n => n is YieldStatementSyntax)))
        {
            return null;
        }

        // A typed clause: copy it for IOException. Uses of the exception variable must compile as an IOException.
        if (local is not null && !AllUsesFitIOException(@catch.Handler, local, types))
        {
            return null;
        }

        // Nothing in the filter needs the SDK type: widen the clause itself (the handler is not duplicated).
        var conjuncts = @catch.Filter is { } condition ? Conjuncts(condition).ToList() : new List<IOperation>();
        var fitting = conjuncts.Where(c => local is null || AllUsesFitIOException(c, local, types)).ToList();
        if (fitting.Count == conjuncts.Count)
        {
            return new CatchPlan(local?.Name ?? string.Empty, null, null, KeepsVariable: true, Widen: true);
        }

        // Part of the filter needs the SDK type: an IOException clause with the parts that fit, after the clause.
        ExpressionSyntax? filter = null;
        var usesVariable = local is not null && @catch.Handler.References(local);
        if (@catch.Filter is not null)
        {
            var kept = fitting;
            usesVariable |= local is not null && kept.Any(c => c.References(local));
            filter = kept.Count == 0
                ? null
                : kept.Select(c => (ExpressionSyntax)c.Syntax).Aggregate((a, b) => SyntaxFactory.BinaryExpression(SyntaxKind.LogicalAndExpression, a.WithoutTrivia(), b.WithoutTrivia()));
        }

        return new CatchPlan(local?.Name ?? string.Empty, null, filter, usesVariable);
    }

    /// <summary>The syntax of the filter's type test of the exception (the one <see cref="CatchCoverage.EffectiveCaughtTypes"/> reads).</summary>
    private static ExpressionSyntax? NarrowingSyntax(IOperation filter, ILocalSymbol local)
    {
        var value = filter.WalkDownConversions();
        switch (value)
        {
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                return NarrowingSyntax(and.LeftOperand, local) ?? NarrowingSyntax(and.RightOperand, local);

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or:
                return NarrowingSyntax(or.LeftOperand, local) is not null && NarrowingSyntax(or.RightOperand, local) is not null
                    ? Unparenthesize(or.Syntax)
                    : null;

            case IIsTypeOperation isType when IsLocal(isType.ValueOperand, local):
                return Unparenthesize(isType.Syntax);

            case IIsPatternOperation isPattern when IsLocal(isPattern.Value, local) && isPattern.Syntax is IsPatternExpressionSyntax:
                return (ExpressionSyntax)isPattern.Syntax;

            default:
                return null;
        }
    }

    private static ExpressionSyntax? Unparenthesize(SyntaxNode syntax)
        => syntax is ParenthesizedExpressionSyntax parenthesized ? parenthesized.Expression : syntax as ExpressionSyntax;

    private static bool IsLocal(IOperation value, ILocalSymbol local)
        => value.WalkDownConversions() is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local);

    private static IEnumerable<IOperation> Conjuncts(IOperation filter)
    {
        var value = filter.WalkDownConversions();
        if (value is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and && and.Syntax is BinaryExpressionSyntax)
        {
            foreach (var conjunct in Conjuncts(and.LeftOperand).Concat(Conjuncts(and.RightOperand)))
            {
                yield return conjunct;
            }

            yield break;
        }

        yield return filter;
    }

    /// <summary>
    /// Every use of the exception variable compiles when it is an <c>IOException</c>: members of <c>Exception</c>/<c>object</c>,
    /// an argument or a value of type <c>Exception</c>/<c>object</c>, <c>throw ex</c>, string interpolation.
    /// </summary>
    private static bool AllUsesFitIOException(IOperation region, ILocalSymbol local, RetryTypes types)
    {
        foreach (var node in region.DescendantsAndSelf())
        {
            if (node is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            var parent = reference.Parent;
            var ok = parent switch
            {
                IMemberReferenceOperation member when member.Instance == reference => IsExceptionOrObject(member.Member.ContainingType, types),
                IInvocationOperation invocation when invocation.Instance == reference => IsExceptionOrObject(invocation.TargetMethod.ContainingType, types),
                IArgumentOperation argument => argument.Parameter is { } p && Accepts(p.Type, types),
                IConversionOperation conversion => Accepts(conversion.Type, types),
                IThrowOperation => true,
                IInterpolationOperation => true,
                IIsTypeOperation or IIsPatternOperation => true,
                _ => false,
            };

            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsExceptionOrObject(ITypeSymbol? type, RetryTypes types)
        => type is not null && (type.SpecialType == SpecialType.System_Object || SymbolEqualityComparer.Default.Equals(type, types.Exception));

    private static bool Accepts(ITypeSymbol? type, RetryTypes types)
        => type is not null && (type.TypeKind == TypeKind.TypeParameter || types.IOException.IsOrInheritsFrom(type as INamedTypeSymbol));
}
