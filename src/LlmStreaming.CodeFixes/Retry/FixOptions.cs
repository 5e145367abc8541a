namespace LlmStreaming.CodeFixes.Retry;

/// <summary>The <c>llm_streaming.*</c> options of a document, as its analyzers see them.</summary>
internal static class FixOptions
{
    public static LlmOptions Get(Document document, SyntaxTree tree)
        => LlmOptions.Parse(document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(tree));
}
