using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Retry;
using LlmStreaming.CodeFixes.Retry;

namespace LlmStreaming.CodeFixes.Combined;

/// <summary>
/// The non-streaming fallback of "Make this stream resilient" (issue 10): after the last streaming attempt has failed
/// with a transient fault, the same request is made once more without streaming (the article's advice: fall back to
/// non-streaming when streaming keeps failing), and its text goes into the accumulator.
/// <para>
/// Offered only where that keeps the code's meaning: an SDK stream started in the loop (Microsoft.Extensions.AI
/// <c>GetStreamingResponseAsync</c> → <c>GetResponseAsync</c>; OpenAI <c>CompleteChatStreaming[Async]</c> →
/// <c>CompleteChat[Async]</c>) whose twin takes the same parameters, a loop that writes nothing out (so nothing was
/// emitted before the fallback, and the fallback's answer reaches the user where the stream's would have: the
/// accumulator) and accumulates the text in one local (<c>StringBuilder</c> or string), and no retry of the code's own.
/// </para>
/// </summary>
internal static class NonStreamingFallback
{
    /// <summary>The comment above the fallback call (the conformance suite finds the fallback by it).</summary>
    public const string Marker = "// Every streaming attempt failed: the same request once more, without streaming.";

    /// <summary>The families' twins, by streaming method name.</summary>
    private static readonly Dictionary<string, NonStreamingTwin> Twins = SdkFamilies.All
        .SelectMany(f => f.NonStreamingTwins)
        .ToDictionary(t => t.StreamingMethod);

    /// <summary>What the fallback needs of the stream: its call, the twin, the accumulator.</summary>
    private sealed record Plan(LlmStreamLoop StreamLoop, InvocationExpressionSyntax Call, NonStreamingTwin Twin, Accumulator Accumulator, bool IsAsync);

    /// <summary>True when the stream loop of <paramref name="region"/> (not yet rewritten) can get the fallback.</summary>
    public static bool IsOffered(SemanticModel model, StatementSyntax region, Document document, CancellationToken cancellationToken)
        => PlanFor(model, region, document, requireNoRetry: true, cancellationToken) is not null;

    private static Plan? PlanFor(SemanticModel model, SyntaxNode region, Document document, bool requireNoRetry, CancellationToken cancellationToken)
    {
        if (LlmAnalysisContext.Get(model.Compilation) is not { } llm)
        {
            return null;
        }

        var options = llm.GetOptions(region.SyntaxTree, document.Project.AnalyzerOptions);
        var streamLoop = ResilientStreamCodeFix.StreamLoopIn(region, model, llm, options, cancellationToken);
        if (streamLoop?.Source is not { Origin: StreamOrigin.Call, Call: { Syntax: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax } call } invocation }
            || !Twins.TryGetValue(invocation.TargetMethod.Name, out var twin)
            || !HasTwin(model, call, invocation.TargetMethod, twin.Twin)
            || !Emissions.FindWrites(streamLoop, RetryTypes.Get(model.Compilation)).IsEmpty
            || RetryRecognizer.IsPassThroughIterator(streamLoop.Loop)
            || (requireNoRetry && llm.Retries.FindEnclosingRetry(streamLoop.Loop, options, cancellationToken) is not null))
        {
                return null;
        }

        var accumulators = Accumulators.Find(streamLoop, llm.Types).ToList();
        if (accumulators.Count != 1 || accumulators[0] is not { Symbol: ILocalSymbol, Kind: AccumulatorKind.StringBuilder or AccumulatorKind.String } accumulator)
        {
            return null;
        }

        var isAsync = invocation.TargetMethod.Name.EndsWith("Async", System.StringComparison.Ordinal);
        return new Plan(streamLoop, call, twin, accumulator, isAsync);
    }

    /// <summary>The twin exists on the receiver (or as an extension) with the streaming method's parameter types, in order.</summary>
    private static bool HasTwin(SemanticModel model, InvocationExpressionSyntax call, IMethodSymbol streaming, string twinName)
    {
        var receiver = ((MemberAccessExpressionSyntax)call.Expression).Expression;
        if (model.GetTypeInfo(receiver).Type is not { } receiverType)
        {
            return false;
        }

        // An extension method's operation names its static form: its first parameter is the receiver.
        var parameters = (streaming.IsExtensionMethod && streaming.ReducedFrom is null ? streaming.Parameters.Skip(1) : streaming.Parameters).Select(p => p.Type).ToList();
        return model.LookupSymbols(call.SpanStart, receiverType, twinName, includeReducedExtensionMethods: true)
            .OfType<IMethodSymbol>()
            .Any(m => m.Parameters.Length == parameters.Count
                && m.Parameters.Select(p => p.Type).Zip(parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a, b)).All(same => same));
    }

    /// <summary>
    /// Adds the fallback to the retry loop "Make this stream resilient" wrote around the region's stream: after the
    /// retrying catch, a catch of the same transient faults (the retries are spent) that makes the non-streaming call,
    /// checks its stop, puts its text in the accumulator and leaves the loop; its own failure leaves with the last
    /// streaming attempt's text attached. Null when the retry is not the plain loop this expects.
    /// </summary>
    public static async Task<Document?> ApplyAsync(Document document, SyntaxAnnotation regionMark, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || root.GetAnnotatedNodes(regionMark).FirstOrDefault() is not { } region
            || LlmAnalysisContext.Get(model.Compilation) is not { } llm
            || PlanFor(model, region, document, requireNoRetry: false, cancellationToken) is not { } plan)
        {
            return null;
        }

        // The retry loop: for (…) { resets; try { …; break; } catch (Exception ex) when (attempt < 3 && transient) { … } … }
        var options = llm.GetOptions(root.SyntaxTree, document.Project.AnalyzerOptions);
        if (llm.Retries.FindEnclosingRetry(plan.StreamLoop.Loop, options, cancellationToken) is not { Kind: RetryKind.Loop, Try.Syntax: TryStatementSyntax @try }
            || @try is not { Parent: BlockSyntax { Parent: ForStatementSyntax retryLoop } }
            || retryLoop.Parent is not BlockSyntax
            || @try.Catches.FirstOrDefault() is not { Declaration: { } declaration, Filter.FilterExpression: BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalAndExpression } filter } retrying
            || filter.Left is not BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LessThanExpression, Left: IdentifierNameSyntax attempt }
            || retryLoop.Declaration?.Variables.FirstOrDefault()?.Identifier.ValueText != attempt.Identifier.ValueText)
        {
            return null;
        }

        if (@try.ToFullString().IndexOf(Marker, System.StringComparison.Ordinal) >= 0)
        {
            return null; // the fallback is there already (Fix All meets the stream once per finding)
        }

        var exception = declaration.Identifier.ValueText;
        if (exception.Length == 0)
        {
            return null;
        }

        var template = new CodeTemplate(model.Compilation, SyntaxGenerator.GetGenerator(document));
        var result = Names.FreeInScope(model, retrying.Block.SpanStart, "response", @try);
        var failure = Names.FreeInScope(model, retrying.Block.SpanStart, "fallbackFailure", @try);
        var accumulator = new TemplateSlots().Name("accumulator", plan.Accumulator.Name);
        var isBuilder = plan.Accumulator.Kind == AccumulatorKind.StringBuilder;

        // The answer's text into the accumulator, emptied first (a blank line before): the text, or each part's text.
        var fill = new List<StatementSyntax> { template.Statement(isBuilder ? "accumulator.Clear();" : "accumulator = \"\";", accumulator).WithLeadingTrivia(SyntaxFactory.LineFeed) };
        var breakTrivia = default(SyntaxTriviaList);
        if (plan.Twin.TextIsParts)
        {
            var part = Names.FreeInScope(model, retrying.Block.SpanStart, "part", @try);
            var parts = FamilyExpression(template, plan.Twin.Text, result);
            var slots = new TemplateSlots().Name("accumulator", plan.Accumulator.Name).Name("part", part).Expression("parts", parts);
            fill.Add(template.Statement(isBuilder ? AppendParts : ConcatenateParts, slots));
            breakTrivia = SyntaxFactory.TriviaList(SyntaxFactory.LineFeed);
        }
        else
        {
            var slots = new TemplateSlots().Name("accumulator", plan.Accumulator.Name).Expression("text", FamilyExpression(template, plan.Twin.Text, result));
            fill.Add(template.Statement(isBuilder ? "accumulator.Append(text);" : "accumulator += text;", slots));
        }

        fill.Add(template.Statement("break;").WithLeadingTrivia(breakTrivia));

        var logger = RetryLogging.FindLogger(model, retryLoop.SpanStart, cancellationToken);
        var warn = new List<StatementSyntax>();
        var error = new List<StatementSyntax>();
        if (logger is not null)
        {
            var attemptSlot = new TemplateSlots().Name("attempt", attempt.Identifier.ValueText);
            warn.Add(RetryLogging.RetryStatement(logger, SyntaxFactory.IdentifierName(TemplateSlots.Identifier(exception)), template.Expression("attempt + 1", attemptSlot), template, RetryLogging.FallbackMessage));
            error.Add(RetryLogging.FailureStatement(logger, failure, template.Expression("attempt + 2", attemptSlot), Token(filter.Right), template));
        }

        // After the last streaming attempt: the same request without streaming. Its failure leaves with the text of the
        // last streaming attempt attached, as the retry's own final failure does.
        var call = plan.Call.WithExpression(((MemberAccessExpressionSyntax)plan.Call.Expression).WithName(SyntaxFactory.IdentifierName(plan.Twin.Twin))).WithoutTrivia();
        var catchSlots = new TemplateSlots()
            .Expression("DeclaredType", declaration.Type.WithoutTrivia())
            .Name("exception", exception)
            .Expression("transient", (filter.Right is ParenthesizedExpressionSyntax inner ? inner.Expression : filter.Right).WithoutTrivia())
            .Name("response", result)
            .Expression("twinCall", plan.IsAsync ? RetryCodeGen.Awaited(call) : call)
            .Expression("cut", FamilyExpression(template, plan.Twin.CutCheck, result))
            .Name("fallbackFailure", failure)
            .Expression("dataKey", RetryCodeGen.StringLiteral(Shared.CatchRethrow.DataKey))
            .Name("accumulator", plan.Accumulator.Name);
        var fallbackCatch = Cleanup.Annotate(((TryStatementSyntax)template.Statement(FallbackCatch, catchSlots, warn, fill, error)).Catches[0]).WithAdditionalAnnotations(Formatter.Annotation);

        var newTry = @try.WithCatches(@try.Catches.Insert(@try.Catches.IndexOf(retrying) + 1, fallbackCatch));
        return await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(@try, newTry)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The caller's token the transient test names (<c>!ct.IsCancellationRequested</c>), if any.</summary>
    private static ExpressionSyntax? Token(ExpressionSyntax transientTest)
        => transientTest.DescendantNodes().OfType<MemberAccessExpressionSyntax>()
            .FirstOrDefault(m => m.Name.Identifier.ValueText == "IsCancellationRequested")?.Expression.WithoutTrivia();

    /// <summary>
    /// An expression of the family's description of its twin (<c>response.Text</c>, a cut check), on the twin's answer
    /// <paramref name="result"/>. The description is a constant template of the family's catalogue
    /// (<see cref="NonStreamingTwin"/>); the answer's name fills its slot <c>response</c>.
    /// </summary>
    private static ExpressionSyntax FamilyExpression(CodeTemplate template, string familyTemplate, string result)
        => template.Expression(familyTemplate, new TemplateSlots().Name("response", result));

    /// <summary>The fallback's catch: its <c>try { }</c> is a holder. The comment is <see cref="Marker"/>.</summary>
    private const string FallbackCatch = """
        try { } catch (DeclaredType exception) when (transient)
        {
        __region__;
        // Every streaming attempt failed: the same request once more, without streaming.
        try
        {
        var response = twinCall;
        if (cut)
        {
        throw new global::System.InvalidOperationException("The model stopped before the end of the answer (non-streaming fallback).");
        }
        __region__;
        }
        catch (global::System.Exception fallbackFailure)
        {
        __region__;
        fallbackFailure.Data[dataKey] = accumulator.ToString();
        throw;
        }
        }
        """;

    private const string AppendParts = """
        foreach (var part in parts)
        {
        accumulator.Append(part.Text);
        }
        """;

    private const string ConcatenateParts = """
        foreach (var part in parts)
        {
        accumulator += part.Text;
        }
        """;
}
