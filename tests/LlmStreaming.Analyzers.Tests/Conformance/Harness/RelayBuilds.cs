using System.Collections.Concurrent;
using System.Collections.Immutable;
using LlmStreaming.Analyzers.Tests.Conformance.Programs;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>
/// The relay program as written and as each relay rule's fix leaves it: the rule's first code action applied to all its
/// findings at once (Fix All in the document, as <c>dotnet format analyzers</c> applies a fixer), compiled in memory
/// against the real packages. Each build is made once per test run.
/// </summary>
internal static class RelayBuilds
{
    /// <summary>The project's options for the relay program: the heartbeat LLM504's fix writes is 1 s, so that a test sees several in 3 s.</summary>
    public const string EditorConfig = "llm_streaming.heartbeat_seconds = 1";

    private static readonly ConcurrentDictionary<string, Lazy<Task<RelayBuild>>> Cache = new();

    /// <summary>The program as written.</summary>
    public static Task<RelayBuild> OriginalAsync() => GetAsync(null);

    /// <summary>The program fixed by <paramref name="ruleId"/>'s fix.</summary>
    public static Task<RelayBuild> FixedAsync(string ruleId) => GetAsync(ruleId);

    private static Task<RelayBuild> GetAsync(string? ruleId)
        => Cache.GetOrAdd(ruleId ?? "original", _ => new Lazy<Task<RelayBuild>>(() => BuildAsync(ruleId))).Value;

    private static async Task<RelayBuild> BuildAsync(string? ruleId)
    {
        var document = ProgramWorkspace.Create(RelayProgram.Source, LanguageVersion.Latest, EditorConfig);
        var fixedCount = 0;
        if (ruleId is not null)
        {
            var findings = (await ProgramWorkspace.AnalyzeAsync(document)).Where(d => d.Id == ruleId).ToImmutableArray();
            var fixer = ProgramWorkspace.FixersOf(ruleId).Single();
            var action = findings.IsEmpty ? null : (await ProgramWorkspace.ActionsAsync(fixer, document, findings[0])).FirstOrDefault();
            if (action?.EquivalenceKey is not { } key)
            {
                throw new InvalidOperationException(ruleId + ": no finding with a code action in the relay program");
            }

            fixedCount = findings.Length;
            document = await ProgramWorkspace.FixAllAsync(fixer, key, document, findings);
        }

        var findingsAfter = (await ProgramWorkspace.AnalyzeAsync(document))
            .Where(d => d.Id.StartsWith("LLM5", StringComparison.Ordinal))
            .Select(d => d.Id + " line " + (d.Location.GetLineSpan().StartLinePosition.Line + 1))
            .ToList();
        var (image, errors) = await ProgramWorkspace.TryEmitAsync(document);
        if (image is null)
        {
            throw new InvalidOperationException("The relay program" + (ruleId is null ? string.Empty : " fixed by " + ruleId) + " does not compile:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        return new RelayBuild(ruleId ?? "original", (await document.GetTextAsync()).ToString(), image, fixedCount, findingsAfter);
    }
}

/// <summary>One build of the relay program.</summary>
/// <param name="Name"><c>original</c>, or the ID of the rule whose fix made it.</param>
/// <param name="Source">Its code.</param>
/// <param name="Image">Its compiled image.</param>
/// <param name="Fixed">How many findings of the rule the fix was applied to (0 for the original).</param>
/// <param name="RelayFindings">The relay rules' findings on it, as "LLM5nn line n".</param>
internal sealed record RelayBuild(string Name, string Source, byte[] Image, int Fixed, IReadOnlyList<string> RelayFindings);
