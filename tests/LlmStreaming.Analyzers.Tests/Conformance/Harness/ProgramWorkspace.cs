using System.Collections.Immutable;
using System.IO;
using System.Threading;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Combined;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>
/// A flawed program as a one-document project, as a user's IDE or <c>dotnet format</c> sees it: the package's analyzers
/// and fixes run on it, and the (fixed) program compiles to an image the <see cref="ProgramHost"/> runs.
/// </summary>
internal static class ProgramWorkspace
{
    /// <summary>
    /// The project's <c>.editorconfig</c>: the timeout minimum is 2 s, so that the programs may bound a stall in two
    /// seconds (a test cannot wait the default 120 s), the timeout rules take their 2 s clients as chosen, and the idle
    /// timeouts the fixes write are 2 s — long enough that a loaded machine does not take a slow stream for a stall.
    /// </summary>
    private const string EditorConfig = """
        root = true

        [*.cs]
        llm_streaming.min_timeout_seconds = 2
        """;

    /// <param name="source">The program.</param>
    /// <param name="languageVersion">The project's C# version.</param>
    /// <param name="editorConfig">More lines of the <c>[*.cs]</c> section of the project's <c>.editorconfig</c> (an option a run needs).</param>
    public static Document Create(string source, LanguageVersion languageVersion, string? editorConfig = null)
    {
        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var options = AnalyzerRunner.CompilationOptions
            .WithNullableContextOptions(languageVersion >= LanguageVersion.CSharp8 ? NullableContextOptions.Enable : NullableContextOptions.Disable)
            .WithSpecificDiagnosticOptions(AnalyzerRunner.CompilationOptions.SpecificDiagnosticOptions
                .SetItems(PackageCatalog.Descriptors.ToDictionary(d => d.Id, _ => ReportDiagnostic.Warn)));
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(
                projectId,
                VersionStamp.Create(),
                "Conformance",
                "Conformance",
                LanguageNames.CSharp,
                filePath: "/conformance/Conformance.csproj",
                compilationOptions: options,
                parseOptions: new CSharpParseOptions(languageVersion),
                metadataReferences: References.Framework.AddRange(References.Sdks.Except(References.Framework))))
            .AddAnalyzerConfigDocument(DocumentId.CreateNewId(projectId), ".editorconfig", SourceText.From(EditorConfig + (editorConfig is null ? string.Empty : "\n" + editorConfig)), filePath: "/conformance/.editorconfig");
        var documentId = DocumentId.CreateNewId(projectId);
        solution = solution.AddDocument(documentId, "Program.cs", SourceText.From(source), filePath: "/conformance/Program.cs");
        return solution.GetDocument(documentId)!;
    }

    /// <summary>Every finding of the package on the document, in source order (all rules on, Info ones included).</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Document document, CancellationToken cancellationToken = default)
    {
        var compilation = (await document.Project.GetCompilationAsync(cancellationToken))!;
        var diagnostics = await compilation
            .WithAnalyzers(PackageCatalog.Analyzers, document.Project.AnalyzerOptions)
            .GetAnalyzerDiagnosticsAsync(cancellationToken);
        var crash = diagnostics.FirstOrDefault(d => d.Id == "AD0001");
        if (crash is not null)
        {
            throw new InvalidOperationException("An analyzer threw: " + crash.GetMessage());
        }

        return diagnostics.Where(d => d.Location.IsInSource).OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();
    }

    /// <summary>The program compiled, or null and the compiler's errors.</summary>
    public static async Task<(byte[]? Image, IReadOnlyList<string> Errors)> TryEmitAsync(Document document, CancellationToken cancellationToken = default)
    {
        var compilation = (await document.Project.GetCompilationAsync(cancellationToken))!;
        using var image = new MemoryStream();
        var result = compilation.Emit(image, cancellationToken: cancellationToken);
        return result.Success
            ? (image.ToArray(), Array.Empty<string>())
            : (null, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList());
    }

    /// <summary>The package's fixers for <paramref name="id"/>, the combined action's left out (it has fix paths of its own).</summary>
    public static IEnumerable<CodeFixProvider> FixersOf(string id)
        => PackageCatalog.CodeFixes.Where(f => f is not ResilientStreamCodeFix && f.FixableDiagnosticIds.Contains(id));

    /// <summary>The code actions <paramref name="fixer"/> offers on <paramref name="diagnostic"/>, in the order it registers them.</summary>
    public static async Task<ImmutableArray<CodeAction>> ActionsAsync(CodeFixProvider fixer, Document document, Diagnostic diagnostic, CancellationToken cancellationToken = default)
    {
        var actions = ImmutableArray.CreateBuilder<CodeAction>();
        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken));
        return actions.ToImmutable();
    }

    /// <summary>The document as <paramref name="action"/> changes it (the same document when it changes nothing).</summary>
    public static async Task<Document> ApplyAsync(CodeAction action, Document document, CancellationToken cancellationToken = default)
    {
        foreach (var operation in await action.GetOperationsAsync(cancellationToken))
        {
            if (operation is ApplyChangesOperation apply && apply.ChangedSolution.GetDocument(document.Id) is { } changed)
            {
                return changed;
            }
        }

        return document;
    }

    /// <summary>
    /// Fix All in the document for one diagnostic ID with <paramref name="equivalenceKey"/>, as <c>dotnet format analyzers</c>
    /// applies a fixer.
    /// </summary>
    public static async Task<Document> FixAllAsync(CodeFixProvider fixer, string equivalenceKey, Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken = default)
    {
        var fixAll = fixer.GetFixAllProvider();
        if (fixAll is null)
        {
            var current = document;
            foreach (var diagnostic in diagnostics)
            {
                var action = (await ActionsAsync(fixer, current, diagnostic, cancellationToken)).FirstOrDefault(a => a.EquivalenceKey == equivalenceKey);
                if (action is not null)
                {
                    return await ApplyAsync(action, current, cancellationToken);
                }
            }

            return current;
        }

        var context = new FixAllContext(document, fixer, FixAllScope.Document, equivalenceKey, diagnostics.Select(d => d.Id).Distinct(), new Findings(diagnostics), cancellationToken);
        var fix = await fixAll.GetFixAsync(context);
        return fix is null ? document : await ApplyAsync(fix, document, cancellationToken);
    }

    public static async Task<bool> SameTextAsync(Document a, Document b)
        => (await a.GetTextAsync()).ContentEquals(await b.GetTextAsync());

    /// <summary>Hands Fix All the findings computed for the document it runs on.</summary>
    private sealed class Findings : FixAllContext.DiagnosticProvider
    {
        private readonly ImmutableArray<Diagnostic> _diagnostics;

        public Findings(ImmutableArray<Diagnostic> diagnostics) => _diagnostics = diagnostics;

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return _diagnostics.Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken)
            => Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken)
            => Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);
    }
}
