using LlmStreaming.Analyzers.Relays;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.CodeFixes.Relays;

/// <summary>
/// LLM502: gives the model call the client's token. With no token, <c>cancellationToken: ct</c> is added (when the call,
/// or an overload of it, takes one); <c>default</c> or <c>CancellationToken.None</c> is replaced by the client's token; a
/// token not linked to the client's is linked to it, the call then getting
/// <code>
/// using var clientLinked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
/// … GetStreamingResponseAsync(prompt, cancellationToken: clientLinked.Token) …
/// </code>
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ModelStreamIgnoresClientDisconnectCodeFix)), Shared]
public sealed class ModelStreamIgnoresClientDisconnectCodeFix : LlmCodeFixProvider
{
    public const string EquivalenceKey = "LLM502.PassClientToken";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ModelStreamIgnoresClientDisconnect);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.Create(async (document, diagnostic, cancellationToken) => await ApplyAsync(document, diagnostic, cancellationToken).ConfigureAwait(false));

    private protected override async Task RegisterAsync(CodeFixContext context, SyntaxNode root, SemanticModel? model, Diagnostic diagnostic)
    {
        if (await ApplyAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is null
            || !diagnostic.Properties.TryGetValue(ModelStreamIgnoresClientDisconnectAnalyzer.ClientTokenProperty, out var token))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Pass the client's token (" + token + ") to the model call", c => ApplyOrKeepAsync(context.Document, diagnostic, c), EquivalenceKey),
            diagnostic);
    }

    private static async Task<Document> ApplyOrKeepAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        => await ApplyAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) ?? document;

    private static async Task<Document?> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null
            || !diagnostic.Properties.TryGetValue(ModelStreamIgnoresClientDisconnectAnalyzer.ClientTokenProperty, out var clientText) || string.IsNullOrEmpty(clientText)
            || ReportedCode.DottedName(clientText!) is not { } clientToken
            || TimeoutSyntax.NodeAt<InvocationExpressionSyntax>(root, diagnostic) is not { } call
            || LlmAnalysisContext.Get(model.Compilation) is not { } llm)
        {
            return null;
        }

        if (diagnostic.AdditionalLocations.Count == 0)
        {
            return AddToken(document, root, model, call, clientToken, llm, cancellationToken);
        }

        if (root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true)?.AncestorsAndSelf().OfType<ArgumentSyntax>().FirstOrDefault() is not { } argument
            || model.GetOperation(argument.Expression, cancellationToken) is not { } given)
        {
            return null;
        }

        if (llm.Cancellation.IsNone(given))
        {
            return document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, clientToken.WithTriviaFrom(argument.Expression)));
        }

        return await LinkAsync(document, root, model, argument, clientToken, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds <c>name: token</c> to the call when the call so written binds to a method that takes it.</summary>
    private static Document? AddToken(Document document, SyntaxNode root, SemanticModel model, InvocationExpressionSyntax call, ExpressionSyntax clientToken, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        if (model.GetOperation(call, cancellationToken) is not IInvocationOperation invocation)
        {
            return null;
        }

        var method = invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod;
        var parameter = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
            .Prepend(method)
            .SelectMany(m => m.Parameters)
            .FirstOrDefault(p => llm.Cancellation.IsToken(p.Type));
        if (parameter is null)
        {
            return null;
        }

        var argument = SyntaxFactory.Argument(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(parameter.Name)), default, clientToken);
        var newCall = call.WithArgumentList(call.ArgumentList.AddArguments(argument));
        var bound = model.GetSpeculativeSymbolInfo(call.SpanStart, newCall, SpeculativeBindingOption.BindAsExpression).Symbol as IMethodSymbol;
        if (bound is null || !bound.Parameters.Any(p => p.Name == parameter.Name && llm.Cancellation.IsToken(p.Type)))
        {
            return null;
        }

        return document.WithSyntaxRoot(root.ReplaceNode(call, newCall));
    }

    /// <summary>Declares a source linked to the client's token and the token given now, before the statement, and passes its token.</summary>
    private static async Task<Document?> LinkAsync(Document document, SyntaxNode root, SemanticModel model, ArgumentSyntax argument, ExpressionSyntax clientToken, CancellationToken cancellationToken)
    {
        var statement = argument.Ancestors().OfType<StatementSyntax>().FirstOrDefault();
        if (statement?.Parent is not BlockSyntax || !TimeoutSyntax.SupportsUsingDeclarations(root.SyntaxTree))
        {
            return null;
        }

        var member = statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) ?? statement.Parent;
        var name = Names.FreeInScope(model, statement.SpanStart, "clientLinked", member);
        var generator = SyntaxGenerator.GetGenerator(document);
        var slots = new TemplateSlots().Name("clientLinked", name).Expression("clientToken", clientToken).Expression("given", argument.Expression);
        var declaration = Cleanup.Annotate(slots.Fill(
                SyntaxFactory.ParseStatement("using var clientLinked = global::System.Threading.CancellationTokenSource.CreateLinkedTokenSource(clientToken, given);"),
                generator))
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(Layout.EndOfLineAfter(statement));
        var linkedToken = slots.Fill(SyntaxFactory.ParseExpression("clientLinked.Token"), generator);
        var tracked = root.TrackNodes(statement, argument.Expression);
        tracked = tracked.ReplaceNode(tracked.GetCurrentNode(argument.Expression)!, linkedToken.WithTriviaFrom(argument.Expression));
        var current = tracked.GetCurrentNode(statement)!;
        tracked = tracked.InsertNodesBefore(current, new[] { declaration });
        return await Cleanup.RunAsync(document.WithSyntaxRoot(tracked), cancellationToken).ConfigureAwait(false);
    }
}
