using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers.Tests.Recognition;

/// <summary>The namespace tests, compared a part at a time (no display string): the same answers as the full name would give.</summary>
public class SymbolExtensionsTests
{
    private const string Source = """
        namespace System.Net.Http.Mine
        {
            class Nested { }
        }

        namespace Net.Http
        {
            class Lookalike { }
        }

        class Global { }
        """;

    [Theory]
    [InlineData("System.Net.Http.HttpClient", "System.Net.Http", true, true)]
    [InlineData("System.Net.Http.HttpClient", "System.Net", false, true)]
    [InlineData("System.Net.Http.HttpClient", "System", false, true)]
    [InlineData("System.Net.Http.HttpClient", "System.Net.Htt", false, false)]
    [InlineData("System.Net.Http.HttpClient", "Net.Http", false, false)]
    [InlineData("System.Net.Http.HttpClient", "ystem.Net.Http", false, false)]
    [InlineData("System.Net.Http.HttpClient", "System.Net.Http.Json", false, false)]
    [InlineData("System.Net.Http.HttpClient", "", false, false)]
    [InlineData("System.Net.Http.Mine.Nested", "System.Net.Http", false, true)]
    [InlineData("System.Net.Http.Mine.Nested", "System.Net.Http.Mine", true, true)]
    [InlineData("Net.Http.Lookalike", "Net.Http", true, true)]
    [InlineData("Net.Http.Lookalike", "System.Net.Http", false, false)]
    [InlineData("Global", "System", false, false)]
    [InlineData("Global", "", false, false)]
    public void Namespaces_AreComparedByTheirParts(string typeName, string namespaceName, bool exactly, bool within)
    {
        var compilation = RecognitionHarness.CreateCompilation(Source, References.Framework);
        var type = compilation.GetTypeByMetadataName(typeName);
        Assert.NotNull(type);

        Assert.Equal(exactly, type.ContainingNamespace.Is(namespaceName));
        Assert.Equal(within, type.IsInNamespace(namespaceName));

        // The answers the display string gives.
        var display = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        Assert.Equal(display == namespaceName, exactly);
        Assert.Equal(display is not null && (display == namespaceName || display.StartsWith(namespaceName + ".", System.StringComparison.Ordinal)), within);
    }

    [Fact]
    public void Namespaces_OfNothing_AreNone()
    {
        Assert.False(((INamespaceSymbol?)null).Is("System"));
        Assert.False(((ISymbol?)null).IsInNamespace("System"));
    }
}
