using System.IO;

namespace LlmStreaming.Analyzers.Tests.Infrastructure;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repository
{
    public static readonly string Root = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine(new[] { Root }.Concat(parts).ToArray());

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Analyzers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (the folder of Analyzers.sln) was not found above " + AppContext.BaseDirectory);
    }
}
