using System.Collections.Concurrent;
using System.IO;
using System.Runtime.CompilerServices;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The per-compilation recognition core shared by every rule: the known types resolved once, the SDK tables bound to
/// symbols, and caches of what has been recognised. One instance per compilation, shared by all analyzers of the
/// package (keyed weakly on the compilation, as Roslyn's own analyzers do with their well-known-type providers).
/// </summary>
internal sealed class LlmAnalysisContext
{
    private static readonly ConditionalWeakTable<Compilation, Holder> Instances = new();
    private static int s_createdCount;

    private readonly ConcurrentDictionary<SyntaxTree, LlmOptions> _optionsByTree = new();
    private readonly Lazy<RelayRecognizer?> _relays;

    private readonly TypeResolver _resolver;

    private LlmAnalysisContext(Compilation compilation, TypeResolver resolver, KnownTypes types, bool hasSdk)
    {
        Compilation = compilation;
        _resolver = resolver;
        Types = types;
        HasSdk = hasSdk;
        Streams = new StreamRecognizer(this);
        Summaries = new MethodSummaries(this);
        HttpSummaries = new HttpMethodSummaries(this);
        StreamParameters = new ModelStreamParameters(this);
        Callbacks = new CallbackParsers(this);
        HandRolled = new HandRolledRecognizer(this);
        Retries = new RetryRecognizer(this);
        HttpClients = new HttpClientRecognizer(this);
        Cancellation = new CancellationFlow(this);
        _relays = new Lazy<RelayRecognizer?>(() => RelayRecognizer.Create(this), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Compilation Compilation { get; }

    public KnownTypes Types { get; }

    /// <summary>True when at least one recognised SDK is referenced.</summary>
    public bool HasSdk { get; }

    public StreamRecognizer Streams { get; }

    /// <summary>Summaries of source methods (cross-method recognition), computed on demand, once per method.</summary>
    public MethodSummaries Summaries { get; }

    /// <summary>Summaries of source methods about the HTTP requests they send (issue 11), computed on demand, once per method.</summary>
    public HttpMethodSummaries HttpSummaries { get; }

    /// <summary>Parsers handed a model response by a caller (issue 11), answered on demand, once per parameter.</summary>
    public ModelStreamParameters StreamParameters { get; }

    /// <summary>Helpers that read lines and hand each to a delegate (issue 11 pattern 4), summarised on demand, once per method.</summary>
    public CallbackParsers Callbacks { get; }

    public HandRolledRecognizer HandRolled { get; }

    public RetryRecognizer Retries { get; }

    public HttpClientRecognizer HttpClients { get; }

    /// <summary>Cancellation tokens: where a source's token goes, None tokens, token arguments.</summary>
    public CancellationFlow Cancellation { get; }

    /// <summary>Relays (LLM5xx): null when the compilation does not reference ASP.NET Core. Resolved on first use.</summary>
    public RelayRecognizer? Relays => _relays.Value;

    /// <summary>How many contexts have been built in this process (tests guard "once per compilation" with it).</summary>
    internal static int CreatedCount => Volatile.Read(ref s_createdCount);

    /// <summary>
    /// The context of <paramref name="compilation"/>, or null when nothing the rules look at is in play: none of the
    /// SDKs and no <c>System.Net.Http</c>. Callers then register nothing.
    /// </summary>
    public static LlmAnalysisContext? Get(Compilation compilation)
        => Instances.GetValue(compilation, static c => new Holder(c)).Context;

    private static LlmAnalysisContext? Create(Compilation compilation)
    {
        var resolver = TypeResolver.Get(compilation);
        var types = new KnownTypes(resolver);
        var hasSdk = ReferencesAnSdk(compilation);

        if (!hasSdk && types.HttpClient is null)
        {
            return null;
        }

        Interlocked.Increment(ref s_createdCount);
        return new LlmAnalysisContext(compilation, resolver, types, hasSdk);
    }

    /// <summary>
    /// True when a streaming type of one of the SDKs of the catalogue resolves in <paramref name="compilation"/>. The
    /// types are looked up only when the compilation references (or is) an assembly of an SDK by name
    /// (<see cref="SdkAssemblyNames.Prefixes"/>): an ordinary project answers from the reference names alone.
    /// </summary>
    internal static bool ReferencesAnSdk(Compilation compilation)
    {
        if (!NamesAnSdkAssembly(compilation))
        {
            return false;
        }

        var resolver = TypeResolver.Get(compilation);
        foreach (var method in SdkCatalog.StreamingMethods)
        {
            if (resolver.Type(method.TypeMetadataName) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the compilation is, or references, an assembly named like an SDK's. The names come from the references
    /// themselves (a file's name, a project's assembly name), so an ordinary project binds nothing here: asking the
    /// compilation for its referenced assembly identities would bind every reference, work the compiler does anyway but
    /// that is charged to whoever asks first (most of the gate's cost in a build before it went by file names). Only a
    /// reference with no name to read (an in-memory image) falls back to the identities. (<c>ExternalReferences</c>, not
    /// <c>References</c>: the latter adds a script's <c>#r</c> references, and finding those binds the references too.)
    /// </summary>
    private static bool NamesAnSdkAssembly(Compilation compilation)
    {
        if (SdkAssemblyNames.IsSdkAssemblyName(compilation.AssemblyName))
        {
            return true;
        }

        foreach (var reference in compilation.ExternalReferences)
        {
            var name = reference switch
            {
                PortableExecutableReference { FilePath: { } path } => Path.GetFileNameWithoutExtension(path),
                CompilationReference project => project.Compilation.AssemblyName,
                _ => null,
            };

            if (name is null)
            {
                return ReferencesAnSdkAssemblyByIdentity(compilation);
            }

            if (SdkAssemblyNames.IsSdkAssemblyName(name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReferencesAnSdkAssemblyByIdentity(Compilation compilation)
    {
        foreach (var identity in compilation.ReferencedAssemblyNames)
        {
            if (SdkAssemblyNames.IsSdkAssemblyName(identity.Name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The options for <paramref name="tree"/>, parsed once.</summary>
    public LlmOptions GetOptions(SyntaxTree tree, AnalyzerOptions options)
        => _optionsByTree.TryGetValue(tree, out var parsed)
            ? parsed // every rule asks at every operation it looks at: no allocation on this path
            : _optionsByTree.GetOrAdd(tree, LlmOptions.Parse(options.AnalyzerConfigOptionsProvider.GetOptions(tree)));

    /// <summary>
    /// The type of that name, or null when it is absent or several referenced assemblies declare it (see
    /// <see cref="TypeResolver.Type"/>): for the framework's and libraries' types a rule needs beyond <see cref="Types"/>.
    /// </summary>
    internal INamedTypeSymbol? Type(string metadataName) => _resolver.Type(metadataName);

    /// <summary>
    /// Resolves type metadata names that exist in this compilation: every type of that name, since two assemblies may
    /// declare one (Microsoft Agent Framework adds its own <c>Microsoft.Extensions.AI.ChatClientExtensions</c>, and
    /// <c>GetTypeByMetadataName</c> answers null to such a name).
    /// </summary>
    internal ImmutableArray<(INamedTypeSymbol Type, T Value)> Resolve<T>(IEnumerable<(string MetadataName, T Value)> names)
    {
        var builder = ImmutableArray.CreateBuilder<(INamedTypeSymbol, T)>();
        foreach (var (name, value) in names)
        {
            foreach (var type in _resolver.Types(name))
            {
                builder.Add((type, value));
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>Every type of each of <paramref name="names"/> that exists in this compilation (see the overload above).</summary>
    internal ImmutableArray<INamedTypeSymbol> Resolve(IEnumerable<string> names)
    {
        var builder = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
        foreach (var name in names)
        {
            builder.AddRange(_resolver.Types(name));
        }

        return builder.ToImmutable();
    }

    /// <summary>
    /// Builds the context on first use, once: analyzers that start on the same compilation concurrently may each make a
    /// holder (the weak table keeps one), but only the kept holder's context is ever built.
    /// </summary>
    private sealed class Holder
    {
        private readonly Lazy<LlmAnalysisContext?> _context;

        public Holder(Compilation compilation)
            => _context = new Lazy<LlmAnalysisContext?>(() => Create(compilation), LazyThreadSafetyMode.ExecutionAndPublication);

        public LlmAnalysisContext? Context => _context.Value;
    }
}
