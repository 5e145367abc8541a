using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using LlmStreaming.Benchmarks.Generation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Benchmarks.Benchmarks;

/// <summary>Generated projects as in-memory compilations against the net10.0 reference pack and the real SDK assemblies.</summary>
internal static class BenchCompilations
{
    private static readonly string PackageRoot = typeof(BenchCompilations).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NuGetPackageRoot").Value!;

    private static readonly string FrameworkDirectory = Path.Combine(PackageRoot, "microsoft.netcore.app.ref", "10.0.12", "ref", "net10.0");

    private static readonly Lazy<ImmutableArray<MetadataReference>> Framework = new(() => Directory
        .GetFiles(FrameworkDirectory, "*.dll")
        .OrderBy(p => p, StringComparer.Ordinal)
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray());

    private static readonly Lazy<ImmutableArray<MetadataReference>> AspNetCore = new(() => Directory
        .GetFiles(Path.Combine(PackageRoot, "microsoft.aspnetcore.app.ref", "10.0.12", "ref", "net10.0"), "*.dll")
        .OrderBy(p => p, StringComparer.Ordinal)
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray());

    /// <summary>Assemblies of this program's own machinery, never referenced by the generated code.</summary>
    private static readonly string[] ExcludedPrefixes =
    {
        "BenchmarkDotNet", "Perfolizer", "Pragmastat", "Iced", "Microsoft.CodeAnalysis", "Microsoft.Diagnostics", "Microsoft.DotNet",
        "CommandLine", "Gee.External", "LlmStreaming", "Microsoft.Win32", "System.Management", "System.CodeDom", "System.Composition",
        "Microsoft.Bcl",
    };

    private static readonly Lazy<ImmutableArray<MetadataReference>> Sdks = new(() =>
    {
        var frameworkNames = Directory.GetFiles(FrameworkDirectory, "*.dll").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
            .Where(p => !frameworkNames.Contains(Path.GetFileNameWithoutExtension(p)))
            .Where(p => !ExcludedPrefixes.Any(prefix => Path.GetFileName(p).StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            .Where(p => Path.GetFileNameWithoutExtension(p) != Assembly.GetEntryAssembly()?.GetName().Name)
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithSpecificDiagnosticOptions(new[] { "OPENAI001", "MEAI001", "SKEXP0001", "SKEXP0010" }.ToDictionary(id => id, _ => ReportDiagnostic.Suppress));

    /// <summary>A generated project of <paramref name="files"/> files as a compilation; throws when it does not compile.</summary>
    /// <paramref name="relays"/>: a web project (ASP.NET Core referenced, relays of model streams among its files).
    public static CSharpCompilation Create(int files, bool withSdk, bool relays = false)
    {
        var trees = Codebase.Generate(files, withSdk, relays).Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path));
        var references = withSdk ? Framework.Value.AddRange(Sdks.Value) : Framework.Value;
        if (relays)
        {
            // The SDKs' own copies of Microsoft.Extensions.* stay; the shared framework's duplicates are left out.
            var taken = references.Select(r => Path.GetFileName(r.Display)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            references = references.AddRange(AspNetCore.Value.Where(r => !taken.Contains(Path.GetFileName(r.Display))));
        }
        var compilation = CSharpCompilation.Create("Generated", trees, references, Options);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(5).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("The generated project does not compile:\n" + string.Join("\n", errors));
        }

        // A fresh copy for the runs: this one has bound everything.
        return compilation.Clone();
    }
}
