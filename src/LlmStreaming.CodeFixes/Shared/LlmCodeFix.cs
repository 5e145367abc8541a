namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// The base of every code fix of the package. It owns <see cref="RegisterCodeFixesAsync"/>: the document's root (and,
/// for a fix that reads it, the semantic model) is got once, then the fix is asked for each diagnostic in turn, so that a
/// fix writes only what it offers for one diagnostic. Fix All is the batch fixer unless the fix says otherwise (most
/// fixes that insert locals use <see cref="SequentialFixAll"/>). <see cref="LlmCodeFix"/> and
/// <see cref="LlmSyntaxCodeFix"/> are the synchronous forms of the hook.
/// </summary>
public abstract class LlmCodeFixProvider : CodeFixProvider
{
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = ReadsSemanticModel ? await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false) : null;
        if (root is null || (ReadsSemanticModel && model is null))
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            await RegisterAsync(context, root, model, diagnostic).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the fix reads the semantic model; when false, <c>model</c> is null in <see cref="RegisterAsync"/>.</summary>
    private protected virtual bool ReadsSemanticModel => true;

    /// <summary>Registers the fix's actions for <paramref name="diagnostic"/>, or none.</summary>
    private protected abstract Task RegisterAsync(CodeFixContext context, SyntaxNode root, SemanticModel? model, Diagnostic diagnostic);
}

/// <summary>A fix that decides what it offers from the syntax and the semantic model, without waiting on anything.</summary>
public abstract class LlmCodeFix : LlmCodeFixProvider
{
    private protected sealed override Task RegisterAsync(CodeFixContext context, SyntaxNode root, SemanticModel? model, Diagnostic diagnostic)
    {
        Register(context, root, model!, diagnostic);
        return Task.CompletedTask;
    }

    /// <summary>Registers the fix's actions for <paramref name="diagnostic"/>, or none.</summary>
    private protected abstract void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic);
}

/// <summary>A fix that reads only syntax: as <see cref="LlmCodeFix"/>, with no semantic model asked for.</summary>
public abstract class LlmSyntaxCodeFix : LlmCodeFixProvider
{
    private protected sealed override bool ReadsSemanticModel => false;

    private protected sealed override Task RegisterAsync(CodeFixContext context, SyntaxNode root, SemanticModel? model, Diagnostic diagnostic)
    {
        Register(context, root, diagnostic);
        return Task.CompletedTask;
    }

    /// <summary>Registers the fix's actions for <paramref name="diagnostic"/>, or none.</summary>
    private protected abstract void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic);
}
