namespace LlmStreaming.Analyzers.PartialOutput;

/// <summary>
/// LLM301: a catch around an LLM stream enumeration that accumulated text returns or assigns something not derived
/// from the accumulator, or throws a new exception that does not carry it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PartialOutputDiscardedAnalyzer : LlmAnalyzer
{
    /// <summary>Property names handed to the code fix.</summary>
    internal const string AccumulatorProperty = "Accumulator";
    internal const string AccumulatorKindProperty = "AccumulatorKind";
    internal const string DiscardKindProperty = "DiscardKind";
    internal const string DeclaredInTryProperty = "DeclaredInTry";

    internal const string DiscardReturn = "Return";
    internal const string DiscardAssign = "Assign";
    internal const string DiscardThrow = "Throw";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM301_PartialOutputDiscarded);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
        => start.RegisterOperationAction(c => AnalyzeTry(c, llm), OperationKind.Try);

    private static void AnalyzeTry(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var @try = (ITryOperation)context.Operation;
        if (@try.Catches.IsEmpty)
        {
            return;
        }

        var options = llm.GetOptions(@try.Syntax.SyntaxTree, context.Options);
        var loops = new List<LlmStreamLoop>();
        foreach (var node in @try.Body.DescendantsWithinFunction())
        {
            if (node is ILoopOperation loop && llm.Streams.TryGetStreamLoop(loop, options, context.CancellationToken, StreamShapes.All) is { } streamLoop)
            {
                loops.Add(streamLoop);
            }
        }

        if (loops.Count == 0)
        {
            return;
        }

        var accumulators = loops.SelectMany(l => Accumulators.Find(l, llm.Types)).GroupBy(a => a.Symbol, SymbolEqualityComparer.Default).Select(g => g.First()).OrderBy(a => a.Kind).ToList();
        if (accumulators.Count == 0)
        {
            return;
        }

        var results = ResultVariables(@try.Body, accumulators);

        foreach (var @catch in @try.Catches)
        {
            if (CatchesOnlyCancellation(@catch, llm.Types) || ContainsRethrow(@catch.Handler))
            {
                continue;
            }

            // A catch that reads any accumulator keeps the partial output (returns, stores, logs or attaches it).
            if (accumulators.Any(a => Accumulators.IsReadIn(@catch.Handler, a.Symbol)) || @catch.Filter is { } filter && accumulators.Any(a => filter.References(a.Symbol)))
            {
                continue;
            }

            if (FindDiscard(@catch, accumulators, results) is not { } discard)
            {
                continue;
            }

            var accumulator = accumulators[0];
            var declaredInTry = accumulator.Symbol is ILocalSymbol local && Accumulators.IsDeclaredInside(local, @try.Body);
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(AccumulatorProperty, accumulator.Name)
                .Add(AccumulatorKindProperty, accumulator.Kind.ToString())
                .Add(DiscardKindProperty, discard.Kind)
                .Add(DeclaredInTryProperty, declaredInTry ? "true" : "false");

            var location = @catch.Syntax is CatchClauseSyntax syntax ? syntax.CatchKeyword.GetLocation() : @catch.Syntax.GetLocation();
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.LLM301_PartialOutputDiscarded,
                location,
                additionalLocations: new[] { discard.Operation.Syntax.GetLocation() },
                properties: properties,
                accumulator.Name,
                loops[0].MessageName,
                discard.Description));
        }
    }

    /// <summary>Variables assigned in the try body from a value derived from an accumulator (<c>result = sb.ToString()</c>).</summary>
    private static ImmutableHashSet<ISymbol> ResultVariables(IOperation tryBody, List<Accumulator> accumulators)
    {
        var builder = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var node in tryBody.DescendantsWithinFunction())
        {
            if (node is ISimpleAssignmentOperation assignment
                && assignment.Target.WalkDownConversions().ReferencedSymbol() is { } target
                && !accumulators.Any(a => SymbolEqualityComparer.Default.Equals(a.Symbol, target))
                && accumulators.Any(a => assignment.Value.References(a.Symbol)))
            {
                builder.Add(target);
            }
        }

        return builder.ToImmutable();
    }

    private sealed class Discard
    {
        public Discard(string kind, IOperation operation, string description)
        {
            Kind = kind;
            Operation = operation;
            Description = description;
        }

        public string Kind { get; }

        public IOperation Operation { get; }

        public string Description { get; }
    }

    private static Discard? FindDiscard(ICatchClauseOperation @catch, List<Accumulator> accumulators, ImmutableHashSet<ISymbol> results)
    {
        foreach (var node in @catch.Handler.DescendantsWithinFunction())
        {
            switch (node)
            {
                case IReturnOperation { Kind: OperationKind.Return, ReturnedValue: { } value } @return:
                    return new Discard(DiscardReturn, @return, "returning " + Describe(value));

                case IThrowOperation { Exception: { } thrown } @throw when thrown.WalkDownConversions() is IObjectCreationOperation creation:
                    return new Discard(DiscardThrow, @throw, "throwing a new '" + creation.Type?.Name + "' without it");

                case ISimpleAssignmentOperation assignment when assignment.Target.WalkDownConversions().ReferencedSymbol() is { } target:
                    if (accumulators.Any(a => SymbolEqualityComparer.Default.Equals(a.Symbol, target)))
                    {
                        return new Discard(DiscardAssign, assignment, "overwriting it with " + Describe(assignment.Value));
                    }

                    if (results.Contains(target))
                    {
                        return new Discard(DiscardAssign, assignment, "assigning " + Describe(assignment.Value) + " to '" + target.Name + "'");
                    }

                    break;

                case IInvocationOperation { Instance: { } receiver, TargetMethod.Name: "Clear" } clear
                    when accumulators.Any(a => SymbolEqualityComparer.Default.Equals(a.Symbol, receiver.WalkDownConversions().ReferencedSymbol())):
                    return new Discard(DiscardAssign, clear, "clearing it");
            }
        }

        return null;
    }

    private static string Describe(IOperation value)
    {
        var unwrapped = value.WalkDownConversions();
        if (unwrapped is IDefaultValueOperation)
        {
            return "default";
        }

        if (unwrapped.ConstantValue is { HasValue: true } constant)
        {
            return constant.Value switch
            {
                null => "null",
                string s => "\"" + (s.Length > 24 ? s.Substring(0, 24) + "…" : s) + "\"",
                _ => "a constant",
            };
        }

        return "a value not derived from it";
    }

    private static bool ContainsRethrow(IOperation handler)
        => handler.DescendantsWithinFunction().Any(o => o is IThrowOperation { Exception: null });

    private static bool CatchesOnlyCancellation(ICatchClauseOperation @catch, KnownTypes types)
        => @catch.ExceptionType is INamedTypeSymbol caught
            && types.OperationCanceledException is not null
            && caught.IsOrInheritsFrom(types.OperationCanceledException);
}
