using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Tests.Infrastructure;

/// <summary>
/// Applies one code action once, outside the testing library (which applies fixes until no finding is left, and so
/// cannot show what a single application does to code that does not compile).
/// </summary>
internal static class CodeActions
{
    public static async Task<string> ApplyOnceAsync(string source, DiagnosticAnalyzer analyzer, CodeFixProvider fixer, string equivalenceKey)
    {
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var documentId = DocumentId.CreateNewId(projectId);
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(
                projectId,
                VersionStamp.Create(),
                "Test",
                "Test",
                LanguageNames.CSharp,
                compilationOptions: AnalyzerRunner.CompilationOptions,
                parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
                metadataReferences: References.Framework.AddRange(References.Sdks.Except(References.Framework))))
            .AddDocument(documentId, "Test.cs", SourceText.From(source), filePath: "/test/Test.cs");
        var document = solution.GetDocument(documentId)!;
        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(analyzer)).GetAnalyzerDiagnosticsAsync();
        var diagnostic = Assert.Single(diagnostics, d => fixer.FixableDiagnosticIds.Contains(d.Id));

        var actions = new List<CodeAction>();
        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        var chosen = Assert.Single(actions, a => a.EquivalenceKey == equivalenceKey);
        var apply = Assert.Single((await chosen.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
        return (await apply.ChangedSolution.GetDocument(documentId)!.GetTextAsync()).ToString();
    }
}
