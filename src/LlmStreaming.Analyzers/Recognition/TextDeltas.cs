using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// What in a stream loop is a text delta (a fragment of the answer) and what is a per-update content list.
/// Both are judged only on values derived from the loop's update (or line) variable.
/// </summary>
internal static class TextDeltas
{
    /// <summary>
    /// String members that carry a fragment of generated text: the families' (<see cref="SdkFamily.TextDeltaMembers"/>)
    /// and the usual names of hand-rolled chunk DTOs.
    /// </summary>
    private static readonly ImmutableHashSet<string> DeltaMemberNames = SdkFamilies.All
        .SelectMany(f => f.TextDeltaMembers)
        .Concat(new[] { "Text", "Content", "Delta", "Response" })
        .ToImmutableHashSet(StringComparer.Ordinal);

    /// <summary>JSON property names whose string value is a text fragment (<c>GetProperty("content").GetString()</c>).</summary>
    private static readonly ImmutableHashSet<string> DeltaJsonNames = ImmutableHashSet.Create(StringComparer.Ordinal, "content", "text", "response");

    /// <summary>
    /// Collection members of update types that can be empty on some updates: the families'
    /// (<see cref="SdkFamily.ContentLists"/>) and the <c>Choices</c> of hand-rolled chunk DTOs (Azure's first chunk and
    /// usage chunks have none).
    /// </summary>
    private static readonly ImmutableHashSet<string> ContentListNames = SdkFamilies.All
        .SelectMany(f => f.ContentLists)
        .Append("Choices")
        .ToImmutableHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The words one of which a code block's text holds wherever <see cref="IsContentList"/> may answer true: a content
    /// list's name (read there, or by the initializer of a local read there) or <c>GetProperty</c>.
    /// </summary>
    public static readonly ImmutableArray<string> ContentListWords = ContentListNames.Append("GetProperty").ToImmutableArray();

    private static readonly ImmutableHashSet<string> ContentListJsonNames = ImmutableHashSet.Create(StringComparer.Ordinal, "choices", "content");

    /// <summary>True when <paramref name="value"/> is a text delta derived from the update of <paramref name="loop"/>.</summary>
    public static bool IsTextDelta(IOperation value, LlmStreamLoop loop, StreamRecognizer streams)
    {
        var whole = value.WalkDownConversions();
        if (whole.Type?.SpecialType != SpecialType.System_String)
        {
            return false;
        }

        // update?.Message?.Content (Ollama's updates are nullable): the member is the last one accessed; the whole
        // expression is what derives from the update.
        var unwrapped = WhenNotNull(whole);
        switch (unwrapped)
        {
            // Ollama Chat.SendAsync yields the fragments themselves.
            case ILocalReferenceOperation local when SymbolEqualityComparer.Default.Equals(local.Local, loop.IterationVariable):
                return loop.Kind == LlmStreamKind.Sdk;

            case IPropertyReferenceOperation property when DeltaMemberNames.Contains(property.Property.Name):
                return StreamRecognizer.IsDerivedFromIteration(whole, loop);

            case IFieldReferenceOperation field when DeltaMemberNames.Contains(field.Field.Name):
                return StreamRecognizer.IsDerivedFromIteration(whole, loop);

            case IInvocationOperation { TargetMethod.Name: "ToString", Instance: { } receiver, Arguments.Length: 0 }
                when streams.UpdateFamily(receiver.WalkDownConversions().Type) != LlmFamily.Unknown:
                return StreamRecognizer.IsDerivedFromIteration(whole, loop);

            case IInvocationOperation { TargetMethod.Name: "GetString", Instance: IInvocationOperation { TargetMethod.Name: "GetProperty" } getProperty }
                when getProperty.Arguments.Length == 1 && getProperty.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string name } && DeltaJsonNames.Contains(name):
                return StreamRecognizer.IsDerivedFromIteration(whole, loop);

            default:
                return false;
        }
    }

    /// <summary>True when <paramref name="collection"/> is a per-update content list (<c>update.ContentUpdate</c>, <c>chunk.Choices</c>…) derived from the loop's update.</summary>
    public static bool IsContentList(IOperation collection, LlmStreamLoop loop)
    {
        var whole = collection.WalkDownConversions();
        var unwrapped = WhenNotNull(whole);
        var named = unwrapped switch
        {
            IPropertyReferenceOperation property when ContentListNames.Contains(property.Property.Name) => true,
            IFieldReferenceOperation field when ContentListNames.Contains(field.Field.Name) => true,
            IInvocationOperation { TargetMethod.Name: "GetProperty" } getProperty
                => getProperty.Arguments.Length == 1 && getProperty.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string name } && ContentListJsonNames.Contains(name),
            ILocalReferenceOperation local when StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, default) is { } init => IsContentListName(init),
            _ => false,
        };

        return named && StreamRecognizer.IsDerivedFromIteration(whole, loop);
    }

    /// <summary>
    /// The part of <see cref="IsContentList"/> that needs no loop, asked first at every indexer of a project: a member of a
    /// content-list name, a <c>GetProperty</c> of one, or a local (whose initializer is read only in a stream loop).
    /// </summary>
    public static bool MayBeContentList(IOperation collection)
        => WhenNotNull(collection.WalkDownConversions()) switch
        {
            IPropertyReferenceOperation property => ContentListNames.Contains(property.Property.Name),
            IFieldReferenceOperation field => ContentListNames.Contains(field.Field.Name),
            IInvocationOperation { TargetMethod.Name: "GetProperty" } => true,
            ILocalReferenceOperation => true,
            _ => false,
        };

    /// <summary>The member a conditional access ends with: <c>a?.B?.C</c> gives the reference to <c>C</c>.</summary>
    private static IOperation WhenNotNull(IOperation operation)
    {
        var current = operation;
        while (current is IConditionalAccessOperation conditional)
        {
            current = conditional.WhenNotNull.WalkDownConversions();
        }

        return current;
    }

    private static bool IsContentListName(IOperation initializer)
        => initializer.WalkDownConversions() switch
        {
            IPropertyReferenceOperation property => ContentListNames.Contains(property.Property.Name),
            IFieldReferenceOperation field => ContentListNames.Contains(field.Field.Name),
            _ => false,
        };
}
