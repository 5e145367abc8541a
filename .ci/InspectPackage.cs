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

// The package page: the icon, the release notes (CHANGELOG.md's first version section) and a README that renders
// there (nuget.org resolves no relative link and shows no placeholder).
Check(Meta("icon") == "icon.png" && entries.Contains("icon.png"), "nuspec names the icon, icon.png is packed");
var icon = ReadEntry("icon.png");
var isPng = icon.Length > 24 && icon.Take(8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
var (iconWidth, iconHeight) = isPng ? (BigEndian(icon, 16), BigEndian(icon, 20)) : (0, 0);
Check(isPng && iconWidth == iconHeight && iconWidth >= 64 && icon.Length < 1024 * 1024, $"icon.png is a square PNG of at least 64 px under 1 MB ({iconWidth}x{iconHeight}, {icon.Length} bytes)");
var releaseNotes = Meta("releaseNotes") ?? "";
Check(releaseNotes.StartsWith("## [", StringComparison.Ordinal) && releaseNotes.Contains("### ", StringComparison.Ordinal), "nuspec has release notes from CHANGELOG.md (" + releaseNotes.Split('\n')[0] + ")");
var readme = entries.Contains("README.md") ? System.Text.Encoding.UTF8.GetString(ReadEntry("README.md")) : "";
Check(!readme.Contains("{repository}", StringComparison.Ordinal), "README.md has the repository's address filled in");
var relativeLinks = System.Text.RegularExpressions.Regex.Matches(readme, @"\]\(([^)]*)\)").Select(m => m.Groups[1].Value).Where(l => !l.StartsWith("https://", StringComparison.Ordinal) && !l.StartsWith("#", StringComparison.Ordinal)).ToList();
Check(relativeLinks.Count == 0, "README.md links only to https:// addresses" + (relativeLinks.Count == 0 ? "" : ": " + string.Join(", ", relativeLinks)));

// The rule pages, readable offline where the help links point (docs/rules/LLMnnn.md): the repository's pages, all of them.
var pages = entries.Where(e => e.StartsWith("docs/rules/", StringComparison.Ordinal) && e.EndsWith(".md", StringComparison.Ordinal)).Select(e => e.Substring("docs/rules/".Length)).OrderBy(e => e, StringComparer.Ordinal).ToList();
var repositoryPages = Directory.Exists("docs/rules") ? Directory.GetFiles("docs/rules", "*.md").Select(Path.GetFileName).OrderBy(e => e, StringComparer.Ordinal).ToList() : new List<string?>();
Check(pages.Count > 0 && pages.SequenceEqual(repositoryPages), $"docs/rules/*.md are packed ({pages.Count} pages, {repositoryPages.Count} in the repository)");
Check(entries.Contains("docs/configuration.md"), "docs/configuration.md is packed");

// The project and repository URLs are the analyzers' Descriptors.RepositoryUrl, the address of the help links.
var repositoryUrl = ConstantOf(ReadEntry(AnalyzerFolder + "LlmStreaming.Analyzers.dll"), "Descriptors", "RepositoryUrl");
var repositoryElement = metadata.Elements().FirstOrDefault(e => e.Name.LocalName == "repository");
Check(repositoryUrl is not null && Meta("projectUrl") == repositoryUrl, $"nuspec projectUrl is Descriptors.RepositoryUrl ({Meta("projectUrl")} / {repositoryUrl})");
Check(repositoryUrl is not null && (string?)repositoryElement?.Attribute("url") == repositoryUrl, $"nuspec repository url is Descriptors.RepositoryUrl ({(string?)repositoryElement?.Attribute("url")})");
Check(repositoryUrl is not null && readme.Contains(repositoryUrl + "/", StringComparison.Ordinal), "README.md links to Descriptors.RepositoryUrl");

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

byte[] ReadEntry(string name)
{
    var entry = zip.GetEntry(name);
    if (entry is null)
    {
        return Array.Empty<byte>();
    }

    using var buffer = new MemoryStream();
    using (var stream = entry.Open())
    {
        stream.CopyTo(buffer);
    }

    return buffer.ToArray();
}

static int BigEndian(byte[] bytes, int offset) => (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];

// The value of a string constant (const field) of a type in an assembly, read from its metadata.
static string? ConstantOf(byte[] assembly, string typeName, string fieldName)
{
    if (assembly.Length == 0)
    {
        return null;
    }

    using var pe = new PEReader(new MemoryStream(assembly));
    var reader = pe.GetMetadataReader();
    foreach (var typeHandle in reader.TypeDefinitions)
    {
        var type = reader.GetTypeDefinition(typeHandle);
        if (reader.GetString(type.Name) != typeName)
        {
            continue;
        }

        foreach (var fieldHandle in type.GetFields())
        {
            var field = reader.GetFieldDefinition(fieldHandle);
            var constantHandle = field.GetDefaultValue();
            if (reader.GetString(field.Name) == fieldName && !constantHandle.IsNil)
            {
                var blob = reader.GetBlobReader(reader.GetConstant(constantHandle).Value);
                return blob.ReadUTF16(blob.Length);
            }
        }
    }

    return null;
}

if (failures.Count > 0)
{
    Console.WriteLine($"package inspection failed: {failures.Count} finding(s)");
    return 1;
}

Console.WriteLine("package inspection passed");
return 0;
