using System.Collections.Immutable;
using System.Threading;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit.Abstractions;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// Every batch fix is idempotent: Fix All (project scope) with each of a fixer's code actions, run over every test
/// source and the sample, and then run again on its own output (after the analyzers ran again), changes nothing the
/// second time. The first run must change something, so the test cannot pass by fixing nothing.
/// </summary>
public class FixAllIdempotenceTests
{
    // Every rule on, whatever its default severity.
    private static readonly CSharpCompilationOptions CompilationOptions = AnalyzerRunner.CompilationOptions
        .WithSpecificDiagnosticOptions(AnalyzerRunner.CompilationOptions.SpecificDiagnosticOptions.SetItems(PackageCatalog.Descriptors.ToDictionary(d => d.Id, _ => ReportDiagnostic.Warn)));

    /// <summary>The whole corpus analysed once: each source's findings, by source index.</summary>
    private static readonly Lazy<Task<ImmutableArray<(string Name, string Text, ImmutableArray<string> Ids)>>> Corpus = new(AnalyzeCorpusAsync);

    private const int MaxSources = 40;

    private readonly ITestOutputHelper _output;

    public FixAllIdempotenceTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Fixers()
    {
        var data = new TheoryData<string>();
        foreach (var fixer in PackageCatalog.CodeFixes.OrderBy(f => f.GetType().Name, StringComparer.Ordinal))
        {
            data.Add(fixer.GetType().Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fixers))]
    public async Task FixAll_RunTwice_ChangesNothingTheSecondTime(string fixerName)
    {
        var fixer = PackageCatalog.CodeFixes.Single(f => f.GetType().Name == fixerName);
        var fixAll = fixer.GetFixAllProvider();
        Assert.NotNull(fixAll);

        var ids = fixer.FixableDiagnosticIds.ToImmutableHashSet();
        var all = (await Corpus.Value).Where(s => s.Ids.Any(ids.Contains)).Select(s => (s.Name, s.Text)).ToList();
        Assert.NotEmpty(all);

        // At most MaxSources sources, spread evenly over the corpus (the fixes that re-run analyzers are slow).
        var sources = all.Where((_, i) => i * MaxSources / all.Count != (i + 1) * MaxSources / all.Count || all.Count <= MaxSources).ToList();

        var (solution, projectId) = CreateSolution(sources);
        var diagnostics = await AnalyzeAsync(solution.GetProject(projectId)!, ids);
        var keys = await EquivalenceKeysAsync(solution, fixer, diagnostics);
        Assert.NotEmpty(keys);

        foreach (var key in keys)
        {
            var once = await FixAllAsync(solution, projectId, fixer, fixAll!, key, diagnostics);
            var changedOnce = await ChangedDocumentsAsync(solution, once);
            Assert.True(changedOnce.Count > 0, $"Fix All with '{key}' changed nothing in {sources.Count} sources with findings");

            var again = await AnalyzeAsync(once.GetProject(projectId)!, ids);
            var twice = await FixAllAsync(once, projectId, fixer, fixAll!, key, again);
            var changedTwice = await ChangedDocumentsAsync(once, twice);
            _output.WriteLine($"{key}: {diagnostics.Length} findings in {sources.Count} sources, {changedOnce.Count} documents changed, {again.Length} findings left, {changedTwice.Count} changed by the second run");
            if (changedTwice.Count > 0)
            {
                var document = changedTwice[0];
                Assert.Fail($"Fix All with '{key}' is not idempotent: the second run changed {changedTwice.Count} document(s), e.g. {sources[IndexOf(document.Name)].Name}:"
                    + Environment.NewLine + (await once.GetDocument(document.Id)!.GetTextAsync()) + Environment.NewLine + "became" + Environment.NewLine + (await document.GetTextAsync()));
            }
        }
    }

    private static async Task<ImmutableArray<(string Name, string Text, ImmutableArray<string> Ids)>> AnalyzeCorpusAsync()
    {
        var sources = SourceCorpus.TestSources().Concat(SourceCorpus.SampleSources()).ToList();
        var (solution, projectId) = CreateSolution(sources);
        var project = solution.GetProject(projectId)!;
        var diagnostics = await AnalyzeAsync(project, PackageCatalog.Descriptors.Select(d => d.Id).ToImmutableHashSet());
        var byDocument = diagnostics.ToLookup(d => IndexOf(System.IO.Path.GetFileName(d.Location.SourceTree!.FilePath)), d => d.Id);
        return sources.Select((s, i) => (s.Name, s.Text, byDocument[i].Distinct().ToImmutableArray())).ToImmutableArray();
    }

    /// <summary>One project, one document per source, each in a namespace of its own so that the sources do not collide.</summary>
    private static (Solution Solution, ProjectId ProjectId) CreateSolution(IReadOnlyList<(string Name, string Text)> sources)
    {
        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId,
            VersionStamp.Create(),
            "Idempotence",
            "Idempotence",
            LanguageNames.CSharp,
            compilationOptions: CompilationOptions,
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: References.Framework.AddRange(References.Sdks.Except(References.Framework))));
        for (var i = 0; i < sources.Count; i++)
        {
            var text = sources[i].Text.Contains("namespace ", StringComparison.Ordinal) ? sources[i].Text : "namespace Source" + i + ";\n" + sources[i].Text;
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId), "Source" + i + ".cs", SourceText.From(text), filePath: "/idempotence/Source" + i + ".cs");
        }

        return (solution, projectId);
    }

    private static int IndexOf(string documentName) => int.Parse(documentName.Substring("Source".Length, documentName.Length - "Source".Length - ".cs".Length));

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Project project, ImmutableHashSet<string> ids)
    {
        var compilation = (await project.GetCompilationAsync())!;
        var analyzers = PackageCatalog.Analyzers.Where(a => a.SupportedDiagnostics.Any(d => ids.Contains(d.Id))).ToImmutableArray();
        var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics.Where(d => ids.Contains(d.Id) && d.Location.IsInSource).ToImmutableArray();
    }

    private static async Task<ImmutableArray<string>> EquivalenceKeysAsync(Solution solution, CodeFixProvider fixer, ImmutableArray<Diagnostic> diagnostics)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var diagnostic in diagnostics)
        {
            var document = solution.GetDocument(diagnostic.Location.SourceTree)!;
            await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => keys.Add(action.EquivalenceKey!), CancellationToken.None));
        }

        return keys.ToImmutableArray();
    }

    private static async Task<Solution> FixAllAsync(Solution solution, ProjectId projectId, CodeFixProvider fixer, FixAllProvider fixAll, string key, ImmutableArray<Diagnostic> diagnostics)
    {
        var project = solution.GetProject(projectId)!;
        var context = new FixAllContext(project, fixer, FixAllScope.Project, key, fixer.FixableDiagnosticIds, new Provider(diagnostics), CancellationToken.None);
        var action = await fixAll.GetFixAsync(context);
        if (action is null)
        {
            return solution;
        }

        var apply = (await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().SingleOrDefault();
        return apply?.ChangedSolution ?? solution;
    }

    /// <summary>The documents whose text differs (a fix may hand back a new document with the same text).</summary>
    private static async Task<List<Document>> ChangedDocumentsAsync(Solution before, Solution after)
    {
        var changed = new List<Document>();
        foreach (var id in after.GetChanges(before).GetProjectChanges().SelectMany(p => p.GetChangedDocuments()))
        {
            var text = await after.GetDocument(id)!.GetTextAsync();
            if (!text.ContentEquals(await before.GetDocument(id)!.GetTextAsync()))
            {
                changed.Add(after.GetDocument(id)!);
            }
        }

        return changed;
    }

    /// <summary>Hands Fix All the findings computed for the solution it runs on.</summary>
    private sealed class Provider : FixAllContext.DiagnosticProvider
    {
        private readonly ImmutableArray<Diagnostic> _diagnostics;

        public Provider(ImmutableArray<Diagnostic> diagnostics) => _diagnostics = diagnostics;

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
