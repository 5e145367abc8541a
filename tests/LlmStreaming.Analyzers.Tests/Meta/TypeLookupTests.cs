using System.IO;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.Analyzers.Tests.Recognition;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// The analyzers look a type up by its metadata name in one place, <see cref="TypeResolver"/>, once per compilation
/// (issue 12: "type lookups happen once per compilation, in one place").
/// </summary>
public class TypeLookupTests
{
    [Fact]
    public void OnlyTheResolver_LooksTypesUpByName()
    {
        var folder = Repository.PathOf("src", "LlmStreaming.Analyzers");
        var callers = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Where(f => File.ReadAllLines(f).Any(line => !line.TrimStart().StartsWith("///", StringComparison.Ordinal)
                && (line.Contains(".GetTypeByMetadataName", StringComparison.Ordinal) || line.Contains(".GetTypesByMetadataName", StringComparison.Ordinal))))
            .Select(f => Path.GetFileName(f))
            .ToList();
        Assert.Equal(new[] { "TypeResolver.cs" }, callers);
    }

    [Fact]
    public void TheResolver_AnswersAsRoslyn_OncePerCompilation()
    {
        var compilation = RecognitionHarness.CreateCompilation("class C { }", References.Framework.AddRange(References.Sdks));
        var resolver = TypeResolver.Get(compilation);
        Assert.Same(resolver, TypeResolver.Get(compilation));

        // Agent Framework declares its own Microsoft.Extensions.AI.ChatClientExtensions: no single type, two of them.
        const string twice = "Microsoft.Extensions.AI.ChatClientExtensions";
        Assert.Null(resolver.Type(twice));
        Assert.Equal(compilation.GetTypesByMetadataName(twice).Length, resolver.Types(twice).Length);
        Assert.True(resolver.Types(twice).Length > 1);

        Assert.Same(compilation.GetTypeByMetadataName("System.Net.Http.HttpClient"), resolver.Type("System.Net.Http.HttpClient"));
        Assert.Same(resolver.Type("System.Net.Http.HttpClient"), resolver.Type("System.Net.Http.HttpClient"));
        Assert.Null(resolver.Type("No.Such.Type"));
        Assert.Empty(resolver.Types("No.Such.Type"));
    }
}
