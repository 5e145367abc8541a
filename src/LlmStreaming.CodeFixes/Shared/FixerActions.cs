namespace LlmStreaming.CodeFixes.Shared;

/// <summary>Runs another fixer's code action on one finding, as the IDE would, and hands back the changed document.</summary>
internal static class FixerActions
{
    /// <summary>
    /// Registers <paramref name="fixer"/>'s code actions for <paramref name="diagnostic"/>, takes the first one whose
    /// equivalence key comes first in <paramref name="keys"/>, and returns the document it changes; null when the fixer
    /// offers none of the keys or its action changes nothing.
    /// </summary>
    public static async Task<Document?> ApplyAsync(CodeFixProvider fixer, Document document, Diagnostic diagnostic, IEnumerable<string?> keys, CancellationToken cancellationToken)
    {
        var actions = new List<CodeAction>();
        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken)).ConfigureAwait(false);
        var chosen = keys.Select(k => actions.FirstOrDefault(a => a.EquivalenceKey == k)).FirstOrDefault(a => a is not null);
        if (chosen is null)
        {
            return null;
        }

        foreach (var operation in await chosen.GetOperationsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (operation is ApplyChangesOperation apply && apply.ChangedSolution.GetDocument(document.Id) is { } changed)
            {
                return changed;
            }
        }

        return null;
    }
}
