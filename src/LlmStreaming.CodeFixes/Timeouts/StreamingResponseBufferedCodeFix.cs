using LlmStreaming.Analyzers.Timeouts;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>
/// LLM402: rewrites a buffered send to <c>SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct)</c>. For
/// <c>PostAsync</c>/<c>PutAsync</c>/<c>PatchAsync</c> and <c>PostAsJsonAsync</c>/… the <c>HttpRequestMessage</c> is built from
/// the call's arguments in a statement inserted before it; <c>SendAsync</c>, <c>Send</c> and <c>GetAsync</c> only gain the option.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StreamingResponseBufferedCodeFix)), Shared]
public sealed partial class StreamingResponseBufferedCodeFix : LlmCodeFixProvider
{
    public const string EquivalenceKey = "LLM402.ResponseHeadersRead";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.StreamingResponseBuffered);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.Create(async (document, diagnostic, cancellationToken) => await ApplyAsync(document, diagnostic, cancellationToken).ConfigureAwait(false));

    private protected override bool ReadsSemanticModel => false;

    private protected override async Task RegisterAsync(CodeFixContext context, SyntaxNode root, SemanticModel? model, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(StreamingResponseBufferedAnalyzer.FixableProperty, out var fixable))
        {
            return;
        }

        if (fixable == StreamingResponseBufferedAnalyzer.SplitLinesValue)
        {
            if (await PlanLinesAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not null)
            {
                context.RegisterCodeFix(CodeAction.Create(LinesTitle, c => ApplyLinesAsync(context.Document, diagnostic, c), EquivalenceKey), diagnostic);
            }

            return;
        }

        if (fixable != "true" || await PlanAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Send with HttpCompletionOption.ResponseHeadersRead",
                c => ApplyAsync(context.Document, diagnostic, c),
                EquivalenceKey),
            diagnostic);
    }

    /// <summary>What the rewrite needs, or null when the call's shape is not understood.</summary>
    private sealed class Plan
    {
        public Plan(InvocationExpressionSyntax call, ExpressionSyntax newCall, StatementSyntax? anchor, StatementSyntax? request)
        {
            Call = call;
            NewCall = newCall;
            Anchor = anchor;
            Request = request;
        }

        public InvocationExpressionSyntax Call { get; }

        public ExpressionSyntax NewCall { get; }

        /// <summary>The statement before which the request is declared (null when no request is built).</summary>
        public StatementSyntax? Anchor { get; }

        /// <summary>The declaration of the request, inserted before <see cref="Anchor"/> (null when no request is built).</summary>
        public StatementSyntax? Request { get; }
    }

    private static async Task<Plan?> PlanAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return null;
        }

        var name = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        if (name?.Parent is not MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax call } member || member.Name != name)
        {
            return null;
        }

        return PlanFor(model, call, SyntaxGenerator.GetGenerator(document), cancellationToken);
    }

    /// <summary>The rewrite of the send <paramref name="call"/> (<c>http.PostAsync(…)</c>), or null when its shape is not understood.</summary>
    private static Plan? PlanFor(SemanticModel model, InvocationExpressionSyntax call, SyntaxGenerator generator, CancellationToken cancellationToken)
    {
        if (call.Expression is not MemberAccessExpressionSyntax member)
        {
            return null;
        }

        if (model.GetOperation(call, cancellationToken) is not IInvocationOperation invocation
            || call.ArgumentList.Arguments.Any(a => a.NameColon is not null || a.RefKindKeyword != default))
        {
            return null;
        }

        var arguments = invocation.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue && a.Parameter is not null).ToDictionary(a => a.Parameter!.Name, a => (ExpressionSyntax)a.Value.Syntax);
        var receiver = member.Expression;
        var method = invocation.TargetMethod;
        arguments.TryGetValue("cancellationToken", out var token);

        switch (method.Name)
        {
            case "SendAsync" or "Send" when arguments.TryGetValue("request", out var request):
                return new Plan(call, Call(generator, receiver, method.Name, request, token), anchor: null, request: null);

            case "GetAsync" when arguments.TryGetValue("requestUri", out var uri):
                return new Plan(call, Call(generator, receiver, "GetAsync", uri, token), anchor: null, request: null);

            case "PostAsync" or "PutAsync" or "PatchAsync" when arguments.TryGetValue("requestUri", out var uri) && arguments.TryGetValue("content", out var content):
                return BuildRequestPlan(model, generator, call, receiver, HttpMethod(method.Name), uri, content, token);

            case "PostAsJsonAsync" or "PutAsJsonAsync" or "PatchAsJsonAsync" when method.IsExtensionMethod
                && model.GetSymbolInfo(receiver, cancellationToken).Symbol is not ITypeSymbol // http.PostAsJsonAsync(…), not HttpClientJsonExtensions.PostAsJsonAsync(http, …)
                && arguments.TryGetValue("requestUri", out var uri) && arguments.TryGetValue("value", out var value):
                var json = JsonContent(generator, member.Name as GenericNameSyntax, value, arguments);
                return BuildRequestPlan(model, generator, call, receiver, HttpMethod(method.Name), uri, json, token);

            default:
                return null;
        }
    }

    private static string HttpMethod(string sendName)
        => sendName.StartsWith("Put", System.StringComparison.Ordinal) ? "Put" : sendName.StartsWith("Patch", System.StringComparison.Ordinal) ? "Patch" : "Post";

    /// <summary>
    /// <c>JsonContent.Create(value)</c> (with the send's type argument, and its <c>jsonTypeInfo</c> or its serializer
    /// <c>options</c> when it has them): the content <c>PostAsJsonAsync</c> would have sent.
    /// </summary>
    private static ExpressionSyntax JsonContent(SyntaxGenerator generator, GenericNameSyntax? typed, ExpressionSyntax value, Dictionary<string, ExpressionSyntax> arguments)
    {
        var slots = new TemplateSlots().Expression("value", value);
        var text = "global::System.Net.Http.Json.JsonContent.Create(value)";
        if (arguments.TryGetValue("jsonTypeInfo", out var typeInfo))
        {
            slots.Expression("typeInfo", typeInfo);
            text = "global::System.Net.Http.Json.JsonContent.Create(value, typeInfo)";
        }
        else if (arguments.TryGetValue("options", out var serializerOptions))
        {
            slots.Expression("serializerOptions", serializerOptions);
            text = "global::System.Net.Http.Json.JsonContent.Create(value, options: serializerOptions)";
        }

        var json = (InvocationExpressionSyntax)slots.Fill(SyntaxFactory.ParseExpression(text), generator);
        if (typed is null)
        {
            return json;
        }

        // JsonContent.Create<T>(…): the type argument the send was given.
        var create = (MemberAccessExpressionSyntax)json.Expression;
        return json.WithExpression(create.WithName(SyntaxFactory.GenericName(create.Name.Identifier, typed.TypeArgumentList.WithoutTrivia())));
    }

    private static Plan? BuildRequestPlan(SemanticModel model, SyntaxGenerator generator, InvocationExpressionSyntax call, ExpressionSyntax receiver, string httpMethod, ExpressionSyntax uri, ExpressionSyntax content, ExpressionSyntax? token)
    {
        if (uri.IsKind(SyntaxKind.NullLiteralExpression) || uri.IsKind(SyntaxKind.DefaultLiteralExpression))
        {
            return null; // HttpRequestMessage(HttpMethod, null) is ambiguous
        }

        // The request is declared before the statement that makes the call, in the same block and outside any lambda.
        StatementSyntax? anchor = null;
        foreach (var ancestor in call.Ancestors())
        {
            if (ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return null;
            }

            if (ancestor is StatementSyntax statement)
            {
                anchor = statement;
                break;
            }
        }

        if (anchor?.Parent is not (BlockSyntax or SwitchSectionSyntax) || anchor is LocalFunctionStatementSyntax)
        {
            return null;
        }

        var name = Names.FreeInScope(model, anchor.SpanStart, "request", anchor.Parent);
        var slots = new TemplateSlots().Name("request", name).Name("verb", httpMethod).Expression("uri", uri).Expression("content", content);
        var request = slots.Fill(
            SyntaxFactory.ParseStatement(TimeoutSyntax.SupportsUsingDeclarations(call.SyntaxTree)
                ? "using var request = new global::System.Net.Http.HttpRequestMessage(global::System.Net.Http.HttpMethod.verb, uri) { Content = content };"
                : "var request = new global::System.Net.Http.HttpRequestMessage(global::System.Net.Http.HttpMethod.verb, uri) { Content = content };"),
            generator);
        return new Plan(call, Call(generator, receiver, "SendAsync", SyntaxFactory.IdentifierName(TemplateSlots.Identifier(name)), token), anchor, request);
    }

    /// <summary><c>receiver.method(first, HttpCompletionOption.ResponseHeadersRead[, token])</c>, simplified by the cleanup.</summary>
    private static ExpressionSyntax Call(SyntaxGenerator generator, ExpressionSyntax receiver, string method, ExpressionSyntax first, ExpressionSyntax? token)
    {
        var slots = new TemplateSlots().Expression("receiver", receiver).Name("method", method).Expression("first", first);
        if (token is not null)
        {
            slots.Expression("token", token);
        }

        var call = SyntaxFactory.ParseExpression(token is null
            ? "receiver.method(first, global::System.Net.Http.HttpCompletionOption.ResponseHeadersRead)"
            : "receiver.method(first, global::System.Net.Http.HttpCompletionOption.ResponseHeadersRead, token)");
        return Cleanup.Annotate(slots.Fill(call, generator));
    }

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (diagnostic.Properties.TryGetValue(StreamingResponseBufferedAnalyzer.FixableProperty, out var fixable) && fixable == StreamingResponseBufferedAnalyzer.SplitLinesValue)
        {
            return await ApplyLinesAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        }

        var plan = await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (plan is null || root is null)
        {
            return document;
        }

        var newCall = plan.NewCall.WithTriviaFrom(plan.Call).WithAdditionalAnnotations(SendMark);
        if (plan.Anchor is null || plan.Request is null)
        {
            var sent = await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(plan.Call, newCall)), cancellationToken).ConfigureAwait(false);
            return await WithIdleTimeoutAsync(sent, cancellationToken).ConfigureAwait(false);
        }

        var declaration = Cleanup.Annotate(plan.Request)
            .WithLeadingTrivia(Layout.Indentation(plan.Anchor))
            .WithTrailingTrivia(Layout.EndOfLineAfter(plan.Anchor))
            .WithAdditionalAnnotations(Formatter.Annotation);

        var tracked = root.TrackNodes(plan.Anchor, plan.Call);
        tracked = tracked.ReplaceNode(tracked.GetCurrentNode(plan.Call)!, newCall);
        var anchor = tracked.GetCurrentNode(plan.Anchor)!;
        tracked = tracked.InsertNodesBefore(anchor, new[] { declaration });
        var changed = await Cleanup.RunAsync(document.WithSyntaxRoot(tracked), cancellationToken).ConfigureAwait(false);
        return await WithIdleTimeoutAsync(changed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the rewritten send, so that the function around it can be found again after the cleanup.</summary>
    private static readonly SyntaxAnnotation SendMark = new("LlmStreaming.LLM402.Send");

    /// <summary>
    /// With <c>ResponseHeadersRead</c> the client's <c>Timeout</c> no longer covers the body: a stalled stream would hang
    /// where the buffered send failed after the timeout. When nothing else bounds the reads of the function's stream loop
    /// (LLM406 reports it), LLM406's fix is applied too, so that the two never leave a hang behind.
    /// </summary>
    private static async Task<Document> WithIdleTimeoutAsync(Document document, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var send = root?.GetAnnotatedNodes(SendMark).FirstOrDefault();
        var function = send is null ? null : SyntaxScopes.FunctionBody(send);
        if (root is null || model is null || send is null || function is null)
        {
            return document;
        }

        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new StreamedBodyWithoutIdleTimeoutAnalyzer());
        var options = new CompilationWithAnalyzersOptions(document.Project.AnalyzerOptions, onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        var findings = await model.Compilation.WithAnalyzers(analyzers, options).GetAnalyzerSemanticDiagnosticsAsync(model, function.Span, cancellationToken).ConfigureAwait(false);
        var unbounded = findings.FirstOrDefault(d => d.Id == DiagnosticIds.StreamedBodyWithoutIdleTimeout && function.Span.Contains(d.Location.SourceSpan));
        if (unbounded is not null
            && await FixerActions.ApplyAsync(new StreamedBodyWithoutIdleTimeoutCodeFix(), document, unbounded, new[] { StreamedBodyWithoutIdleTimeoutCodeFix.EquivalenceKey }, cancellationToken).ConfigureAwait(false) is { } bounded)
        {
            document = bounded;
        }

        root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var marked = root!.GetAnnotatedNodes(SendMark).ToList();
        return marked.Count == 0 ? document : document.WithSyntaxRoot(root.ReplaceNodes(marked, (_, current) => current.WithoutAnnotations(SendMark)));
    }
}
