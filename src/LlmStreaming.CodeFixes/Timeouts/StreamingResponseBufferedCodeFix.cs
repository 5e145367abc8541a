using System.Text;
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

    private const string HeadersRead = "global::System.Net.Http.HttpCompletionOption.ResponseHeadersRead";

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
        public Plan(InvocationExpressionSyntax call, ExpressionSyntax newCall, StatementSyntax? anchor, string? requestText)
        {
            Call = call;
            NewCall = newCall;
            Anchor = anchor;
            RequestText = requestText;
        }

        public InvocationExpressionSyntax Call { get; }

        public ExpressionSyntax NewCall { get; }

        /// <summary>The statement before which the request is declared (null when no request is built).</summary>
        public StatementSyntax? Anchor { get; }

        public string? RequestText { get; }
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

        return PlanFor(model, call, cancellationToken);
    }

    /// <summary>The rewrite of the send <paramref name="call"/> (<c>http.PostAsync(…)</c>), or null when its shape is not understood.</summary>
    private static Plan? PlanFor(SemanticModel model, InvocationExpressionSyntax call, CancellationToken cancellationToken)
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
                return new Plan(call, Call(receiver, method.Name, request.ToString(), token), anchor: null, requestText: null);

            case "GetAsync" when arguments.TryGetValue("requestUri", out var uri):
                return new Plan(call, Call(receiver, "GetAsync", uri.ToString(), token), anchor: null, requestText: null);

            case "PostAsync" or "PutAsync" or "PatchAsync" when arguments.TryGetValue("requestUri", out var uri) && arguments.TryGetValue("content", out var content):
                return BuildRequestPlan(model, call, receiver, HttpMethod(method.Name), uri, content.ToString(), token);

            case "PostAsJsonAsync" or "PutAsJsonAsync" or "PatchAsJsonAsync" when method.IsExtensionMethod
                && model.GetSymbolInfo(receiver, cancellationToken).Symbol is not ITypeSymbol // http.PostAsJsonAsync(…), not HttpClientJsonExtensions.PostAsJsonAsync(http, …)
                && arguments.TryGetValue("requestUri", out var uri) && arguments.TryGetValue("value", out var value):
                var typeArgument = member.Name is GenericNameSyntax generic ? generic.TypeArgumentList.ToString() : string.Empty;
                var json = new StringBuilder("global::System.Net.Http.Json.JsonContent.Create").Append(typeArgument).Append('(').Append(value);
                if (arguments.TryGetValue("jsonTypeInfo", out var typeInfo))
                {
                    json.Append(", ").Append(typeInfo);
                }
                else if (arguments.TryGetValue("options", out var serializerOptions))
                {
                    json.Append(", options: ").Append(serializerOptions);
                }

                json.Append(')');
                return BuildRequestPlan(model, call, receiver, HttpMethod(method.Name), uri, json.ToString(), token);

            default:
                return null;
        }
    }

    private static string HttpMethod(string sendName)
        => sendName.StartsWith("Put", System.StringComparison.Ordinal) ? "Put" : sendName.StartsWith("Patch", System.StringComparison.Ordinal) ? "Patch" : "Post";

    private static Plan? BuildRequestPlan(SemanticModel model, InvocationExpressionSyntax call, ExpressionSyntax receiver, string httpMethod, ExpressionSyntax uri, string contentText, ExpressionSyntax? token)
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
        var usingKeyword = TimeoutSyntax.SupportsUsingDeclarations(call.SyntaxTree) ? "using " : string.Empty;
        var requestText = usingKeyword + "var " + name + " = new global::System.Net.Http.HttpRequestMessage(global::System.Net.Http.HttpMethod." + httpMethod + ", " + uri + ") { Content = " + contentText + " };";
        return new Plan(call, Call(receiver, "SendAsync", name, token), anchor, requestText);
    }

    private static ExpressionSyntax Call(ExpressionSyntax receiver, string method, string firstArgument, ExpressionSyntax? token)
    {
        var text = "__receiver." + method + "(" + firstArgument + ", " + HeadersRead + (token is null ? string.Empty : ", " + token) + ")";
        var parsed = (InvocationExpressionSyntax)SyntaxFactory.ParseExpression(text);
        var access = (MemberAccessExpressionSyntax)parsed.Expression;
        parsed = parsed.WithExpression(access.WithExpression(receiver.WithoutTrivia()));
        return Cleanup.Annotate(parsed);
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
        if (plan.Anchor is null || plan.RequestText is null)
        {
            var sent = await Cleanup.RunAsync(document.WithSyntaxRoot(root.ReplaceNode(plan.Call, newCall)), cancellationToken).ConfigureAwait(false);
            return await WithIdleTimeoutAsync(sent, cancellationToken).ConfigureAwait(false);
        }

        var declaration = Cleanup.Annotate(SyntaxFactory.ParseStatement(plan.RequestText))
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
