using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Tests.Fuzz;

/// <summary>
/// Runs every analyzer and every code fix of the package over batches of (mutated) sources and records every
/// exception: an analyzer exception (AD0001) or a fixer that throws while registering or computing its change.
/// A batch is one project of an <see cref="AdhocWorkspace"/>; each source is put in a namespace of its own so the
/// sources of a batch do not collide.
/// </summary>
internal static class FuzzEngine
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions CompilationOptions = AnalyzerRunner.CompilationOptions.WithConcurrentBuild(false);

    private static readonly ImmutableDictionary<string, ImmutableArray<CodeFixProvider>> FixersById = PackageCatalog.CodeFixes
        .SelectMany(f => f.FixableDiagnosticIds.Select(id => (id, f)))
        .GroupBy(x => x.id)
        .ToImmutableDictionary(g => g.Key, g => g.Select(x => x.f).ToImmutableArray());

    public sealed class BatchResult
    {
        public int Sources { get; set; }

        public int Diagnostics { get; set; }

        public int FixedDiagnostics { get; set; }

        public int CodeActions { get; set; }

        public List<string> Failures { get; } = new();
    }

    public static async Task<BatchResult> RunBatchAsync(IReadOnlyList<(string Name, string Text)> sources, ImmutableArray<MetadataReference> references, int maxFixedDiagnostics, Random random, CancellationToken cancellationToken)
    {
        var result = new BatchResult { Sources = sources.Count };
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId,
            VersionStamp.Create(),
            "Fuzz",
            "Fuzz",
            LanguageNames.CSharp,
            compilationOptions: CompilationOptions,
            parseOptions: ParseOptions,
            metadataReferences: References.Framework.AddRange(references.Except(References.Framework))));
        for (var i = 0; i < sources.Count; i++)
        {
            var text = "namespace Fuzz" + i + ";\n" + sources[i].Text;
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId), "Fuzz" + i + ".cs", SourceText.From(text), filePath: "/fuzz/" + i + ".cs");
        }

        var project = solution.GetProject(projectId)!;
        var compilation = (await project.GetCompilationAsync(cancellationToken))!;
        var exceptions = new ConcurrentQueue<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) => exceptions.Enqueue("analyzer " + analyzer.GetType().Name + ": " + exception),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.WithAnalyzers(PackageCatalog.Analyzers, options).GetAnalyzerDiagnosticsAsync(cancellationToken);
        result.Diagnostics = diagnostics.Length;
        foreach (var crash in diagnostics.Where(d => d.Id == "AD0001"))
        {
            exceptions.Enqueue(crash.GetMessage());
        }

        // The fixes are the slow part (the combined fix runs analyzers at every step): each batch computes the fixes of
        // one finding per rule, picked by the seeded random, so that every fixer runs on many different mutants.
        var toFix = diagnostics
            .Where(d => FixersById.ContainsKey(d.Id) && d.Location.IsInSource)
            .GroupBy(d => d.Id)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.OrderBy(d => d.Location.SourceTree!.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start).ElementAt(random.Next(g.Count())))
            .Take(maxFixedDiagnostics)
            .ToList();
        result.FixedDiagnostics = toFix.Count;
        foreach (var diagnostic in toFix)
        {
            var document = project.GetDocument(diagnostic.Location.SourceTree);
            if (document is null)
            {
                continue;
            }

            foreach (var fixer in FixersById[diagnostic.Id])
            {
                var actions = new List<CodeAction>();
                try
                {
                    var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken);
                    await fixer.RegisterCodeFixesAsync(context);
                    foreach (var action in actions)
                    {
                        result.CodeActions++;
                        foreach (var operation in await action.GetOperationsAsync(cancellationToken))
                        {
                            if (operation is ApplyChangesOperation apply)
                            {
                                foreach (var changed in apply.ChangedSolution.GetChanges(solution).GetProjectChanges().SelectMany(p => p.GetChangedDocuments()))
                                {
                                    _ = await apply.ChangedSolution.GetDocument(changed)!.GetTextAsync(cancellationToken);
                                }
                            }
                        }
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    exceptions.Enqueue("fixer " + fixer.GetType().Name + " on " + diagnostic.Id + " in " + sources[IndexOf(document)].Name + ": " + exception);
                }
            }
        }

        result.Failures.AddRange(exceptions);
        return result;
    }

    private static int IndexOf(Document document) => int.Parse(document.Name.Substring("Fuzz".Length, document.Name.Length - "Fuzz".Length - ".cs".Length));
}
