using System.Globalization;
using LlmStreaming.Analyzers.Relays;
using LlmStreaming.CodeFixes.Timeouts;

namespace LlmStreaming.CodeFixes.Relays;

/// <summary>
/// LLM504: writes a heartbeat comment (<c>: keep-alive</c>) to the relay's response while nothing was written for the
/// interval (<c>llm_streaming.heartbeat_seconds</c>, 15 s by default). A task started before the <c>await foreach</c>
/// writes the comment; a semaphore keeps it from writing while the loop's body runs (an <c>HttpResponse</c> takes one
/// write at a time), and the body restarts the idle clock; after the loop, however it ends, the task is stopped and
/// awaited:
/// <code>
/// using var heartbeatGate = new SemaphoreSlim(1, 1);
/// using var heartbeatStop = new CancellationTokenSource();
/// var heartbeatIdle = Stopwatch.StartNew();
/// var heartbeat = Task.Run(async () => { /* every interval of silence: await response.WriteAsync(": keep-alive\n\n") */ });
/// try
/// {
///     await foreach (var update in stream)
///     {
///         await heartbeatGate.WaitAsync();
///         try { /* the body */ }
///         finally { heartbeatIdle.Restart(); heartbeatGate.Release(); }
///     }
/// }
/// finally
/// {
///     heartbeatStop.Cancel();
///     await heartbeat;
/// }
/// </code>
/// The loop stays as it was (every other rule still sees the stream). Offered on an <c>await foreach</c> in a block
/// whose events are written with <c>response.WriteAsync(text)</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SseRelaySendsNoHeartbeatCodeFix)), Shared]
public sealed class SseRelaySendsNoHeartbeatCodeFix : LlmSyntaxCodeFix
{
    public const string EquivalenceKey = "LLM504.Heartbeat";

    /// <summary>The comment that starts the setup stands here in <see cref="SetupTemplate"/>; it is replaced by <see cref="IntervalComment"/>.</summary>
    private const string IntervalCommentMarker = "// interval";

    /// <summary>
    /// The heartbeat's setup: its names are slots (the fix chooses free ones), <c>response</c> is the relay's response and
    /// <c>intervalSeconds</c> the interval, as the finding gives them.
    /// </summary>
    private const string SetupTemplate = """
        {
            // interval
            using var heartbeatGate = new global::System.Threading.SemaphoreSlim(1, 1);
            using var heartbeatStop = new global::System.Threading.CancellationTokenSource();
            var heartbeatIdle = global::System.Diagnostics.Stopwatch.StartNew();
            var heartbeatInterval = global::System.TimeSpan.FromSeconds(intervalSeconds);
            var heartbeat = global::System.Threading.Tasks.Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var heartbeatIdleFor = heartbeatIdle.Elapsed;
                        if (heartbeatIdleFor < heartbeatInterval)
                        {
                            await global::System.Threading.Tasks.Task.Delay(heartbeatInterval - heartbeatIdleFor, heartbeatStop.Token);
                            continue;
                        }

                        await heartbeatGate.WaitAsync(heartbeatStop.Token);
                        try
                        {
                            if (heartbeatIdle.Elapsed >= heartbeatInterval)
                            {
                                await response.WriteAsync(": keep-alive\n\n", heartbeatStop.Token);
                                heartbeatIdle.Restart();
                            }
                        }
                        finally
                        {
                            heartbeatGate.Release();
                        }
                    }
                }
                catch (global::System.Exception)
                {
                    // Stopped after the loop, or the client is gone (the relay's own writes find out).
                }
            });
        }
        """;

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SseRelaySendsNoHeartbeat);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.ForFixer(this);

    private protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Loop(root, diagnostic) is null || TimeoutSyntax.Seconds(diagnostic, SseRelaySendsNoHeartbeatAnalyzer.IntervalProperty) is not { } seconds)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Write a heartbeat comment every " + seconds.ToString(CultureInfo.InvariantCulture) + " s while nothing was written", c => ApplyAsync(context.Document, diagnostic, c), EquivalenceKey),
            diagnostic);
    }

    /// <summary>The comment the setup starts with: its words name the interval (a comment, not code).</summary>
    private static SyntaxTrivia IntervalComment(int seconds)
        => SyntaxFactory.Comment("// A comment to the client while nothing was written for " + seconds.ToString(CultureInfo.InvariantCulture) + " s, so that proxies do not cut the idle connection (LLM504).");

    /// <summary>The <c>await foreach</c> in a block the diagnostic is on, when the analyzer found where to write the heartbeat.</summary>
    private static ForEachStatementSyntax? Loop(SyntaxNode root, Diagnostic diagnostic)
        => diagnostic.Properties.TryGetValue(SseRelaySendsNoHeartbeatAnalyzer.TargetProperty, out var target) && !string.IsNullOrEmpty(target)
            && TimeoutSyntax.NodeAt<ForEachStatementSyntax>(root, diagnostic) is { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword, Parent: BlockSyntax } loop
            && TimeoutSyntax.SupportsUsingDeclarations(root.SyntaxTree)
                ? loop
                : null;

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || Loop(root, diagnostic) is not { } loop
            || !diagnostic.Properties.TryGetValue(SseRelaySendsNoHeartbeatAnalyzer.TargetProperty, out var responseText) || responseText is null
            || TimeoutSyntax.Seconds(diagnostic, SseRelaySendsNoHeartbeatAnalyzer.IntervalProperty) is not { } seconds)
        {
            return document;
        }

        var scope = loop.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) ?? loop.Parent!;
        if (ReportedCode.Find(loop.Statement, responseText) is not { } response)
        {
            return document;
        }

        string Free(string preferred) => Names.FreeInScope(model, loop.SpanStart, preferred, scope);
        var generator = SyntaxGenerator.GetGenerator(document);
        var slots = new TemplateSlots()
            .Name("heartbeatGate", Free("heartbeatGate"))
            .Name("heartbeatStop", Free("heartbeatStop"))
            .Name("heartbeatIdle", Free("heartbeatIdle"))
            .Name("heartbeatInterval", Free("heartbeatInterval"))
            .Name("heartbeat", Free("heartbeat"))
            .Name("heartbeatIdleFor", Free("heartbeatIdleFor"))
            .Expression("response", response)
            .Expression("intervalSeconds", SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(seconds)));

        var setup = slots.Fill((BlockSyntax)SyntaxFactory.ParseStatement(SetupTemplate), generator);
        setup = setup.ReplaceTrivia(
            setup.DescendantTrivia().First(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) && t.ToString() == IntervalCommentMarker),
            IntervalComment(seconds));

        var eol = Layout.EndOfLineAfter(loop);
        StatementSyntax Line(StatementSyntax statement) => slots.Fill(statement, generator).WithTrailingTrivia(eol);

        // Parsed out of an async context, "await x;" would be a declaration of x.
        StatementSyntax Await(ExpressionSyntax expression) => SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(slots.Fill(expression, generator))).WithTrailingTrivia(eol);
        var body = loop.Statement is BlockSyntax block ? block.Statements : SyntaxFactory.SingletonList(loop.Statement);
        var guardedBody = SyntaxFactory.Block(
            Await(SyntaxFactory.ParseExpression("heartbeatGate.WaitAsync()")),
            SyntaxFactory.TryStatement(
                SyntaxFactory.Block(body),
                default,
                SyntaxFactory.FinallyClause(SyntaxFactory.Block(Line(SyntaxFactory.ParseStatement("heartbeatIdle.Restart();")), Line(SyntaxFactory.ParseStatement("heartbeatGate.Release();"))))));
        var guardedLoop = loop.WithStatement(guardedBody).WithoutLeadingTrivia().WithTrailingTrivia(eol);
        var stopped = SyntaxFactory.TryStatement(
            SyntaxFactory.Block(guardedLoop),
            default,
            SyntaxFactory.FinallyClause(SyntaxFactory.Block(Line(SyntaxFactory.ParseStatement("heartbeatStop.Cancel();")), Await(SyntaxFactory.ParseExpression("heartbeat")))));

        var statements = setup.Statements.Select(s => Cleanup.Annotate(s)).Append(stopped).ToList();
        statements[0] = statements[0].WithLeadingTrivia(loop.GetLeadingTrivia().AddRange(statements[0].GetLeadingTrivia()));
        statements[statements.Count - 1] = statements[statements.Count - 1].WithTrailingTrivia(loop.GetTrailingTrivia());
        var replaced = root.ReplaceNode(loop, statements.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)));
        return await Cleanup.RunAsync(document.WithSyntaxRoot(replaced), cancellationToken).ConfigureAwait(false);
    }
}
