// Checks the layout of the analyzer package that .ci/run has just packed. A .NET file-based app, so that CI
// needs nothing but the .NET SDK (no unzip):  dotnet run .ci/InspectPackage.cs -- <path to .nupkg>
// Prints every finding and exits 1 when one fails.
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: dotnet run .ci/InspectPackage.cs -- <package.nupkg>");
    return 2;
}

const string AnalyzerFolder = "analyzers/dotnet/cs/";
string[] requiredAssemblies = ["LlmStreaming.Analyzers.dll", "LlmStreaming.CodeFixes.dll"];
// The Roslyn floor (Directory.Packages.props): a reference above it makes the package fail to load (CS8032)
// in the compilers between the floor and that version.
var roslynFloor = new Version(4, 8, 0, 0);

var failures = new List<string>();
void Check(bool ok, string what)
{
    Console.WriteLine($"  [{(ok ? "ok" : "FAIL")}] {what}");
    if (!ok)
    {
        failures.Add(what);
    }
}

using var zip = ZipFile.OpenRead(args[0]);
var entries = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToList();
Console.WriteLine($"{Path.GetFileName(args[0])}:");
foreach (var entry in entries.OrderBy(e => e, StringComparer.Ordinal))
{
    Console.WriteLine($"    {entry}");
}

foreach (var assembly in requiredAssemblies)
{
    Check(entries.Contains(AnalyzerFolder + assembly), $"{AnalyzerFolder}{assembly} is packed");
}

Check(!entries.Any(e => e.StartsWith("lib/", StringComparison.OrdinalIgnoreCase)), "no lib/ folder");
Check(!entries.Any(e => e.StartsWith("ref/", StringComparison.OrdinalIgnoreCase)), "no ref/ folder");
var strayAssemblies = entries.Where(e => e.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && !e.StartsWith(AnalyzerFolder, StringComparison.Ordinal)).ToList();
Check(strayAssemblies.Count == 0, "no assembly outside " + AnalyzerFolder + (strayAssemblies.Count == 0 ? "" : ": " + string.Join(", ", strayAssemblies)));
Check(entries.Contains("README.md"), "README.md is packed");
foreach (var preset in new[] { "build/LlmStreaming.Analyzers.targets", "buildTransitive/LlmStreaming.Analyzers.targets", "config/llm-streaming.strict.globalconfig", "config/llm-streaming.none.globalconfig" })
{
    Check(entries.Contains(preset), preset + " is packed (severity presets)");
}

// The default mode adds no preset: a per-ID preset would beat the project's category and global severity switches.
Check(!entries.Contains("config/llm-streaming.default.globalconfig"), "no preset for the default mode");

var nuspecEntry = zip.Entries.Single(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
XDocument nuspec;
using (var stream = nuspecEntry.Open())
{
    nuspec = XDocument.Load(stream);
}

var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
string? Meta(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
Check(Meta("id") == "LlmStreaming.Analyzers", $"nuspec id is LlmStreaming.Analyzers ({Meta("id")})");
Check(string.Equals(Meta("developmentDependency"), "true", StringComparison.OrdinalIgnoreCase), "nuspec has <developmentDependency>true</developmentDependency>");
var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string?)e.Attribute("id")).ToList();
Check(dependencies.Count == 0, "nuspec has no dependencies" + (dependencies.Count == 0 ? "" : ": " + string.Join(", ", dependencies)));
Check(Meta("license") == "MIT", $"nuspec license is MIT ({Meta("license")})");
Check(Meta("readme") == "README.md", "nuspec names the README");

foreach (var assembly in requiredAssemblies)
{
    var entry = zip.GetEntry(AnalyzerFolder + assembly);
    if (entry is null)
    {
        continue;
    }

    using var buffer = new MemoryStream();
    using (var stream = entry.Open())
    {
        stream.CopyTo(buffer);
    }

    buffer.Position = 0;
    using var pe = new PEReader(buffer);
    var reader = pe.GetMetadataReader();
    foreach (var handle in reader.AssemblyReferences)
    {
        var reference = reader.GetAssemblyReference(handle);
        var name = reader.GetString(reference.Name);
        if (name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
        {
            Check(reference.Version <= roslynFloor, $"{assembly} references {name} {reference.Version} (floor {roslynFloor})");
        }
    }
}

if (failures.Count > 0)
{
    Console.WriteLine($"package inspection failed: {failures.Count} finding(s)");
    return 1;
}

Console.WriteLine("package inspection passed");
return 0;
