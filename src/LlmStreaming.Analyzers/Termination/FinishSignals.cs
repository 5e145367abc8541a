using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Termination;

/// <summary>Which terminal signal an SDK stream's updates carry (and so what LLM203 looks for and its fix writes).</summary>
internal enum FinishSignalKind
{
    None = 0,

    /// <summary>OpenAI <c>StreamingChatCompletionUpdate.FinishReason</c> (<c>ChatFinishReason?</c>).</summary>
    OpenAIChat,

    /// <summary>OpenAI Responses: the <c>StreamingResponseCompletedUpdate</c>/<c>StreamingResponseIncompleteUpdate</c> event.</summary>
    OpenAIResponses,

    /// <summary>Microsoft.Extensions.AI <c>ChatResponseUpdate.FinishReason</c>.</summary>
    ExtensionsAI,

    /// <summary>Semantic Kernel: <c>Metadata["FinishReason"]</c> (<c>OpenAIStreamingChatMessageContent.FinishReason</c>).</summary>
    SemanticKernel,

    /// <summary>Anthropic: the <c>message_delta</c> event's <c>Delta.StopReason</c>, or the <c>message_stop</c> event.</summary>
    Anthropic,

    /// <summary>OllamaSharp: <c>Done</c> (and <c>DoneReason</c> on the final <c>…DoneResponseStream</c>).</summary>
    Ollama,

    /// <summary>Betalgo.Ranul.OpenAI: <c>Choices[i].FinishReason</c>.</summary>
    Betalgo,

    /// <summary>Microsoft Agent Framework <c>AgentResponseUpdate.FinishReason</c> (Microsoft.Extensions.AI's <c>ChatFinishReason?</c>).</summary>
    AgentFramework,

    /// <summary>Azure AI Inference <c>StreamingChatCompletionsUpdate.FinishReason</c> (<c>CompletionsFinishReason?</c>).</summary>
    AzureAIInference,
}

/// <summary>
/// What "observing the end of the stream" means for each SDK update type, from the families' finish signals
/// (<see cref="SdkFamily.FinishSignals"/>), with their types resolved once per compilation.
/// </summary>
internal sealed class FinishSignals
{
    private readonly ImmutableArray<Signal> _signals;

    /// <summary>One family's finish signal with its types resolved in this compilation.</summary>
    private sealed class Signal
    {
        public Signal(FinishSignalSpec spec, LlmAnalysisContext context)
        {
            Spec = spec;
            UpdateTypes = context.Resolve(spec.UpdateTypes);
            TerminalTypes = context.Resolve(spec.TerminalTypes);
            Members = spec.Members.ToImmutableHashSet();
            UpdateMembers = spec.UpdateMembers.ToImmutableHashSet();
            UpdateMethods = spec.UpdateMethods.ToImmutableHashSet();
        }

        public FinishSignalSpec Spec { get; }
        public ImmutableArray<INamedTypeSymbol> UpdateTypes { get; }
        public ImmutableArray<INamedTypeSymbol> TerminalTypes { get; }
        public ImmutableHashSet<string> Members { get; }
        public ImmutableHashSet<string> UpdateMembers { get; }
        public ImmutableHashSet<string> UpdateMethods { get; }

        public bool IsUpdate(ITypeSymbol? type) => type is not null && UpdateTypes.Any(type.IsOrInheritsFrom);
    }

    public FinishSignals(LlmAnalysisContext context)
        => _signals = SdkFamilies.All
            .SelectMany(f => f.FinishSignals)
            .Select(spec => new Signal(spec, context))
            .Where(signal => !signal.UpdateTypes.IsEmpty)
            .ToImmutableArray();

    private Signal? SignalOf(FinishSignalKind kind)
    {
        foreach (var signal in _signals)
        {
            if (signal.Spec.Kind == kind)
            {
                return signal;
            }
        }

        return null;
    }

    /// <summary>The signal the updates of type <paramref name="element"/> carry; None for updates with no finish signal (text chunks, Assistants events).</summary>
    public FinishSignalKind Classify(ITypeSymbol? element)
    {
        foreach (var signal in _signals)
        {
            if (signal.IsUpdate(element))
            {
                return signal.Spec.Kind;
            }
        }

        return FinishSignalKind.None;
    }

    /// <summary>What to read, for the message.</summary>
    public static string Describe(FinishSignalKind kind)
        => SdkFamilies.FinishSignal(kind)?.Description ?? "the finish reason";

    /// <summary>
    /// True when <paramref name="region"/> (lambdas and local functions included) reads the end signal of <paramref name="kind"/>:
    /// a finish/stop/done member, a test of a terminal update type, a call that picks the stop event, a terminal literal.
    /// </summary>
    public bool Observes(IOperation region, FinishSignalKind kind)
    {
        if (SignalOf(kind) is not { } signal)
        {
            return false;
        }

        var literals = signal.Spec.Literals;
        foreach (var node in region.DescendantsAndSelf())
        {
            switch (node)
            {
                case IPropertyReferenceOperation property when signal.Members.Contains(property.Property.Name):
                case IFieldReferenceOperation field when signal.Members.Contains(field.Field.Name):
                    return true;

                // A member of the update that only the final update carries (an Ollama image model's picture).
                case IPropertyReferenceOperation property when signal.UpdateMembers.Contains(property.Property.Name) && signal.IsUpdate(property.Property.ContainingType):
                    return true;

                // A method of the update that picks or switches over the stop event (Anthropic's union).
                case IInvocationOperation invocation when signal.UpdateMethods.Contains(invocation.TargetMethod.Name) && signal.IsUpdate(invocation.TargetMethod.ContainingType):
                    return true;

                case IIsTypeOperation isType when IsTerminalType(isType.TypeOperand, signal.TerminalTypes):
                case IPatternOperation pattern when IsTerminalType(pattern.NarrowedType, signal.TerminalTypes):
                case IConversionOperation { IsImplicit: false } conversion when IsTerminalType(conversion.Type, signal.TerminalTypes):
                    return true;
            }

            if (!literals.IsEmpty && node.ConstantValue is { HasValue: true, Value: string text } && literals.Contains(text))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsTerminalType(ITypeSymbol? type, ImmutableArray<INamedTypeSymbol> terminalTypes)
        => type is not null && terminalTypes.Any(t => type.IsOrInheritsFrom(t));

    /// <summary>The names a helper's source is searched for (identifiers and literals) to decide that it observes the end.</summary>
    public ImmutableHashSet<string> HelperTokens(FinishSignalKind kind)
        => SignalOf(kind) is { } signal
            ? signal.Members
                .Union(signal.UpdateMethods)
                .Union(signal.Spec.Literals)
                .Union(signal.TerminalTypes.Select(t => t.Name))
            : ImmutableHashSet<string>.Empty;

    /// <summary>
    /// True when an update of <paramref name="loop"/> (the iteration variable, or an SDK value taken from it) leaves the
    /// loop's sight: yielded, returned, stored outside the loop, added to a collection, handed to a method that may read
    /// it — or to a source helper that mentions one of <paramref name="helperTokens"/>. Formatting it (<c>Console.Write(update)</c>,
    /// string interpolation) is not an escape.
    /// </summary>
    public bool UpdateEscapes(LlmStreamLoop loop, ImmutableHashSet<string> helperTokens, CancellationToken cancellationToken)
    {
        var updates = UpdateLocals(loop);
        if (updates.Count == 0)
        {
            return false;
        }

        foreach (var node in loop.Body.Descendants())
        {
            if (node is not ILocalReferenceOperation reference || !updates.Contains(reference.Local))
            {
                continue;
            }

            IOperation current = reference;
            while (current.Parent is IConversionOperation or IParenthesizedOperation)
            {
                current = current.Parent;
            }

            switch (current.Parent)
            {
                case IArgumentOperation argument:
                    if (ArgumentEscapes(argument, helperTokens, cancellationToken))
                    {
                        return true;
                    }

                    break;

                case IReturnOperation:
                case IArrayInitializerOperation:
                case ITupleOperation:
                case IAnonymousObjectCreationOperation:
                    return true;

                case ISimpleAssignmentOperation assignment when assignment.Value == current:
                    if (!(assignment.Target.WalkDownConversions() is ILocalReferenceOperation target && Accumulators.IsDeclaredInside(target.Local, loop.Loop)))
                    {
                        return true;
                    }

                    break;

                case ICoalesceAssignmentOperation coalesce when coalesce.Value == current:
                    return true;
            }
        }

        return false;
    }

    /// <summary>The iteration variable and the locals derived from it that hold SDK values (not strings, numbers, framework types).</summary>
    private static HashSet<ILocalSymbol> UpdateLocals(LlmStreamLoop loop)
    {
        var set = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var local in StreamRecognizer.DerivedLocals(loop))
        {
            if (SymbolEqualityComparer.Default.Equals(local, loop.IterationVariable) || IsSdkValue(local.Type))
            {
                set.Add(local);
            }
        }

        return set;
    }

    private static bool IsSdkValue(ITypeSymbol type)
        => type.SpecialType == SpecialType.None
            && type.TypeKind is TypeKind.Class or TypeKind.Interface or TypeKind.Struct
            && !type.IsInNamespace("System");

    private static bool ArgumentEscapes(IArgumentOperation argument, ImmutableHashSet<string> helperTokens, CancellationToken cancellationToken)
    {
        var method = argument.Parent switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IObjectCreationOperation creation => creation.Constructor,
            _ => null,
        };

        if (method is null || argument.Parameter is not { } parameter)
        {
            return true;
        }

        if (TerminationFacts.IsInSource(method))
        {
            // A helper that receives the update: it observes the end when its source mentions the signal, or hands the update on.
            var original = (method.ReducedFrom ?? method).OriginalDefinition;
            return TerminationFacts.SourceBodyMentions(original, helperTokens.Contains, cancellationToken)
                || original.Parameters.Length > parameter.Ordinal && TerminationFacts.SourceParameterEscapes(original.Parameters[parameter.Ordinal], cancellationToken);
        }

        // A framework or library method: formatting parameters (object, string, object[]) only print the update.
        var declared = parameter.OriginalDefinition.Type;
        if (declared.SpecialType is SpecialType.System_Object or SpecialType.System_String)
        {
            return false;
        }

        if (declared is IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Object })
        {
            return false;
        }

        return true;
    }
}
