namespace LlmStreaming.Analyzers.PartialOutput;

/// <summary>
/// LLM302: <c>x = update.Text</c> inside a stream loop, where <c>x</c> outlives the loop: only the last token survives.
/// Object and anonymous-object initializers (<c>new { text = update.Text }</c>) build a new value each time: not flagged.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeltaOverwritesTextAnalyzer : LlmAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM302_DeltaOverwritesText);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
        => start.RegisterOperationAction(c => AnalyzeAssignment(c, llm), OperationKind.SimpleAssignment);

    private static void AnalyzeAssignment(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Value.Type?.SpecialType != SpecialType.System_String || assignment.Parent is IObjectOrCollectionInitializerOperation or IAnonymousObjectCreationOperation)
        {
            return;
        }

        var target = assignment.Target.WalkDownConversions();
        var targetSymbol = target.ReferencedSymbol();
        if (targetSymbol is null || assignment.Value.References(targetSymbol))
        {
            return; // x = x + delta appends
        }

        var options = llm.GetOptions(assignment.Syntax.SyntaxTree, context.Options);
        var loop = llm.Streams.FindEnclosingStreamLoop(assignment, options, context.CancellationToken, StreamShapes.All);
        if (loop is null || !TextDeltas.IsTextDelta(assignment.Value, loop, llm.Streams))
        {
            return;
        }

        if (!OutlivesLoop(target, targetSymbol, loop))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM302_DeltaOverwritesText,
            assignment.Syntax.GetLocation(),
            target.Syntax.ToString(),
            assignment.Value.Syntax.ToString(),
            loop.MessageName));
    }

    /// <summary>
    /// A field or property (of anything not derived from the update) keeps the last value after the loop; a local does
    /// when it is declared outside the loop and read after it.
    /// </summary>
    private static bool OutlivesLoop(IOperation target, ISymbol symbol, LlmStreamLoop loop)
    {
        switch (target)
        {
            case ILocalReferenceOperation local:
                return !Accumulators.IsDeclaredInside(local.Local, loop.Loop) && IsReadAfter(local.Local, loop.Loop);

            case IMemberReferenceOperation { Instance: var instance } and (IFieldReferenceOperation or IPropertyReferenceOperation):
                return instance is null || !StreamRecognizer.IsDerivedFromIteration(instance, loop)
                    && !(instance.WalkDownConversions() is ILocalReferenceOperation owner && Accumulators.IsDeclaredInside(owner.Local, loop.Body));

            default:
                return symbol is IParameterSymbol;
        }
    }

    private static bool IsReadAfter(ILocalSymbol local, ILoopOperation loop)
    {
        var root = (IOperation)loop;
        while (root.Parent is not null && !root.Parent.IsFunctionBoundary())
        {
            root = root.Parent;
        }

        var loopEnd = loop.Syntax.Span.End;
        foreach (var node in root.DescendantsWithinFunction())
        {
            if (node is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                && reference.Syntax.SpanStart >= loopEnd
                && !(reference.Parent is ISimpleAssignmentOperation write && write.Target == reference))
            {
                return true;
            }
        }

        return false;
    }
}
