using System.Collections.Immutable;
using System.IO;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace LlmStreaming.Analyzers.Tests.Infrastructure;

/// <summary>
/// The metadata references of the tests' compilations: the net10.0 reference pack and the real SDK assemblies the
/// test project restores (never stubs). Each reference is created once and shared, so metadata is read once.
/// </summary>
internal static class References
{
    private static readonly string PackageRoot = typeof(References).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NuGetPackageRoot").Value!;

    private static readonly string FrameworkDirectory = Path.Combine(PackageRoot, "microsoft.netcore.app.ref", "10.0.12", "ref", "net10.0");

    /// <summary>The framework only: no SDK is referenced.</summary>
    public static readonly ImmutableArray<MetadataReference> Framework = Directory
        .GetFiles(FrameworkDirectory, "*.dll")
        .OrderBy(p => p, StringComparer.Ordinal)
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray();

    private static readonly ImmutableHashSet<string> FrameworkNames = Directory
        .GetFiles(FrameworkDirectory, "*.dll")
        .Select(Path.GetFileNameWithoutExtension)
        .ToImmutableHashSet(StringComparer.OrdinalIgnoreCase)!;

    /// <summary>Assemblies of the test's own machinery that a test source never uses.</summary>
    private static readonly ImmutableArray<string> ExcludedPrefixes = ImmutableArray.Create(
        "xunit", "Microsoft.CodeAnalysis", "Microsoft.TestPlatform", "Microsoft.VisualStudio", "testhost", "NuGet",
        "LlmStreaming", "DiffPlex", "MessagePack", "Microsoft.NET.StringTools", "Microsoft.Bcl", "System.Composition",
        "Microsoft.ServiceHub", "Nerdbank", "StreamJsonRpc", "Newtonsoft");

    private static readonly ImmutableArray<string> SdkPaths = Directory
        .GetFiles(AppContext.BaseDirectory, "*.dll")
        .Where(p => !FrameworkNames.Contains(Path.GetFileNameWithoutExtension(p)))
        .Where(p => !ExcludedPrefixes.Any(prefix => Path.GetFileName(p).StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
        .OrderBy(p => p, StringComparer.Ordinal)
        .ToImmutableArray();

    /// <summary>
    /// The environment variable that runs the suite against other versions of some SDK packages than the test project
    /// restores: <c>id=version</c> pairs separated by <c>;</c> (<c>Microsoft.Extensions.AI.Abstractions=11.0.0</c>). Each
    /// package's assemblies (from the NuGet cache, where the test project downloads them) replace the restored ones of the
    /// same name. CI runs the suite once more so, with the newest served versions.
    /// </summary>
    public const string PackagesVariable = "LLM_TEST_PACKAGES";

    /// <summary>The package versions <see cref="PackagesVariable"/> asks for, as "id version" (empty when unset).</summary>
    public static readonly ImmutableArray<string> PackageOverrides = ParseOverrides(Environment.GetEnvironmentVariable(PackagesVariable))
        .Select(o => o.Id + " " + o.Version)
        .ToImmutableArray();

    private static IEnumerable<(string Id, string Version)> ParseOverrides(string? value)
        => (value ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2, StringSplitOptions.TrimEntries))
            .Select(parts => parts.Length == 2 ? (parts[0], parts[1]) : throw new InvalidOperationException(PackagesVariable + ": '" + string.Join("=", parts) + "' is not id=version"));

    /// <summary><paramref name="paths"/> with the assemblies of the overridden packages in place of the restored ones.</summary>
    private static ImmutableArray<string> WithPackageOverrides(ImmutableArray<string> paths)
    {
        var result = paths.ToList();
        foreach (var (id, version) in ParseOverrides(Environment.GetEnvironmentVariable(PackagesVariable)))
        {
            var lib = Path.Combine(PackageRoot, id.ToLowerInvariant(), version, "lib");
            var framework = new[] { "net10.0", "net9.0", "net8.0", "netstandard2.1", "netstandard2.0" }
                .Select(tfm => Path.Combine(lib, tfm))
                .FirstOrDefault(Directory.Exists)
                ?? throw new InvalidOperationException(PackagesVariable + ": no assemblies of " + id + " " + version + " under " + lib + " (is it a PackageDownload of the test project?)");
            foreach (var assembly in Directory.GetFiles(framework, "*.dll"))
            {
                // In place of the restored assembly of that name, or beside them (one the shared framework brings, which
                // then yields to it below).
                var name = Path.GetFileName(assembly);
                result.RemoveAll(p => string.Equals(Path.GetFileName(p), name, StringComparison.OrdinalIgnoreCase));
                result.Add(assembly);
            }
        }

        return result.ToImmutableArray();
    }

    /// <summary>The SDK assemblies the tests' compilations reference: the restored ones, with the package overrides.</summary>
    private static readonly ImmutableArray<string> SdkAssemblyPaths = WithPackageOverrides(SdkPaths);

    /// <summary>
    /// The ASP.NET Core shared framework's reference pack (minimal APIs, MVC, SignalR, <c>HttpResponse</c>), as a web
    /// project references it, with no model SDK: a web app that relays something else.
    /// </summary>
    public static readonly ImmutableArray<MetadataReference> AspNetCore = Directory
        .GetFiles(Path.Combine(PackageRoot, "microsoft.aspnetcore.app.ref", "10.0.12", "ref", "net10.0"), "*.dll")
        .OrderBy(p => p, StringComparer.Ordinal)
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray();

    /// <summary>
    /// Every SDK assembly the test project restores (OpenAI, MEAI, SK, Anthropic, OllamaSharp, Betalgo, Polly, resilience…)
    /// and the ASP.NET Core shared framework: the test sources are the code of a web app that calls models, as the relays
    /// (LLM5xx) are. An assembly both bring (Microsoft.Extensions.*) is the SDKs' one, so that none is referenced twice.
    /// </summary>
    public static readonly ImmutableArray<MetadataReference> Sdks = SdkAssemblyPaths
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .Concat(AspNetCore.Where(a => !SdkAssemblyPaths.Any(s => string.Equals(Path.GetFileName(s), Path.GetFileName(a.Display), StringComparison.OrdinalIgnoreCase))))
        .ToImmutableArray();

    /// <summary>
    /// OpenAI 2.1.0 (the first 2.x GA: no Responses client; Assistants streams are AsyncCollectionResult) with the
    /// System.ClientModel it was built against (1.2.1: an older one fails with CS1705).
    /// </summary>
    public static readonly ImmutableArray<MetadataReference> OpenAI210 = ImmutableArray.Create<MetadataReference>(
        MetadataReference.CreateFromFile(Path.Combine(PackageRoot, "openai", "2.1.0", "lib", "net6.0", "OpenAI.dll")),
        MetadataReference.CreateFromFile(Path.Combine(PackageRoot, "system.clientmodel", "1.2.1", "lib", "net6.0", "System.ClientModel.dll")));

    /// <summary>Microsoft.Extensions.AI.Abstractions 9.5.0 (an older shape of ChatResponseUpdate).</summary>
    public static readonly ImmutableArray<MetadataReference> ExtensionsAI950 = ImmutableArray.Create<MetadataReference>(
        MetadataReference.CreateFromFile(Path.Combine(PackageRoot, "microsoft.extensions.ai.abstractions", "9.5.0", "lib", "net9.0", "Microsoft.Extensions.AI.Abstractions.dll")));

    /// <summary>
    /// The SDKs with Microsoft.Extensions.Http.Resilience 8.10.0 (the .NET 8 line, which has no
    /// <c>RemoveAllResilienceHandlers</c>) in place of the current one.
    /// </summary>
    public static readonly ImmutableArray<MetadataReference> SdksWithHttpResilience810 = Sdks
        .Where(r => !string.Equals(Path.GetFileName(r.Display), "Microsoft.Extensions.Http.Resilience.dll", StringComparison.OrdinalIgnoreCase))
        .Append(MetadataReference.CreateFromFile(Path.Combine(PackageRoot, "microsoft.extensions.http.resilience", "8.10.0", "lib", "net8.0", "Microsoft.Extensions.Http.Resilience.dll")))
        .ToImmutableArray();

    /// <summary>The SDKs with Microsoft Agent Framework 1.20.0 (the first served version) in place of the current one.</summary>
    public static readonly ImmutableArray<MetadataReference> SdksWithAgentFramework120 = Sdks
        .Where(r => !Path.GetFileName(r.Display ?? string.Empty).StartsWith("Microsoft.Agents.AI", StringComparison.OrdinalIgnoreCase))
        .Append(MetadataReference.CreateFromFile(Path.Combine(PackageRoot, "microsoft.agents.ai", "1.20.0", "lib", "net10.0", "Microsoft.Agents.AI.dll")))
        .Append(MetadataReference.CreateFromFile(Path.Combine(PackageRoot, "microsoft.agents.ai.abstractions", "1.20.0", "lib", "net10.0", "Microsoft.Agents.AI.Abstractions.dll")))
        .ToImmutableArray();

    /// <summary>An empty reference-assembly set: the tests add every reference themselves, so nothing is resolved from a feed at run time.</summary>
    public static readonly ReferenceAssemblies None = new("net10.0");
}
