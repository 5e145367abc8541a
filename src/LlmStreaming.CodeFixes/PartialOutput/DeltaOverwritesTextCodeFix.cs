namespace LlmStreaming.CodeFixes.PartialOutput;

/// <summary>LLM302: turns <c>x = update.Text</c> into <c>x += update.Text</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeltaOverwritesTextCodeFix)), Shared]
public sealed class DeltaOverwritesTextCodeFix : LlmCodeFix
{
    public const string EquivalenceKey = "LLM302.Append";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.DeltaOverwritesText);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not AssignmentExpressionSyntax assignment
            || !assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
            || model.GetTypeInfo(assignment.Left, context.CancellationToken).Type?.SpecialType != SpecialType.System_String)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Append the delta with '+='",
                ct => AppendAsync(context.Document, assignment, ct),
                EquivalenceKey),
            diagnostic);
    }

    private static async Task<Document> AppendAsync(Document document, AssignmentExpressionSyntax assignment, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var append = SyntaxFactory.AssignmentExpression(
                SyntaxKind.AddAssignmentExpression,
                assignment.Left,
                SyntaxFactory.Token(SyntaxKind.PlusEqualsToken).WithTriviaFrom(assignment.OperatorToken),
                assignment.Right)
            .WithTriviaFrom(assignment);
        return document.WithSyntaxRoot(root!.ReplaceNode(assignment, append));
    }
}
