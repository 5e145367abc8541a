using System.Collections.Immutable;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Combined;
using Microsoft.CodeAnalysis;

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
    /// <c>dotnet format analyzers</c>: per diagnostic ID at or above <paramref name="minimum"/> (by the rule's default
    /// severity), lowest first, Fix All in the document with the key of the first action offered on its first finding;
    /// the whole run twice.
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
                var findings = (await ProgramWorkspace.AnalyzeAsync(document)).Where(d => d.Id == id).ToImmutableArray();
                if (findings.IsEmpty)
                {
                    continue;
                }

                foreach (var fixer in ProgramWorkspace.FixersOf(id))
                {
                    var first = (await ProgramWorkspace.ActionsAsync(fixer, document, findings[0])).FirstOrDefault();
                    if (first?.EquivalenceKey is { } key)
                    {
                        document = await ProgramWorkspace.FixAllAsync(fixer, key, document, findings);
                        break;
                    }
                }
            }
        }

        return document;
    }
}
