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

        var result = Names.FreeInScope(model, retrying.Block.SpanStart, "response", @try);
        var failure = Names.FreeInScope(model, retrying.Block.SpanStart, "fallbackFailure", @try);
        var accumulator = plan.Accumulator.Name;
        var twinCall = plan.Call.WithExpression(((MemberAccessExpressionSyntax)plan.Call.Expression).WithName(SyntaxFactory.IdentifierName(plan.Twin.Twin))).WithoutTrivia().ToString();
        var (reset, append) = plan.Accumulator.Kind == AccumulatorKind.StringBuilder
            ? (accumulator + ".Clear();", accumulator + ".Append({0});")
            : (accumulator + " = \"\";", accumulator + " += {0};");
        string appendText;
        if (plan.Twin.Text.EndsWith("[]", System.StringComparison.Ordinal))
        {
            var part = Names.FreeInScope(model, retrying.Block.SpanStart, "part", @try);
            appendText = "foreach (var " + part + " in " + string.Format(plan.Twin.Text.Substring(0, plan.Twin.Text.Length - 2), result) + ")\n{\n"
                + string.Format(append, part + ".Text") + "\n}\n\n";
        }
        else
        {
            appendText = string.Format(append, string.Format(plan.Twin.Text, result)) + "\n";
        }

        var attemptNumber = attempt.Identifier.ValueText + " + 1";
        var logger = RetryLogging.FindLogger(model, retryLoop.SpanStart, cancellationToken);
        var warn = logger is null ? string.Empty : RetryLogging.RetryStatement(logger, exception, attemptNumber, RetryLogging.FallbackMessage);
        var error = logger is null ? string.Empty : RetryLogging.FailureStatement(logger, failure, attempt.Identifier.ValueText + " + 2", Token(filter.Right));

        // After the last streaming attempt: the same request without streaming. Its failure leaves with the text of the
        // last streaming attempt attached, as the retry's own final failure does.
        var catchText = "try { } catch (" + declaration.Type + " " + exception + ") when (" + (filter.Right is ParenthesizedExpressionSyntax inner ? inner.Expression : filter.Right).WithoutTrivia() + ")\n{\n"
            + warn + Marker + "\ntry\n{\n"
            + "var " + result + " = " + (plan.IsAsync ? "await " : string.Empty) + twinCall + ";\n"
            + "if (" + string.Format(plan.Twin.CutCheck, result) + ")\n{\nthrow new global::System.InvalidOperationException(\"The model stopped before the end of the answer (non-streaming fallback).\");\n}\n\n"
            + reset + "\n" + appendText + "break;\n}\n"
            + "catch (global::System.Exception " + failure + ")\n{\n" + error
            + failure + ".Data[\"" + Shared.CatchRethrow.DataKey + "\"] = " + accumulator + ".ToString();\nthrow;\n}\n}";
        var fallbackCatch = Cleanup.Annotate(((TryStatementSyntax)SyntaxFactory.ParseStatement(catchText)).Catches[0]).WithAdditionalAnnotations(Formatter.Annotation);

        var newTry = @try.WithCatches(@try.Catches.Insert(@try.Catches.IndexOf(retrying) + 1, fallbackCatch));
        return await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(@try, newTry)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The caller's token the transient test names (<c>!ct.IsCancellationRequested</c>), if any.</summary>
    private static string? Token(ExpressionSyntax transientTest)
        => transientTest.DescendantNodes().OfType<MemberAccessExpressionSyntax>()
            .FirstOrDefault(m => m.Name.Identifier.ValueText == "IsCancellationRequested")?.Expression.ToString();
}
