using System.Collections.Immutable;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Combined;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>One way a user turns the flawed program into a fixed one.</summary>
internal sealed record FixPath(string Name, string Description, Func<Document, Task<Document>> Apply)
{
    public override string ToString() => Name;
}

/// <summary>
/// The ways a user has to fix a program: each lightbulb in turn (in ID order and in the reverse order, so that any two
/// fixes on the same code meet in both orders), "Make this stream resilient" (plain and Polly), and
/// <c>dotnet format analyzers</c> at warning and at info severity (two passes, as the README says).
/// </summary>
internal static class FixPaths
{
    /// <summary>More steps than any program has findings: a fix that keeps its finding must not loop forever.</summary>
    private const int MaxSteps = 24;

    public static readonly FixPath Original = new("original", "the flawed program as written", Task.FromResult);

    public static readonly FixPath Resilient = new("resilient", "\"Make this stream resilient\"", d => CombinedAsync(d, ResilientStreamCodeFix.PlainKey));

    public static readonly FixPath ResilientPolly = new("resilient-polly", "\"Make this stream resilient (Polly)\"", d => CombinedAsync(d, ResilientStreamCodeFix.PollyKey));

    /// <summary>The fallback variant where it is offered (an SDK with a non-streaming twin), the plain action elsewhere.</summary>
    public static readonly FixPath ResilientFallback = new("resilient-fallback", "\"Make this stream resilient, with a non-streaming fallback\" where offered, else the plain action", d => CombinedAsync(d, ResilientStreamCodeFix.FallbackKey, ResilientStreamCodeFix.PlainKey));

    public static readonly FixPath Lightbulbs = new("lightbulbs", "each rule's first code action, finding by finding, lowest ID first", d => LightbulbsAsync(d, ascending: true));

    public static readonly FixPath LightbulbsReversed = new("lightbulbs-reversed", "each rule's first code action, finding by finding, highest ID first", d => LightbulbsAsync(d, ascending: false));

    public static readonly FixPath FormatWarning = new("format-warn", "`dotnet format analyzers --severity warn`, twice", d => FormatAsync(d, DiagnosticSeverity.Warning));

    public static readonly FixPath FormatInfo = new("format-info", "`dotnet format analyzers --severity info`, twice", d => FormatAsync(d, DiagnosticSeverity.Info));

    public static readonly ImmutableArray<FixPath> All = ImmutableArray.Create(Original, Resilient, ResilientPolly, ResilientFallback, Lightbulbs, LightbulbsReversed, FormatWarning, FormatInfo);

    /// <summary>The package's code fixes in the order <c>dotnet format</c> finds them: the order of their types in the assembly.</summary>
    private static readonly ImmutableArray<CodeFixProvider> FormatFixers = typeof(ResilientStreamCodeFix).Assembly.GetTypes()
        .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface && !t.ContainsGenericParameters)
        .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    private static readonly ImmutableHashSet<string> CombinedIds = new ResilientStreamCodeFix().FixableDiagnosticIds.ToImmutableHashSet();

    /// <summary>The combined action on the first finding it is offered on, then on the next stream's, until none is left.</summary>
    private static async Task<Document> CombinedAsync(Document document, params string[] keys)
    {
        var fixer = new ResilientStreamCodeFix();
        for (var step = 0; step < MaxSteps; step++)
        {
            var changed = false;
            foreach (var diagnostic in (await ProgramWorkspace.AnalyzeAsync(document)).Where(d => CombinedIds.Contains(d.Id)))
            {
                var actions = await ProgramWorkspace.ActionsAsync(fixer, document, diagnostic);
                var action = keys.Select(key => actions.FirstOrDefault(a => a.EquivalenceKey == key)).FirstOrDefault(a => a is not null);
                if (action is null)
                {
                    continue;
                }

                var next = await ProgramWorkspace.ApplyAsync(action, document);
                if (!await ProgramWorkspace.SameTextAsync(next, document))
                {
                    document = next;
                    changed = true;
                    break;
                }
            }

            if (!changed)
            {
                return document;
            }
        }

        throw new InvalidOperationException("The combined action kept changing the program after " + MaxSteps + " steps");
    }

    /// <summary>A user who clicks the first lightbulb action of each finding until no finding has one that changes anything.</summary>
    private static async Task<Document> LightbulbsAsync(Document document, bool ascending)
    {
        var tried = new HashSet<string>();
        for (var step = 0; step < MaxSteps; step++)
        {
            var diagnostics = await ProgramWorkspace.AnalyzeAsync(document);
            var ordered = ascending
                ? diagnostics.OrderBy(d => d.Id, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start)
                : diagnostics.OrderByDescending(d => d.Id, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start);
            var changed = false;
            foreach (var diagnostic in ordered)
            {
                foreach (var fixer in ProgramWorkspace.FixersOf(diagnostic.Id))
                {
                    var action = (await ProgramWorkspace.ActionsAsync(fixer, document, diagnostic)).FirstOrDefault();
                    if (action is null)
                    {
                        continue;
                    }

                    var next = await ProgramWorkspace.ApplyAsync(action, document);
                    if (!await ProgramWorkspace.SameTextAsync(next, document))
                    {
                        document = next;
                        changed = true;
                        break;
                    }
                }

                if (changed)
                {
                    break;
                }
            }

            if (!changed)
            {
                return document;
            }
        }

        throw new InvalidOperationException("The lightbulbs kept changing the program after " + MaxSteps + " steps");
    }

    /// <summary>
    /// <c>dotnet format analyzers</c>, as its analyzer formatter and solution code-fix applier do it (dotnet/sdk,
    /// <c>dotnet-format/Analyzers</c>): the IDs reported at or above <paramref name="minimum"/> by a first analysis of the
    /// run; then per ID, a fresh analysis by that ID's analyzers, and <em>every</em> fixer of the package that lists the
    /// ID, in the order the package's assembly defines their types, each with the first code action it registers on the
    /// first finding as the Fix All key and those same findings. A fixer whose findings belong to a document an earlier
    /// fixer has already changed finds no document for them and does nothing (so for LLM101, LLM203 and LLM301 the first
    /// of the rule's own fixer and "Make this stream resilient" wins). The tool takes the IDs from a hash set, whose order
    /// .NET randomises per process; the suite takes them lowest first, and the lightbulb paths prove both orders. The
    /// whole run twice, as the README says.
    /// </summary>
    private static async Task<Document> FormatAsync(Document document, DiagnosticSeverity minimum)
    {
        var severities = PackageCatalog.Descriptors.ToDictionary(d => d.Id, d => d.DefaultSeverity);
        for (var pass = 0; pass < 2; pass++)
        {
            var ids = (await ProgramWorkspace.AnalyzeAsync(document))
                .Select(d => d.Id).Where(id => severities.TryGetValue(id, out var s) && s >= minimum)
                .Distinct().OrderBy(id => id, StringComparer.Ordinal).ToList();
            foreach (var id in ids)
            {
                var analyzed = document;
                var findings = (await ProgramWorkspace.AnalyzeAsync(document)).Where(d => d.Id == id).ToImmutableArray();
                if (findings.IsEmpty)
                {
                    continue;
                }

                foreach (var fixer in FormatFixers.Where(f => f.FixableDiagnosticIds.Contains(id)))
                {
                    if (document != analyzed)
                    {
                        break; // the findings' tree is no longer the document's: the tool skips the remaining fixers
                    }

                    if (fixer.GetFixAllProvider()?.GetSupportedFixAllScopes().Contains(FixAllScope.Solution) != true)
                    {
                        continue; // "doesn't support Fix All in Solution": the tool skips it
                    }

                    var first = (await ProgramWorkspace.ActionsAsync(fixer, document, findings[0])).FirstOrDefault();
                    if (first?.EquivalenceKey is { } key)
                    {
                        var changed = await ProgramWorkspace.FixAllAsync(fixer, key, document, findings);
                        if (!await ProgramWorkspace.SameTextAsync(changed, document))
                        {
                            document = changed;
                        }
                    }
                }
            }
        }

        return document;
    }
}
