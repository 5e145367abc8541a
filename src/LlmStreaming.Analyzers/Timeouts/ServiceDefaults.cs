using System.Collections.Concurrent;
using System.Reflection.Metadata;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// Service defaults in another assembly (the Aspire template's <c>builder.AddServiceDefaults()</c>) that give every factory
/// client the standard resilience handler with its defaults: <c>ConfigureHttpClientDefaults(http =>
/// http.AddStandardResilienceHandler())</c>. The app's compilation cannot see that code, so LLM403 judges the call.
/// </summary>
/// <remarks>
/// <para>
/// The call: an extension method whose name contains "Defaults", on a host builder (<c>IHostApplicationBuilder</c>,
/// <c>IHostBuilder</c>) or an <c>IServiceCollection</c>, declared in another assembly — not in this compilation, where the
/// handler is judged where it is written — and not in one of Microsoft's (<c>Microsoft.*</c>, <c>System.*</c>).
/// </para>
/// <para>
/// The assembly: it references Microsoft.Extensions.Http.Resilience, and its code calls <c>ConfigureHttpClientDefaults</c>
/// and the parameterless <c>AddStandardResilienceHandler(IHttpClientBuilder)</c>, and never names
/// <c>HttpStandardResilienceOptions</c> (no delegate, section or <c>Configure</c> that could raise the timeouts) nor
/// <c>RemoveAllResilienceHandlers</c>. Read from the member and type references of its metadata (a built reference), or
/// from its syntax (a project reference in the IDE, which hands over the other project's compilation). The answer is
/// computed once per assembly and compilation, and only for an assembly whose method passed the first test: an unrelated
/// project never gets here, and no referenced assembly is read eagerly.
/// </para>
/// </remarks>
internal sealed class ServiceDefaults
{
    private const string ResilienceAssemblyName = "Microsoft.Extensions.Http.Resilience";
    private const string ConfigureDefaultsName = "ConfigureHttpClientDefaults";
    private const string StandardHandlerName = StandardResilienceConfiguration.StandardHandlerName;
    private const string RemoveAllName = "RemoveAllResilienceHandlers";
    private const string OptionsName = "HttpStandardResilienceOptions";

    private readonly Compilation _compilation;
    private readonly KnownTypes _types;
    private readonly ConcurrentDictionary<IAssemblySymbol, bool> _answers = new(SymbolEqualityComparer.Default);

    public ServiceDefaults(Compilation compilation, KnownTypes types)
    {
        _compilation = compilation;
        _types = types;
    }

    private static int s_readCount;

    /// <summary>How many assemblies have been read in this process (tests guard "once per assembly, only when asked" with it).</summary>
    internal static int ReadCount => Volatile.Read(ref s_readCount);

    /// <summary>The cheap test, on every invocation: the shape of a service-defaults extension from another assembly.</summary>
    public bool IsCandidate(IMethodSymbol method)
    {
        method = method.ReducedFrom ?? method;
        if (!method.IsExtensionMethod
            || method.Name.IndexOf("Defaults", StringComparison.Ordinal) < 0
            || method.Parameters.Length == 0
            || method.ContainingAssembly is not { } assembly
            || SymbolEqualityComparer.Default.Equals(assembly, _compilation.Assembly)
            || IsMicrosofts(assembly.Name))
        {
            return false;
        }

        var receiver = method.Parameters[0].Type;
        if (IsHostOrServices(receiver))
        {
            return true;
        }

        // An unconstructed 'TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder'.
        if (receiver is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (IsHostOrServices(constraint))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private bool IsHostOrServices(ITypeSymbol type)
        => type.IsOrInheritsFrom(_types.IHostApplicationBuilder)
            || type.IsOrInheritsFrom(_types.IHostBuilder)
            || type.IsOrInheritsFrom(_types.IServiceCollection);

    private static bool IsMicrosofts(string name)
        => name.StartsWith("Microsoft.", StringComparison.Ordinal) || name.StartsWith("System.", StringComparison.Ordinal);

    /// <summary>
    /// True when <paramref name="assembly"/> adds the standard resilience handler, with its defaults, to every factory
    /// client (see the remarks of the class).
    /// </summary>
    public bool AddsStandardHandlerToEveryClient(IAssemblySymbol assembly, CancellationToken cancellationToken)
        => _answers.TryGetValue(assembly, out var answer)
            ? answer
            : _answers.GetOrAdd(assembly, Read(assembly, cancellationToken));

    private bool Read(IAssemblySymbol assembly, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref s_readCount);
        if (!ReferencesResilience(assembly))
        {
            return false;
        }

        var evidence = _compilation.GetMetadataReference(assembly) switch
        {
            PortableExecutableReference image => FromMetadata(image),
            CompilationReference project => FromSyntax(project.Compilation, cancellationToken),
            _ => Evidence.None,
        };

        return (evidence & Evidence.ConfiguresDefaults) != 0
            && (evidence & Evidence.AddsDefaultHandler) != 0
            && (evidence & Evidence.MayChangeTheHandler) == 0;
    }

    private static bool ReferencesResilience(IAssemblySymbol assembly)
    {
        foreach (var module in assembly.Modules)
        {
            foreach (var identity in module.ReferencedAssemblies)
            {
                if (string.Equals(identity.Name, ResilienceAssemblyName, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    [Flags]
    private enum Evidence
    {
        None = 0,

        /// <summary>Calls <c>ConfigureHttpClientDefaults</c>.</summary>
        ConfiguresDefaults = 1,

        /// <summary>Calls <c>AddStandardResilienceHandler(IHttpClientBuilder)</c>, the overload with the defaults.</summary>
        AddsDefaultHandler = 2,

        /// <summary>Names the options, another handler overload, or <c>RemoveAllResilienceHandlers</c>: the timeouts may be raised, or the handler taken off.</summary>
        MayChangeTheHandler = 4,
    }

    /// <summary>The member and type references of a built assembly: what its code calls and names.</summary>
    private static Evidence FromMetadata(PortableExecutableReference image)
    {
        var evidence = Evidence.None;
        try
        {
            if (image.GetMetadata() is not AssemblyMetadata metadata)
            {
                return Evidence.None;
            }

            foreach (var module in metadata.GetModules())
            {
                var reader = module.GetMetadataReader();
                var names = reader.StringComparer;
                foreach (var handle in reader.MemberReferences)
                {
                    var member = reader.GetMemberReference(handle);
                    if (member.Parent.Kind != HandleKind.TypeReference)
                    {
                        continue;
                    }

                    var parent = reader.GetTypeReference((TypeReferenceHandle)member.Parent);
                    if (names.Equals(member.Name, ConfigureDefaultsName) && names.Equals(parent.Name, "HttpClientFactoryServiceCollectionExtensions"))
                    {
                        evidence |= Evidence.ConfiguresDefaults;
                    }
                    else if (names.Equals(parent.Name, "ResilienceHttpClientBuilderExtensions"))
                    {
                        if (names.Equals(member.Name, StandardHandlerName))
                        {
                            evidence |= ParameterCount(reader, member.Signature) == 1 ? Evidence.AddsDefaultHandler : Evidence.MayChangeTheHandler;
                        }
                        else if (names.Equals(member.Name, RemoveAllName))
                        {
                            evidence |= Evidence.MayChangeTheHandler;
                        }
                    }
                }

                foreach (var handle in reader.TypeReferences)
                {
                    if (names.Equals(reader.GetTypeReference(handle).Name, OptionsName))
                    {
                        evidence |= Evidence.MayChangeTheHandler;
                    }
                }
            }
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or System.IO.IOException)
        {
            return Evidence.None; // metadata that cannot be read says nothing
        }

        return evidence;
    }

    private static int ParameterCount(MetadataReader reader, BlobHandle signature)
    {
        var blob = reader.GetBlobReader(signature);
        var header = blob.ReadSignatureHeader();
        if (header.Kind != SignatureKind.Method)
        {
            return -1;
        }

        if (header.IsGeneric)
        {
            blob.ReadCompressedInteger();
        }

        return blob.ReadCompressedInteger();
    }

    /// <summary>
    /// The same evidence from the syntax of a project reference (the IDE hands over the referenced project's compilation):
    /// the calls by name; a handler call with arguments or a <c>.Configure(…)</c> chained on it counts as configured.
    /// </summary>
    private static Evidence FromSyntax(Compilation project, CancellationToken cancellationToken)
    {
        var evidence = Evidence.None;
        foreach (var tree in project.SyntaxTrees)
        {
            var root = tree.GetRoot(cancellationToken);
            if (!SourceWords.ContainsWord(root, ConfigureDefaultsName, cancellationToken)
                && !SourceWords.ContainsWord(root, StandardHandlerName, cancellationToken)
                && !SourceWords.ContainsWord(root, RemoveAllName, cancellationToken)
                && !SourceWords.ContainsWord(root, OptionsName, cancellationToken))
            {
                continue;
            }

            foreach (var node in root.DescendantNodes())
            {
                switch (node)
                {
                    case IdentifierNameSyntax { Identifier.ValueText: OptionsName or RemoveAllName }:
                        evidence |= Evidence.MayChangeTheHandler;
                        break;

                    case InvocationExpressionSyntax invocation when NameOf(invocation.Expression) == ConfigureDefaultsName:
                        evidence |= Evidence.ConfiguresDefaults;
                        break;

                    case InvocationExpressionSyntax invocation when NameOf(invocation.Expression) == StandardHandlerName:
                        evidence |= invocation.ArgumentList.Arguments.Count == 0
                            && invocation.Parent is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Configure" }
                            ? Evidence.AddsDefaultHandler
                            : Evidence.MayChangeTheHandler;
                        break;
                }
            }
        }

        return evidence;
    }

    private static string? NameOf(ExpressionSyntax expression)
        => expression switch
        {
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            SimpleNameSyntax name => name.Identifier.ValueText,
            _ => null,
        };
}
