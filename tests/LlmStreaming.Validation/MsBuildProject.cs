using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LlmStreaming.Validation;

/// <summary>A 'using' item of a project file: <c>&lt;Using Include="X" Alias="Y" Static="true" /&gt;</c>.</summary>
internal sealed record UsingItem(string Namespace, string? Alias, bool IsStatic);

/// <summary>
/// What the validation needs of one project file, read the way MSBuild would read it, closely enough: the nearest
/// Directory.Build.props, the explicit imports of the code base's own files, the project, the nearest
/// Directory.Build.targets. Properties are evaluated in order with simple conditions; no SDK file is read (the few
/// SDK defaults that matter are written out here).
/// </summary>
internal sealed class MsBuildProject
{
    public string FullPath { get; }
    public string Directory { get; }
    public string RepoRoot { get; }
    public string Sdk { get; private set; } = "";
    public string TargetFramework { get; private set; } = "";
    public Dictionary<string, string> Properties { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<UsingItem> Usings { get; } = new();
    public List<string> UsingRemovals { get; } = new();
    public List<string> ProjectReferences { get; } = new();
    public List<string> CompileIncludes { get; } = new();
    public List<string> CompileRemoves { get; } = new();
    public List<string> ImportedFiles { get; } = new();
    public List<string> Warnings { get; } = new();

    private readonly HashSet<string> _globalProperties = new(StringComparer.OrdinalIgnoreCase);
    private readonly Stack<string> _importStack = new();

    private MsBuildProject(string fullPath, string repoRoot)
    {
        FullPath = Path.GetFullPath(fullPath);
        Directory = Path.GetDirectoryName(FullPath)!;
        RepoRoot = Path.GetFullPath(repoRoot).TrimEnd('/');
    }

    public string Name => Path.GetFileNameWithoutExtension(FullPath);

    public string AssemblyName => Get("AssemblyName") is { Length: > 0 } n ? n : Name;

    public string Get(string name) => Properties.TryGetValue(name, out var v) ? v : "";

    public bool IsTrue(string name) =>
        Get(name).Trim().Equals("true", StringComparison.OrdinalIgnoreCase) ||
        Get(name).Trim().Equals("enable", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads a project: a first pass finds its target framework(s), the second evaluates with the one chosen.</summary>
    public static MsBuildProject Read(string projectPath, string repoRoot)
    {
        var first = new MsBuildProject(projectPath, repoRoot);
        first.Evaluate(null);
        var frameworks = first.Get("TargetFrameworks");
        var single = first.Get("TargetFramework");
        var chosen = ChooseFramework(frameworks.Length > 0 ? frameworks : single);

        var project = new MsBuildProject(projectPath, repoRoot);
        project.Evaluate(chosen);
        return project;
    }

    /// <summary>net10.0 if listed, else the highest netN.M, else netstandard2.1/2.0, else the first.</summary>
    internal static string ChooseFramework(string list)
    {
        var items = list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(f => !f.Contains('\u0001')).ToList();
        if (items.Count == 0) return "net10.0";
        string? best = null;
        var bestVersion = new Version(0, 0);
        foreach (var f in items)
        {
            var m = Regex.Match(f, @"^net(\d+)\.(\d+)(-.*)?$", RegexOptions.IgnoreCase);
            if (!m.Success) continue;
            var v = new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
            // a platform suffix (net9.0-windows) counts a little less than the plain framework
            if (v > bestVersion || (v == bestVersion && best != null && best.Contains('-') && !f.Contains('-')))
            {
                bestVersion = v;
                best = f;
            }
        }
        if (best != null) return best;
        return items.FirstOrDefault(f => f.Equals("netstandard2.1", StringComparison.OrdinalIgnoreCase))
            ?? items.FirstOrDefault(f => f.Equals("netstandard2.0", StringComparison.OrdinalIgnoreCase))
            ?? items[0];
    }

    private void Evaluate(string? targetFramework)
    {
        Set("MSBuildProjectFullPath", FullPath);
        Set("MSBuildProjectDirectory", Directory);
        Set("MSBuildProjectName", Name);
        Set("MSBuildProjectFile", Path.GetFileName(FullPath));
        Set("MSBuildProjectExtension", ".csproj");
        Set("SolutionDir", RepoRoot + "/");
        Set("Configuration", "Release");
        Set("Platform", "AnyCPU");
        Set("OS", "Unix");
        Set("DefineConstants", "TRACE;RELEASE");
        Set("MSBuildRuntimeType", "Core");
        if (targetFramework != null)
        {
            Set("TargetFramework", targetFramework);
            _globalProperties.Add("TargetFramework");
            TargetFramework = targetFramework;
        }

        XDocument project;
        try
        {
            project = LoadXml(FullPath);
        }
        catch (Exception e)
        {
            Warnings.Add($"cannot read {FullPath}: {e.Message}");
            return;
        }
        Sdk = project.Root?.Attribute("Sdk")?.Value ?? "";
        foreach (var sdk in project.Root?.Elements().Where(e => e.Name.LocalName == "Sdk") ?? [])
            Sdk += ";" + (sdk.Attribute("Name")?.Value ?? "");
        foreach (var imp in project.Root?.Elements().Where(e => e.Name.LocalName == "Import") ?? [])
            if (imp.Attribute("Sdk")?.Value is { } s) Sdk += ";" + s;

        var props = FindAbove(Directory, "Directory.Build.props");
        if (props != null) ProcessFile(props);
        ProcessFile(FullPath, project);
        var targets = FindAbove(Directory, "Directory.Build.targets");
        if (targets != null) ProcessFile(targets);
        if (TargetFramework.Length == 0) TargetFramework = Get("TargetFramework");
    }

    private static XDocument LoadXml(string path)
    {
        var text = File.ReadAllText(path);
        return XDocument.Parse(text, LoadOptions.None);
    }

    /// <summary>The nearest file of that name in <paramref name="startDirectory"/> or above, within the repository.</summary>
    private string? FindAbove(string startDirectory, string fileName)
    {
        var dir = startDirectory;
        while (dir != null && (dir + "/").StartsWith(RepoRoot + "/", StringComparison.Ordinal))
        {
            var candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate)) return candidate;
            if (dir == RepoRoot) break;
            dir = Path.GetDirectoryName(dir);
        }
        return null;
    }

    private void ProcessFile(string path, XDocument? loaded = null)
    {
        path = Path.GetFullPath(path);
        if (_importStack.Contains(path)) return;
        XDocument doc;
        try
        {
            doc = loaded ?? LoadXml(path);
        }
        catch (Exception e)
        {
            Warnings.Add($"cannot read {path}: {e.Message}");
            return;
        }
        if (path != FullPath) ImportedFiles.Add(path);
        _importStack.Push(path);
        var saved = Get("MSBuildThisFileDirectory");
        var savedFile = Get("MSBuildThisFileFullPath");
        Set("MSBuildThisFileDirectory", Path.GetDirectoryName(path)! + "/");
        Set("MSBuildThisFileFullPath", path);
        Set("MSBuildThisFile", Path.GetFileName(path));
        try
        {
            if (doc.Root != null) ProcessChildren(doc.Root);
        }
        finally
        {
            Set("MSBuildThisFileDirectory", saved);
            Set("MSBuildThisFileFullPath", savedFile);
            _importStack.Pop();
        }
    }

    private void ProcessChildren(XElement parent)
    {
        foreach (var element in parent.Elements())
        {
            switch (element.Name.LocalName)
            {
                case "PropertyGroup":
                    if (!Condition(element)) break;
                    foreach (var p in element.Elements())
                        if (Condition(p) && !_globalProperties.Contains(p.Name.LocalName))
                            Set(p.Name.LocalName, Expand(p.Value.Trim()));
                    break;
                case "ItemGroup":
                    if (!Condition(element)) break;
                    foreach (var item in element.Elements())
                        if (Condition(item)) ProcessItem(item);
                    break;
                case "Import":
                    if (Condition(element)) ProcessImport(element);
                    break;
                case "ImportGroup":
                    if (!Condition(element)) break;
                    foreach (var imp in element.Elements().Where(e => e.Name.LocalName == "Import"))
                        if (Condition(imp)) ProcessImport(imp);
                    break;
                case "Choose":
                    ProcessChoose(element);
                    break;
            }
        }
    }

    private void ProcessChoose(XElement choose)
    {
        foreach (var branch in choose.Elements())
        {
            if (branch.Name.LocalName == "When")
            {
                if (Condition(branch))
                {
                    ProcessChildren(branch);
                    return;
                }
            }
            else if (branch.Name.LocalName == "Otherwise")
            {
                ProcessChildren(branch);
                return;
            }
        }
    }

    private void ProcessImport(XElement import)
    {
        if (import.Attribute("Sdk") != null) return; // an SDK's own file: not read
        var raw = import.Attribute("Project")?.Value ?? "";
        string? target;
        var above = Regex.Match(raw, @"GetPathOfFileAbove\(\s*'([^']+)'\s*(,\s*'([^']*)')?\s*\)");
        if (above.Success)
        {
            // $([MSBuild]::GetPathOfFileAbove('Directory.Build.props', '$(MSBuildThisFileDirectory)../')):
            // the nearest such file in the start folder (default: the importing file's folder) or above
            var start = above.Groups[3].Success && above.Groups[3].Value.Trim().Length > 0
                ? Expand(above.Groups[3].Value)
                : Get("MSBuildThisFileDirectory");
            if (start.Contains('\u0001')) return;
            start = Path.GetFullPath(start.Replace('\\', '/'));
            target = FindAbove(start.TrimEnd('/'), Expand(above.Groups[1].Value));
        }
        else
        {
            var expanded = Expand(raw);
            if (expanded.Contains('\u0001') || expanded.Contains('*') || expanded.Length == 0) return;
            expanded = expanded.Replace('\\', '/');
            var baseDir = Get("MSBuildThisFileDirectory");
            target = ResolvePath(Path.IsPathRooted(expanded) ? expanded : Path.Combine(baseDir, expanded));
        }
        if (target == null || !File.Exists(target)) return;
        target = Path.GetFullPath(target);
        if (!(target.StartsWith(RepoRoot + "/", StringComparison.Ordinal))) return; // only the code base's own files
        ProcessFile(target);
    }

    private void ProcessItem(XElement item)
    {
        var include = Expand(item.Attribute("Include")?.Value ?? "");
        var remove = Expand(item.Attribute("Remove")?.Value ?? "");
        switch (item.Name.LocalName)
        {
            case "Using":
                if (include.Length > 0)
                {
                    var alias = item.Attribute("Alias")?.Value ?? item.Elements().FirstOrDefault(e => e.Name.LocalName == "Alias")?.Value;
                    var isStatic = string.Equals(
                        item.Attribute("Static")?.Value ?? item.Elements().FirstOrDefault(e => e.Name.LocalName == "Static")?.Value,
                        "true", StringComparison.OrdinalIgnoreCase);
                    foreach (var ns in SplitList(include)) Usings.Add(new UsingItem(ns, alias, isStatic));
                }
                if (remove.Length > 0) UsingRemovals.AddRange(SplitList(remove));
                break;
            case "ProjectReference":
                foreach (var p in SplitList(include))
                {
                    if (p.Contains('\u0001')) continue;
                    var full = ResolvePath(Path.Combine(Directory, p.Replace('\\', '/')));
                    if (full != null) ProjectReferences.Add(Path.GetFullPath(full));
                    else Warnings.Add($"project reference not found: {p}");
                }
                break;
            case "Compile":
                if (include.Length > 0) CompileIncludes.AddRange(SplitList(include).Select(s => s.Replace('\\', '/')));
                if (remove.Length > 0) CompileRemoves.AddRange(SplitList(remove).Select(s => s.Replace('\\', '/')));
                break;
        }
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private void Set(string name, string value) => Properties[name] = value;

    /// <summary>
    /// Resolves a path on a case-sensitive file system the way Windows would find it: segment by segment, ignoring
    /// case where the exact name does not exist. Null when nothing matches.
    /// </summary>
    internal static string? ResolvePath(string path)
    {
        path = Path.GetFullPath(path);
        if (File.Exists(path) || System.IO.Directory.Exists(path)) return path;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        foreach (var part in parts)
        {
            var exact = Path.Combine(current, part);
            if (File.Exists(exact) || System.IO.Directory.Exists(exact))
            {
                current = exact;
                continue;
            }
            if (!System.IO.Directory.Exists(current)) return null;
            var match = System.IO.Directory.EnumerateFileSystemEntries(current)
                .FirstOrDefault(e => string.Equals(Path.GetFileName(e), part, StringComparison.OrdinalIgnoreCase));
            if (match == null) return null;
            current = match;
        }
        return current;
    }

    // ---- property expansion -------------------------------------------------------------------------------

    /// <summary>
    /// Replaces $(Name) by the property's value (empty when unknown). A property function ($([…]) or
    /// $(Name.Method(…))) that is not understood becomes the marker \u0001, which conditions treat as unknown.
    /// </summary>
    internal string Expand(string value)
    {
        if (!value.Contains("$(", StringComparison.Ordinal)) return value;
        var sb = new StringBuilder();
        var i = 0;
        while (i < value.Length)
        {
            if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '(')
            {
                var depth = 0;
                var j = i + 1;
                for (; j < value.Length; j++)
                {
                    if (value[j] == '(') depth++;
                    else if (value[j] == ')' && --depth == 0) break;
                }
                if (j >= value.Length)
                {
                    sb.Append(value, i, value.Length - i);
                    break;
                }
                var inner = value.Substring(i + 2, j - i - 2).Trim();
                sb.Append(ExpandOne(inner));
                i = j + 1;
            }
            else
            {
                sb.Append(value[i]);
                i++;
            }
        }
        return sb.ToString();
    }

    private string ExpandOne(string inner)
    {
        if (Regex.IsMatch(inner, @"^[A-Za-z_][A-Za-z0-9_\-]*$")) return Get(inner);
        // a few property functions that conditions of the code bases use
        var m = Regex.Match(inner, @"^\[MSBuild\]::IsTargetFrameworkCompatible\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)$");
        if (m.Success)
        {
            var have = FrameworkVersion(Expand(m.Groups[1].Value));
            var want = FrameworkVersion(Expand(m.Groups[2].Value));
            if (have == null || want == null) return "\u0001";
            return (have.Value.Family == want.Value.Family && have.Value.Version >= want.Value.Version) ? "true" : "false";
        }
        m = Regex.Match(inner, @"^\[MSBuild\]::GetTargetFrameworkIdentifier\(\s*'([^']*)'\s*\)$");
        if (m.Success)
        {
            var fw = FrameworkVersion(Expand(m.Groups[1].Value));
            return fw == null ? "\u0001" : fw.Value.Family;
        }
        return "\u0001";
    }

    private static (string Family, Version Version)? FrameworkVersion(string tfm)
    {
        var m = Regex.Match(tfm.Trim(), @"^net(\d+)\.(\d+)(-.*)?$", RegexOptions.IgnoreCase);
        if (m.Success) return (".NETCoreApp", new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)));
        m = Regex.Match(tfm.Trim(), @"^netstandard(\d+)\.(\d+)$", RegexOptions.IgnoreCase);
        if (m.Success) return (".NETStandard", new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)));
        m = Regex.Match(tfm.Trim(), @"^netcoreapp(\d+)\.(\d+)$", RegexOptions.IgnoreCase);
        if (m.Success) return (".NETCoreApp", new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)));
        m = Regex.Match(tfm.Trim(), @"^net(\d)(\d)(\d?)$", RegexOptions.IgnoreCase);
        if (m.Success) return (".NETFramework", new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)));
        return null;
    }

    // ---- conditions ---------------------------------------------------------------------------------------

    private bool Condition(XElement element)
    {
        var condition = element.Attribute("Condition")?.Value;
        if (string.IsNullOrWhiteSpace(condition)) return true;
        try
        {
            return new ConditionParser(this, condition).Parse() != false; // unknown counts as true
        }
        catch (FormatException)
        {
            return true;
        }
    }

    /// <summary>
    /// MSBuild conditions: quoted strings (expanded), ==, !=, &lt;, &gt;, &lt;=, &gt;=, and, or, !, parentheses,
    /// Exists('…') and HasTrailingSlash('…'). Null means unknown (an unexpanded property function).
    /// </summary>
    private sealed class ConditionParser(MsBuildProject project, string text)
    {
        private int _pos;

        public bool? Parse()
        {
            var value = ParseOr();
            SkipSpaces();
            if (_pos != text.Length) throw new FormatException();
            return value;
        }

        private bool? ParseOr()
        {
            var left = ParseAnd();
            while (TryKeyword("or"))
            {
                var right = ParseAnd();
                left = left == true || right == true ? true : (left == null || right == null ? null : false);
            }
            return left;
        }

        private bool? ParseAnd()
        {
            var left = ParseUnary();
            while (TryKeyword("and"))
            {
                var right = ParseUnary();
                left = left == false || right == false ? false : (left == null || right == null ? null : true);
            }
            return left;
        }

        private bool? ParseUnary()
        {
            SkipSpaces();
            if (_pos < text.Length && text[_pos] == '!' && (_pos + 1 >= text.Length || text[_pos + 1] != '='))
            {
                _pos++;
                var v = ParseUnary();
                return v == null ? null : !v;
            }
            if (_pos < text.Length && text[_pos] == '(')
            {
                _pos++;
                var v = ParseOr();
                SkipSpaces();
                Expect(')');
                return v;
            }
            var left = ParseOperand();
            SkipSpaces();
            var op = TryOperator();
            if (op == null) return AsBool(left);
            var right = ParseOperand();
            if (left.Contains('\u0001') || right.Contains('\u0001')) return null;
            switch (op)
            {
                case "==": return string.Equals(left.Trim(), right.Trim(), StringComparison.OrdinalIgnoreCase);
                case "!=": return !string.Equals(left.Trim(), right.Trim(), StringComparison.OrdinalIgnoreCase);
                default:
                    if (!TryNumber(left, out var a) || !TryNumber(right, out var b)) return null;
                    return op switch { "<" => a < b, ">" => a > b, "<=" => a <= b, _ => a >= b };
            }
        }

        private static bool TryNumber(string s, out Version v)
        {
            s = s.Trim();
            if (int.TryParse(s, out var n)) s = n + ".0";
            return Version.TryParse(s, out v!);
        }

        private static bool? AsBool(string value)
        {
            if (value.Contains('\u0001')) return null;
            var v = value.Trim();
            if (v.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
            if (v.Equals("false", StringComparison.OrdinalIgnoreCase) || v.Length == 0) return false;
            return null;
        }

        private string ParseOperand()
        {
            SkipSpaces();
            if (_pos >= text.Length) throw new FormatException();
            if (text[_pos] == '\'')
            {
                var end = text.IndexOf('\'', _pos + 1);
                if (end < 0) throw new FormatException();
                var raw = text.Substring(_pos + 1, end - _pos - 1);
                _pos = end + 1;
                return project.Expand(raw);
            }
            if (text[_pos] == '$' && _pos + 1 < text.Length && text[_pos + 1] == '(')
            {
                var start = _pos;
                var depth = 0;
                for (; _pos < text.Length; _pos++)
                {
                    if (text[_pos] == '(') depth++;
                    else if (text[_pos] == ')' && --depth == 0) { _pos++; break; }
                }
                return project.Expand(text.Substring(start, _pos - start));
            }
            var word = Regex.Match(text.Substring(_pos), @"^[A-Za-z_][A-Za-z0-9_.]*");
            if (!word.Success)
            {
                var num = Regex.Match(text.Substring(_pos), @"^[0-9.]+");
                if (!num.Success) throw new FormatException();
                _pos += num.Length;
                return num.Value;
            }
            _pos += word.Length;
            SkipSpaces();
            if (_pos < text.Length && text[_pos] == '(')
            {
                _pos++;
                var arg = ParseOperand();
                SkipSpaces();
                Expect(')');
                var name = word.Value;
                if (name.Equals("Exists", StringComparison.OrdinalIgnoreCase))
                {
                    if (arg.Contains('\u0001')) return "\u0001";
                    var p = arg.Replace('\\', '/').Trim();
                    if (p.Length == 0) return "false";
                    var full = Path.IsPathRooted(p) ? p : Path.Combine(project.Get("MSBuildThisFileDirectory"), p);
                    return ResolvePath(full) != null ? "true" : "false";
                }
                if (name.Equals("HasTrailingSlash", StringComparison.OrdinalIgnoreCase))
                    return arg.EndsWith('/') || arg.EndsWith('\\') ? "true" : "false";
                return "\u0001";
            }
            return word.Value;
        }

        private string? TryOperator()
        {
            foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">" })
            {
                if (string.CompareOrdinal(text, _pos, op, 0, op.Length) == 0)
                {
                    _pos += op.Length;
                    return op;
                }
            }
            return null;
        }

        private bool TryKeyword(string keyword)
        {
            SkipSpaces();
            if (_pos + keyword.Length <= text.Length &&
                string.Compare(text, _pos, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0 &&
                (_pos + keyword.Length == text.Length || !char.IsLetterOrDigit(text[_pos + keyword.Length])))
            {
                _pos += keyword.Length;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            if (_pos >= text.Length || text[_pos] != c) throw new FormatException();
            _pos++;
        }

        private void SkipSpaces()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }
    }
}
