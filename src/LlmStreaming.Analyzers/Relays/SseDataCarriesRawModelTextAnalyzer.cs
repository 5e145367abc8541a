namespace LlmStreaming.Analyzers.Relays;

/// <summary>
/// LLM503: a relay writes <c>data:</c> followed by a raw model delta to its response, by concatenation, interpolation,
/// <c>string.Concat</c> or <c>string.Format</c>; a delta is also the item of a service method's stream that yields the
/// deltas raw (<see cref="ServiceStream.YieldsRawText"/>). The diagnostic is on the delta.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SseDataCarriesRawModelTextAnalyzer : LlmAnalyzer
{
    private const string DataField = "data:";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM503_SseDataCarriesRawModelText);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Relays is { } relays)
        {
            start.RegisterOperationAction(c => AnalyzeLoop(c, llm, relays), OperationKind.Loop);
        }
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, RelayRecognizer relays)
    {
        var loop = (ILoopOperation)context.Operation;
        var cancellationToken = context.CancellationToken;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        if (llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, RelayLoops.Shapes) is not { } streamLoop
            || relays.TryGetRelay(streamLoop, cancellationToken) is null
            || streamLoop.Source?.Wrapper is { } wrapper && relays.Services.Of(wrapper, options, loop.SemanticModel)?.YieldsRawText != true)
        {
            return; // a service method's stream counts when it yields the deltas as the SDK gave them (not JSON of its own)
        }

        foreach (var node in streamLoop.Body.DescendantsAndSelf())
        {
            if (node is not IInvocationOperation write || !relays.IsResponseWrite(write))
            {
                continue;
            }

            foreach (var argument in write.Arguments)
            {
                foreach (var delta in RawDeltasAfterDataField(Payload(argument.Value, relays), streamLoop, llm, cancellationToken))
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.LLM503_SseDataCarriesRawModelText, delta.Syntax.GetLocation(), "'" + delta.Syntax + "'"));
                }
            }
        }
    }

    /// <summary>The text a write argument carries: the string itself, or the string of <c>Encoding.UTF8.GetBytes(text)</c>.</summary>
    private static IOperation Payload(IOperation argument, RelayRecognizer relays)
    {
        var value = argument.WalkDownConversions();
        while (value is IInvocationOperation { TargetMethod.Name: "GetBytes" } getBytes
            && getBytes.TargetMethod.ContainingType.IsOrInheritsFrom(relays.Encoding) && getBytes.Arguments.Length > 0)
        {
            value = getBytes.Arguments[0].Value.WalkDownConversions();
        }

        return value;
    }

    /// <summary>
    /// The raw model deltas that follow a <c>data:</c> in the parts of a string built by interpolation, <c>+</c>,
    /// <c>string.Concat</c> or <c>string.Format</c> (whose format, first, names the field for every argument).
    /// </summary>
    private static IEnumerable<IOperation> RawDeltasAfterDataField(IOperation text, LlmStreamLoop streamLoop, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        var parts = new List<IOperation>();
        Flatten(text, parts, depth: 0);
        var afterField = false;
        foreach (var part in parts)
        {
            if (part.ConstantValue is { HasValue: true, Value: string constant })
            {
                afterField |= constant.Contains(DataField);
            }
            else if (afterField && IsRawDelta(part, streamLoop, llm, cancellationToken))
            {
                yield return part;
            }
        }
    }

    /// <summary>The parts of a string in writing order: interpolation holes and text, operands of <c>+</c>, arguments of <c>string.Concat</c>/<c>string.Format</c>.</summary>
    private static void Flatten(IOperation text, List<IOperation> parts, int depth)
    {
        var value = text.WalkDownConversions();
        if (depth > 32)
        {
            parts.Add(value);
            return;
        }

        switch (value)
        {
            case IInterpolatedStringOperation interpolated:
                foreach (var part in interpolated.Parts)
                {
                    switch (part)
                    {
                        case IInterpolatedStringTextOperation textPart:
                            parts.Add(textPart.Text);
                            break;
                        case IInterpolationOperation hole:
                            parts.Add(hole.Expression);
                            break;
                    }
                }

                break;

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add when add.Type?.SpecialType == SpecialType.System_String:
                Flatten(add.LeftOperand, parts, depth + 1);
                Flatten(add.RightOperand, parts, depth + 1);
                break;

            case IInvocationOperation { TargetMethod: { Name: "Concat" or "Format", ContainingType.SpecialType: SpecialType.System_String } } call:
                foreach (var argument in call.Arguments)
                {
                    if (argument.Value.WalkDownConversions() is IArrayCreationOperation { Initializer: { } array } && argument.ArgumentKind == ArgumentKind.ParamArray)
                    {
                        foreach (var element in array.ElementValues)
                        {
                            Flatten(element, parts, depth + 1);
                        }
                    }
                    else
                    {
                        Flatten(argument.Value, parts, depth + 1);
                    }
                }

                break;

            default:
                parts.Add(value);
                break;
        }
    }

    /// <summary>A text delta of the loop's update, as it is or through a local initialised with one (<c>var text = update.Text;</c>).</summary>
    private static bool IsRawDelta(IOperation part, LlmStreamLoop streamLoop, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        var value = part.WalkDownConversions();
        if (TextDeltas.IsTextDelta(value, streamLoop, llm.Streams))
        {
            return true;
        }

        return value is ILocalReferenceOperation local
            && !SymbolEqualityComparer.Default.Equals(local.Local, streamLoop.IterationVariable)
            && StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken) is { } initializer
            && TextDeltas.IsTextDelta(initializer.WalkDownConversions(), streamLoop, llm.Streams);
    }
}
