using LlmStreaming.Analyzers.PartialOutput;

namespace LlmStreaming.CodeFixes.PartialOutput;

/// <summary>
/// LLM301: keeps the partial output, and the failure with it. "Keep the partial text and rethrow" replaces the value the
/// catch returned (or assigned) in place of the answer with <c>ex.Data["PartialOutput"] = …; throw;</c>; "Attach the
/// partial text to the exception" stores it in the new exception's <c>Data["PartialOutput"]</c>. A partial answer is
/// never returned as if it were the whole answer: the caller can tell it from success, and the text is not lost. An
/// accumulator declared inside the try is first moved before it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PartialOutputDiscardedCodeFix)), Shared]
public sealed class PartialOutputDiscardedCodeFix : LlmCodeFix
{
    public const string RethrowWithPartialKey = "LLM301.RethrowWithPartial";
    public const string AttachPartialKey = "LLM301.AttachPartial";
    public const string DataKey = CatchRethrow.DataKey;

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.PartialOutputDiscarded);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (Plan.Create(diagnostic, root, model, context.CancellationToken) is not { } plan)
        {
            return;
        }

        if (CanRethrow(plan))
        {
            context.RegisterCodeFix(
                CodeAction.Create("Keep the partial text and rethrow", ct => RethrowWithPartialAsync(context.Document, plan, ct), RethrowWithPartialKey),
                diagnostic);
        }
        else if (plan.Discard is ThrowStatementSyntax { Expression: ObjectCreationExpressionSyntax, Parent: BlockSyntax })
        {
            context.RegisterCodeFix(
                CodeAction.Create("Attach the partial text to the exception", ct => AttachPartialAsync(context.Document, plan, ct), AttachPartialKey),
                diagnostic);
        }
    }

    /// <param name="Discard">The statement or assignment in the catch that drops the text.</param>
    /// <param name="Accumulator">The accumulator's name, as the finding gives it.</param>
    /// <param name="Kind">The accumulator's kind, as the finding gives it.</param>
    /// <param name="AccumulatorType">The accumulator's type.</param>
    /// <param name="Hoist">The accumulator's declaration to move before the try, when it is declared inside it.</param>
    /// <param name="Try">The try statement whose catch drops the text.</param>
    /// <param name="Catch">The catch that drops the text.</param>
    private sealed record Plan(SyntaxNode Discard, string Accumulator, string Kind, ITypeSymbol AccumulatorType, LocalDeclarationStatementSyntax? Hoist, TryStatementSyntax Try, CatchClauseSyntax Catch)
    {
        public static Plan? Create(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(PartialOutputDiscardedAnalyzer.AccumulatorProperty, out var accumulator) || accumulator is null
                || !diagnostic.Properties.TryGetValue(PartialOutputDiscardedAnalyzer.AccumulatorKindProperty, out var kind) || kind is null
                || diagnostic.AdditionalLocations.Count != 1)
            {
                return null;
            }

            var discard = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
            if (discard is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax inner })
            {
                discard = inner;
            }

            var @catch = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<CatchClauseSyntax>();
            if (@catch?.Parent is not TryStatementSyntax @try || !@catch.Span.Contains(discard.Span))
            {
                return null;
            }

            // The accumulator must be visible in the catch: declared before the try, or declared as a direct statement of
            // the try block (then moved out), with an initializer that reads nothing declared in the try.
            var symbol = model.LookupSymbols(@try.SpanStart, name: accumulator).FirstOrDefault(s => s is ILocalSymbol or IFieldSymbol or IPropertySymbol or IParameterSymbol);
            LocalDeclarationStatementSyntax? hoist = null;
            var type = symbol.VariableType();

            if (symbol is not null && !CatchRethrow.NamesTheAccumulator(@try, accumulator, symbol, model))
            {
                return null; // the accumulator is reached through another object (bubble.Text): its name alone is something else
            }

            if (symbol is null)
            {
                hoist = @try.Block.Statements.OfType<LocalDeclarationStatementSyntax>()
                    .FirstOrDefault(d => d.Declaration.Variables.Count == 1 && d.Declaration.Variables[0].Identifier.ValueText == accumulator);
                if (hoist is null || model.GetDeclaredSymbol(hoist.Declaration.Variables[0], cancellationToken) is not ILocalSymbol declared || ReadsTryLocals(hoist, @try, model, cancellationToken))
                {
                    return null;
                }

                type = declared.Type;
            }

            if (type is null)
            {
                return null;
            }

            return new Plan(discard, accumulator, kind, type, hoist, @try, @catch);
        }

        private static bool ReadsTryLocals(LocalDeclarationStatementSyntax declaration, TryStatementSyntax @try, SemanticModel model, CancellationToken cancellationToken)
        {
            foreach (var identifier in declaration.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(identifier, cancellationToken).Symbol is ILocalSymbol local
                    && local.DeclaringSyntaxReferences.Any(r => @try.Block.Span.Contains(r.Span)))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The accumulated text: <c>sb.ToString()</c>, <c>text</c>, or <c>string.Concat(list)</c> for a list of strings.</summary>
    private static ExpressionSyntax? Text(Plan plan) => PartialText.Of(plan.Accumulator, plan.Kind, plan.AccumulatorType);

    /// <summary>
    /// The discard can become "attach and rethrow": a <c>return</c> in the catch, or an assignment statement that ends the
    /// catch's block (so that nothing after it becomes unreachable), and the accumulated text has an expression.
    /// </summary>
    private static bool CanRethrow(Plan plan)
        => Text(plan) is not null
            && (plan.Discard is ReturnStatementSyntax
                || plan.Discard is AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax { Parent: BlockSyntax block } statement }
                    && block == plan.Catch.Block && block.Statements.Last() == statement);

    private static async Task<Document> RethrowWithPartialAsync(Document document, Plan plan, CancellationToken cancellationToken)
    {
        var discard = plan.Discard is AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax statement } ? statement : plan.Discard;
        if (Text(plan) is not { } text || discard is not StatementSyntax discarded)
        {
            return document;
        }

        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var (@catch, exception) = CatchRethrow.NamedException(plan.Catch, editor.SemanticModel);
        var statements = new SyntaxNode[]
        {
            SyntaxFactory.ExpressionStatement(CatchRethrow.AttachTo(exception, text)).WithLeadingTrivia(discarded.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation),
            SyntaxFactory.ThrowStatement().WithTrailingTrivia(discarded.GetTrailingTrivia()).WithAdditionalAnnotations(Formatter.Annotation),
        };

        var updated = plan.Catch.ReplaceNode(discarded, statements);
        editor.ReplaceNode(plan.Catch, CatchRethrow.WithName(updated, @catch));
        Hoist(editor, plan);
        return editor.GetChangedDocument();
    }

    private static async Task<Document> AttachPartialAsync(Document document, Plan plan, CancellationToken cancellationToken)
    {
        if (plan.Discard is not ThrowStatementSyntax { Expression: ObjectCreationExpressionSyntax creation } @throw)
        {
            return document;
        }

        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var model = editor.SemanticModel;
        var name = Names.FreeAt(model, @throw.SpanStart, "exception");
        var text = Text(plan) ?? SyntaxFactory.IdentifierName(plan.Accumulator);

        var declare = SyntaxFactory.LocalDeclarationStatement(
            SyntaxFactory.VariableDeclaration(
                SyntaxFactory.IdentifierName("var"),
                SyntaxFactory.SingletonSeparatedList(
                    SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name))
                        .WithInitializer(SyntaxFactory.EqualsValueClause(creation.WithoutTrivia())))));
        var attach = SyntaxFactory.ExpressionStatement(CatchRethrow.AttachTo(name, text));
        var rethrow = SyntaxFactory.ThrowStatement(SyntaxFactory.IdentifierName(name));

        editor.InsertBefore(@throw, new SyntaxNode[]
        {
            declare.WithLeadingTrivia(@throw.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation),
            attach.WithAdditionalAnnotations(Formatter.Annotation),
        });
        editor.ReplaceNode(@throw, rethrow.WithTrailingTrivia(@throw.GetTrailingTrivia()).WithAdditionalAnnotations(Formatter.Annotation));
        Hoist(editor, plan);
        return editor.GetChangedDocument();
    }

    private static void Hoist(DocumentEditor editor, Plan plan)
    {
        if (plan.Hoist is not { } declaration)
        {
            return;
        }

        editor.RemoveNode(declaration, SyntaxRemoveOptions.KeepNoTrivia);
        editor.InsertBefore(plan.Try, declaration.WithLeadingTrivia(plan.Try.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation));
    }
}
