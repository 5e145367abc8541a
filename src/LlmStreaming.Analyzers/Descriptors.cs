namespace LlmStreaming.Analyzers;

/// <summary>
/// Every descriptor of the package, created through one factory so that category, help link and tags agree.
/// The descriptors of each band live beside its analyzers (PartialOutput/PartialOutputDescriptors.cs, …).
/// </summary>
public static partial class Descriptors
{
    /// <summary>All rules share one category so that <c>dotnet_analyzer_diagnostic.category-Reliability.severity</c> configures them in bulk.</summary>
    public const string Category = "Reliability";

    /// <summary>
    /// The repository's address: the one place it is written. The help links below, the package's project and repository
    /// URLs (src/LlmStreaming.Package reads this line at pack time) and the links of the package's README (filled in at
    /// pack time) come from it, and a test holds every other mention of the repository to it. Publishing the repository
    /// somewhere else is a change of this line.
    /// </summary>
    public const string RepositoryUrl = "https://github.com/LlmStreaming/LlmStreaming.Analyzers";

    /// <summary>The rule pages live at <c>docs/rules/{id}.md</c> in the repository, and in the package.</summary>
    public const string HelpLinkBase = RepositoryUrl + "/blob/main/docs/rules/";

    /// <summary>Where a rule's page is inside the package (and the repository), for a reader with no network.</summary>
    public static string PagePath(string id) => "docs/rules/" + id + ".md";

    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    internal static DiagnosticDescriptor Rule(string id, string title, string messageFormat, DiagnosticSeverity severity, string description)
        => new(
            id,
            title,
            messageFormat,
            Category,
            severity,
            isEnabledByDefault: true,
            description: description + " Rule page: " + PagePath(id) + " (in the package and the repository).",
            helpLinkUri: HelpLink(id),
            customTags: new[] { "LlmStreaming" });
}
