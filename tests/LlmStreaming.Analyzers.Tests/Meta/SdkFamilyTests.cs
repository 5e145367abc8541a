using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Recognition;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// Every SDK family (<see cref="SdkFamilies.All"/>, one file each) answers every question the rules and fixes ask, or
/// says why it does not apply; and what it names exists in the real packages the tests reference.
/// </summary>
public class SdkFamilyTests
{
    public static IEnumerable<object[]> Families => SdkFamilies.All.Select(f => new object[] { f.Id.ToString() });

    private static readonly Lazy<Compilation> Packages = new(() =>
        RecognitionHarness.CreateCompilation("class C { }", References.Framework.AddRange(References.Sdks)));

    /// <summary>Names of older SDK versions than the ones referenced, kept so that those versions are recognised.</summary>
    private static readonly HashSet<string> OtherVersions = new()
    {
        "Microsoft.Extensions.AI.StreamingChatCompletionUpdate", // the 9.0 previews
        "Microsoft.Extensions.AI.StreamingChatCompletionUpdateExtensions",
        "Microsoft.Extensions.AI.ChatResponseExtensions.ToChatCompletionAsync",
    };

    private static SdkFamily Family(string id) => SdkFamilies.All.Single(f => f.Id.ToString() == id);

    /// <summary>The answer to each question, by its name in <see cref="SdkFamily.Questions"/>.</summary>
    private static IReadOnlyDictionary<string, int> AnswerCounts(SdkFamily family) => new Dictionary<string, int>
    {
        [nameof(SdkFamily.AssemblyNamePrefixes)] = family.AssemblyNamePrefixes.Length,
        [nameof(SdkFamily.Namespaces)] = family.Namespaces.Length,
        [nameof(SdkFamily.StreamingMethods)] = family.StreamingMethods.Length,
        [nameof(SdkFamily.NonStreamingTwins)] = family.NonStreamingTwins.Length,
        [nameof(SdkFamily.UpdateTypes)] = family.UpdateTypes.Length,
        [nameof(SdkFamily.TextDeltaMembers)] = family.TextDeltaMembers.Length,
        [nameof(SdkFamily.ContentLists)] = family.ContentLists.Length,
        [nameof(SdkFamily.Aggregators)] = family.Aggregators.Length,
        [nameof(SdkFamily.FinishSignals)] = family.FinishSignals.Length,
        [nameof(SdkFamily.TransientExceptions)] = family.TransientExceptions.Length,
        [nameof(SdkFamily.ErrorExceptions)] = family.ErrorExceptions.Length,
        [nameof(SdkFamily.HttpClientReceiversWithOwnTimeout)] = family.HttpClientReceiversWithOwnTimeout.Length,
        [nameof(SdkFamily.Options)] = family.Options.Length,
        [nameof(SdkFamily.InStreamErrors)] = family.InStreamErrors.Length,
        [nameof(SdkFamily.StreamingSwitches)] = family.StreamingSwitches.Length,
        [nameof(SdkFamily.CannedClients)] = family.CannedClients.Length,
    };

    /// <summary>The type of the property or field <paramref name="name"/> of <paramref name="type"/> or a base; null when it has none.</summary>
    private static ITypeSymbol? MemberType(ITypeSymbol type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers(name))
            {
                switch (member)
                {
                    case IPropertySymbol property:
                        return property.Type;
                    case IFieldSymbol field:
                        return field.Type;
                }
            }
        }

        return null;
    }

    private static IEnumerable<INamedTypeSymbol> TypesOf(INamespaceSymbol ns)
        => ns.GetTypeMembers().Concat(ns.GetNamespaceMembers().SelectMany(TypesOf));

    [Fact]
    public void Questions_AreTheAnswersThisTestReads()
        => Assert.Equal(SdkFamily.Questions.Order(StringComparer.Ordinal), AnswerCounts(new OpenAIFamily()).Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Families))]
    public void EveryQuestion_IsAnswered_OrSaysWhyNot(string id)
    {
        var family = Family(id);
        foreach (var (question, count) in AnswerCounts(family))
        {
            var notApplicable = family.NotApplicable.TryGetValue(question, out var reason);
            Assert.True(count > 0 || notApplicable, family.DisplayName + " leaves " + question + " empty without saying why (NotApplicable)");
            Assert.False(count > 0 && notApplicable, family.DisplayName + " answers " + question + " and also says it does not apply");
            Assert.True(!notApplicable || reason!.Length >= 30, family.DisplayName + "'s reason for " + question + " is too short to be one: " + reason);
        }

        Assert.All(family.NotApplicable.Keys, key => Assert.Contains(key, SdkFamily.Questions));
    }

    /// <summary>A family without a finish signal would leave LLM203 silent on its streams: only an explicit reason allows it.</summary>
    [Fact]
    public void EveryFamily_HasAFinishSignal()
        => Assert.All(SdkFamilies.All, f => Assert.NotEmpty(f.FinishSignals));

    /// <summary>The suite's run on other package versions (<see cref="References.PackagesVariable"/>) compiles against them.</summary>
    [Fact]
    public void PackageOverrides_AreInEffect()
    {
        foreach (var package in References.PackageOverrides)
        {
            var (id, version) = (package.Split(' ')[0], package.Split(' ')[1]);
            var folder = System.IO.Path.Combine(id.ToLowerInvariant(), version, "lib");
            Assert.Contains(References.Sdks, r => r.Display!.Contains(folder, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void EveryIdentity_HasOneFamily()
    {
        var sdkIds = Enum.GetValues<LlmFamily>().Except(new[] { LlmFamily.Unknown, LlmFamily.HandRolled, LlmFamily.Configured });
        Assert.Equal(sdkIds.Order(), SdkFamilies.All.Select(f => f.Id).Order());
        Assert.All(SdkFamilies.All, f => Assert.Same(f, SdkFamilies.Get(f.Id)));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void WhatTheFamilyNames_ExistsInTheRealPackage(string id)
    {
        var family = Family(id);
        var compilation = Packages.Value;
        IEnumerable<INamedTypeSymbol> Types(string name)
        {
            var types = compilation.GetTypesByMetadataName(name);
            if (types.IsEmpty && OtherVersions.Contains(name))
            {
                return types;
            }

            Assert.False(types.IsEmpty, family.DisplayName + " names " + name + ", which the package does not define");
            return types;
        }

        bool HasMethod(string type, string method) => Types(type).Any(t => t.GetMembers(method).OfType<IMethodSymbol>().Any());

        // The first streaming method of each family is the current version's (the others may be older or newer names,
        // which StreamRecognizerTests lists); the update types, aggregators, finish signals and transients are all current.
        Assert.True(HasMethod(family.StreamingMethods[0].TypeMetadataName, family.StreamingMethods[0].MethodName), family.StreamingMethods[0].ToString());
        var updates = family.UpdateTypes.SelectMany(Types).ToList();
        foreach (var aggregator in family.Aggregators.Where(a => !OtherVersions.Contains(a.TypeMetadataName) && !OtherVersions.Contains(a.TypeMetadataName + "." + a.MethodName)))
        {
            Assert.True(HasMethod(aggregator.TypeMetadataName, aggregator.MethodName), aggregator.ToString());
        }

        foreach (var twin in family.NonStreamingTwins)
        {
            var streaming = family.StreamingMethods.Where(m => m.MethodName == twin.StreamingMethod).ToList();
            Assert.NotEmpty(streaming);
            Assert.Contains(streaming, m => HasMethod(m.TypeMetadataName, twin.Twin));
        }

        foreach (var signal in family.FinishSignals)
        {
            // A signal's update types are the family's, and its members, methods and terminal types are theirs.
            var signalUpdates = signal.UpdateTypes.SelectMany(Types).ToList();
            Assert.All(signalUpdates, u => Assert.Contains(updates, f => u.IsOrInheritsFrom(f)));
            Assert.All(signal.TerminalTypes, t => Assert.NotEmpty(Types(t))); // a subclass, or a union's case (Anthropic)
            Assert.All(signal.UpdateMethods, m => Assert.Contains(signalUpdates, u => u.GetMembers(m).Any()));
            Assert.All(signal.UpdateMembers, m => Assert.Contains(signalUpdates, u => u.GetMembers(m).Any()));
            Assert.False(string.IsNullOrWhiteSpace(signal.Description));
        }

        // A receiver of an HttpClient with a timeout of its own: a type that takes one, or a namespace of the family's types.
        foreach (var receiver in family.HttpClientReceiversWithOwnTimeout)
        {
            Assert.True(receiver.StartsWith("T:", StringComparison.Ordinal) || receiver.StartsWith("N:", StringComparison.Ordinal), receiver);
            if (receiver.StartsWith("T:", StringComparison.Ordinal))
            {
                Assert.Contains(Types(receiver.Substring(2)), t => t.Constructors.Any(c => c.Parameters.Any(p => p.Type.Name == "HttpClient")));
            }
            else
            {
                Assert.Contains(updates, u => u.IsInNamespace(receiver.Substring(2)));
            }
        }

        foreach (var error in family.ErrorExceptions)
        {
            Assert.All(Types(error), t => Assert.True(t.IsOrInheritsFrom(compilation.GetTypeByMetadataName("System.Exception")), t + " is not an exception"));
        }

        foreach (var transient in family.TransientExceptions)
        {
            var types = Types(transient.TypeMetadataName);
            Assert.All(types, t => Assert.True(t.IsOrInheritsFrom(compilation.GetTypeByMetadataName("System.Exception")), t + " is not an exception"));
            Assert.True(transient.StatusMember is null || types.Any(t => !t.GetMembers(transient.StatusMember).IsEmpty), transient.ToString());
        }

        // An option's property is declared where the family says (or on a type of its namespace), and its holder too.
        foreach (var option in family.Options)
        {
            var declaring = option.DeclaringType is null
                ? updates.Select(u => u.ContainingAssembly).SelectMany(a => TypesOf(a.GlobalNamespace)).Where(t => t.IsInNamespace(option.OwnerNamespace)).ToList()
                : Types(option.DeclaringType).ToList();
            Assert.True(declaring.Any(t => !t.GetMembers(option.Property).IsEmpty), option.ToString());
            Assert.True(option.Kind != SdkOptionKind.Timeout || option.Effect.Length > 20, option.ToString());
        }

        // An in-stream error's update type is one of the family's (or a base of one), and what it names is a member of it:
        // a failed item's flag is a bool and its error member has the text members; a missing member is a reference.
        foreach (var error in family.InStreamErrors)
        {
            var errorUpdates = Types(error.UpdateType).ToList();
            Assert.Contains(updates, u => errorUpdates.Any(e => u.IsOrInheritsFrom(e)));
            Assert.False(string.IsNullOrWhiteSpace(error.Consequence), error.ToString());
            var member = errorUpdates.Select(e => MemberType(e, error.Member)).FirstOrDefault(t => t is not null);
            Assert.True(member is not null, family.DisplayName + ": " + error.UpdateType + " has no member " + error.Member);
            if (error.Shape == InStreamErrorShape.FailedItem)
            {
                Assert.Equal(SpecialType.System_Boolean, member!.SpecialType);
                Assert.NotNull(error.ErrorMember);
                var errorType = errorUpdates.Select(e => MemberType(e, error.ErrorMember!)).FirstOrDefault(t => t is not null);
                Assert.True(errorType is not null, error.UpdateType + " has no member " + error.ErrorMember);
                Assert.NotEmpty(error.ErrorTextMembers);
                Assert.All(error.ErrorTextMembers, m => Assert.True(MemberType(errorType!, m) is not null, errorType + " has no member " + m));
                Assert.True(error.StatusMember is null || errorUpdates.Any(e => MemberType(e, error.StatusMember) is { Name: "HttpStatusCode" }), error.ToString());
            }
            else
            {
                Assert.True(member!.IsReferenceType, error.UpdateType + "." + error.Member + " cannot be null");
                Assert.True(error.FixMessage.Length > 20, error.ToString());
            }
        }

        // A streaming switch is a boolean property of a request type that one of the family's streaming methods takes.
        foreach (var streamingSwitch in family.StreamingSwitches)
        {
            var requests = Types(streamingSwitch.RequestType).ToList();
            Assert.Contains(requests, r => MemberType(r, streamingSwitch.Property) is { } t
                && (t.SpecialType == SpecialType.System_Boolean || t is INamedTypeSymbol { TypeArguments: [{ SpecialType: SpecialType.System_Boolean }] }));
            Assert.Contains(family.StreamingMethods.SelectMany(m => Types(m.TypeMetadataName).SelectMany(t => t.GetMembers(m.MethodName)).OfType<IMethodSymbol>()),
                m => m.Parameters.Any(p => requests.Contains(p.Type, SymbolEqualityComparer.Default)));
            Assert.False(string.IsNullOrWhiteSpace(streamingSwitch.Parameter));
        }

        // A canned client implements one of the family's streaming methods, and its pipeline's calls exist in its namespace.
        foreach (var canned in family.CannedClients)
        {
            Assert.Contains(family.StreamingMethods, m => m.MethodName == canned.StreamingMethod);
            var pipeline = TypesOf(compilation.GlobalNamespace).Where(t => t.IsInNamespace(canned.PipelineNamespace))
                .SelectMany(t => t.GetMembers().OfType<IMethodSymbol>()).Select(m => m.Name).ToHashSet();
            Assert.All(canned.PipelineSteps, step => Assert.Contains(step, pipeline));
            Assert.Contains(pipeline, name => canned.PipelineStepPrefix.Length > 0 && name.StartsWith(canned.PipelineStepPrefix, StringComparison.Ordinal));
        }

        // The text deltas are string members, and the content lists collections, of types of the family's assemblies.
        var members = updates.Select(u => u.ContainingAssembly).Distinct<IAssemblySymbol>(SymbolEqualityComparer.Default)
            .SelectMany(a => TypesOf(a.GlobalNamespace))
            .SelectMany(t => t.GetMembers().OfType<IPropertySymbol>())
            .Where(p => p.DeclaredAccessibility == Accessibility.Public)
            .ToList();
        Assert.All(family.TextDeltaMembers, name => Assert.Contains(members, p => p.Name == name && p.Type.SpecialType == SpecialType.System_String));
        Assert.All(family.ContentLists, name => Assert.Contains(members, p => p.Name == name && p.Type.AllInterfaces.Any(i => i.Name == "IEnumerable") && p.Type.SpecialType != SpecialType.System_String));

        // Every assembly that holds the family's types is named by its prefixes (the no-SDK gate reads them), and every
        // type lives in one of its namespaces.
        foreach (var type in updates.Concat(family.StreamingMethods.Take(1).SelectMany(m => Types(m.TypeMetadataName))))
        {
            Assert.True(SdkAssemblyNames.IsSdkAssemblyName(type.ContainingAssembly.Name), type.ContainingAssembly.Name);
            Assert.Contains(family.Namespaces, ns => type.IsInNamespace(ns));
        }
    }
}
