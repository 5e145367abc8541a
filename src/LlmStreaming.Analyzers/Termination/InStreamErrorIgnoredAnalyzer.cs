using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM205: a hand-rolled model stream loop parses every event as an update without checking for an error payload
/// (<c>{"error": …}</c>, <c>event: error</c>), or an SDK stream loop ignores the error the SDK yields as an update
/// (<see cref="SdkFamily.InStreamErrors"/>): it never reads a failed item's flag or error (Betalgo's <c>Successful</c>
/// and <c>Error</c>: Betalgo yields HTTP and stream errors as items instead of throwing), or it dereferences the member
/// an error line leaves null with no null check (OllamaSharp yields Ollama's <c>{"error": …}</c> line as a chat update
/// with no <c>Message</c>: the loop throws <see cref="System.NullReferenceException"/> and the error's text is lost).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class InStreamErrorIgnoredAnalyzer : LlmAnalyzer
{
    /// <summary>
    /// Property handed to the fix: "HandRolled", or the <see cref="InStreamErrorShape"/> of the family's in-stream error,
    /// whose update type is in <see cref="UpdateTypeProperty"/>.
    /// </summary>
    internal const string ShapeProperty = "Shape";

    /// <summary>Property handed to the fix: the <see cref="InStreamError.UpdateType"/> of the family's in-stream error.</summary>
    internal const string UpdateTypeProperty = "UpdateType";

    internal const string ShapeHandRolled = "HandRolled";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM205_InStreamErrorIgnored);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        var signals = new FinishSignals(llm);
        var errors = llm.Resolve(SdkFamilies.All.SelectMany(f => f.InStreamErrors.Select(e => (e.UpdateType, new FamilyItem<InStreamError>(f.Id, e)))));
        start.RegisterOperationAction(c => AnalyzeLoop(c, llm, signals, errors), OperationKind.Loop);
        start.RegisterOperationAction(c => AnalyzeCallback(c, llm), OperationKind.AnonymousFunction);
    }

    private static void AnalyzeLoop(
        OperationAnalysisContext context,
        LlmAnalysisContext llm,
        FinishSignals signals,
        ImmutableArray<(INamedTypeSymbol Type, FamilyItem<InStreamError> Value)> errors)
    {
        var loop = (ILoopOperation)context.Operation;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        var stream = llm.Streams.TryGetStreamLoop(loop, options, context.CancellationToken, StreamShapes.Direct | StreamShapes.ParameterFed);
        if (stream is null)
        {
            return;
        }

        if (stream.HandRolled is not null)
        {
            AnalyzeHandRolled(context, stream);
        }
        else if (stream.Kind == LlmStreamKind.Sdk && stream.IterationVariable is not null && ErrorOf(stream.ElementType, llm, errors) is { } found)
        {
            if (found.Error.Shape == InStreamErrorShape.FailedItem)
            {
                AnalyzeFailedItem(context, stream, signals, found.Error);
            }
            else
            {
                AnalyzeMissingMember(context, stream, found.Type, found.Error);
            }
        }
    }

    /// <summary>The in-stream error the family of <paramref name="element"/> yields on updates of that type, with its type.</summary>
    private static (INamedTypeSymbol Type, InStreamError Error)? ErrorOf(
        ITypeSymbol? element,
        LlmAnalysisContext llm,
        ImmutableArray<(INamedTypeSymbol Type, FamilyItem<InStreamError> Value)> errors)
    {
        if (element is null)
        {
            return null;
        }

        foreach (var (type, (family, error)) in errors)
        {
            if (element.IsOrInheritsFrom(type) && llm.Streams.UpdateFamily(element) == family)
            {
                return (type, error);
            }
        }

        return null;
    }

    private static ImmutableDictionary<string, string?> Properties(InStreamError error)
        => ImmutableDictionary<string, string?>.Empty
            .Add(ShapeProperty, error.Shape.ToString())
            .Add(UpdateTypeProperty, error.UpdateType);

    private static void AnalyzeHandRolled(OperationAnalysisContext context, LlmStreamLoop stream)
    {
        var payloadLocals = TerminationFacts.PayloadLocals(stream);
        if (TerminationFacts.FirstPayloadParse(stream, payloadLocals) is not var (parse, payload))
        {
            return;
        }

        if (ChecksError(stream.Loop, v => TerminationFacts.ReadsAny(v, payloadLocals), context.CancellationToken))
        {
            return;
        }

        if (HandsOnAnErrorCarryingUpdate(stream.Loop, parse))
        {
            return; // the update type has an Error member and goes to the caller, who can read it (Betalgo's own reader)
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM205_InStreamErrorIgnored,
            parse.Syntax.GetLocation(),
            additionalLocations: new[] { payload.Value.Syntax.GetLocation(), stream.Loop.Syntax.GetLocation() },
            properties: ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, ShapeHandRolled),
            "Each event of " + stream.MessageName + " is parsed by '" + TerminationFacts.DisplayName(parse) + "'",
            "an error event inside the 200 stream passes as the end of the answer"));
    }

    /// <summary>
    /// A failed item (<see cref="InStreamErrorShape.FailedItem"/>, Betalgo): reported when the loop reads neither the
    /// item's flag nor its error member (any receiver) and hands the update to nothing that might.
    /// </summary>
    private static void AnalyzeFailedItem(OperationAnalysisContext context, LlmStreamLoop stream, FinishSignals signals, InStreamError error)
    {
        var members = error.ErrorMember is null ? ImmutableHashSet.Create(error.Member) : ImmutableHashSet.Create(error.Member, error.ErrorMember);
        foreach (var node in stream.Body.DescendantsAndSelf())
        {
            if (node is IPropertyReferenceOperation property && members.Contains(property.Property.Name))
            {
                return;
            }
        }

        if (signals.UpdateEscapes(stream, members, context.CancellationToken))
        {
            return;
        }

        Report(context, stream, error, "reads its items");
    }

    /// <summary>LLM205 at the loop's keyword: "The enumeration of <c>X</c> <paramref name="reads"/>", and the error's consequence.</summary>
    private static void Report(OperationAnalysisContext context, LlmStreamLoop stream, InStreamError error, string reads)
        => context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM205_InStreamErrorIgnored,
            TerminationFacts.LoopKeywordLocation(stream.Loop),
            additionalLocations: null,
            properties: Properties(error),
            "The enumeration of " + stream.MessageName + " " + reads,
            error.Consequence));

    /// <summary>
    /// An error line yielded as an update whose member is null (<see cref="InStreamErrorShape.MissingMember"/>, OllamaSharp:
    /// it reads each NDJSON line as a <c>ChatResponseStream</c>; Ollama's error line (<c>{"error": "…"}</c>, sent when the
    /// model runner fails mid-answer) has no <c>message</c>, so the update's <c>Message</c> is null). Reported when the
    /// loop dereferences the member of <paramref name="updateType"/> (<c>update.Message.Content</c>,
    /// <c>update?.Message.Content</c>) and tests it for null nowhere and looks for an error nowhere. A loop that never
    /// dereferences it passes the error line as an empty update; the missing <c>Done</c> then shows the cut (LLM203).
    /// </summary>
    private static void AnalyzeMissingMember(OperationAnalysisContext context, LlmStreamLoop stream, INamedTypeSymbol updateType, InStreamError error)
    {
        var dereferenced = false;
        foreach (var node in stream.Body.DescendantsAndSelf())
        {
            if (node is not IPropertyReferenceOperation message
                || message.Property.Name != error.Member
                || !SymbolEqualityComparer.Default.Equals(message.Property.ContainingType, updateType)
                || !IsUpdate(message.Instance, stream))
            {
                continue;
            }

            if (message.Parent is IPropertyReferenceOperation { Instance: var instance } && instance == message
                || message.Parent is IFieldReferenceOperation { Instance: var field } && field == message
                || message.Parent is IInvocationOperation { Instance: var receiver } && receiver == message)
            {
                dereferenced = true;
                continue;
            }

            IOperation tested = message;
            while (tested.Parent is IConditionalAccessOperation access && access.WhenNotNull == tested || tested.Parent is IConversionOperation or IParenthesizedOperation)
            {
                tested = tested.Parent;
            }

            switch (tested.Parent)
            {
                case IConditionalAccessOperation access when access.Operation == tested:
                case IIsPatternOperation:
                case ICoalesceOperation:
                case IBinaryOperation binary when binary.LeftOperand.WalkDownConversions().ConstantValue is { HasValue: true, Value: null }
                    || binary.RightOperand.WalkDownConversions().ConstantValue is { HasValue: true, Value: null }:
                    return; // tested for null
            }
        }

        if (!dereferenced || ChecksError(stream.Loop, static _ => false, context.CancellationToken))
        {
            return;
        }

        Report(context, stream, error, "reads each update's " + error.Member);
    }

    /// <summary>The loop's update: the iteration variable, read directly or through <c>?.</c>.</summary>
    private static bool IsUpdate(IOperation? instance, LlmStreamLoop stream)
        => instance?.WalkDownConversions() switch
        {
            ILocalReferenceOperation local => SymbolEqualityComparer.Default.Equals(local.Local, stream.IterationVariable),
            IConditionalAccessInstanceOperation => true,
            _ => false,
        };

    /// <summary>
    /// True when the region (a loop, or a callback's body) looks for an error anywhere (lambdas included): a literal
    /// mentioning "error" (<c>TryGetProperty("error", …)</c>, <c>EventType == "error"</c>), a member whose name mentions it
    /// (<c>chunk.Error</c>), a test of an error type, or a source helper given the payload whose code mentions it.
    /// </summary>
    private static bool ChecksError(IOperation region, Func<IOperation, bool> readsPayload, CancellationToken cancellationToken)
    {
        foreach (var node in region.DescendantsAndSelf())
        {
            switch (node)
            {
                case { ConstantValue: { HasValue: true, Value: string text } } when Mentions(text):
                case IPropertyReferenceOperation property when Mentions(property.Property.Name):
                case IFieldReferenceOperation field when Mentions(field.Field.Name):
                case IIsTypeOperation isType when Mentions(isType.TypeOperand.Name):
                case IPatternOperation pattern when Mentions(pattern.NarrowedType.Name):
                    return true;

                case IInvocationOperation invocation when TerminationFacts.IsInSource(invocation.TargetMethod):
                    foreach (var argument in invocation.Arguments)
                    {
                        if (readsPayload(argument.Value) || IsParseResult(argument.Value))
                        {
                            if (TerminationFacts.SourceBodyMentions(invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod, Mentions, cancellationToken))
                            {
                                return true;
                            }
                        }
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="parse"/> produces an update type with an error member (<c>Error</c>, <c>Errors</c>, also
    /// on a base type or the constraint of a type parameter) and the loop yields or returns the parsed update: an error
    /// event then parses into that member and reaches the caller, instead of parsing as an empty update.
    /// </summary>
    private static bool HandsOnAnErrorCarryingUpdate(IOperation loop, IInvocationOperation parse)
    {
        IOperation result = parse;
        while (result.Parent is IConversionOperation or IAwaitOperation or IParenthesizedOperation)
        {
            result = result.Parent;
        }

        if (!HasErrorMember(result.Type) && !(parse.TargetMethod.TypeArguments.Length == 1 && HasErrorMember(parse.TargetMethod.TypeArguments[0])))
        {
            return false;
        }

        var target = result.Parent switch
        {
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when assignment.Value == result => local.Local,
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            _ => null,
        };

        foreach (var node in loop.DescendantsAndSelf())
        {
            if (node is IReturnOperation { Kind: OperationKind.YieldReturn or OperationKind.Return, ReturnedValue: { } value }
                && (value.WalkDownConversions() == result || target is not null && value.References(target)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasErrorMember(ITypeSymbol? type)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (HasErrorMember(constraint))
                {
                    return true;
                }
            }

            return false;
        }

        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol or IFieldSymbol && !member.IsStatic && member.Name is "Error" or "Errors")
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A local whose value came from parsing (a chunk DTO, a JsonDocument): helpers often get the parsed update.</summary>
    private static bool IsParseResult(IOperation value) => value.WalkDownConversions() is ILocalReferenceOperation;

    private static bool Mentions(string text) => text.IndexOf("error", StringComparison.OrdinalIgnoreCase) >= 0;
}
