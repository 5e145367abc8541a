using System.Collections.Concurrent;
using System.IO;
using LlmStreaming.Analyzers.Tests.Conformance.Harness;
using LlmStreaming.Analyzers.Tests.Conformance.Programs;
using Microsoft.CodeAnalysis;
using Xunit.Abstractions;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>The fixed programs themselves: each fix path applied to each flawed program, computed once and shared.</summary>
internal static class FixedPrograms
{
    private static readonly ConcurrentDictionary<(string Program, string Path), Lazy<Task<Fixed>>> Cache = new();

    /// <summary>A fixed program: its source, and its image, or the compiler's errors when the fix broke it.</summary>
    internal sealed record Fixed(FlawedProgram Program, FixPath Path, string Source, byte[]? Image, IReadOnlyList<string> Errors, IReadOnlyList<string> Remaining);

    public static Task<Fixed> GetAsync(FlawedProgram program, FixPath path)
        => Cache.GetOrAdd((program.Name, path.Name), _ => new Lazy<Task<Fixed>>(() => FixAsync(program, path))).Value;

    private static async Task<Fixed> FixAsync(FlawedProgram program, FixPath path)
    {
        var document = await path.Apply(ProgramWorkspace.Create(program.Source, program.LanguageVersion));
        var remaining = (await ProgramWorkspace.AnalyzeAsync(document)).Select(d => d.Id).Distinct().OrderBy(id => id, StringComparer.Ordinal).ToList();
        var source = (await document.GetTextAsync()).ToString();
        var (image, errors) = await ProgramWorkspace.TryEmitAsync(document);
        return new Fixed(program, path, source, image, errors, remaining);
    }
}

public class FixedProgramsTests
{
    private readonly ITestOutputHelper _output;

    public FixedProgramsTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var program in Corpus.All)
        {
            foreach (var path in FixPaths.All)
            {
                data.Add(program.Name, path.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryFixPath_GivesAProgramThatCompiles(string programName, string pathName)
    {
        var program = Corpus.All.Single(p => p.Name == programName);
        var path = FixPaths.All.Single(p => p.Name == pathName);
        var result = await FixedPrograms.GetAsync(program, path);
        if (Environment.GetEnvironmentVariable("LLM_CONFORMANCE_DUMP") is { Length: > 0 } dump)
        {
            // A debugging aid: every fixed program's source, to read or diff (LLM_CONFORMANCE_DUMP=folder).
            Directory.CreateDirectory(dump);
            File.WriteAllText(Path.Combine(dump, $"{programName}.{pathName}.cs"), result.Source);
        }

        _output.WriteLine("remaining: " + string.Join(" ", result.Remaining));
        _output.WriteLine(result.Source);
        var gap = KnownGaps.All.FirstOrDefault(g => g.Matches(programName, pathName, KnownGaps.CompileMode));
        if (gap is null)
        {
            Assert.True(result.Image is not null, "The fixed program does not compile:" + Environment.NewLine + string.Join(Environment.NewLine, result.Errors));
        }
        else
        {
            Assert.True(result.Image is null, $"{programName} / {pathName} compiles now: remove the known gap '{gap.Reason}'");
        }
    }
}
