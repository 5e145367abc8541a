using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Timeouts;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>
/// LLM406: passes the reads of a hand-rolled stream a token linked to an idle timeout that is re-armed at the start of
/// each iteration (after each read when the read is the loop's condition):
/// <code>
/// var idleLimit = TimeSpan.FromMinutes(2);
/// using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
/// idleTimeout.CancelAfter(idleLimit);
/// while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
/// {
///     idleTimeout.CancelAfter(idleLimit);
///     …
/// }
/// </code>
/// Offered for async reads that have a token overload (<c>TextReader.ReadLineAsync(CancellationToken)</c>,
/// <c>SseParser.EnumerateAsync(CancellationToken)</c>), not for loops that test <c>EndOfStream</c> (a synchronous read the
/// token cannot reach). On the stream of an SDK that waits for its end marker (Azure AI Inference), the streaming call in
/// the loop's header takes the idle token (linked to the token it was given, else to the method's), and after the loop a
/// fired idle timeout is a failure, not an answer: such an SDK ends the enumeration quietly when its token fires.
/// <code>
/// if (idleTimeout.IsCancellationRequested)
/// {
///     cancellationToken.ThrowIfCancellationRequested();
///     throw new IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
/// }
/// </code>
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StreamedBodyWithoutIdleTimeoutCodeFix)), Shared]
public sealed class StreamedBodyWithoutIdleTimeoutCodeFix : LlmCodeFixProvider
{
    public const string EquivalenceKey = "LLM406.IdleTimeout";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.StreamedBodyWithoutIdleTimeout);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.Create(async (document, diagnostic, cancellationToken) => await ApplyAsync(document, diagnostic, cancellationToken).ConfigureAwait(false));

    private protected override bool ReadsSemanticModel => false;

    private protected override async Task RegisterAsync(CodeFixContext context, SyntaxNode root, SemanticModel? model, Diagnostic diagnostic)
    {
        if (await PlanAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Pass a token linked to an idle timeout to the reads", c => ApplyAsync(context.Document, diagnostic, c), EquivalenceKey),
            diagnostic);
    }

    /// <param name="Loop">The stream loop.</param>
    /// <param name="Reads">The reads of a hand-rolled loop that take the idle token.</param>
    /// <param name="LinkedToken">The token the idle timeout is linked to (an expression), if any.</param>
    /// <param name="IdleSeconds">The idle timeout.</param>
    /// <param name="Model">The document's semantic model.</param>
    /// <param name="SdkCall">The streaming call of an SDK loop, which takes the idle token instead of reads.</param>
    /// <param name="SdkToken">The call's token argument, when it is written.</param>
    /// <param name="SdkTokenParameter">The name of the parameter to pass the idle token by, when the call omits its token.</param>
    private sealed record Plan(StatementSyntax Loop, ImmutableArray<InvocationExpressionSyntax> Reads, ExpressionSyntax? LinkedToken, int IdleSeconds, SemanticModel Model, InvocationExpressionSyntax? SdkCall = null, ArgumentSyntax? SdkToken = null, string? SdkTokenParameter = null);

    private static async Task<Plan?> PlanAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || TimeoutSyntax.Seconds(diagnostic, StreamedBodyWithoutIdleTimeoutAnalyzer.IdleSecondsProperty) is not int idleSeconds)
        {
            return null;
        }

        var name = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var loopSyntax = name?.Ancestors().FirstOrDefault(a => a is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax) as StatementSyntax;
        if (loopSyntax?.Parent is not BlockSyntax
            || model.GetOperation(loopSyntax, cancellationToken) is not ILoopOperation loop
            || LlmAnalysisContext.Get(model.Compilation) is not { } llm)
        {
            return null;
        }

        var options = LlmOptions.Parse(document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(root.SyntaxTree));
        var streamLoop = llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, StreamShapes.Direct | StreamShapes.ParameterFed);
        if (streamLoop is { Kind: LlmStreamKind.Sdk, Source.Call: { } sdkCall } && SdkFamilies.Get(streamLoop.Family) is { WaitsForEndMarker: true })
        {
            return SdkPlan(loopSyntax, sdkCall, model, llm, idleSeconds, cancellationToken);
        }

        if (streamLoop is not { HandRolled: { } handRolled })
        {
            return null;
        }

        var reads = ImmutableArray.CreateBuilder<InvocationExpressionSyntax>();
        if (handRolled.UsesSseParser && loop is IForEachLoopOperation forEach)
        {
            if (HttpResponseFlow.SseEnumerateCall(forEach.Collection) is not { } enumerate
                || enumerate.Syntax is not InvocationExpressionSyntax enumerateSyntax
                || !CanTakeToken(enumerate, llm)
                || forEach.Collection.Syntax.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WithCancellation" }))
            {
                return null;
            }

            reads.Add(enumerateSyntax);
        }
        else
        {
            if (loopSyntax.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == "EndOfStream"))
            {
                return null; // EndOfStream reads synchronously: no token can reach it
            }

            foreach (var read in handRolled.Reads)
            {
                if (read.Syntax is not InvocationExpressionSyntax readSyntax || !CanTakeToken(read, llm))
                {
                    return null;
                }

                reads.Add(readSyntax);
            }
        }

        if (reads.Count == 0)
        {
            return null;
        }

        return new Plan(loopSyntax, reads.ToImmutable(), TokenInScope(model, loopSyntax, llm, cancellationToken), idleSeconds, model);
    }

    /// <summary>
    /// The plan for an SDK loop: offered when the streaming call is in the loop's header (the idle timeout must be armed
    /// before it) and takes a token. The idle timeout is linked to the token the call was given, else to the method's.
    /// </summary>
    private static Plan? SdkPlan(StatementSyntax loopSyntax, IInvocationOperation call, SemanticModel model, LlmAnalysisContext llm, int idleSeconds, CancellationToken cancellationToken)
    {
        if (call.Syntax is not InvocationExpressionSyntax callSyntax
            || loopSyntax is not CommonForEachStatementSyntax { Expression: var collection }
            || !collection.Span.Contains(callSyntax.Span)
            || call.Arguments.FirstOrDefault(a => a.Parameter is { } p && llm.Cancellation.IsToken(p.Type)) is not { Parameter: { } parameter } tokenArgument)
        {
            return null;
        }

        if (tokenArgument.ArgumentKind == ArgumentKind.DefaultValue)
        {
            return new Plan(loopSyntax, ImmutableArray<InvocationExpressionSyntax>.Empty, TokenInScope(model, loopSyntax, llm, cancellationToken), idleSeconds, model, callSyntax, SdkTokenParameter: parameter.Name);
        }

        if (tokenArgument.Syntax is not ArgumentSyntax argumentSyntax)
        {
            return null;
        }

        var linked = llm.Cancellation.IsNone(tokenArgument.Value) ? TokenInScope(model, loopSyntax, llm, cancellationToken) : argumentSyntax.Expression.WithoutTrivia();
        return new Plan(loopSyntax, ImmutableArray<InvocationExpressionSyntax>.Empty, linked, idleSeconds, model, callSyntax, argumentSyntax);
    }

    /// <summary>An async read with no token (or a None token) that has an overload taking one.</summary>
    private static bool CanTakeToken(IInvocationOperation read, LlmAnalysisContext llm)
    {
        var method = read.TargetMethod;
        var explicitArguments = read.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).ToList();
        if (explicitArguments.Count > 1 || explicitArguments.Count == 1 && !(llm.Cancellation.IsToken(explicitArguments[0].Parameter?.Type) && llm.Cancellation.IsNone(explicitArguments[0].Value)))
        {
            return false;
        }

        if (explicitArguments.Count == 1 || method.Parameters.Length == 1 && llm.Cancellation.IsToken(method.Parameters[0].Type))
        {
            return true; // ReadLineAsync(CancellationToken.None), EnumerateAsync(CancellationToken cancellationToken = default)
        }

        return method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
            .Any(m => !m.IsStatic && m.Parameters.Length == 1 && llm.Cancellation.IsToken(m.Parameters[0].Type));
    }

    /// <summary>A token parameter of the enclosing method, lambda or local function (by its name, <c>@</c>-escaped when a keyword), if any.</summary>
    private static ExpressionSyntax? TokenInScope(SemanticModel model, SyntaxNode loop, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        var symbol = model.GetEnclosingSymbol(loop.SpanStart, cancellationToken) as IMethodSymbol;
        var parameter = symbol?.Parameters.FirstOrDefault(p => llm.Cancellation.IsToken(p.Type));
        return parameter is null ? null : SyntaxFactory.IdentifierName(TemplateSlots.Identifier(parameter.Name));
    }

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (plan is null || root is null)
        {
            return document;
        }

        var member = plan.Loop.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) ?? plan.Loop.Parent!;
        var limit = Names.FreeInScope(plan.Model, plan.Loop.SpanStart, "idleLimit", member);
        var source = Names.FreeInScope(plan.Model, plan.Loop.SpanStart, "idleTimeout", member);
        var generator = SyntaxGenerator.GetGenerator(document);
        var slots = new TemplateSlots()
            .Name("idleLimit", limit)
            .Name("idleTimeout", source)
            .Expression("duration", TimeoutSyntax.Duration(plan.IdleSeconds));
        if (plan.LinkedToken is { } linkedToken)
        {
            slots.Expression("linkedToken", linkedToken);
        }

        // The reads (or the SDK's streaming call) take the idle token.
        var idleToken = slots.Fill(SyntaxFactory.ParseExpression("idleTimeout.Token"), generator);
        var tokenArgument = SyntaxFactory.Argument(idleToken);
        var loop = plan.SdkCall is { } sdkCall
            ? plan.Loop.ReplaceNode(sdkCall, plan.SdkToken is { } given
                ? sdkCall.ReplaceNode(given, given.WithExpression(idleToken.WithTriviaFrom(given.Expression)))
                : sdkCall.AddArgumentListArguments(tokenArgument.WithNameColon(SyntaxFactory.NameColon(plan.SdkTokenParameter!))))
            : plan.Loop.ReplaceNodes(plan.Reads, (_, read) => read.WithArgumentList(read.ArgumentList.WithArguments(SyntaxFactory.SingletonSeparatedList(tokenArgument))));

        // Re-armed at the start of every iteration.
        var eol = Layout.EndOfLineAfter(plan.Loop);
        var rearm = slots.Fill(SyntaxFactory.ParseStatement("idleTimeout.CancelAfter(idleLimit);"), generator).WithTrailingTrivia(eol);
        loop = loop switch
        {
            WhileStatementSyntax w => w.WithStatement(Rearmed(w.Statement, rearm, plan.Loop)),
            DoStatementSyntax d => d.WithStatement(Rearmed(d.Statement, rearm, plan.Loop)),
            ForStatementSyntax f => f.WithStatement(Rearmed(f.Statement, rearm, plan.Loop)),
            ForEachStatementSyntax f => f.WithStatement(Rearmed(f.Statement, rearm, plan.Loop)),
            ForEachVariableStatementSyntax f => f.WithStatement(Rearmed(f.Statement, rearm, plan.Loop)),
            _ => loop,
        };

        // Armed once before the first read.
        var indentation = Layout.Indentation(plan.Loop);
        slots.Expression("create", slots.Fill(
            SyntaxFactory.ParseExpression(plan.LinkedToken is null
                ? "new global::System.Threading.CancellationTokenSource()"
                : "global::System.Threading.CancellationTokenSource.CreateLinkedTokenSource(linkedToken)"),
            generator));
        var declareLimit = Cleanup.Annotate(slots.Fill(SyntaxFactory.ParseStatement("var idleLimit = duration;"), generator))
            .WithLeadingTrivia(plan.Loop.GetLeadingTrivia()).WithTrailingTrivia(eol);
        var arm = slots.Fill(SyntaxFactory.ParseStatement("idleTimeout.CancelAfter(idleLimit);"), generator).WithLeadingTrivia(indentation).WithTrailingTrivia(eol);
        // After the loop of an SDK that ends its enumeration quietly when its token fires, a fired idle timeout fails.
        var check = plan.SdkCall is null ? null : Cleanup.Annotate(slots.Fill(SyntaxFactory.ParseStatement(plan.LinkedToken is null
            ? """
                if (idleTimeout.IsCancellationRequested)
                {
                    throw new global::System.IO.IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
                }
                """
            : """
                if (idleTimeout.IsCancellationRequested)
                {
                    linkedToken.ThrowIfCancellationRequested();
                    throw new global::System.IO.IOException("The model stream sent nothing for " + idleLimit.TotalSeconds + " s: it stalled, or its body ended without its end marker.");
                }
                """), generator))
            .WithAdditionalAnnotations(Formatter.Annotation);
        List<StatementSyntax> setup;
        if (TimeoutSyntax.SupportsUsingDeclarations(root.SyntaxTree))
        {
            setup = new List<StatementSyntax>
            {
                declareLimit,
                Cleanup.Annotate(slots.Fill(SyntaxFactory.ParseStatement("using var idleTimeout = create;"), generator)).WithLeadingTrivia(indentation).WithTrailingTrivia(eol),
                arm,
                loop.WithLeadingTrivia(indentation),
            };
            if (check is not null)
            {
                setup.Add(check.WithLeadingTrivia(eol, indentation.FirstOrDefault()).WithTrailingTrivia(eol));
            }
        }
        else
        {
            // C# 7.3 and older have no using declarations: a using statement holds the arming and the loop.
            var scoped = (UsingStatementSyntax)Cleanup.Annotate(slots.Fill(SyntaxFactory.ParseStatement("using (var idleTimeout = create)\n{\n}"), generator));
            scoped = scoped.WithStatement(check is null ? SyntaxFactory.Block(arm, loop.WithoutTrivia()) : SyntaxFactory.Block(arm, loop.WithoutTrivia(), check));
            setup = new List<StatementSyntax> { declareLimit, scoped.WithLeadingTrivia(indentation).WithTrailingTrivia(plan.Loop.GetTrailingTrivia()).WithAdditionalAnnotations(Formatter.Annotation) };
        }

        var newRoot = root.ReplaceNode(plan.Loop, setup);
        return await Cleanup.RunAsync(document.WithSyntaxRoot(newRoot), cancellationToken).ConfigureAwait(false);
    }

    private static StatementSyntax Rearmed(StatementSyntax body, StatementSyntax rearm, StatementSyntax originalLoop)
    {
        if (body is BlockSyntax block)
        {
            var indentation = block.Statements.Count > 0
                ? Layout.Indentation(block.Statements[0])
                : SyntaxFactory.TriviaList(SyntaxFactory.Whitespace(Layout.Indentation(originalLoop).ToFullString() + "    "));
            return block.WithStatements(block.Statements.Insert(0, rearm.WithLeadingTrivia(indentation)));
        }

        return SyntaxFactory.Block(rearm, body).WithAdditionalAnnotations(Formatter.Annotation);
    }
}
