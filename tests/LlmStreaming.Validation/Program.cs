using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.Validation;

/// <summary>
/// Compiles public code bases in memory and runs the analyzers of one LlmStreaming.Analyzers.dll over them.
/// One process per analyzer DLL. See README.md.
/// </summary>
internal static class Program
{
    private const string Usage =
        "usage: LlmStreaming.Validation --checkouts DIR --codebases codebases.tsv --references references.txt\n" +
        "         --analyzer LlmStreaming.Analyzers.dll --out findings.tsv [--errors errors.tsv]\n" +
        "         [--errors-detail errors-detail.tsv] [--only name1,name2] [--parallel]";

    public static async Task<int> Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return Fail($"unexpected argument '{args[i]}'");
            var key = args[i][2..];
            if (key == "parallel") flags.Add(key);
            else if (i + 1 < args.Length) options[key] = args[++i];
            else return Fail($"missing value for --{key}");
        }
        foreach (var required in new[] { "checkouts", "codebases", "references", "analyzer", "out" })
            if (!options.ContainsKey(required)) return Fail($"missing --{required}");

        var outPath = Path.GetFullPath(options["out"]);
        var errorsPath = options.TryGetValue("errors", out var e)
            ? Path.GetFullPath(e)
            : Path.ChangeExtension(outPath, null) + ".errors.tsv";
        options.TryGetValue("errors-detail", out var detailPath);
        var only = options.TryGetValue("only", out var o)
            ? o.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : null;
        var parallel = flags.Contains("parallel");

        var analyzers = LoadAnalyzers(options["analyzer"]);
        Console.Error.WriteLine($"analyzers: {analyzers.Length} from {options["analyzer"]}");

        var referencePaths = File.ReadAllLines(options["references"])
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var references = referencePaths.ToDictionary(p => p, p => (MetadataReference)MetadataReference.CreateFromFile(p));
        Console.Error.WriteLine($"references: {references.Count} from {options["references"]}");

        var codeBases = CodeBaseEntry.ReadAll(options["codebases"]);
        var findings = new List<string[]>();
        var errorRows = new List<string[]>();
        var detailRows = new List<string[]>();
        var exceptions = 0;
        var total = Stopwatch.StartNew();

        foreach (var codeBase in codeBases)
        {
            if (only != null && !only.Contains(codeBase.Name)) continue;
            var root = Path.Combine(options["checkouts"], codeBase.Name);
            if (!Directory.Exists(root))
            {
                Console.Error.WriteLine($"{codeBase.Name}: no checkout at {root}; skipped");
                errorRows.Add([codeBase.Name, "(no checkout)", "", "", "", ""]);
                continue;
            }
            var watch = Stopwatch.StartNew();
            var log = new List<string>();
            var projects = CodeBaseLayout.Discover(root, codeBase, log);
            foreach (var line in log) Console.Error.WriteLine(line);

            // the code base's own source replaces the SDK package it is
            var baseReferences = references
                .Where(r => !codeBase.ReplacesAssemblies.Contains(Path.GetFileNameWithoutExtension(r.Key), StringComparer.OrdinalIgnoreCase))
                .Select(r => r.Value)
                .ToList();

            var result = await AnalyseCodeBase(codeBase, root, projects, baseReferences, analyzers, parallel);
            findings.AddRange(result.Findings);
            errorRows.AddRange(result.Errors);
            detailRows.AddRange(result.ErrorDetails);
            exceptions += result.Exceptions;
            Console.Error.WriteLine(
                $"{codeBase.Name}: {projects.Count(p => p.Files.Count > 0)} projects, {projects.Sum(p => p.Files.Count)} files, " +
                $"{result.Findings.Count(f => f[2].StartsWith("LLM", StringComparison.Ordinal))} LLM findings, " +
                $"{result.Exceptions} analyzer exceptions, {result.Errors.Sum(r => int.Parse(r[3]))} compiler errors, " +
                $"{watch.Elapsed.TotalSeconds:F1} s");
        }

        var header = new[] { "codebase", "project", "rule", "file", "line", "message" };
        WriteTsv(outPath, header, findings
            .OrderBy(f => f[0], StringComparer.Ordinal)
            .ThenBy(f => f[3], StringComparer.Ordinal)
            .ThenBy(f => int.Parse(f[4]))
            .ThenBy(f => f[2], StringComparer.Ordinal)
            .ThenBy(f => f[5], StringComparer.Ordinal));
        WriteTsv(errorsPath, ["codebase", "project", "files", "errors", "llm_findings", "top_error_codes"], errorRows);
        if (detailPath != null)
            WriteTsv(Path.GetFullPath(detailPath), ["codebase", "project", "code", "file", "line", "message"], detailRows);

        var llm = findings.Count(f => f[2].StartsWith("LLM", StringComparison.Ordinal));
        var ad = findings.Count(f => f[2] == "AD0001");
        Console.Error.WriteLine($"total: {llm} LLM findings, {ad} AD0001 rows ({exceptions} analyzer exceptions), {total.Elapsed.TotalSeconds:F1} s");
        Console.Error.WriteLine($"written: {outPath}, {errorsPath}" + (detailPath != null ? $", {Path.GetFullPath(detailPath)}" : ""));
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        Console.Error.WriteLine(Usage);
        return 2;
    }

    /// <summary>Every non-abstract DiagnosticAnalyzer type of the DLL, loaded by path, made with its parameterless constructor.</summary>
    private static ImmutableArray<DiagnosticAnalyzer> LoadAnalyzers(string path)
    {
        var assembly = Assembly.LoadFrom(Path.GetFullPath(path));
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            foreach (var le in ex.LoaderExceptions.Where(x => x != null).Take(5))
                Console.Error.WriteLine($"type load: {le!.Message}");
            types = ex.Types.Where(t => t != null).ToArray()!;
        }
        return types
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) != null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    private sealed record CodeBaseResult(List<string[]> Findings, List<string[]> Errors, List<string[]> ErrorDetails, int Exceptions);

    private static async Task<CodeBaseResult> AnalyseCodeBase(
        CodeBaseEntry codeBase, string root, List<ProjectToCompile> projects, List<MetadataReference> baseReferences,
        ImmutableArray<DiagnosticAnalyzer> analyzers, bool parallel)
    {
        var findings = new List<string[]>();
        var errors = new List<string[]>();
        var details = new List<string[]>();
        var exceptionCount = 0;
        var byPath = projects.ToDictionary(p => p.Project.FullPath, StringComparer.Ordinal);
        var compilations = new Dictionary<string, CSharpCompilation>(StringComparer.Ordinal);

        foreach (var project in DependencyOrder(projects, byPath))
        {
            if (project.Files.Count == 0) continue;
            var references = new List<MetadataReference>(baseReferences);
            foreach (var dependency in TransitiveReferences(project, byPath))
                if (compilations.TryGetValue(dependency, out var c)) references.Add(c.ToMetadataReference());

            var compilation = CreateCompilation(project, references, parallel);
            compilations[project.Project.FullPath] = compilation;

            var exceptions = new ConcurrentBag<string>();
            var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (ex, analyzer, diagnostic) =>
                    exceptions.Add($"{analyzer.GetType().Name}: {ex.GetType().Name}: {ex.Message} ({diagnostic.GetMessage()})"),
                concurrentAnalysis: parallel,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false));

            var diagnostics = await withAnalyzers.GetAllDiagnosticsAsync();
            var llmCount = 0;
            foreach (var d in diagnostics)
            {
                if (d.IsSuppressed) continue;
                var isLlm = d.Id.StartsWith("LLM", StringComparison.Ordinal);
                if (isLlm || d.Id == "AD0001")
                {
                    if (isLlm) llmCount++;
                    var (file, line) = Where(root, d.Location);
                    findings.Add([codeBase.Name, project.RelativePath, d.Id, file, line.ToString(), Clean(d.GetMessage())]);
                }
                else if (d.Severity == DiagnosticSeverity.Error)
                {
                    var (file, line) = Where(root, d.Location);
                    details.Add([codeBase.Name, project.RelativePath, d.Id, file, line.ToString(), Clean(d.GetMessage())]);
                }
            }
            // with the callback the driver reports no AD0001 diagnostic itself: each exception is written as one
            foreach (var ex in exceptions.OrderBy(x => x, StringComparer.Ordinal))
            {
                Console.Error.WriteLine($"  analyzer exception in {project.RelativePath}: {ex}");
                findings.Add([codeBase.Name, project.RelativePath, "AD0001", "", "0", Clean(ex)]);
                exceptionCount++;
            }
            var projectErrors = diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error && !d.IsSuppressed && d.Id != "AD0001" && !d.Id.StartsWith("LLM", StringComparison.Ordinal))
                .ToList();
            var top = string.Join(" ", projectErrors.GroupBy(d => d.Id).OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
                .Take(6).Select(g => $"{g.Key}:{g.Count()}"));
            errors.Add([codeBase.Name, project.RelativePath, project.Files.Count.ToString(), projectErrors.Count.ToString(), llmCount.ToString(), top]);
        }
        return new CodeBaseResult(findings, errors, details, exceptionCount);
    }

    private static (string File, int Line) Where(string root, Location location)
    {
        if (!location.IsInSource) return ("", 0);
        var span = location.GetLineSpan();
        var path = span.Path;
        var file = Path.IsPathRooted(path) ? CodeBaseLayout.Relative(root, path) : path;
        return (file, span.StartLinePosition.Line + 1);
    }

    private static string Clean(string message) => message.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>Projects ordered so that each comes after those it references (a cycle is cut where it is met).</summary>
    private static List<ProjectToCompile> DependencyOrder(List<ProjectToCompile> projects, Dictionary<string, ProjectToCompile> byPath)
    {
        var order = new List<ProjectToCompile>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        void Visit(ProjectToCompile p)
        {
            if (state.TryGetValue(p.Project.FullPath, out var s)) return; // done, or a cycle
            state[p.Project.FullPath] = 1;
            foreach (var r in p.Project.ProjectReferences)
                if (byPath.TryGetValue(r, out var dep)) Visit(dep);
            state[p.Project.FullPath] = 2;
            order.Add(p);
        }
        foreach (var p in projects) Visit(p);
        return order;
    }

    /// <summary>Project references and theirs (MSBuild hands transitive project references to the compiler).</summary>
    private static IEnumerable<string> TransitiveReferences(ProjectToCompile project, Dictionary<string, ProjectToCompile> byPath)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(project.Project.ProjectReferences);
        while (queue.Count > 0)
        {
            var r = queue.Dequeue();
            if (!seen.Add(r) || r == project.Project.FullPath) continue;
            yield return r;
            if (byPath.TryGetValue(r, out var dep))
                foreach (var next in dep.Project.ProjectReferences) queue.Enqueue(next);
        }
    }

    // ---- compilation -------------------------------------------------------------------------------------

    private static readonly string[] ImplicitUsingsBase =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly string[] ImplicitUsingsWeb =
    [
        "System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http",
        "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
        "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    private static readonly string[] ImplicitUsingsWorker =
        ["Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging"];

    private static readonly string[] ImplicitUsingsBlazorWasm =
    [
        "System.Net.Http.Json", "Microsoft.AspNetCore.Components.Forms", "Microsoft.AspNetCore.Components.Routing",
        "Microsoft.AspNetCore.Components.Web", "Microsoft.AspNetCore.Components.Web.Virtualization",
        "Microsoft.AspNetCore.Components.WebAssembly.Http", "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Logging",
    ];

    /// <summary>
    /// '#if' sees a Release build for net10.0 whatever the project targets (as the earlier runs did), plus the
    /// project's own DefineConstants.
    /// </summary>
    private static readonly string[] FrameworkSymbols = BuildFrameworkSymbols();

    private static string[] BuildFrameworkSymbols()
    {
        var list = new List<string> { "NET", "NETCOREAPP", "NET10_0" };
        foreach (var v in new[] { "1_0", "1_1", "2_0", "2_1", "2_2", "3_0", "3_1" }) list.Add($"NETCOREAPP{v}_OR_GREATER");
        for (var major = 5; major <= 10; major++) list.Add($"NET{major}_0_OR_GREATER");
        return list.ToArray();
    }

    private static CSharpCompilation CreateCompilation(ProjectToCompile project, List<MetadataReference> references, bool parallel)
    {
        var p = project.Project;
        var symbols = p.Get("DefineConstants")
            .Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => !s.Contains('\u0001') && !s.Contains("$("))
            .Concat(FrameworkSymbols)
            .Distinct(StringComparer.Ordinal)
            .ToArray();

        var languageVersion = LanguageVersion.Latest;
        var lang = p.Get("LangVersion").Trim();
        if (lang.Length > 0 && !lang.Contains('\u0001') && LanguageVersionFacts.TryParse(lang, out var parsed)) languageVersion = parsed;

        var parseOptions = new CSharpParseOptions(languageVersion, DocumentationMode.Parse, SourceCodeKind.Regular, symbols);
        var trees = new List<SyntaxTree>();
        foreach (var file in project.Files)
        {
            var text = File.ReadAllText(file);
            trees.Add(CSharpSyntaxTree.ParseText(text, parseOptions, file, Encoding.UTF8));
        }
        var globalUsings = GlobalUsings(p);
        if (globalUsings.Length > 0)
            trees.Add(CSharpSyntaxTree.ParseText(globalUsings, parseOptions,
                Path.Combine(p.Directory, "obj", p.Name + ".GlobalUsings.g.cs"), Encoding.UTF8));

        var nullable = p.Get("Nullable").Trim().ToLowerInvariant() switch
        {
            "enable" => NullableContextOptions.Enable,
            "warnings" => NullableContextOptions.Warnings,
            "annotations" => NullableContextOptions.Annotations,
            _ => NullableContextOptions.Disable,
        };

        var options = new CSharpCompilationOptions(
                IsExe(p) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                allowUnsafe: true,
                concurrentBuild: parallel,
                nullableContextOptions: nullable)
            .WithAssemblyIdentityComparer(DesktopAssemblyIdentityComparer.Default);

        return CSharpCompilation.Create(p.AssemblyName, trees, references, options);
    }

    private static bool IsExe(MsBuildProject p)
    {
        var outputType = p.Get("OutputType").Trim();
        if (outputType.Length > 0)
            return outputType.Equals("Exe", StringComparison.OrdinalIgnoreCase) || outputType.Equals("WinExe", StringComparison.OrdinalIgnoreCase);
        // the web, worker and Blazor WebAssembly SDKs make an executable by default
        return SdkIs(p, "Web") || SdkIs(p, "Worker") || SdkIs(p, "BlazorWebAssembly") || p.Sdk.Contains("AppHost", StringComparison.OrdinalIgnoreCase);
    }

    private static bool SdkIs(MsBuildProject p, string suffix) =>
        p.Sdk.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(s => s.Split('/')[0].Equals("Microsoft.NET.Sdk." + suffix, StringComparison.OrdinalIgnoreCase));

    /// <summary>The implicit usings of the project's SDK (when enabled) and its &lt;Using&gt; items, as global usings.</summary>
    private static string GlobalUsings(MsBuildProject p)
    {
        var usings = new List<UsingItem>();
        if (p.IsTrue("ImplicitUsings"))
        {
            IEnumerable<string> names = ImplicitUsingsBase;
            if (SdkIs(p, "Web")) names = names.Concat(ImplicitUsingsWeb);
            if (SdkIs(p, "Worker")) names = names.Concat(ImplicitUsingsWorker);
            if (SdkIs(p, "BlazorWebAssembly")) names = names.Concat(ImplicitUsingsBlazorWasm);
            usings.AddRange(names.Select(n => new UsingItem(n, null, false)));
        }
        usings.AddRange(p.Usings);
        var sb = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var u in usings)
        {
            if (p.UsingRemovals.Contains(u.Namespace, StringComparer.Ordinal)) continue;
            if (u.Namespace.Contains('\u0001')) continue;
            var line = u.Alias is { Length: > 0 } alias
                ? $"global using {alias} = global::{u.Namespace};"
                : u.IsStatic ? $"global using static global::{u.Namespace};" : $"global using global::{u.Namespace};";
            if (seen.Add(line)) sb.AppendLine(line);
        }
        return sb.ToString();
    }

    private static void WriteTsv(string path, string[] header, IEnumerable<string[]> rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.WriteLine(string.Join('\t', header));
        foreach (var row in rows) writer.WriteLine(string.Join('\t', row));
    }
}
