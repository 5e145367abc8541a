namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM203: an SDK model stream is enumerated (or aggregated with <c>ToChatResponseAsync</c>) without ever reading its
/// finish/stop reason. Every SDK ends a stream that lost its terminal event normally, so a cut-off answer, or one stopped
/// by the token limit or the content filter, looks complete. A hand-rolled loop that parses each event as JSON and
/// never reads its protocol's finish reason is reported too (<see cref="HandRolledFinish"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FinishReasonNotObservedAnalyzer : LlmAnalyzer
{
    /// <summary>Property handed to the fix: the <see cref="FinishSignalKind"/> of the stream.</summary>
    internal const string KindProperty = "Kind";

    /// <summary>Property handed to the fix: "Loop" or "Aggregation".</summary>
    internal const string ShapeProperty = "Shape";

    /// <summary>Property handed to the fix for a hand-rolled loop: the <see cref="HandRolledProtocol"/> it speaks.</summary>
    internal const string ProtocolProperty = "Protocol";

    internal const string ShapeLoop = "Loop";
    internal const string ShapeAggregation = "Aggregation";
    internal const string ShapeHandRolled = "HandRolled";

    private static readonly ImmutableArray<string> AggregatorWords = SdkCatalog.AggregatorsThatAcceptACutStream.ToImmutableArray();

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM203_FinishReasonNotObserved);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        // Hand-rolled loops need no SDK: their loops are analysed in every compilation the recognition looks at.
        var signals = llm.HasSdk ? new FinishSignals(llm) : null;
        start.RegisterOperationAction(c => AnalyzeLoop(c, llm, signals), OperationKind.Loop);
        if (llm.HasSdk)
        {
            WordGatedActions.Register(start, AggregatorWords, c => AnalyzeAggregation(c, llm), OperationKind.Invocation);
        }
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, FinishSignals? signals)
    {
        var options = llm.GetOptions(context.Operation.Syntax.SyntaxTree, context.Options);
        var stream = llm.Streams.TryGetStreamLoop((ILoopOperation)context.Operation, options, context.CancellationToken);
        if (stream?.HandRolled is not null)
        {
            AnalyzeHandRolled(context, stream);
            return;
        }

        if (signals is null || context.Operation is not IForEachLoopOperation loop || stream is not { Kind: LlmStreamKind.Sdk } || stream.IterationVariable is null)
        {
            return;
        }

        var kind = signals.Classify(stream.ElementType);
        if (kind == FinishSignalKind.None)
        {
            return; // text-only streams (Ollama Chat.SendAsync, InvokeStreamingAsync<string>), Assistants events
        }

        if (AlwaysLeavesEarly(loop))
        {
            return; // 'take the first update and stop': the end of the stream is deliberately not awaited
        }

        if (IsEndCheckingCollector(stream.Source?.Call))
        {
            return; // Anthropic's CollectAsync(aggregator) throws when the stream ends without message_stop, like Aggregate()
        }

        if (signals.Observes(loop.Body, kind) || signals.UpdateEscapes(stream, signals.HelperTokens(kind), context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM203_FinishReasonNotObserved,
            TerminationFacts.LoopKeywordLocation(loop),
            additionalLocations: null,
            properties: ImmutableDictionary<string, string?>.Empty
                .Add(KindProperty, kind.ToString())
                .Add(ShapeProperty, ShapeLoop),
            stream.MessageName,
            FinishSignals.Describe(kind)));
    }

    /// <summary>
    /// A hand-rolled loop that parses each event as JSON and never reads the protocol's finish reason
    /// (<c>choices[0].finish_reason</c>, Ollama's <c>done_reason</c>, Anthropic's <c>stop_reason</c>): a length or
    /// content-filter stop ends the stream like a complete answer. Loops that parse no JSON, loops of an unknown (or
    /// another) protocol, loops that read the reason (in the loop, after it, or through a helper), and loops that hand
    /// the parsed chunks on are not reported. Reading only the end (<c>[DONE]</c>, <c>done</c>, <c>message_stop</c>) is
    /// LLM202's business and does not count: it cannot tell a length stop from a natural one.
    /// </summary>
    private static void AnalyzeHandRolled(OperationAnalysisContext context, LlmStreamLoop stream)
    {
        if (stream.HandRolled is not { JsonParses.IsEmpty: false }
            || HandRolledFinish.ChunkParse(stream, TerminationFacts.PayloadLocals(stream)) is not { } parse)
        {
            return; // a text protocol, or a parse of something other than the event
        }

        var protocol = HandRolledFinish.Protocol(stream, context.CancellationToken);
        if (protocol == HandRolledProtocol.Unknown
            || HandRolledFinish.ReadsReason(stream, context.CancellationToken)
            || HandRolledFinish.HandsChunksOn(stream, context.CancellationToken))
        {
            return;
        }

        var name = stream.MessageName;
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM203_FinishReasonNotObserved,
            TerminationFacts.LoopKeywordLocation(stream.Loop),
            additionalLocations: new[] { parse.Syntax.GetLocation(), stream.Loop.Syntax.GetLocation() },
            properties: ImmutableDictionary<string, string?>.Empty
                .Add(ShapeProperty, ShapeHandRolled)
                .Add(ProtocolProperty, protocol.ToString()),
            char.ToUpperInvariant(name[0]) + name.Substring(1),
            HandRolledFinish.Describe(protocol)));
    }

    /// <summary>
    /// Anthropic's <c>stream.CollectAsync(aggregator)</c> / <c>aggregator.CollectAsync(stream)</c>: it hands the events on
    /// while feeding the aggregator, and throws when the stream ends without its stop event (the same check as
    /// <c>Aggregate()</c>, which this rule does not report either).
    /// </summary>
    private static bool IsEndCheckingCollector(IInvocationOperation? call)
    {
        if (call is not { TargetMethod.Name: "CollectAsync" })
        {
            return false;
        }

        var containing = (call.TargetMethod.ReducedFrom ?? call.TargetMethod).ContainingType.OriginalDefinition;
        return containing.Name is "SseAggregatorExtensions" or "SseAggregator" && containing.IsInNamespace("Anthropic");
    }

    /// <summary>True when the loop body itself (not a nested branch) ends with <c>break</c>, <c>return</c> or <c>throw</c>.</summary>
    private static bool AlwaysLeavesEarly(IForEachLoopOperation loop)
        => loop.Body is IBlockOperation { Operations: { Length: > 0 } operations }
            && operations[operations.Length - 1] is IBranchOperation { BranchKind: BranchKind.Break } or IReturnOperation { Kind: OperationKind.Return or OperationKind.YieldBreak } or IThrowOperation or IExpressionStatementOperation { Operation: IThrowOperation };

    /// <summary>
    /// <c>ToChatResponseAsync</c> coalesces the updates' finish reasons into <c>ChatResponse.FinishReason</c> and never
    /// throws on a missing one: the result's finish reason must be read (or the result handed to the caller). Anthropic's
    /// <c>Aggregate</c> and Ollama's <c>StreamToEndAsync</c> throw on a stream without its end and are not reported.
    /// </summary>
    private static void AnalyzeAggregation(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!SdkCatalog.AggregatorsThatAcceptACutStream.Contains(invocation.TargetMethod.Name))
        {
            return;
        }

        var options = llm.GetOptions(invocation.Syntax.SyntaxTree, context.Options);
        if (llm.Streams.TryGetAggregation(invocation, options, context.CancellationToken) is null)
        {
            return;
        }

        var resultType = (invocation.Type as INamedTypeSymbol)?.TypeArguments.FirstOrDefault() ?? invocation.Type;
        if (resultType is null || !resultType.GetMembers("FinishReason").Any())
        {
            return;
        }

        if (IsResultObserved(invocation, context))
        {
            return;
        }

        var location = invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member }
            ? member.Name.GetLocation()
            : invocation.Syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM203_FinishReasonNotObserved,
            location,
            additionalLocations: null,
            properties: ImmutableDictionary<string, string?>.Empty
                .Add(KindProperty, FinishSignalKind.ExtensionsAI.ToString())
                .Add(ShapeProperty, ShapeAggregation),
            "'" + invocation.TargetMethod.Name + "'",
            "the response's FinishReason"));
    }

    /// <summary>True when the aggregated response's FinishReason is read, or the response is handed on (returned, stored, passed).</summary>
    private static bool IsResultObserved(IInvocationOperation invocation, OperationAnalysisContext context)
    {
        IOperation current = invocation;
        while (current.Parent is IAwaitOperation or IConversionOperation or IParenthesizedOperation)
        {
            current = current.Parent;
        }

        switch (current.Parent)
        {
            case IPropertyReferenceOperation property:
                return property.Property.Name == "FinishReason";

            case IInvocationOperation { Instance: { } instance } when instance == current:
                return false; // (await …).ToString()

            case IExpressionStatementOperation:
                return false; // the response is dropped

            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return IsLocalObserved(declarator.Symbol, invocation, context);

            case ISimpleAssignmentOperation assignment when assignment.Value == current:
                return assignment.Target.WalkDownConversions() is not ILocalReferenceOperation local
                    || IsLocalObserved(local.Local, invocation, context);

            default:
                return true; // returned, passed to a method, stored: the caller can read it
        }
    }

    private static bool IsLocalObserved(ILocalSymbol local, IOperation near, OperationAnalysisContext context)
    {
        var root = near;
        while (root.Parent is not null && !root.Parent.IsFunctionBoundary())
        {
            root = root.Parent;
        }

        foreach (var node in root.Descendants())
        {
            if (node is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            context.CancellationToken.ThrowIfCancellationRequested();
            IOperation current = reference;
            while (current.Parent is IConversionOperation or IParenthesizedOperation)
            {
                current = current.Parent;
            }

            switch (current.Parent)
            {
                case IPropertyReferenceOperation property when property.Instance == current:
                    if (property.Property.Name == "FinishReason")
                    {
                        return true;
                    }

                    break;

                case IInvocationOperation { Instance: { } instance } when instance == current:
                case IInterpolationOperation:
                case ISimpleAssignmentOperation assignment when assignment.Target == current:
                    break;

                case IArgumentOperation { Parameter.Type.SpecialType: SpecialType.System_Object or SpecialType.System_String }:
                    break;

                default:
                    return true; // returned, passed on, stored
            }
        }

        return false;
    }
}
