namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM204 (Info): a <c>ReadLine</c>/<c>ReadLineAsync</c> loop over a model response that splits server-sent events by
/// hand, where <c>System.Net.ServerSentEvents.SseParser</c> is available (.NET 9 and later, or the package).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class HandRolledSseParsingAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM204_HandRolledSseParsing);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Types.SseParser is null || llm.Types.TextReader is null)
        {
            return; // nothing to suggest instead
        }

        start.RegisterOperationAction(c => AnalyzeLoop(c, llm), OperationKind.Loop);
        start.RegisterOperationAction(c => AnalyzeCallback(c, llm), OperationKind.AnonymousFunction);
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var loop = (ILoopOperation)context.Operation;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        var stream = llm.Streams.TryGetStreamLoop(loop, options, context.CancellationToken, StreamShapes.Direct | StreamShapes.ParameterFed);
        if (stream?.HandRolled is not { IsSse: true, UsesSseParser: false } handRolled || handRolled.Reads.IsEmpty)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM204_HandRolledSseParsing,
            handRolled.Reads[0].Syntax.GetLocation(),
            additionalLocations: new[] { loop.Syntax.GetLocation() },
            Evidence(loop.OwnOperations())));
    }

    /// <summary>The hand-splitting the loop does, for the message: <c>line.StartsWith("data: ")</c>.</summary>
    private static string Evidence(IEnumerable<IOperation> nodes)
    {
        ILiteralOperation? first = null;
        foreach (var node in nodes)
        {
            if (node is ILiteralOperation { ConstantValue: { HasValue: true, Value: string text } } literal
                && text.StartsWith("data:", StringComparison.Ordinal)
                && (first is null || literal.Syntax.SpanStart < first.Syntax.SpanStart))
            {
                first = literal;
            }
        }

        if (first is null)
        {
            return "a 'data:' prefix";
        }

        var parent = first.Parent;
        while (parent is IConversionOperation or IArgumentOperation)
        {
            parent = parent.Parent;
        }

        return parent is IInvocationOperation or IBinaryOperation ? parent.Syntax.ToString() : first.Syntax.ToString();
    }
}
