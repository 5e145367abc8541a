using LlmStreaming.Analyzers.Relays;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.CodeFixes.Relays;

/// <summary>
/// LLM501: makes the relay's catch tell the client. An SSE relay writes an error event with a JSON-encoded message in
/// place of the catch's response writes (the normal end, the error as answer text) and returns, so no end marker
/// follows; a channel relay (a SignalR <c>ChannelReader&lt;T&gt;</c> method) completes the channel with the exception
/// (<c>TryComplete(ex)</c>) where the catch completed it normally.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RelayHidesUpstreamFailureCodeFix)), Shared]
public sealed class RelayHidesUpstreamFailureCodeFix : LlmCodeFixProvider
{
    public const string EquivalenceKey = "LLM501.TellTheClient";

    /// <summary>What the client is told; the exception's own message stays on the server (it may name hosts and keys).</summary>
    private const string Message = "The model stream failed before the answer was complete.";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.RelayHidesUpstreamFailure);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.ForFixer(this);

    private protected override async Task RegisterAsync(CodeFixContext context, SyntaxNode root, SemanticModel? model, Diagnostic diagnostic)
    {
        if (await ApplyAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is null)
        {
            return;
        }

        var title = diagnostic.Properties.TryGetValue(RelayHidesUpstreamFailureAnalyzer.ShapeProperty, out var shape) ? shape switch
        {
            RelayHidesUpstreamFailureAnalyzer.ChannelShape => "Complete the channel with the exception",
            _ => "Write an SSE error event instead of ending the stream normally",
        } : null;
        context.RegisterCodeFix(CodeAction.Create(title!, c => ApplyOrKeepAsync(context.Document, diagnostic, c), EquivalenceKey), diagnostic);
    }

    private static async Task<Document> ApplyOrKeepAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        => await ApplyAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) ?? document;

    private static async Task<Document?> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null
            || TimeoutSyntax.NodeAt<CatchClauseSyntax>(root, diagnostic) is not { Block: var block } clause
            || model.GetEnclosingSymbol(clause.SpanStart, cancellationToken) is not IMethodSymbol function
            || LlmAnalysisContext.Get(model.Compilation)?.Relays is not { } relays
            || !diagnostic.Properties.TryGetValue(RelayHidesUpstreamFailureAnalyzer.ShapeProperty, out var shape))
        {
            return null;
        }

        var eol = Layout.EndOfLineAfter(clause.CatchKeyword.Parent!);
        var indentation = block.Statements.Count > 0
            ? Layout.Indentation(block.Statements[0])
            : SyntaxFactory.TriviaList(SyntaxFactory.Whitespace(Layout.Indentation(clause).ToFullString() + "    "));
        StatementSyntax Placed(StatementSyntax statement) => statement.WithLeadingTrivia(indentation).WithTrailingTrivia(eol);

        var statements = block.Statements.ToList();
        var exception = ExceptionName(clause, model, out var newClause);
        switch (shape)
        {
            case RelayHidesUpstreamFailureAnalyzer.ChannelShape:
                var completes = statements.FindIndex(s => s is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Complete" }, ArgumentList.Arguments.Count: 0 } });
                if (completes < 0)
                {
                    return null; // where the channel is completed is not in the catch: not rewritten
                }

                var complete = (InvocationExpressionSyntax)((ExpressionStatementSyntax)statements[completes]).Expression;
                var access = (MemberAccessExpressionSyntax)complete.Expression;
                statements[completes] = statements[completes].ReplaceNode(complete, complete
                    .WithExpression(access.WithName(SyntaxFactory.IdentifierName("TryComplete")))
                    .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(SyntaxFactory.IdentifierName(exception))))));
                break;

            case RelayHidesUpstreamFailureAnalyzer.SseShape when diagnostic.Properties.TryGetValue(RelayHidesUpstreamFailureAnalyzer.TargetProperty, out var target) && target is not null
                && function.IsAsync && IsVoidLike(function, model.Compilation)
                && ReportedCode.Find(clause.Parent!, target) is { } response:
                var writes = statements.Where(s => model.GetOperation(s, cancellationToken) is { } operation && operation.DescendantsAndSelf().OfType<IInvocationOperation>().Any(relays.IsResponseWrite)).ToList();
                var at = writes.Count > 0 ? statements.IndexOf(writes[0]) : statements.Count;
                statements.RemoveAll(writes.Contains);
                var slots = new TemplateSlots()
                    .Expression("response", response)
                    .Expression("clientMessage", SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(Message)));
                var errorEvent = slots.Fill(
                    SyntaxFactory.ParseStatement("""
                        await response.WriteAsync("event: error\ndata: " + global::System.Text.Json.JsonSerializer.Serialize(new { message = clientMessage }) + "\n\n");
                        """),
                    SyntaxGenerator.GetGenerator(document));
                statements.Insert(System.Math.Min(at, statements.Count), Cleanup.Annotate(Placed(errorEvent)));
                if (statements[statements.Count - 1] is not (ReturnStatementSyntax or ThrowStatementSyntax))
                {
                    statements.Add(Placed(SyntaxFactory.ParseStatement("return;")));
                }

                break;

            default:
                return null;
        }

        var fixedClause = newClause.WithBlock(block.WithStatements(SyntaxFactory.List(statements)));
        return await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(clause, fixedClause.WithAdditionalAnnotations(Formatter.Annotation))), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The catch's exception variable, declared (<c>ex</c>, or a free name) when the clause has none.</summary>
    private static string ExceptionName(CatchClauseSyntax clause, SemanticModel model, out CatchClauseSyntax withName)
    {
        if (clause.Declaration is { Identifier: { ValueText.Length: > 0 } identifier })
        {
            withName = clause;
            return identifier.ValueText;
        }

        var name = Names.FreeInScope(model, clause.Block.SpanStart, "ex", clause.Block);
        var declaration = clause.Declaration is { } declared
            ? declared.WithIdentifier(SyntaxFactory.Identifier(name))
            : SyntaxFactory.CatchDeclaration(SyntaxFactory.ParseTypeName("System.Exception"), SyntaxFactory.Identifier(name));
        withName = clause.WithDeclaration(declaration.WithType(declaration.Type.WithTrailingTrivia(SyntaxFactory.Space)).WithTrailingTrivia(clause.Declaration?.GetTrailingTrivia() ?? SyntaxFactory.TriviaList(SyntaxFactory.Space)));
        return name;
    }

    /// <summary>A function a bare <c>return;</c> can leave: <c>void</c>, <c>Task</c>, <c>ValueTask</c>.</summary>
    private static bool IsVoidLike(IMethodSymbol function, Compilation compilation)
        => function.ReturnsVoid
            || SymbolEqualityComparer.Default.Equals(function.ReturnType, compilation.GetTypeByMetadataName("System.Threading.Tasks.Task"))
            || SymbolEqualityComparer.Default.Equals(function.ReturnType, compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask"));
}
