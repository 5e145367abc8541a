using LlmStreaming.Analyzers.PartialOutput;

namespace LlmStreaming.CodeFixes.PartialOutput;

/// <summary>
/// LLM304: "Rethrow after handling" keeps what the catch does (the log line) and then lets the failure go on with the
/// partial text attached: <c>ex.Data["PartialOutput"] = …; throw;</c> at the end of the catch (in place of a final
/// <c>return sb.ToString();</c>). The caller can no longer take a cut-off answer for the whole one, and the text is not
/// lost. A catch with no exception name gets one.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StreamFailureSwallowedCodeFix)), Shared]
public sealed class StreamFailureSwallowedCodeFix : LlmCodeFix
{
    public const string RethrowKey = "LLM304.RethrowAfterHandling";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.StreamFailureSwallowed);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (Text(diagnostic, root, model) is not { } found)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Rethrow after handling", ct => RethrowAsync(context.Document, diagnostic, found.Catch, found.Text, ct), RethrowKey),
            diagnostic);
    }

    /// <summary>The catch the diagnostic is on and the expression of the accumulated text; null when either is not found.</summary>
    private static (CatchClauseSyntax Catch, ExpressionSyntax Text)? Text(Diagnostic diagnostic, SyntaxNode root, SemanticModel model)
    {
        if (!diagnostic.Properties.TryGetValue(PartialOutputDiscardedAnalyzer.AccumulatorProperty, out var accumulator) || accumulator is null
            || !diagnostic.Properties.TryGetValue(PartialOutputDiscardedAnalyzer.AccumulatorKindProperty, out var kind) || kind is null)
        {
            return null;
        }

        var @catch = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<CatchClauseSyntax>();
        if (@catch is null)
        {
            return null;
        }

        var symbol = model.LookupSymbols(@catch.Block.SpanStart, name: accumulator).FirstOrDefault();
        if (symbol is null || @catch.Parent is not TryStatementSyntax @try || !CatchRethrow.NamesTheAccumulator(@try, accumulator, symbol, model))
        {
            return null;
        }

        var type = symbol.VariableType();

        return type is not null && PartialText.Of(accumulator, kind, type) is { } text ? (@catch, text) : null;
    }

    private static async Task<Document> RethrowAsync(Document document, Diagnostic diagnostic, CatchClauseSyntax @catch, ExpressionSyntax text, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var (renamed, exception) = CatchRethrow.NamedException(@catch, editor.SemanticModel);
        var attach = SyntaxFactory.ExpressionStatement(CatchRethrow.AttachTo(exception, text)).WithAdditionalAnnotations(Formatter.Annotation);
        var rethrow = SyntaxFactory.ThrowStatement().WithAdditionalAnnotations(Formatter.Annotation);

        var block = @catch.Block;
        var returnsText = diagnostic.Properties.ContainsKey(StreamFailureSwallowedAnalyzer.ReturnsTextProperty)
            && block.Statements.LastOrDefault() is ReturnStatementSyntax;
        BlockSyntax updated;
        if (returnsText)
        {
            var last = (ReturnStatementSyntax)block.Statements.Last();
            updated = block.ReplaceNode(last, new SyntaxNode[]
            {
                attach.WithLeadingTrivia(last.GetLeadingTrivia()),
                rethrow.WithTrailingTrivia(last.GetTrailingTrivia()),
            });
        }
        else
        {
            updated = block.AddStatements(attach, rethrow);
        }

        editor.ReplaceNode(@catch, CatchRethrow.WithName(@catch.WithBlock(updated), renamed));
        return editor.GetChangedDocument();
    }
}
