using Microsoft.CodeAnalysis;

namespace LlmStreaming.Analyzers;

/// <summary>
/// Every descriptor of the package, created through one factory so that category, help link and tags agree.
/// The descriptors of each band live beside its analyzers (PartialOutput/PartialOutputDescriptors.cs, …).
/// </summary>
public static partial class Descriptors
{
    /// <summary>All rules share one category so that <c>dotnet_analyzer_diagnostic.category-Reliability.severity</c> configures them in bulk.</summary>
    public const string Category = "Reliability";

    /// <summary>The rule pages live at <c>docs/rules/{id}.md</c> in the repository.</summary>
    public const string HelpLinkBase = "https://github.com/LlmStreaming/LlmStreaming.Analyzers/blob/main/docs/rules/";

    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    internal static DiagnosticDescriptor Rule(string id, string title, string messageFormat, DiagnosticSeverity severity, string description)
        => new(
            id,
            title,
            messageFormat,
            Category,
            severity,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: HelpLink(id),
            customTags: new[] { "LlmStreaming" });
}
