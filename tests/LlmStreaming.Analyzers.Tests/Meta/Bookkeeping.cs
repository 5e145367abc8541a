using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// The files every rule appears in, written from the descriptors: the README's rules table, the severity presets, the
/// release-tracking rows of new rules, and each rule page's title and property rows (a page that does not exist yet gets
/// a skeleton with the sections a page must have). Adding a rule is its descriptor, analyzer, fix, tests and page text,
/// then one run of <c>LLM_UPDATE_BOOKKEEPING=1 dotnet test --filter Bookkeeping</c>; <see cref="BookkeepingTests"/>
/// fails while any of these files is stale. (.ci/run reads its rule IDs from the release-tracking files.)
/// </summary>
internal static class Bookkeeping
{
    public const string UpdateVariable = "LLM_UPDATE_BOOKKEEPING";

    public const string RulesTableBegin = "<!-- rules-table:begin (generated from the descriptors: LLM_UPDATE_BOOKKEEPING=1 dotnet test --filter Bookkeeping) -->";

    public const string RulesTableEnd = "<!-- rules-table:end -->";

    /// <summary>The LlmStreamingAnalysisMode presets and the severity each gives every rule.</summary>
    public static readonly IReadOnlyDictionary<string, string> Presets = new Dictionary<string, string>
    {
        ["strict"] = "error",
        ["none"] = "none",
    };

    public static bool HasFix(string id) => PackageCatalog.CodeFixes.Any(f => f.FixableDiagnosticIds.Contains(id));

    public static string Severity(DiagnosticDescriptor descriptor) => descriptor.DefaultSeverity switch
    {
        DiagnosticSeverity.Warning => "Warning",
        DiagnosticSeverity.Info => "Info",
        DiagnosticSeverity.Error => "Error",
        _ => "Hidden",
    };

    /// <summary>README.md with its rules table (between the markers) written from the descriptors.</summary>
    public static string Readme(string current)
    {
        var rows = new StringBuilder();
        rows.Append("| ID | Title | Severity | Code fix |\n|---|---|---|---|\n");
        foreach (var descriptor in PackageCatalog.Descriptors)
        {
            rows.Append("| [").Append(descriptor.Id).Append("](docs/rules/").Append(descriptor.Id).Append(".md) | ")
                .Append(descriptor.Title).Append(" | ").Append(Severity(descriptor)).Append(" | ")
                .Append(HasFix(descriptor.Id) ? "Yes" : "No").Append(" |\n");
        }

        var begin = current.IndexOf("<!-- rules-table:begin", StringComparison.Ordinal);
        var end = current.IndexOf(RulesTableEnd, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new InvalidOperationException("README.md has no rules-table markers");
        }

        return current.Substring(0, begin) + RulesTableBegin + "\n" + rows + current.Substring(end);
    }

    /// <summary>A preset with one entry per rule, after its header (the comment, <c>is_global</c> and <c>global_level</c> lines).</summary>
    public static string Preset(string current, string severity)
    {
        var header = current.Split('\n').TakeWhile(l => !l.StartsWith("dotnet_diagnostic.", StringComparison.Ordinal)).ToList();
        while (header.Count > 0 && header[^1].Length == 0)
        {
            header.RemoveAt(header.Count - 1);
        }

        var text = new StringBuilder(string.Join("\n", header)).Append("\n\n");
        foreach (var descriptor in PackageCatalog.Descriptors)
        {
            text.Append("dotnet_diagnostic.").Append(descriptor.Id).Append(".severity = ").Append(severity).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// AnalyzerReleases.Unshipped.md: a row for every rule not in a shipped release (ID, category, severity, the analyzer
    /// that reports it), under the file's header.
    /// </summary>
    public static string Unshipped(string current, string shipped)
    {
        var shippedIds = new HashSet<string>(Regex.Matches(shipped, @"(?m)^(LLM\d{3})\s*\|").Select(m => m.Groups[1].Value));
        var header = current.Split('\n').TakeWhile(l => !Regex.IsMatch(l, @"^LLM\d{3}\s*\|")).ToList();
        while (header.Count > 0 && header[^1].Length == 0)
        {
            header.RemoveAt(header.Count - 1);
        }

        var text = new StringBuilder(string.Join("\n", header)).Append('\n');
        foreach (var descriptor in PackageCatalog.Descriptors.Where(d => !shippedIds.Contains(d.Id)))
        {
            var analyzers = PackageCatalog.Analyzers
                .Where(a => a.SupportedDiagnostics.Any(d => d.Id == descriptor.Id))
                .Select(a => a.GetType().Name);
            text.Append(descriptor.Id).Append(" | ").Append(descriptor.Category).Append(" | ").Append(Severity(descriptor))
                .Append(" | ").Append(string.Join(", ", analyzers)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// A rule page with its title line, its Rule ID, Category and Default severity rows written from the descriptor, and
    /// as its last line the links to the rule's sources (<see cref="SourcesLine"/>).
    /// </summary>
    public static string Page(string current, DiagnosticDescriptor descriptor)
    {
        var lines = current.Split('\n');
        lines[0] = "# " + descriptor.Id + ": " + descriptor.Title;
        for (var i = 1; i < lines.Length && (i < 3 || lines[i].StartsWith("|", StringComparison.Ordinal)); i++)
        {
            if (lines[i].StartsWith("| Category |", StringComparison.Ordinal))
            {
                lines[i] = "| Category | " + descriptor.Category + " |";
            }
            else if (lines[i].StartsWith("| Default severity |", StringComparison.Ordinal))
            {
                lines[i] = "| Default severity | " + Severity(descriptor) + " |";
            }
            else if (lines[i].StartsWith("| Rule ID |", StringComparison.Ordinal))
            {
                lines[i] = "| Rule ID | " + descriptor.Id + " |";
            }
        }

        var text = string.Join("\n", lines).TrimEnd('\n');
        var last = text.LastIndexOf('\n');
        if (text.Substring(last + 1).StartsWith("Sources: ", StringComparison.Ordinal))
        {
            text = text.Substring(0, last).TrimEnd('\n');
        }

        return text + "\n\n" + SourcesLine(descriptor.Id) + "\n";
    }

    /// <summary>The name of a rule's constant in <see cref="DiagnosticIds"/> (LLM301: <c>PartialOutputDiscarded</c>).</summary>
    public static string ConstantName(string id)
        => typeof(DiagnosticIds).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Single(f => f.IsLiteral && (string?)f.GetRawConstantValue() == id).Name;

    /// <summary>
    /// The source files of a rule, as paths from the repository root: its analyzer (<c>{Constant}Analyzer.cs</c>), its fix
    /// (<c>{Constant}CodeFix.cs</c>, and its partial files) and its tests (<c>{Constant}Tests.cs</c> and partial files).
    /// </summary>
    public static IReadOnlyList<(string Kind, string Path)> Sources(string id)
    {
        var constant = ConstantName(id);
        var sources = new List<(string, string)>();
        void Add(string kind, string folder, string name)
        {
            var root = Repository.PathOf(folder);
            foreach (var file in Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Where(f => Path.GetFileName(f) == name + ".cs" || Path.GetFileName(f).StartsWith(name + ".", StringComparison.Ordinal))
                .OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal))
            {
                sources.Add((kind, Path.GetRelativePath(Repository.PathOf(), file).Replace(Path.DirectorySeparatorChar, '/')));
            }
        }

        Add("analyzer", "src", constant + "Analyzer");
        Add("fix", "src", constant + "CodeFix");
        Add("tests", "tests", constant + "Tests");
        return sources;
    }

    /// <summary>The last line of a rule page: links to the rule's analyzer, fix and tests.</summary>
    public static string SourcesLine(string id)
        => "Sources: " + string.Join(", ", Sources(id).Select(s => "[" + s.Kind + " `" + Path.GetFileName(s.Path) + "`](../../" + s.Path + ")")) + ".";

    /// <summary>The page a new rule starts with: the property table and every section a page must have, to be written.</summary>
    public static string PageSkeleton(DiagnosticDescriptor descriptor)
        => "# " + descriptor.Id + ": " + descriptor.Title + "\n\n"
            + "| Property | Value |\n|---|---|\n"
            + "| Rule ID | " + descriptor.Id + " |\n"
            + "| Category | " + descriptor.Category + " |\n"
            + "| Default severity | " + Severity(descriptor) + " |\n"
            + "| Code fix | " + (HasFix(descriptor.Id) ? "Yes: (what it does)" : "No") + " |\n\n"
            + "## Cause\n\n(to write)\n\n## Why it matters\n\n(to write)\n\n## How to fix\n\n(to write)\n\n"
            + "## Configuration\n\nSeverity: `dotnet_diagnostic." + descriptor.Id + ".severity`.\n\n"
            + "## When to suppress\n\n(to write)\n\n## Related rules\n\n(to write)\n\n" + SourcesLine(descriptor.Id) + "\n";

    /// <summary>Every generated file: its path and its text as the descriptors say it should be.</summary>
    public static IEnumerable<(string Path, string Expected)> Files()
    {
        var readme = Repository.PathOf("README.md");
        yield return (readme, Readme(File.ReadAllText(readme)));

        foreach (var (mode, severity) in Presets)
        {
            var preset = Repository.PathOf("src", "LlmStreaming.Package", "config", "llm-streaming." + mode + ".globalconfig");
            yield return (preset, Preset(File.ReadAllText(preset), severity));
        }

        var unshipped = Repository.PathOf("src", "LlmStreaming.Analyzers", "AnalyzerReleases.Unshipped.md");
        var shipped = Repository.PathOf("src", "LlmStreaming.Analyzers", "AnalyzerReleases.Shipped.md");
        yield return (unshipped, Unshipped(File.ReadAllText(unshipped), File.ReadAllText(shipped)));

        foreach (var descriptor in PackageCatalog.Descriptors)
        {
            var page = Repository.PathOf("docs", "rules", descriptor.Id + ".md");
            yield return (page, File.Exists(page) ? Page(File.ReadAllText(page), descriptor) : PageSkeleton(descriptor));
        }
    }
}
