using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// The base of the code fixes that offer their actions one diagnostic at a time and read the semantic model: it owns
/// <see cref="RegisterCodeFixesAsync"/> (the document's root and semantic model, got once) and Fix All (the batch
/// fixer), so that a fix writes only what it offers for one diagnostic. <see cref="LlmSyntaxCodeFix"/> is the same for
/// a fix that reads only syntax.
/// </summary>
public abstract class LlmCodeFix : CodeFixProvider
{
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            Register(context, root, model, diagnostic);
        }
    }

    /// <summary>Registers the fix's actions for <paramref name="diagnostic"/>, or none.</summary>
    private protected abstract void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic);
}

/// <summary>The base of the code fixes that read only syntax: as <see cref="LlmCodeFix"/>, with no semantic model asked for.</summary>
public abstract class LlmSyntaxCodeFix : CodeFixProvider
{
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            Register(context, root, diagnostic);
        }
    }

    /// <summary>Registers the fix's actions for <paramref name="diagnostic"/>, or none.</summary>
    private protected abstract void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic);
}
