using System.IO;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// The repository's address is written once, in <see cref="Descriptors.RepositoryUrl"/>: the help links are built on it, the
/// package reads it at pack time (project and repository URLs, README links), and every other mention of the
/// repository in its text files names the same address. (.ci/InspectPackage.cs checks the packed result.)
/// </summary>
public class RepositoryUrlTests
{
    private static readonly string[] TextExtensions = { ".md", ".cs", ".csproj", ".props", ".targets", ".json", ".globalconfig" };

    [Fact]
    public void TheHelpLinks_AreBuiltOnTheRepositoryUrl()
    {
        Assert.StartsWith("https://", Descriptors.RepositoryUrl, StringComparison.Ordinal);
        Assert.False(Descriptors.RepositoryUrl.EndsWith("/", StringComparison.Ordinal));
        Assert.All(PackageCatalog.Descriptors, d => Assert.Equal(Descriptors.RepositoryUrl + "/blob/main/docs/rules/" + d.Id + ".md", d.HelpLinkUri));
    }

    [Fact]
    public void ThePackage_ReadsTheAddressInsteadOfRepeatingIt()
    {
        var project = File.ReadAllText(Repository.PathOf("src", "LlmStreaming.Package", "LlmStreaming.Package.csproj"));
        Assert.Contains("<PackageProjectUrl>$(_LlmRepositoryUrl)</PackageProjectUrl>", project, StringComparison.Ordinal);
        Assert.Contains("<RepositoryUrl>$(_LlmRepositoryUrl)</RepositoryUrl>", project, StringComparison.Ordinal);
        Assert.DoesNotContain(Descriptors.RepositoryUrl, project, StringComparison.Ordinal);

        // The line the package reads must stay in the form its regular expression expects.
        var descriptors = File.ReadAllText(Repository.PathOf("src", "LlmStreaming.Analyzers", "Descriptors.cs"));
        Assert.Contains("const string RepositoryUrl = \"" + Descriptors.RepositoryUrl + "\";", descriptors, StringComparison.Ordinal);

        var readme = File.ReadAllText(Repository.PathOf("src", "LlmStreaming.Package", "README.md"));
        Assert.Contains("]({repository}/", readme, StringComparison.Ordinal);
        Assert.DoesNotContain(Descriptors.RepositoryUrl, readme, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMentionOfTheRepository_IsTheRepositoryUrl()
    {
        // The owner/name of the constant, on any host: a copy of an older or different address would be found here.
        var name = Descriptors.RepositoryUrl.Substring(Descriptors.RepositoryUrl.LastIndexOf('/') + 1);
        var mention = new Regex(@"https?://[^\s)""'<>]*" + Regex.Escape(name) + @"[^\s)""'<>]*");
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Repository.Root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Repository.Root, file).Replace('\\', '/');
            if (!TextExtensions.Contains(Path.GetExtension(file)) || Regex.IsMatch(relative, @"(^|/)(bin|obj|artifacts|\.git)/"))
            {
                continue;
            }

            foreach (Match match in mention.Matches(File.ReadAllText(file)))
            {
                if (!match.Value.StartsWith(Descriptors.RepositoryUrl, StringComparison.Ordinal))
                {
                    wrong.Add(relative + ": " + match.Value);
                }
            }
        }

        Assert.True(wrong.Count == 0, "Mentions of the repository that are not Descriptors.RepositoryUrl:\n" + string.Join("\n", wrong));
    }
}
