using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.CodeFixes.Retry;

/// <summary>
/// LLM105: resets each accumulator right before the stream is enumerated (so at the start of every attempt); when the
/// loop writes output out — which cannot be taken back — records <c>emitted = true</c> before the first write and lets
/// the retry loop's catch retry only while nothing has been emitted.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RetryReplaysEmittedOutputCodeFix)), Shared]
public sealed class RetryReplaysEmittedOutputCodeFix : LlmCodeFix
{
    public const string EquivalenceKey = "LLM105.ResetOrGuardPerAttempt";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.RetryReplaysEmittedOutput);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count == 0)
        {
            return;
        }

        var span = diagnostic.AdditionalLocations[0].SourceSpan;
        var plan = Plan(root.FindNode(span, getInnermostNodeForTie: true), model, FixOptions.Get(context.Document, root.SyntaxTree), context.CancellationToken);
        if (plan is null)
        {
            return;
        }

        var title = plan.Guard ? "Retry only while nothing has been emitted" : "Reset the output at the start of each attempt";
        context.RegisterCodeFix(CodeAction.Create(title, c => FixAsync(context.Document, span, c), EquivalenceKey), diagnostic);
    }

    private sealed record ReplayPlan(StatementSyntax StreamStatement, ImmutableArray<StatementSyntax> Resets, bool Guard, StatementSyntax? FirstWrite, StatementSyntax? RetryStatement, CatchClauseSyntax? RetryingCatch);

    private static ReplayPlan? Plan(SyntaxNode node, SemanticModel model, LlmOptions options, CancellationToken cancellationToken)
    {
        var llm = LlmAnalysisContext.Get(model.Compilation);
        if (llm is null || model.GetOperation(node, cancellationToken) is not ILoopOperation loop)
        {
            return null;
        }

        var facts = ReplayFacts.TryCreate(loop, llm, RetryTypes.Get(model.Compilation), options, cancellationToken);
        if (facts is null || loop.Syntax is not StatementSyntax { Parent: BlockSyntax } streamStatement)
        {
            return null;
        }

        var resets = ImmutableArray.CreateBuilder<StatementSyntax>();
        var guard = !facts.Writes.IsEmpty;
        foreach (var accumulator in facts.Unreset)
        {
            var reset = AccumulatorResets.TryGetReset(accumulator, facts.Loop, model, cancellationToken);
            if (reset is null)
            {
                guard = true;
            }
            else
            {
                resets.Add(reset);
            }
        }

        if (!guard)
        {
            return new ReplayPlan(streamStatement, resets.ToImmutable(), Guard: false, null, null, null);
        }

        // The guard needs the retry loop's catch and a statement before which to record the first write.
        if (facts.Retry is not { Kind: RetryKind.Loop, RetryingCatch.Syntax: CatchClauseSyntax retryingCatch, Node.Syntax: StatementSyntax { Parent: BlockSyntax } retryStatement })
        {
            return null;
        }

        var emission = facts.Writes.IsEmpty ? facts.FirstEmission : facts.Writes[0];
        var firstWrite = emission?.Syntax.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault(s => s.Parent is BlockSyntax && loop.Body.Syntax.Span.Contains(s.Span) && s != loop.Body.Syntax);
        if (firstWrite is null)
        {
            return null;
        }

        return new ReplayPlan(streamStatement, resets.ToImmutable(), Guard: true, firstWrite, retryStatement, retryingCatch);
    }

    private static async Task<Document> FixAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null
            || Plan(root.FindNode(span, getInnermostNodeForTie: true), model, FixOptions.Get(document, root.SyntaxTree), cancellationToken) is not { } plan)
        {
            return document;
        }

        var editor = new SyntaxEditor(root, document.Project.Solution.Services);
        if (!plan.Resets.IsEmpty)
        {
            editor.InsertBefore(plan.StreamStatement, plan.Resets.Select(r => r.WithAdditionalAnnotations(Formatter.Annotation)));
        }

        if (plan.Guard)
        {
            var template = new CodeTemplate(model.Compilation, SyntaxGenerator.GetGenerator(document));
            var name = Names.Reserve(Names.UsedNames(model, plan.RetryStatement!.SpanStart, new SyntaxNode[] { plan.RetryStatement }), "emitted");
            var emitted = new TemplateSlots().Name("emitted", name);
            editor.InsertBefore(plan.RetryStatement!, template.Statement("var emitted = false;", emitted));
            editor.InsertBefore(plan.FirstWrite!, RetryCodeGen.EmittedMark(name, plan.FirstWrite!, template, model, cancellationToken));

            var @catch = plan.RetryingCatch!;
            var notEmitted = template.Expression("!emitted", emitted);
            var filter = @catch.Filter is { } existing
                ? existing.WithFilterExpression(SyntaxFactory.BinaryExpression(SyntaxKind.LogicalAndExpression, notEmitted, Parenthesize(existing.FilterExpression)))
                : SyntaxFactory.CatchFilterClause(notEmitted);
            editor.ReplaceNode(@catch, (current, _) => ((CatchClauseSyntax)current).WithFilter(filter).WithAdditionalAnnotations(Formatter.Annotation));
        }

        return document.WithSyntaxRoot(editor.GetChangedRoot());
    }

    private static ExpressionSyntax Parenthesize(ExpressionSyntax expression)
        => expression is BinaryExpressionSyntax binary && binary.IsKind(SyntaxKind.LogicalOrExpression)
            || expression is ConditionalExpressionSyntax or AssignmentExpressionSyntax
            ? SyntaxFactory.ParenthesizedExpression(expression.WithoutTrivia())
            : expression.WithoutTrivia();
}
