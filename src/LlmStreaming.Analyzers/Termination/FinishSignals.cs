using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

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
}

/// <summary>
/// The SDK types the termination rules look at, resolved once per compilation (any may be null), and the per-SDK
/// knowledge of what "observing the end of the stream" means.
/// </summary>
internal sealed class FinishSignals
{
    private readonly StreamRecognizer _streams;

    public FinishSignals(Compilation compilation, StreamRecognizer streams)
    {
        _streams = streams;
        INamedTypeSymbol? T(string name) => compilation.GetTypeByMetadataName(name);

        OpenAIChatUpdate = T("OpenAI.Chat.StreamingChatCompletionUpdate");
        ResponsesUpdate = T("OpenAI.Responses.StreamingResponseUpdate");
        ResponsesUpdateKind = T("OpenAI.Responses.StreamingResponseUpdateKind");
        ResponsesTerminalUpdates = Resolve(compilation,
            "OpenAI.Responses.StreamingResponseCompletedUpdate",
            "OpenAI.Responses.StreamingResponseIncompleteUpdate",
            "OpenAI.Responses.StreamingResponseFailedUpdate");
        ExtensionsAIUpdates = Resolve(compilation, "Microsoft.Extensions.AI.ChatResponseUpdate", "Microsoft.Extensions.AI.StreamingChatCompletionUpdate");
        SemanticKernelContent = T("Microsoft.SemanticKernel.StreamingKernelContent");
        AnthropicEvents = Resolve(compilation, "Anthropic.Models.Messages.RawMessageStreamEvent", "Anthropic.Models.Beta.Messages.BetaRawMessageStreamEvent");
        AnthropicStopEvents = Resolve(compilation, "Anthropic.Models.Messages.RawMessageStopEvent", "Anthropic.Models.Beta.Messages.BetaRawMessageStopEvent");
        OllamaUpdates = Resolve(compilation, "OllamaSharp.Models.Chat.ChatResponseStream", "OllamaSharp.Models.GenerateResponseStream");
        OllamaDoneUpdates = Resolve(compilation, "OllamaSharp.Models.Chat.ChatDoneResponseStream", "OllamaSharp.Models.GenerateDoneResponseStream");
        BetalgoUpdates = Resolve(compilation,
            "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.ChatCompletionCreateResponse",
            "Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.CompletionCreateResponse");
        BetalgoBaseResponse = T("Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.BaseResponse");
    }

    public INamedTypeSymbol? OpenAIChatUpdate { get; }
    public INamedTypeSymbol? ResponsesUpdate { get; }
    public INamedTypeSymbol? ResponsesUpdateKind { get; }
    public ImmutableArray<INamedTypeSymbol> ResponsesTerminalUpdates { get; }
    public ImmutableArray<INamedTypeSymbol> ExtensionsAIUpdates { get; }
    public INamedTypeSymbol? SemanticKernelContent { get; }
    public ImmutableArray<INamedTypeSymbol> AnthropicEvents { get; }
    public ImmutableArray<INamedTypeSymbol> AnthropicStopEvents { get; }
    public ImmutableArray<INamedTypeSymbol> OllamaUpdates { get; }
    public ImmutableArray<INamedTypeSymbol> OllamaDoneUpdates { get; }
    public ImmutableArray<INamedTypeSymbol> BetalgoUpdates { get; }
    public INamedTypeSymbol? BetalgoBaseResponse { get; }

    private static ImmutableArray<INamedTypeSymbol> Resolve(Compilation compilation, params string[] names)
        => names.Select(compilation.GetTypeByMetadataName).Where(t => t is not null).Select(t => t!).ToImmutableArray();

    /// <summary>The signal the updates of type <paramref name="element"/> carry; None for updates with no finish signal (text chunks, Assistants events).</summary>
    public FinishSignalKind Classify(ITypeSymbol? element)
    {
        if (element is null)
        {
            return FinishSignalKind.None;
        }

        if (element.IsOrInheritsFrom(OpenAIChatUpdate))
        {
            return FinishSignalKind.OpenAIChat;
        }

        if (element.IsOrInheritsFrom(ResponsesUpdate))
        {
            return FinishSignalKind.OpenAIResponses;
        }

        if (ExtensionsAIUpdates.Any(element.IsOrInheritsFrom))
        {
            return FinishSignalKind.ExtensionsAI;
        }

        if (element.IsOrInheritsFrom(SemanticKernelContent))
        {
            return FinishSignalKind.SemanticKernel;
        }

        if (AnthropicEvents.Any(element.IsOrInheritsFrom))
        {
            return FinishSignalKind.Anthropic;
        }

        if (OllamaUpdates.Any(element.IsOrInheritsFrom))
        {
            return FinishSignalKind.Ollama;
        }

        if (BetalgoUpdates.Any(element.IsOrInheritsFrom))
        {
            return FinishSignalKind.Betalgo;
        }

        return FinishSignalKind.None;
    }

    /// <summary>What to read, for the message.</summary>
    public static string Describe(FinishSignalKind kind)
        => kind switch
        {
            FinishSignalKind.OpenAIChat => "the update's FinishReason",
            FinishSignalKind.ExtensionsAI => "the update's FinishReason",
            FinishSignalKind.OpenAIResponses => "the terminal event (StreamingResponseCompletedUpdate/IncompleteUpdate)",
            FinishSignalKind.SemanticKernel => "the finish reason (Metadata[\"FinishReason\"])",
            FinishSignalKind.Anthropic => "the stop reason (message_delta's StopReason, message_stop)",
            FinishSignalKind.Ollama => "Done and DoneReason",
            FinishSignalKind.Betalgo => "Choices[i].FinishReason",
            _ => "the finish reason",
        };

    /// <summary>Members whose read counts as observing the end (any receiver).</summary>
    private static ImmutableHashSet<string> MemberNames(FinishSignalKind kind)
        => kind switch
        {
            FinishSignalKind.SemanticKernel => ImmutableHashSet.Create("FinishReason", "StopReason", "Metadata"),
            FinishSignalKind.Ollama => ImmutableHashSet.Create("FinishReason", "StopReason", "Done", "DoneReason"),
            FinishSignalKind.Betalgo => ImmutableHashSet.Create("FinishReason", "StopReason", "FinishDetails"),
            FinishSignalKind.OpenAIResponses => ImmutableHashSet.Create("FinishReason", "StopReason", "IncompleteStatusDetails", "ResponseCompleted", "ResponseIncomplete", "ResponseFailed"),
            _ => ImmutableHashSet.Create("FinishReason", "StopReason"),
        };

    /// <summary>Methods of the update whose call counts as observing the end (Anthropic's union: picking or switching over the stop event).</summary>
    private static ImmutableHashSet<string> MethodNames(FinishSignalKind kind)
        => kind == FinishSignalKind.Anthropic ? ImmutableHashSet.Create("TryPickStop", "Switch", "Match") : ImmutableHashSet<string>.Empty;

    /// <summary>Literals that name the terminal event.</summary>
    private static ImmutableArray<string> Literals(FinishSignalKind kind)
        => kind switch
        {
            FinishSignalKind.Anthropic => ImmutableArray.Create("message_stop"),
            FinishSignalKind.OpenAIResponses => ImmutableArray.Create("response.completed", "response.incomplete"),
            _ => ImmutableArray<string>.Empty,
        };

    /// <summary>Types whose test (<c>is</c>, <c>as</c>, a cast, a pattern, a <c>case</c>) counts as observing the end.</summary>
    private ImmutableArray<INamedTypeSymbol> TerminalTypes(FinishSignalKind kind)
        => kind switch
        {
            FinishSignalKind.OpenAIResponses => ResponsesTerminalUpdates,
            FinishSignalKind.Anthropic => AnthropicStopEvents,
            FinishSignalKind.Ollama => OllamaDoneUpdates,
            _ => ImmutableArray<INamedTypeSymbol>.Empty,
        };

    /// <summary>
    /// True when <paramref name="region"/> (lambdas and local functions included) reads the end signal of <paramref name="kind"/>:
    /// a finish/stop/done member, a test of a terminal update type, a call that picks the stop event, a terminal literal.
    /// </summary>
    public bool Observes(IOperation region, FinishSignalKind kind)
    {
        var members = MemberNames(kind);
        var methods = MethodNames(kind);
        var literals = Literals(kind);
        var terminalTypes = TerminalTypes(kind);
        foreach (var node in region.DescendantsAndSelf())
        {
            switch (node)
            {
                case IPropertyReferenceOperation property when members.Contains(property.Property.Name):
                case IFieldReferenceOperation field when members.Contains(field.Field.Name):
                    return true;

                // An Ollama image model's picture arrives only with the final (done) response: reading it observes the end.
                case IPropertyReferenceOperation { Property.Name: "Image" } image
                    when kind == FinishSignalKind.Ollama && OllamaUpdates.Any(t => image.Property.ContainingType.IsOrInheritsFrom(t)):
                    return true;

                case IInvocationOperation invocation when methods.Contains(invocation.TargetMethod.Name)
                    && AnthropicEvents.Any(t => invocation.TargetMethod.ContainingType.IsOrInheritsFrom(t)):
                    return true;

                case IIsTypeOperation isType when IsTerminalType(isType.TypeOperand, terminalTypes):
                case IPatternOperation pattern when IsTerminalType(pattern.NarrowedType, terminalTypes):
                case IConversionOperation { IsImplicit: false } conversion when IsTerminalType(conversion.Type, terminalTypes):
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
        => MemberNames(kind)
            .Union(MethodNames(kind))
            .Union(Literals(kind))
            .Union(TerminalTypes(kind).Select(t => t.Name));

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

    /// <summary>OllamaSharp's chat update (<c>ChatResponseStream</c>), whose <c>Message</c> is null on Ollama's error line.</summary>
    public bool IsOllamaChat(ITypeSymbol? element)
        => element is not null && OllamaUpdates.Any(t => t.Name == "ChatResponseStream" && element.IsOrInheritsFrom(t));

    /// <summary>True when <paramref name="element"/> is a Betalgo update type (for LLM205's Betalgo case).</summary>
    public bool IsBetalgo(ITypeSymbol? element) => element is not null && element.IsOrInheritsFrom(BetalgoBaseResponse) && _streams.UpdateFamily(element) == LlmFamily.Betalgo;
}
