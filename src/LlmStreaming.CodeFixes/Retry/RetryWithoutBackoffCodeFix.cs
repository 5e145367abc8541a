using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.CodeFixes.Retry;

/// <summary>
/// LLM102: waits an exponentially growing, fully jittered delay computed from the attempt number before the next
/// attempt — replacing the constant delay's argument, or inserting <c>await Task.Delay(…, ct)</c> at the end of the
/// retrying catch. The loop's attempt counter is reused (a <c>for</c> variable or a local the loop increments); a loop
/// without one gets a counter.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RetryWithoutBackoffCodeFix)), Shared]
public sealed class RetryWithoutBackoffCodeFix : LlmCodeFix
{
    public const string EquivalenceKey = "LLM102.AddJitteredBackoff";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.RetryWithoutBackoff);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count == 0)
        {
            return;
        }

        var span = diagnostic.AdditionalLocations[0].SourceSpan;
        if (Plan(root.FindNode(span, getInnermostNodeForTie: true), model, FixOptions.Get(context.Document, root.SyntaxTree), context.CancellationToken) is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Wait an exponential backoff with jitter between attempts", c => FixAsync(context.Document, span, c), EquivalenceKey),
            diagnostic);
    }

    private sealed record BackoffPlan(ILoopOperation Loop, ICatchClauseOperation Catch, IInvocationOperation? ConstantDelay, ILocalSymbol? Counter, bool IsAsync, ExpressionSyntax? Token);

    private static BackoffPlan? Plan(SyntaxNode node, SemanticModel model, LlmOptions options, CancellationToken cancellationToken)
    {
        var llm = LlmAnalysisContext.Get(model.Compilation);
        if (llm is null || model.GetOperation(node, cancellationToken) is not ILoopOperation loop)
        {
            return null;
        }

        var retried = RetryWithoutBackoffAnalyzer.RetriedEnumerations(loop, llm, options, cancellationToken);
        if (retried.IsEmpty || RetryLoops.FindRetry(llm, retried[0].Operation, options, cancellationToken) is not { RetryingCatch: { } @catch })
        {
            return null;
        }

        var types = RetryTypes.Get(model.Compilation);
        var streamLoops = retried.Where(e => e.Loop is not null).Select(e => e.Loop!.Loop).ToImmutableArray();
        var kind = Backoff.Classify(loop, streamLoops, types, out var constantDelay, cancellationToken);
        if (kind == BackoffKind.Adequate || @catch.Handler.Syntax is not BlockSyntax handler)
        {
            return null;
        }

        if (constantDelay is null && !CanAppend(handler, model))
        {
            return null;
        }

        var isAsync = RetryCodeGen.IsInAsyncFunction(loop, model, cancellationToken);
        var token = RetryCodeGen.TokenInScope(retried[0].Operation, new[] { retried[0].Operation }, types, model, cancellationToken);
        return new BackoffPlan(loop, @catch, constantDelay, FindCounter(loop), isAsync, token);
    }

    /// <summary>The handler's end is reachable, or it ends with <c>continue;</c>: the delay goes last (before the continue).</summary>
    private static bool CanAppend(BlockSyntax handler, SemanticModel model)
    {
        if (handler.Statements.Count == 0)
        {
            return true;
        }

        if (handler.Statements.Last() is ContinueStatementSyntax)
        {
            return true;
        }

        return model.AnalyzeControlFlow(handler) is { Succeeded: true, EndPointIsReachable: true };
    }

    /// <summary>The attempt counter: the <c>for</c> loop's int variable, or an int local the loop increments.</summary>
    private static ILocalSymbol? FindCounter(ILoopOperation loop)
    {
        if (loop is IForLoopOperation forLoop)
        {
            foreach (var local in forLoop.Locals)
            {
                if (local.Type.SpecialType == SpecialType.System_Int32 && forLoop.AtLoopBottom.Any(o => Increments(o, local)))
                {
                    return local;
                }
            }
        }

        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node is IIncrementOrDecrementOperation { Kind: OperationKind.Increment, Target: ILocalReferenceOperation { Local: { Type.SpecialType: SpecialType.System_Int32 } local } }
                && !Accumulators.IsDeclaredInside(local, loop.Body))
            {
                return local;
            }
        }

        return null;
    }

    private static bool Increments(IOperation operation, ILocalSymbol local)
        => operation.DescendantsAndSelf().Any(o => o is IIncrementOrDecrementOperation { Target: ILocalReferenceOperation reference } && SymbolEqualityComparer.Default.Equals(reference.Local, local)
            || o is ICompoundAssignmentOperation { Target: ILocalReferenceOperation target } && SymbolEqualityComparer.Default.Equals(target.Local, local));

    private static async Task<Document> FixAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null
            || Plan(root.FindNode(span, getInnermostNodeForTie: true), model, FixOptions.Get(document, root.SyntaxTree), cancellationToken) is not { } plan)
        {
            return document;
        }

        var template = new CodeTemplate(model.Compilation, SyntaxGenerator.GetGenerator(document));
        var types = RetryTypes.Get(model.Compilation);
        var loopSyntax = (StatementSyntax)plan.Loop.Syntax;
        var handler = (BlockSyntax)plan.Catch.Handler.Syntax;

        string counter;
        StatementSyntax? counterDeclaration = null;
        var incrementAfterDelay = false;
        if (plan.Counter is { } existing)
        {
            counter = existing.Name;
        }
        else
        {
            if (loopSyntax.Parent is not BlockSyntax)
            {
                return document;
            }

            counter = Names.Reserve(Names.UsedNames(model, loopSyntax.SpanStart, new SyntaxNode[] { loopSyntax }), "attempt");
            counterDeclaration = template.Statement("var attempt = 0;", new TemplateSlots().Name("attempt", counter));
            incrementAfterDelay = true;
        }

        var editor = new SyntaxEditor(root, document.Project.Solution.Services);
        if (plan.ConstantDelay is { } delay && delay.Syntax is InvocationExpressionSyntax invocation && invocation.ArgumentList.Arguments.Count > 0)
        {
            var first = invocation.ArgumentList.Arguments[0];
            var backoff = RetryCodeGen.BackoffExpression(counter, types, template, model.Compilation);
            editor.ReplaceNode(first.Expression, backoff.WithTriviaFrom(first.Expression));
            if (incrementAfterDelay && delay.Syntax.FirstAncestorOrSelf<StatementSyntax>() is { Parent: BlockSyntax } delayStatement)
            {
                editor.InsertAfter(delayStatement, template.Statement("attempt++;", new TemplateSlots().Name("attempt", counter)));
            }
        }
        else
        {
            var statements = new List<StatementSyntax> { RetryCodeGen.DelayStatement(counter, plan.IsAsync, plan.Token, types, template, model.Compilation) };
            if (incrementAfterDelay)
            {
                statements.Add(template.Statement("attempt++;", new TemplateSlots().Name("attempt", counter)));
            }

            if (handler.Statements.LastOrDefault() is ContinueStatementSyntax @continue)
            {
                editor.InsertBefore(@continue, statements);
            }
            else
            {
                editor.ReplaceNode(handler, handler.AddStatements(statements.ToArray()));
            }
        }

        if (counterDeclaration is not null)
        {
            editor.InsertBefore(loopSyntax, counterDeclaration);
        }

        return await Cleanup.AddImportsAsync(document.WithSyntaxRoot(editor.GetChangedRoot()), cancellationToken).ConfigureAwait(false);
    }
}
