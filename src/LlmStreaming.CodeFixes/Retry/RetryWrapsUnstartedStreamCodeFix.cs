using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.CodeFixes.Retry;

/// <summary>
/// LLM104: moves the enumeration into the Polly delegate. <c>var s = await pipeline.ExecuteAsync(t =&gt; ValueTask.FromResult(client.X(…)), ct);</c>
/// followed by <c>await foreach (var u in s) { … }</c> becomes <c>await pipeline.ExecuteAsync(async t =&gt; { await foreach (var u in client.X(…)) { … } }, ct);</c>,
/// resetting the loop's accumulators at the start of the delegate. Offered when the stream local is used only by that
/// loop and the loop can run inside a lambda (no return, yield or jump out, nothing written out).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RetryWrapsUnstartedStreamCodeFix)), Shared]
public sealed class RetryWrapsUnstartedStreamCodeFix : LlmCodeFix
{
    public const string EquivalenceKey = "LLM104.EnumerateInsideDelegate";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.RetryWrapsUnstartedStream);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        var span = diagnostic.Location.SourceSpan;
        if (Plan(root, span, model, FixOptions.Get(context.Document, root.SyntaxTree), context.CancellationToken) is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Enumerate the stream inside the retry delegate", c => FixAsync(context.Document, span, c), EquivalenceKey),
            diagnostic);
    }

    /// <param name="Declaration">The local that receives the stream the retry delegate returns.</param>
    /// <param name="Execute">The retry pipeline's call that runs the delegate.</param>
    /// <param name="Lambda">The delegate.</param>
    /// <param name="Stream">The lazy stream expression the delegate returned.</param>
    /// <param name="Use">The one use of the local: in the loop's collection.</param>
    /// <param name="Loop">The loop that enumerates the stream after the pipeline has returned.</param>
    /// <param name="Resets">The accumulators to reset at the start of each attempt.</param>
    private sealed record MovePlan(LocalDeclarationStatementSyntax Declaration, InvocationExpressionSyntax Execute, LambdaExpressionSyntax Lambda, ExpressionSyntax Stream, IdentifierNameSyntax Use, CommonForEachStatementSyntax Loop, ImmutableArray<StatementSyntax> Resets);

    private static MovePlan? Plan(SyntaxNode root, Microsoft.CodeAnalysis.Text.TextSpan span, SemanticModel model, LlmOptions options, CancellationToken cancellationToken)
    {
        var llm = LlmAnalysisContext.Get(model.Compilation);
        var call = root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
        if (llm is null || call is null)
        {
            return null;
        }

        // The lambda returns the call (expression body, or a block that is a single return).
        var lambda = call.FirstAncestorOrSelf<LambdaExpressionSyntax>();
        var returned = lambda switch
        {
            { ExpressionBody: { } body } => body,
            { Block.Statements: { Count: 1 } statements } when statements[0] is ReturnStatementSyntax { Expression: { } value } => value,
            _ => null,
        };
        if (lambda is null || returned is null || StripResultWrapper(returned, model, cancellationToken) is not { } stream || !stream.Span.Contains(call.Span))
        {
            return null;
        }

        if (lambda.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax execute } }
            || model.GetOperation(execute, cancellationToken) is not IInvocationOperation executeOperation
            || !llm.Retries.IsPollyExecute(executeOperation.TargetMethod))
        {
            return null;
        }

        // var s = [await] pipeline.ExecuteAsync(…);
        var initializer = execute.Parent is AwaitExpressionSyntax await ? (ExpressionSyntax)await : execute;
        if (initializer.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { Parent: BlockSyntax block } declaration }
            || !declaration.UsingKeyword.IsKind(SyntaxKind.None)
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol local)
        {
            return null;
        }

        // …used once, as the collection of a loop later in the same block.
        var uses = block.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Where(n => n.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n, cancellationToken).Symbol, local))
            .ToList();
        if (uses.Count != 1 || uses[0].FirstAncestorOrSelf<CommonForEachStatementSyntax>() is not { Parent: BlockSyntax loopBlock } loop
            || loopBlock != block || !loop.Expression.Span.Contains(uses[0].Span) || !IsCollectionRoot(uses[0], loop.Expression))
        {
            return null;
        }

        if (!CanRunInLambda(loop, model, cancellationToken)
            || model.GetOperation(loop, cancellationToken) is not ILoopOperation loopOperation
            || llm.Streams.TryGetStreamLoop(loopOperation, options, cancellationToken) is not { } streamLoop)
        {
            return null;
        }

        // Output written out could not be taken back on a retry (LLM105): no fix then.
        var types = RetryTypes.Get(model.Compilation);
        if (!Emissions.FindWrites(streamLoop, types).IsEmpty)
        {
            return null;
        }

        var resets = ImmutableArray.CreateBuilder<StatementSyntax>();
        foreach (var accumulator in Accumulators.Find(streamLoop, llm.Types))
        {
            var reset = AccumulatorResets.TryGetReset(accumulator, streamLoop, model, cancellationToken);
            if (reset is null)
            {
                return null;
            }

            resets.Add(reset);
        }

        return new MovePlan(declaration, execute, lambda, stream, uses[0], loop, resets.ToImmutable());
    }

    /// <summary><c>ValueTask.FromResult(x)</c>, <c>Task.FromResult(x)</c>, <c>new ValueTask&lt;T&gt;(x)</c> → <c>x</c>.</summary>
    private static ExpressionSyntax? StripResultWrapper(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (expression)
        {
            case InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } invocation
                when model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol { Name: "FromResult" } method
                && method.ContainingType.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks":
                return invocation.ArgumentList.Arguments[0].Expression;
            case ObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 1 } creation
                when model.GetTypeInfo(creation, cancellationToken).Type is { Name: "ValueTask" }:
                return creation.ArgumentList.Arguments[0].Expression;
            case AwaitExpressionSyntax:
                return null;
            default:
                return expression;
        }
    }

    /// <summary>The local is the stream itself, possibly under <c>WithCancellation</c>/<c>ConfigureAwait</c>.</summary>
    private static bool IsCollectionRoot(IdentifierNameSyntax use, ExpressionSyntax collection)
    {
        SyntaxNode current = use;
        while (current != collection)
        {
            if (current.Parent is MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax } member && member.Expression == current
                && SdkCatalog.PassThroughWrappers.Contains(member.Name.Identifier.ValueText))
            {
                current = member.Parent!;
                continue;
            }

            if (current.Parent is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } bang)
            {
                current = bang;
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>No return, yield, goto or jump out of the loop; nothing a lambda cannot capture.</summary>
    private static bool CanRunInLambda(CommonForEachStatementSyntax loop, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var node in loop.Statement.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            switch (node)
            {
                case ReturnStatementSyntax or YieldStatementSyntax or GotoStatementSyntax or LabeledStatementSyntax:
                    return false;
                case BreakStatementSyntax or ContinueStatementSyntax:
                    var target = node.Ancestors().FirstOrDefault(a => a is ForStatementSyntax or CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax || a is SwitchSectionSyntax && node is BreakStatementSyntax);
                    if (target is null || !loop.Span.Contains(target.Span))
                    {
                        return false;
                    }

                    break;
                case IdentifierNameSyntax identifier:
                    var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
                    if (SyntaxScopes.CannotBeCaptured(symbol))
                    {
                        return false;
                    }

                    break;
            }
        }

        return true;
    }

    private static async Task<Document> FixAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || Plan(root, span, model, FixOptions.Get(document, root.SyntaxTree), cancellationToken) is not { } plan)
        {
            return document;
        }

        var isAsync = plan.Loop.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword);

        // The loop over the stream expression itself.
        var loop = plan.Loop.ReplaceNode(plan.Use, plan.Stream.WithoutTrivia()).WithoutLeadingTrivia();

        // pipeline.ExecuteAsync<T>(…) → pipeline.ExecuteAsync(…): the delegate now returns nothing.
        var callee = plan.Execute.Expression is MemberAccessExpressionSyntax { Name: GenericNameSyntax generic } member
            ? member.WithName(SyntaxFactory.IdentifierName(generic.Identifier))
            : plan.Execute.Expression;

        // The delegate, with its parameters, now runs the resets and the loop.
        var template = new CodeTemplate(model.Compilation, SyntaxGenerator.GetGenerator(document));
        var regions = new IReadOnlyList<StatementSyntax>[] { plan.Resets, new[] { (StatementSyntax)loop } };
        LambdaExpressionSyntax lambda;
        if (plan.Lambda is SimpleLambdaExpressionSyntax simple)
        {
            lambda = Delegate(template.Statement(isAsync ? AsyncSimpleDelegate : SimpleDelegate, new TemplateSlots().Name("parameter", simple.Parameter.Identifier.ValueText), regions));
        }
        else
        {
            lambda = Delegate(template.Statement(isAsync ? AsyncDelegate : SyncDelegate, regions));
            if (plan.Lambda is ParenthesizedLambdaExpressionSyntax parenthesized)
            {
                var written = (ParenthesizedLambdaExpressionSyntax)lambda;
                lambda = written.WithParameterList(parenthesized.ParameterList.WithoutTrivia().WithTrailingTrivia(written.ParameterList.GetTrailingTrivia()));
            }
        }

        // The call's arguments as a list on one line, the delegate in place of the one that returned the stream.
        var arguments = plan.Execute.ArgumentList.Arguments.Select(a => a.Expression == plan.Lambda ? SyntaxFactory.Argument(lambda) : a.WithoutTrivia()).ToList();
        var separators = Enumerable.Range(0, System.Math.Max(0, arguments.Count - 1))
            .Select(_ => SyntaxFactory.Token(default, SyntaxKind.CommaToken, SyntaxFactory.TriviaList(SyntaxFactory.Space)));
        ExpressionSyntax call = SyntaxFactory.InvocationExpression(callee.WithoutTrivia(), SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(arguments, separators)));
        if (plan.Execute.Parent is AwaitExpressionSyntax)
        {
            call = RetryCodeGen.Awaited(call);
        }


        // The loop's comments stay; its indentation goes (the formatter indents the statement and its lambda together).
        var leading = plan.Loop.GetLeadingTrivia();
        while (leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia))
        {
            leading = leading.RemoveAt(leading.Count - 1);
        }

        var statement = template.Statement("call;", new TemplateSlots().Expression("call", call))
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(plan.Loop.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);

        var block = (BlockSyntax)plan.Loop.Parent!;
        var statements = block.Statements
            .Where(s => s != plan.Declaration)
            .Select(s => s == plan.Loop ? statement : s);
        var newRoot = root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(statements)));
        return await Cleanup.AddImportsAsync(document.WithSyntaxRoot(newRoot), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The delegate a <c>var callback = …;</c> template declares.</summary>
    private static LambdaExpressionSyntax Delegate(StatementSyntax holder)
        => (LambdaExpressionSyntax)((LocalDeclarationStatementSyntax)holder).Declaration.Variables[0].Initializer!.Value;

    private const string AsyncSimpleDelegate = """
        var callback = async parameter =>
        {
        __region__;
        __region__;
        };
        """;

    private const string SimpleDelegate = """
        var callback = parameter =>
        {
        __region__;
        __region__;
        };
        """;

    private const string AsyncDelegate = """
        var callback = async () =>
        {
        __region__;
        __region__;
        };
        """;

    private const string SyncDelegate = """
        var callback = () =>
        {
        __region__;
        __region__;
        };
        """;
}
