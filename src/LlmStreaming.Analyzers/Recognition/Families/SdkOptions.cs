using System.Runtime.CompilerServices;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>
/// The families' client options (<see cref="SdkFamily.Options"/>) with their declaring types resolved once per
/// compilation: which assignment sets one of them.
/// </summary>
internal sealed class SdkOptions
{
    private static readonly ConditionalWeakTable<Compilation, SdkOptions> Instances = new();

    private readonly ImmutableArray<(SdkOption Option, INamedTypeSymbol? Declaring)> _options;

    private SdkOptions(Compilation compilation)
    {
        var resolver = TypeResolver.Get(compilation);
        var builder = ImmutableArray.CreateBuilder<(SdkOption, INamedTypeSymbol?)>();
        foreach (var option in SdkFamilies.All.SelectMany(f => f.Options))
        {
            var declaring = option.DeclaringType is null ? null : resolver.Type(option.DeclaringType);
            if (option.DeclaringType is null || declaring is not null)
            {
                builder.Add((option, declaring));
            }
        }

        _options = builder.ToImmutable();
        PropertyNames = _options.Select(o => o.Option.Property).ToImmutableHashSet();
        PropertyWords = PropertyNames.ToImmutableArray();
    }

    public static SdkOptions Get(Compilation compilation) => Instances.GetValue(compilation, static c => new SdkOptions(c));

    /// <summary>The names of the properties of every option that resolves in this compilation (none: nothing to look at).</summary>
    public ImmutableHashSet<string> PropertyNames { get; }

    /// <summary>
    /// The same names, for <see cref="WordGatedActions"/>: an assignment of one of the options is written with the
    /// property's name (<c>options.NetworkTimeout = …</c>, <c>{ MaxRetries = 0 }</c>) in the code block that makes it.
    /// </summary>
    public ImmutableArray<string> PropertyWords { get; }

    /// <summary>
    /// The option of <paramref name="kind"/> that <paramref name="target"/> (an assignment's target) sets, with the type of
    /// the options object it is set on; null when it sets none.
    /// </summary>
    public (SdkOption Option, ITypeSymbol Owner)? Match(IPropertyReferenceOperation target, SdkOptionKind kind)
    {
        var property = target.Property;
        if (!PropertyNames.Contains(property.Name))
        {
            return null;
        }

        foreach (var (option, declaring) in _options)
        {
            if (option.Kind != kind || option.Property != property.Name
                || declaring is not null && !property.ContainingType.IsOrInheritsFrom(declaring)
                || kind == SdkOptionKind.Timeout && !TimeoutValues.IsTimeSpan(property.Type))
            {
                continue;
            }

            var owner = Owner(target, option.Via);
            if (owner is not null && (owner.IsInNamespace(option.OwnerNamespace) || option.Via is null && property.ContainingType.IsInNamespace(option.OwnerNamespace)))
            {
                return (option, owner);
            }
        }

        return null;
    }

    /// <summary>The options object: the target's receiver, or the receiver of its <paramref name="via"/> property.</summary>
    private static ITypeSymbol? Owner(IPropertyReferenceOperation target, string? via)
    {
        if (via is null)
        {
            return target.Instance?.Type ?? target.Property.ContainingType;
        }

        var receiver = target.Instance?.WalkDownConversions();

        // new Options { Retry = { MaxRetries = 0 } }: the receiver is the member the nested initializer initializes.
        if (receiver is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver }
            && target.Parent?.Parent is IObjectOrCollectionInitializerOperation { Parent: IMemberInitializerOperation { InitializedMember: var member } })
        {
            receiver = member;
        }

        return receiver is IPropertyReferenceOperation holder && holder.Property.Name == via
            ? holder.Instance?.Type ?? holder.Property.ContainingType
            : null;
    }
}
