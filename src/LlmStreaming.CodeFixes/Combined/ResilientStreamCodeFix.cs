using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.PartialOutput;
using LlmStreaming.CodeFixes.Retry;
using LlmStreaming.CodeFixes.Termination;
using LlmStreaming.CodeFixes.Timeouts;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Simplification;

namespace LlmStreaming.CodeFixes.Combined;

/// <summary>
/// "Make this stream resilient": one action, offered on a stream with an LLM101, LLM203 or LLM301 finding, that
/// rewrites it into the complete pattern by applying the rules' own fixes in order, re-analysing after each:
/// the partial text kept where a catch dropped it (LLM301), the failure rethrown where a catch swallowed it (LLM304), the mid-stream IOException handled (LLM106), a bounded
/// retry with exponential backoff and jitter honouring the token in scope (LLM101: plain C#, or a Polly pipeline when
/// Polly is referenced; LLM102's backoff added to a retry loop the code already has), the finish reason captured and checked inside the attempt, so that a cut-off stream is
/// retried too (LLM203), and replays of emitted output guarded (LLM105). Only findings of this stream are fixed; the result must leave none of LLM101, LLM203, LLM301 on it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ResilientStreamCodeFix)), Shared]
public sealed class ResilientStreamCodeFix : LlmCodeFix
{
    public const string PlainKey = "LLM.MakeStreamResilient";
    public const string PollyKey = "LLM.MakeStreamResilient.Polly";
    public const string FallbackKey = "LLM.MakeStreamResilient.Fallback";

    private const string RegionAnnotationKind = "LlmStreaming.ResilientStream.Region";
    private const int MaxSteps = 16;

    /// <summary>The steps in the order they are applied: a finding's ID, its fixer and the equivalence keys it prefers.</summary>
    /// <remarks>
    /// A hand-rolled stream first gets what its parse loop lacks: the <c>[DONE]</c> exit (LLM201) before the end-marker
    /// check that marks it (LLM202), the in-stream error check (LLM205), the guarded index (LLM303) and a streamed send
    /// (LLM402; its findings are on the send, before the loop, so these steps look at the whole function). The idle
    /// timeout (LLM406) comes after the retry, so that each attempt arms a fresh one.
    /// </remarks>
    private static readonly ImmutableArray<Step> Steps = ImmutableArray.Create(
        new Step(DiagnosticIds.PartialOutputDiscarded, new PartialOutputDiscardedCodeFix(), PartialOutputDiscardedCodeFix.RethrowWithPartialKey, PartialOutputDiscardedCodeFix.AttachPartialKey),
        new Step(DiagnosticIds.StreamFailureSwallowed, new StreamFailureSwallowedCodeFix(), StreamFailureSwallowedCodeFix.RethrowKey),
        new Step(DiagnosticIds.CatchMissesMidStreamFailure, new CatchMissesMidStreamFailureCodeFix(), CatchMissesMidStreamFailureCodeFix.EquivalenceKey),
        new Step(DiagnosticIds.DoneSentinelNotHandled, new DoneSentinelNotHandledCodeFix(), StepScope.Function, StepPhase.Any, DoneSentinelNotHandledCodeFix.Key),
        new Step(DiagnosticIds.EndOfStreamAccepted, new EndOfStreamAcceptedCodeFix(), StepScope.Function, StepPhase.Any, EndOfStreamAcceptedCodeFix.Key),
        new Step(DiagnosticIds.InStreamErrorIgnored, new InStreamErrorIgnoredCodeFix(), StepScope.Function, StepPhase.Any, InStreamErrorIgnoredCodeFix.Key),
        new Step(DiagnosticIds.ContentPartIndexedWithoutGuard, new ContentPartIndexedWithoutGuardCodeFix(), StepScope.Function, StepPhase.Any, ContentPartIndexedWithoutGuardCodeFix.EquivalenceKey),
        new Step(DiagnosticIds.StreamingResponseBuffered, new StreamingResponseBufferedCodeFix(), StepScope.Function, StepPhase.Any, StreamingResponseBufferedCodeFix.EquivalenceKey),
        new Step(DiagnosticIds.MidStreamFailureNotRetried, new MidStreamFailureNotRetriedCodeFix(), MidStreamFailureNotRetriedCodeFix.RetryLoopKey),
        new Step(DiagnosticIds.RetryWithoutBackoff, new RetryWithoutBackoffCodeFix(), StepScope.Function, StepPhase.AfterRetry, RetryWithoutBackoffCodeFix.EquivalenceKey),
        new Step(DiagnosticIds.FinishReasonNotObserved, new FinishReasonNotObservedCodeFix(), StepScope.Region, StepPhase.AfterRetry, FinishReasonNotObservedCodeFix.Key),
        new Step(DiagnosticIds.StreamedBodyWithoutIdleTimeout, new StreamedBodyWithoutIdleTimeoutCodeFix(), StepScope.Function, StepPhase.AfterRetry, StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey),
        new Step(DiagnosticIds.RetryReplaysEmittedOutput, new RetryReplaysEmittedOutputCodeFix(), RetryReplaysEmittedOutputCodeFix.EquivalenceKey));

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(
        new FinishReasonNotObservedAnalyzer(),
        new PartialOutputDiscardedAnalyzer(),
        new StreamFailureSwallowedAnalyzer(),
        new CatchMissesMidStreamFailureAnalyzer(),
        new MidStreamFailureNotRetriedAnalyzer(),
        new RetryReplaysEmittedOutputAnalyzer(),
        new RetryWithoutBackoffAnalyzer(),
        new DoneSentinelNotHandledAnalyzer(),
        new EndOfStreamAcceptedAnalyzer(),
        new InStreamErrorIgnoredAnalyzer(),
        new ContentPartIndexedWithoutGuardAnalyzer(),
        new StreamingResponseBufferedAnalyzer(),
        new StreamedBodyWithoutIdleTimeoutAnalyzer());

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticIds.MidStreamFailureNotRetried,
        DiagnosticIds.FinishReasonNotObserved,
        DiagnosticIds.PartialOutputDiscarded);

    public override FixAllProvider GetFixAllProvider()
        => SequentialFixAll.Create((context, document, diagnostic, cancellationToken) =>
            MakeResilientAsync(document, diagnostic, context.CodeActionEquivalenceKey == PollyKey, cancellationToken, fallback: context.CodeActionEquivalenceKey == FallbackKey));

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (Region(root, diagnostic) is not { } region || IsCrossMethodOnly(region, model, context.Document, context.CancellationToken))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Make this stream resilient", async ct => await MakeResilientAsync(context.Document, diagnostic, usePolly: false, ct).ConfigureAwait(false) ?? context.Document, PlainKey),
            diagnostic);
        if (diagnostic.Id != DiagnosticIds.PartialOutputDiscarded && NonStreamingFallback.IsOffered(model, region, context.Document, context.CancellationToken))
        {
            context.RegisterCodeFix(
                CodeAction.Create("Make this stream resilient, with a non-streaming fallback", async ct => await MakeResilientAsync(context.Document, diagnostic, usePolly: false, ct, fallback: true).ConfigureAwait(false) ?? context.Document, FallbackKey),
                diagnostic);
        }

        if (model.Compilation.GetTypeByMetadataName("Polly.ResiliencePipeline") is not null)
        {
            context.RegisterCodeFix(
                CodeAction.Create("Make this stream resilient (Polly)", async ct => await MakeResilientAsync(context.Document, diagnostic, usePolly: true, ct).ConfigureAwait(false) ?? context.Document, PollyKey),
                diagnostic);
        }
    }

    /// <summary>
    /// The statement the finding is about: the stream loop (or the statement of an aggregation call) for LLM101 and
    /// LLM203, the try statement whose catch drops the text for LLM301.
    /// </summary>
    private static StatementSyntax? Region(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Location.IsInSource || diagnostic.Location.SourceTree != root.SyntaxTree)
        {
            return null;
        }

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        if (diagnostic.Id == DiagnosticIds.PartialOutputDiscarded)
        {
            return node.FirstAncestorOrSelf<TryStatementSyntax>();
        }

        var loop = node.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault(s => s is CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax);
        return loop ?? node.FirstAncestorOrSelf<StatementSyntax>();
    }

    private static async Task<Document?> MakeResilientAsync(Document document, Diagnostic diagnostic, bool usePolly, CancellationToken cancellationToken, bool fallback = false)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || Region(root, diagnostic) is not { } region)
        {
            return null;
        }

        var regionMark = new SyntaxAnnotation(RegionAnnotationKind);
        var current = document.WithSyntaxRoot(root.ReplaceNode(region, region.WithAdditionalAnnotations(regionMark)));
        var skipped = new HashSet<(string, int)>();

        // Each rule's fix is applied once: a finding that survives its own fix (code that does not compile, say) must
        // not wrap the region again and again.
        var applied = new HashSet<string>();

        // The finish-reason check waits for the retry, so that it lands inside the attempt and a cut-off stream is retried.
        current = await ApplyStepsAsync(current, regionMark, usePolly, skipped, applied, beforeRetry: true, cancellationToken).ConfigureAwait(false);

        // A catch that already handles the mid-stream failure silences LLM101, but the pattern still retries first.
        if (!applied.Contains(DiagnosticIds.MidStreamFailureNotRetried)
            && await EnsureRetryAsync(current, regionMark, usePolly, cancellationToken).ConfigureAwait(false) is { } retried)
        {
            current = retried;
            applied.Add(DiagnosticIds.MidStreamFailureNotRetried);
        }

        current = await ApplyStepsAsync(current, regionMark, usePolly, skipped, applied, beforeRetry: false, cancellationToken).ConfigureAwait(false);

        current = await RetryTimeoutsTooAsync(current, regionMark, cancellationToken).ConfigureAwait(false) ?? current;
        current = await HoistAccumulatorAsync(current, regionMark, cancellationToken).ConfigureAwait(false) ?? current;
        current = await KeepPartialOnFinalFailureAsync(current, regionMark, cancellationToken).ConfigureAwait(false) ?? current;
        if (fallback)
        {
            current = await NonStreamingFallback.ApplyAsync(current, regionMark, cancellationToken).ConfigureAwait(false) ?? current;
        }

        var finalRoot = await current.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (finalRoot is null)
        {
            return current;
        }

        var marked = finalRoot.GetAnnotatedNodes(RegionAnnotationKind).ToList();
        return current.WithSyntaxRoot(finalRoot.ReplaceNodes(marked, (_, rewritten) => rewritten.WithoutAnnotations(RegionAnnotationKind)));
    }

    private static async Task<Document> ApplyStepsAsync(Document current, SyntaxAnnotation regionMark, bool usePolly, HashSet<(string, int)> skipped, HashSet<string> applied, bool beforeRetry, CancellationToken cancellationToken)
    {
        for (var step = 0; step < MaxSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = await ApplyNextStepAsync(current, regionMark, usePolly, skipped, applied, beforeRetry, cancellationToken).ConfigureAwait(false);
            if (next is null)
            {
                break;
            }

            current = next;
        }

        return current;
    }

    /// <summary>
    /// The region's stream, when the stream is started here (not received), is not handed on by an iterator, and is
    /// not yet inside a retry construct: LLM101's fix is applied to it as if LLM101 had reported it.
    /// </summary>
    private static async Task<Document?> EnsureRetryAsync(Document document, SyntaxAnnotation regionMark, bool usePolly, CancellationToken cancellationToken)
    {
        if (await FindStreamAsync(document, regionMark, cancellationToken).ConfigureAwait(false) is not { } found)
        {
            return null;
        }

        var (llm, options, streamLoop) = found;
        if (streamLoop.Source?.Origin != StreamOrigin.Call
            || RetryRecognizer.IsPassThroughIterator(streamLoop.Loop)
            || llm.Retries.FindEnclosingRetry(streamLoop.Loop, options, cancellationToken) is not null)
        {
            return null;
        }

        var location = streamLoop.Loop.Syntax.GetLocation();
        var diagnostic = Diagnostic.Create(Descriptors.LLM101_MidStreamFailureNotRetried, location, additionalLocations: new[] { location }, streamLoop.DisplayName);
        var keys = new[] { usePolly ? MidStreamFailureNotRetriedCodeFix.PollyKey : MidStreamFailureNotRetriedCodeFix.RetryLoopKey, MidStreamFailureNotRetriedCodeFix.RetryLoopKey };
        return await FixerActions.ApplyAsync(new MidStreamFailureNotRetriedCodeFix(), document, diagnostic, keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The recognised stream loop of the region, with the context and options to judge it.</summary>
    private static async Task<(LlmAnalysisContext Llm, LlmOptions Options, LlmStreamLoop Loop)?> FindStreamAsync(Document document, SyntaxAnnotation regionMark, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || root.GetAnnotatedNodes(regionMark).FirstOrDefault() is not { } region
            || LlmAnalysisContext.Get(model.Compilation) is not { } llm)
        {
            return null;
        }

        var options = llm.GetOptions(root.SyntaxTree, document.Project.AnalyzerOptions);
        var streamLoop = StreamLoopIn(region, model, llm, options, cancellationToken);
        return streamLoop is null ? null : (llm, options, streamLoop);
    }

    /// <summary>
    /// True when the region's only stream loops are of the cross-method shapes (a loop over a source iterator that yields a
    /// model's text, a loop driven by hand over an enumerator): the pattern's steps are written for a loop over the SDK's
    /// updates, so it is not offered there (the rule's own fix is, where it is safe).
    /// </summary>
    private static bool IsCrossMethodOnly(StatementSyntax region, SemanticModel model, Document document, CancellationToken cancellationToken)
    {
        if (LlmAnalysisContext.Get(model.Compilation) is not { } llm)
        {
            return false;
        }

        var options = llm.GetOptions(region.SyntaxTree, document.Project.AnalyzerOptions);
        var crossMethod = false;
        foreach (var statement in region.DescendantNodesAndSelf().OfType<StatementSyntax>())
        {
            if (model.GetOperation(statement, cancellationToken) is not ILoopOperation loop
                || llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, StreamShapes.All) is not { } streamLoop)
            {
                continue;
            }

            if (streamLoop.Shape == StreamShapes.Direct)
            {
                return false;
            }

            crossMethod = true;
        }

        return crossMethod;
    }

    /// <summary>The first loop of <paramref name="region"/> (itself or inside it) that enumerates a model stream.</summary>
    internal static LlmStreamLoop? StreamLoopIn(SyntaxNode region, SemanticModel model, LlmAnalysisContext llm, LlmOptions options, CancellationToken cancellationToken)
        => region.DescendantNodesAndSelf()
            .OfType<StatementSyntax>()
            .Select(s => model.GetOperation(s, cancellationToken) as ILoopOperation)
            .Where(l => l is not null)
            .Select(l => llm.Streams.TryGetStreamLoop(l!, options, cancellationToken))
            .FirstOrDefault(l => l is not null);

    /// <summary>Finds the first finding of the region, in step order, that its fixer can fix, and applies the fix.</summary>
    private static async Task<Document?> ApplyNextStepAsync(Document document, SyntaxAnnotation regionMark, bool usePolly, HashSet<(string, int)> skipped, HashSet<string> applied, bool beforeRetry, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || root.GetAnnotatedNodes(regionMark).FirstOrDefault() is not { } region)
        {
            return null;
        }

        var scope = Scope(region);
        var function = SyntaxScopes.FunctionBody(region) ?? scope;
        var compilation = model.Compilation.WithAnalyzers(Analyzers, new CompilationWithAnalyzersOptions(document.Project.AnalyzerOptions, onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
        var diagnostics = await compilation.GetAnalyzerSemanticDiagnosticsAsync(model, function.Span, cancellationToken).ConfigureAwait(false);

        foreach (var step in Steps)
        {
            if ((beforeRetry && step.Phase == StepPhase.AfterRetry) || applied.Contains(step.Id))
            {
                continue;
            }

            var span = step.Scope == StepScope.Function ? function.Span : scope.Span;
            foreach (var diagnostic in diagnostics.Where(d => d.Id == step.Id && span.Contains(d.Location.SourceSpan)).OrderBy(d => d.Location.SourceSpan.Start))
            {
                if (skipped.Contains((diagnostic.Id, diagnostic.Location.SourceSpan.Start)))
                {
                    continue;
                }

                var keys = step.Id == DiagnosticIds.MidStreamFailureNotRetried && usePolly
                    ? new[] { MidStreamFailureNotRetriedCodeFix.PollyKey, MidStreamFailureNotRetriedCodeFix.RetryLoopKey }
                    : step.Keys;
                if (await FixerActions.ApplyAsync(step.Fixer, document, diagnostic, keys, cancellationToken).ConfigureAwait(false) is { } changed)
                {
                    applied.Add(step.Id);
                    return changed;
                }

                skipped.Add((diagnostic.Id, diagnostic.Location.SourceSpan.Start));
            }
        }

        return null;
    }

    /// <summary>
    /// A retry loop of the code's own whose retrying catch takes a transport exception (<c>catch (IOException) when
    /// (attempt &lt; 3)</c>) but not a timeout: a stalled stream ends in the SDK's or the idle timeout's
    /// <c>OperationCanceledException</c>, which escapes on the first attempt. A second catch with the same filter and
    /// handling is added for <c>OperationCanceledException</c> while the caller's token (the one the stream is given) is
    /// not cancelled. Not when a clause of the try already takes it, or when the retrying catch names its exception
    /// (its handling may use what only that type has).
    /// </summary>
    private static async Task<Document?> RetryTimeoutsTooAsync(Document document, SyntaxAnnotation regionMark, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var cancelled = model?.Compilation.GetTypeByMetadataName("System.OperationCanceledException");
        if (root is null || model is null || cancelled is null
            || await FindStreamAsync(document, regionMark, cancellationToken).ConfigureAwait(false) is not var (llm, options, streamLoop)
            || llm.Retries.FindEnclosingRetry(streamLoop.Loop, options, cancellationToken) is not { Kind: RetryKind.Loop, Try.Syntax: TryStatementSyntax @try, RetryingCatch.Syntax: CatchClauseSyntax retrying }
            || retrying.Declaration is not { } declaration
            || declaration.Identifier.ValueText.Length > 0
            || model.GetTypeInfo(declaration.Type, cancellationToken).Type is not INamedTypeSymbol caught
            || cancelled.IsOrInheritsFrom(caught))
        {
            return null;
        }

        foreach (var clause in @try.Catches)
        {
            var type = clause.Declaration is null ? null : model.GetTypeInfo(clause.Declaration.Type, cancellationToken).Type as INamedTypeSymbol;
            if (clause.Declaration is null || type is not null && (cancelled.IsOrInheritsFrom(type) || type.IsOrInheritsFrom(cancelled)))
            {
                return null; // a clause already takes the timeout (or everything)
            }
        }

        // The retrying catch's filter, and the caller's token not cancelled: the timeout is not the caller's cancellation.
        var template = new CodeTemplate(model.Compilation, SyntaxGenerator.GetGenerator(document));
        var token = CallerToken(streamLoop);
        var existing = retrying.Filter?.FilterExpression.WithoutTrivia();
        var slots = new TemplateSlots();
        if (token is not null)
        {
            slots.Name("callerToken", token);
        }

        if (existing is not null)
        {
            slots.Expression("existing", existing);
        }

        ExpressionSyntax? filter = existing is null
            ? token is null ? null : template.Expression("!callerToken.IsCancellationRequested", slots)
            : token is null ? existing
            : template.Expression(BindsTighterThanOr(existing) ? "existing && !callerToken.IsCancellationRequested" : "(existing) && !callerToken.IsCancellationRequested", slots);
        var holder = filter is null
            ? template.Statement("try { } catch (global::System.OperationCanceledException) { }")
            : template.Statement("try { } catch (global::System.OperationCanceledException) when (filter) { }", new TemplateSlots().Expression("filter", filter));
        var timeoutCatch = ((TryStatementSyntax)holder).Catches[0]
            .WithBlock(retrying.Block)
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation, Formatter.Annotation);
        var newTry = @try.WithCatches(@try.Catches.Insert(@try.Catches.IndexOf(retrying) + 1, timeoutCatch));
        return await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(@try, newTry)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The caller's token: the <c>CancellationToken</c> the stream call is given, when it is a plain name.</summary>
    internal static string? CallerToken(LlmStreamLoop streamLoop)
        => streamLoop.Source?.Call?.Arguments
            .Where(a => a.ArgumentKind == ArgumentKind.Explicit && a.Value.Type?.Name == "CancellationToken")
            .Select(a => a.Value.Syntax)
            .OfType<IdentifierNameSyntax>()
            .FirstOrDefault()?.Identifier.ValueText;

    /// <summary>True when <paramref name="expression"/> can stand before <c>&amp;&amp;</c> without parentheses.</summary>
    private static bool BindsTighterThanOr(ExpressionSyntax expression)
        => expression is not (BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalOrExpression or (int)SyntaxKind.CoalesceExpression }
            or ConditionalExpressionSyntax or AssignmentExpressionSyntax or SimpleLambdaExpressionSyntax or ParenthesizedLambdaExpressionSyntax);

    /// <summary>
    /// A retry loop of the code's own that declares its accumulator inside the attempt
    /// (<c>try { var answer = new StringBuilder(); await foreach … }</c>): the text of the last attempt is out of reach
    /// once the failure leaves the try. The declaration moves before the retry loop, and its place in the attempt
    /// becomes an assignment of the same value, so that each attempt still starts afresh. Only for a declaration of one
    /// variable, directly in the attempt's block, whose value has no side effect (a literal, <c>string.Empty</c>, or an
    /// object creation whose arguments are constants), and whose name no other variable of the function uses.
    /// </summary>
    private static async Task<Document?> HoistAccumulatorAsync(Document document, SyntaxAnnotation regionMark, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null
            || await FindStreamAsync(document, regionMark, cancellationToken).ConfigureAwait(false) is not var (llm, options, streamLoop)
            || PartialText.TextAccumulator(streamLoop, llm.Types) is not { Symbol: ILocalSymbol local }
            || llm.Retries.FindEnclosingRetry(streamLoop.Loop, options, cancellationToken) is not { Kind: RetryKind.Loop, Node.Syntax: StatementSyntax { Parent: BlockSyntax } retryLoop, Try.Syntax: TryStatementSyntax @try }
            || local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } value } declarator
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 } declaration
            || declaration.Parent is not LocalDeclarationStatementSyntax { Parent: BlockSyntax attempt } statement
            || attempt != @try.Block
            || statement.UsingKeyword != default || statement.IsConst
            || !HasNoSideEffect(value, model, cancellationToken)
            || SyntaxScopes.FunctionBody(retryLoop) is not { } function
            || CountDeclarations(function, local.Name) != 1)
        {
            return null;
        }

        var hoisted = statement.WithoutLeadingTrivia().WithAdditionalAnnotations(Formatter.Annotation);
        var reset = SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName(declarator.Identifier.ValueText), value.WithoutTrivia()))
            .WithTriviaFrom(statement)
            .WithAdditionalAnnotations(Formatter.Annotation);
        var newRoot = root.TrackNodes(retryLoop, statement);
        newRoot = newRoot.ReplaceNode(newRoot.GetCurrentNode(statement)!, reset);
        newRoot = newRoot.InsertNodesBefore(newRoot.GetCurrentNode(retryLoop)!, new[] { hoisted });
        return document.WithSyntaxRoot(newRoot);
    }

    /// <summary>A value computed again at each attempt without anyone seeing it: a literal, <c>string.Empty</c>, <c>new T(constants)</c>.</summary>
    private static bool HasNoSideEffect(ExpressionSyntax value, SemanticModel model, CancellationToken cancellationToken)
        => model.GetOperation(value, cancellationToken)?.WalkDownConversions() switch
        {
            { ConstantValue.HasValue: true } => true,
            IFieldReferenceOperation { Field: { IsStatic: true, Name: "Empty" } field } => field.ContainingType.SpecialType == SpecialType.System_String,
            IObjectCreationOperation creation => creation.Initializer is null && creation.Arguments.All(a => a.Value.WalkDownConversions().ConstantValue.HasValue),
            _ => false,
        };

    /// <summary>How many variables and parameters of <paramref name="function"/> (lambdas included) are called <paramref name="name"/>.</summary>
    private static int CountDeclarations(SyntaxNode function, string name)
        => function.DescendantNodesAndSelf().Count(n => n switch
        {
            VariableDeclaratorSyntax v => v.Identifier.ValueText == name,
            SingleVariableDesignationSyntax d => d.Identifier.ValueText == name,
            ForEachStatementSyntax f => f.Identifier.ValueText == name,
            ParameterSyntax p => p.Identifier.ValueText == name,
            CatchDeclarationSyntax c => c.Identifier.ValueText == name,
            _ => false,
        });

    /// <summary>
    /// When every attempt has failed, the exception leaves with the text generated so far attached
    /// (<c>ex.Data["PartialOutput"]</c>): a last catch of the retry loop's try, or a try around the Polly call, that
    /// attaches and rethrows. Nothing is added when no text is accumulated, when a catch already reads the
    /// accumulator, or when a catch-all already ends the try.
    /// </summary>
    private static async Task<Document?> KeepPartialOnFinalFailureAsync(Document document, SyntaxAnnotation regionMark, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || await FindStreamAsync(document, regionMark, cancellationToken).ConfigureAwait(false) is not var (llm, options, streamLoop))
        {
            return null;
        }

        if (PartialText.TextAccumulator(streamLoop, llm.Types) is not { } accumulator
            || PartialText.Of(accumulator) is not { } text
            || llm.Retries.FindEnclosingRetry(streamLoop.Loop, options, cancellationToken) is not { } retry)
        {
            return null;
        }

        var exceptionType = SyntaxFactory.ParseTypeName("System.Exception").WithAdditionalAnnotations(Simplifier.Annotation);
        switch (retry.Kind)
        {
            case RetryKind.Loop when retry.Try?.Syntax is TryStatementSyntax @try && !EndsWithCatchAll(@try, model, cancellationToken) && !ReadsAccumulator(@try.Catches, accumulator.Name)
                && !(accumulator.Symbol is ILocalSymbol local && Accumulators.IsDeclaredInside(local, @try.SyntaxTree, @try.Block.Span)):
                // (A local declared in the attempt's block is out of scope in its catches.)
                var name = Names.FreeAt(model, @try.SpanStart, "exception");
                var catchClause = SyntaxFactory.CatchClause(
                    SyntaxFactory.CatchDeclaration(exceptionType, SyntaxFactory.Identifier(name)),
                    filter: null,
                    SyntaxFactory.Block(AttachAndRethrow(name, text)));
                return document.WithSyntaxRoot(root.ReplaceNode(@try, @try.AddCatches(catchClause.WithAdditionalAnnotations(Formatter.Annotation))));

            case RetryKind.Polly when retry.Node.Syntax.FirstAncestorOrSelf<StatementSyntax>() is ExpressionStatementSyntax { Parent: BlockSyntax block } statement
                && !(block.Parent is TryStatementSyntax wrapping && ReadsAccumulator(wrapping.Catches, accumulator.Name)):
                var exceptionName = Names.FreeAt(model, statement.SpanStart, "exception");
                var wrapped = SyntaxFactory.TryStatement(
                        SyntaxFactory.Block(Indented(statement)),
                        SyntaxFactory.SingletonList(SyntaxFactory.CatchClause(
                            SyntaxFactory.CatchDeclaration(exceptionType, SyntaxFactory.Identifier(exceptionName)),
                            filter: null,
                            SyntaxFactory.Block(AttachAndRethrow(exceptionName, text)))),
                        @finally: null)
                    .WithLeadingTrivia(statement.GetLeadingTrivia())
                    .WithAdditionalAnnotations(Formatter.Annotation);
                return document.WithSyntaxRoot(root.ReplaceNode(statement, wrapped));

            default:
                return null;
        }
    }

    /// <summary>
    /// The statement one level deeper: the formatter places its first line, but keeps the relative indentation of a
    /// multi-line lambda argument, so its other lines are shifted here.
    /// </summary>
    /// <summary>
    /// The statement with each of its lines after the first shifted four columns right (it moves into a try block, and
    /// the formatter leaves the inner lines of a multi-line call where they are). Done on the trivia at the start of
    /// each line; blank lines, and the lines inside a multi-line string or comment, are left as they are (a verbatim
    /// string's text is not changed).
    /// </summary>
    private static StatementSyntax Indented(StatementSyntax statement)
    {
        statement = statement.WithoutLeadingTrivia();
        var first = statement.GetFirstToken();
        return statement.ReplaceTokens(statement.DescendantTokens(), (original, _) =>
        {
            var previous = original.GetPreviousToken();
            var atLineStart = original != first && previous.TrailingTrivia.Count > 0 && previous.TrailingTrivia.Last().IsKind(SyntaxKind.EndOfLineTrivia);
            return original.WithLeadingTrivia(Shifted(original.LeadingTrivia, atLineStart));
        });
    }

    /// <summary>A token's leading trivia with four more columns at the start of every line that is not blank.</summary>
    private static SyntaxTriviaList Shifted(SyntaxTriviaList trivia, bool atLineStart)
    {
        const string Shift = "    ";
        var shifted = new List<SyntaxTrivia>();
        var lineStart = atLineStart;
        for (var i = 0; i < trivia.Count; i++)
        {
            var current = trivia[i];
            if (lineStart && current.IsKind(SyntaxKind.WhitespaceTrivia))
            {
                var blank = i + 1 < trivia.Count && trivia[i + 1].IsKind(SyntaxKind.EndOfLineTrivia);
                shifted.Add(blank ? current : SyntaxFactory.Whitespace(Shift + current.ToString()));
            }
            else
            {
                if (lineStart && !current.IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    shifted.Add(SyntaxFactory.Whitespace(Shift));
                }

                shifted.Add(current);
            }

            lineStart = current.IsKind(SyntaxKind.EndOfLineTrivia);
        }

        if (lineStart)
        {
            shifted.Add(SyntaxFactory.Whitespace(Shift)); // the token itself starts the line
        }

        return SyntaxFactory.TriviaList(shifted);
    }

    private static StatementSyntax[] AttachAndRethrow(string exception, ExpressionSyntax text)
        => new StatementSyntax[] { SyntaxFactory.ExpressionStatement(CatchRethrow.AttachTo(exception, text)), SyntaxFactory.ThrowStatement() };

    /// <summary>A catch with no filter for <c>Exception</c> (or no type): a clause after it would be unreachable (CS0160).</summary>
    private static bool EndsWithCatchAll(TryStatementSyntax @try, SemanticModel model, CancellationToken cancellationToken)
        => @try.Catches.Any(c => c.Filter is null
            && (c.Declaration is null || model.GetTypeInfo(c.Declaration.Type, cancellationToken).Type?.ToDisplayString() == "System.Exception"));

    private static bool ReadsAccumulator(SyntaxList<CatchClauseSyntax> catches, string accumulator)
        => catches.Any(c => c.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == accumulator));

    /// <summary>
    /// Where the region's findings can be: the outermost try statement of the same function around the region (its
    /// catches belong to the stream), else the region itself.
    /// </summary>
    private static SyntaxNode Scope(SyntaxNode region)
    {
        SyntaxNode scope = region;
        foreach (var ancestor in region.Ancestors())
        {
            if (ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax)
            {
                break;
            }

            if (ancestor is TryStatementSyntax or ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax)
            {
                scope = ancestor;
            }
        }

        return scope;
    }

    /// <summary>Where a step's findings are looked for: the stream's statement (and the try around it), or the whole function.</summary>
    private enum StepScope
    {
        Region,
        Function,
    }

    /// <summary>When a step may run: at any time, or only once the retry is in place (its code belongs inside the attempt).</summary>
    private enum StepPhase
    {
        Any,
        AfterRetry,
    }

    private sealed class Step
    {
        public Step(string id, CodeFixProvider fixer, params string[] keys)
            : this(id, fixer, StepScope.Region, StepPhase.Any, keys)
        {
        }

        public Step(string id, CodeFixProvider fixer, StepScope scope, StepPhase phase, params string[] keys)
        {
            Id = id;
            Fixer = fixer;
            Scope = scope;
            Phase = phase;
            Keys = keys;
        }

        public StepScope Scope { get; }

        public StepPhase Phase { get; }

        public string Id { get; }

        public CodeFixProvider Fixer { get; }

        public string[] Keys { get; }
    }
}
