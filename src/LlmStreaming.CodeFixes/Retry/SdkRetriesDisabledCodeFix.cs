namespace LlmStreaming.CodeFixes.Retry;

/// <summary>
/// LLM103: restores the SDK's default retries by removing the override — the assignment statement, or the member of
/// an object or <c>with</c> initializer (an initializer left empty goes: <c>new AnthropicClient()</c>, <c>o</c>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SdkRetriesDisabledCodeFix)), Shared]
public sealed class SdkRetriesDisabledCodeFix : LlmSyntaxCodeFix
{
    public const string EquivalenceKey = "LLM103.RestoreSdkRetries";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SdkRetriesDisabled);

    private protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not AssignmentExpressionSyntax assignment
            || assignment.Parent is not (ExpressionStatementSyntax { Parent: BlockSyntax } or InitializerExpressionSyntax))
        {
            return;
        }

        var span = assignment.Span;
        context.RegisterCodeFix(
            CodeAction.Create("Remove the override to restore the SDK's retries", c => FixAsync(context.Document, span, c), EquivalenceKey),
            diagnostic);
    }

    private static async Task<Document> FixAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindNode(span, getInnermostNodeForTie: true) is not AssignmentExpressionSyntax assignment)
        {
            return document;
        }

        switch (assignment.Parent)
        {
            case ExpressionStatementSyntax statement:
                return document.WithSyntaxRoot(root.RemoveNode(statement, SyntaxRemoveOptions.KeepUnbalancedDirectives)!);

            case InitializerExpressionSyntax initializer:
                var remaining = initializer.Expressions.Remove(assignment);
                SyntaxNode owner = initializer.Parent!;
                SyntaxNode replacement;
                if (remaining.Count > 0)
                {
                    owner = initializer;
                    replacement = initializer.WithExpressions(remaining);
                }
                else
                {
                    switch (owner)
                    {
                        case ObjectCreationExpressionSyntax creation:
                            replacement = creation.WithInitializer(null)
                                .WithArgumentList(creation.ArgumentList ?? SyntaxFactory.ArgumentList())
                                .WithType(creation.Type.WithoutTrailingTrivia())
                                .WithTrailingTrivia(initializer.GetTrailingTrivia());
                            break;
                        case ImplicitObjectCreationExpressionSyntax implicitCreation:
                            replacement = implicitCreation.WithInitializer(null).WithTrailingTrivia(initializer.GetTrailingTrivia());
                            break;
                        case WithExpressionSyntax with:
                            replacement = with.Expression.WithoutTrailingTrivia().WithTrailingTrivia(initializer.GetTrailingTrivia());
                            break;
                        default:
                            owner = initializer;
                            replacement = initializer.WithExpressions(remaining);
                            break;
                    }
                }

                return document.WithSyntaxRoot(root.ReplaceNode(owner, replacement.WithAdditionalAnnotations(Formatter.Annotation)));

            default:
                return document;
        }
    }
}
