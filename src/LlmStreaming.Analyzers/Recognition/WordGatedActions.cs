namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Operation actions registered only in the code blocks (a method's body, an initializer…) whose text contains a name
/// the rule looks for: <c>CancelAfter</c>, an aggregation of the catalogue, a content list's name. An action registered
/// for a whole compilation on <see cref="OperationKind.Invocation"/> or <see cref="OperationKind.PropertyReference"/>
/// runs at every call or property of a project, and each run costs the build the driver's dispatch and timing, however
/// little the rule then does (docs/performance.md, eleventh re-measure). This costs one callback per code block (about a
/// third of the calls, a half of the properties) and the action's runs only where the name is written.
/// </summary>
/// <remarks>
/// The gate is a superset of what the rules look at, as long as the name they test is written in the block: a call of
/// a method, a member read, a local whose initializer reads the member (the rules accept only a local initialized in
/// the same body). Out of reach, as for every text pre-filter of the package: a name spelled with a Unicode escape.
/// </remarks>
internal static class WordGatedActions
{
    /// <summary>
    /// Calls <paramref name="register"/> (which registers the rule's operation actions on the block) for each code block
    /// whose text contains one of <paramref name="words"/> as a whole word or one of <paramref name="fragments"/> anywhere.
    /// </summary>
    public static void Register(
        CompilationStartAnalysisContext start,
        ImmutableArray<string> words,
        ImmutableArray<string> fragments,
        Action<OperationBlockStartAnalysisContext> register)
        => start.RegisterOperationBlockStartAction(block =>
        {
            if (SourceWords.AnyContains(block.OperationBlocks, words, fragments, block.CancellationToken))
            {
                register(block);
            }
        });

    /// <summary>Registers <paramref name="action"/> on <paramref name="kinds"/> in each code block whose text contains one of <paramref name="words"/>.</summary>
    public static void Register(CompilationStartAnalysisContext start, ImmutableArray<string> words, Action<OperationAnalysisContext> action, params OperationKind[] kinds)
        => Register(start, words, ImmutableArray<string>.Empty, block => block.RegisterOperationAction(action, kinds));
}
