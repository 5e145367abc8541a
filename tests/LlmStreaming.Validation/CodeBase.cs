using System.Text.RegularExpressions;

namespace LlmStreaming.Validation;

/// <summary>One row of codebases.tsv.</summary>
internal sealed record CodeBaseEntry(
    string Name, string Repository, string Commit, IReadOnlyList<string> Include, IReadOnlyList<string> Exclude,
    IReadOnlyList<string> ReplacesAssemblies)
{
    /// <summary>
    /// Columns: name, repository URL, commit, include folders, exclude folders, assemblies the code base's own
    /// source replaces (all lists comma-separated; '.' or empty include = the whole repository). '#' starts a comment.
    /// </summary>
    public static List<CodeBaseEntry> ReadAll(string path)
    {
        var list = new List<CodeBaseEntry>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var cols = line.Split('\t');
            string Col(int i) => i < cols.Length ? cols[i].Trim() : "";
            static List<string> Folders(string value) => value
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(f => f.Replace('\\', '/').Trim('/'))
                .Where(f => f.Length > 0 && f != ".")
                .ToList();
            list.Add(new CodeBaseEntry(Col(0), Col(1), Col(2), Folders(Col(3)), Folders(Col(4)),
                Col(5).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()));
        }
        return list;
    }
}

/// <summary>A project to compile: its evaluated file and the source files it owns.</summary>
internal sealed class ProjectToCompile(MsBuildProject project, string relativePath)
{
    public MsBuildProject Project { get; } = project;
    public string RelativePath { get; } = relativePath;
    public List<string> Files { get; } = new();
}

/// <summary>Finds a code base's projects and gives each source file to its project, as the validation describes.</summary>
internal static class CodeBaseLayout
{
    private static readonly string[] SkippedFolderNames = ["bin", "obj", ".git", "node_modules"];
    private static readonly string[] TestFolderNames = ["test", "tests", "benchmarks"];

    /// <summary>Test and benchmark projects, by name (not by IsTestProject).</summary>
    public static bool IsTestOrBenchmarkName(string projectName) =>
        projectName.EndsWith(".Test", StringComparison.OrdinalIgnoreCase) ||
        projectName.EndsWith(".Tests", StringComparison.OrdinalIgnoreCase) ||
        projectName.EndsWith("Tests", StringComparison.OrdinalIgnoreCase) ||
        projectName.Contains(".Tests.", StringComparison.OrdinalIgnoreCase) ||
        projectName.Contains("Benchmark", StringComparison.OrdinalIgnoreCase);

    private static bool InSkippedFolder(string relative, bool includeTestFolders)
    {
        var segments = relative.Split('/');
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (SkippedFolderNames.Contains(segments[i], StringComparer.OrdinalIgnoreCase)) return true;
            if (includeTestFolders && TestFolderNames.Contains(segments[i], StringComparer.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static bool Under(string relative, string folder) =>
        relative.Equals(folder, StringComparison.Ordinal) || relative.StartsWith(folder + "/", StringComparison.Ordinal);

    public static string Relative(string root, string fullPath) =>
        Path.GetRelativePath(root, fullPath).Replace('\\', '/');

    public static List<ProjectToCompile> Discover(string root, CodeBaseEntry entry, List<string> log)
    {
        root = Path.GetFullPath(root).TrimEnd('/');
        var allFiles = Directory.EnumerateFiles(root, "*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
        }).Select(f => (Full: f, Rel: Relative(root, f))).ToList();

        bool Included(string rel) =>
            (entry.Include.Count == 0 || entry.Include.Any(f => Under(rel, f))) &&
            !entry.Exclude.Any(f => Under(rel, f));

        // every project file of the repository owns its folder (a test project's files are skipped with it)
        var projectFiles = allFiles
            .Where(f => f.Rel.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) && !InSkippedFolder(f.Rel, false))
            .ToList();
        var ownerOfFolder = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in projectFiles.GroupBy(p => Path.GetDirectoryName(p.Full)!))
        {
            // two project files in one folder: the one named like the folder, as the real build references it
            var folderName = Path.GetFileName(group.Key);
            var chosen = group.Select(p => p.Full)
                .FirstOrDefault(p => Path.GetFileNameWithoutExtension(p).Equals(folderName, StringComparison.OrdinalIgnoreCase))
                ?? group.Select(p => p.Full).OrderBy(Path.GetFileName, StringComparer.Ordinal).First();
            ownerOfFolder[group.Key] = chosen;
            if (group.Count() > 1)
                log.Add($"  {Relative(root, group.Key)}: {group.Count()} project files; the folder's files go to {Path.GetFileName(chosen)}");
        }

        var analysed = new Dictionary<string, ProjectToCompile>(StringComparer.Ordinal);
        foreach (var (full, rel) in projectFiles)
        {
            if (!Included(rel)) continue;
            if (InSkippedFolder(rel, true) || IsTestOrBenchmarkName(Path.GetFileNameWithoutExtension(full))) continue;
            var project = MsBuildProject.Read(full, root);
            foreach (var w in project.Warnings) log.Add($"  {rel}: {w}");
            analysed[full] = new ProjectToCompile(project, rel);
        }

        var sources = allFiles.Where(f => f.Rel.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var (full, rel) in sources)
        {
            if (!Included(rel) || InSkippedFolder(rel, true)) continue;
            var owner = NearestProject(Path.GetDirectoryName(full)!, root, ownerOfFolder);
            if (owner == null || !analysed.TryGetValue(owner, out var target)) continue;
            if (target.Project.Get("EnableDefaultCompileItems").Equals("false", StringComparison.OrdinalIgnoreCase)) continue;
            target.Files.Add(full);
        }

        // explicit <Compile Include> (linked files) and <Compile Remove>
        foreach (var target in analysed.Values)
        {
            var dir = target.Project.Directory;
            foreach (var pattern in target.Project.CompileIncludes)
            {
                foreach (var file in Glob(dir, pattern, sources.Select(s => s.Full)))
                {
                    if (!target.Files.Contains(file)) target.Files.Add(file);
                }
            }
            foreach (var pattern in target.Project.CompileRemoves)
            {
                var regex = GlobRegex(dir, pattern);
                target.Files.RemoveAll(f => regex.IsMatch(f));
            }
            target.Files.Sort(StringComparer.Ordinal);
        }
        return analysed.Values.OrderBy(p => p.RelativePath, StringComparer.Ordinal).ToList();
    }

    private static string? NearestProject(string directory, string root, Dictionary<string, string> ownerOfFolder)
    {
        var dir = directory;
        while (dir != null && (dir + "/").StartsWith(root + "/", StringComparison.Ordinal))
        {
            if (ownerOfFolder.TryGetValue(dir, out var owner)) return owner;
            if (dir == root) break;
            dir = Path.GetDirectoryName(dir);
        }
        return null;
    }

    private static IEnumerable<string> Glob(string baseDir, string pattern, IEnumerable<string> candidates)
    {
        if (!pattern.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) && !pattern.Contains('*')) yield break;
        if (!pattern.Contains('*'))
        {
            var full = MsBuildProject.ResolvePath(Path.IsPathRooted(pattern) ? pattern : Path.Combine(baseDir, pattern));
            if (full != null && File.Exists(full)) yield return full;
            yield break;
        }
        var regex = GlobRegex(baseDir, pattern);
        foreach (var c in candidates)
        {
            var rel = c.Replace('\\', '/');
            if (regex.IsMatch(rel) && !rel.Contains("/obj/") && !rel.Contains("/bin/")) yield return c;
        }
    }

    /// <summary>An MSBuild wildcard (**, *, ?) relative to <paramref name="baseDir"/> as a regex over full paths.</summary>
    private static Regex GlobRegex(string baseDir, string pattern)
    {
        var full = Path.IsPathRooted(pattern) ? pattern : baseDir.TrimEnd('/') + "/" + pattern;
        // normalise ../ and ./ segments before the first wildcard
        var firstWild = full.IndexOfAny(['*', '?']);
        var head = firstWild < 0 ? full : full[..(full.LastIndexOf('/', firstWild) + 1)];
        var tail = firstWild < 0 ? "" : full[head.Length..];
        head = Path.GetFullPath(head.Length == 0 ? "/" : head);
        if (firstWild >= 0 && !head.EndsWith('/')) head += "/";
        var regex = "^" + Regex.Escape(firstWild < 0 ? Path.GetFullPath(full) : head);
        for (var i = 0; i < tail.Length; i++)
        {
            if (tail[i] == '*' && i + 1 < tail.Length && tail[i + 1] == '*')
            {
                // '**/' matches any number of folders, a final '**' anything
                if (i + 2 < tail.Length && tail[i + 2] == '/')
                {
                    regex += "(?:.*/)?";
                    i += 2;
                }
                else
                {
                    regex += ".*";
                    i += 1;
                }
            }
            else if (tail[i] == '*') regex += "[^/]*";
            else if (tail[i] == '?') regex += "[^/]";
            else regex += Regex.Escape(tail[i].ToString());
        }
        return new Regex(regex + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}
