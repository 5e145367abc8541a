using LlmStreaming.CodeFixes.Retry;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>
/// LLM402 on a streamed body read whole and split into lines (<c>var body = await response.Content.ReadAsStringAsync();
/// foreach (var line in body.Split('\n'))</c>): the lines are read from the body as they arrive instead
/// (<c>using var reader = new StreamReader(await response.Content.ReadAsStreamAsync()); string? line; while ((line =
/// await reader.ReadLineAsync()) != null)</c>), and the send gains <c>ResponseHeadersRead</c>. The loop's body is kept
/// as it is. Offered only where the rewrite keeps the loop's meaning: the body text has no other use, it is split on
/// line ends only, and the loop variable's name is free in the enclosing block.
/// </summary>
public sealed partial class StreamingResponseBufferedCodeFix
{
    private const string LinesTitle = "Read the streamed body line by line as it arrives";

    /// <summary>What the lines rewrite needs.</summary>
    private sealed class LinesPlan
    {
        public LinesPlan(
            LocalDeclarationStatementSyntax bodyDeclaration,
            InvocationExpressionSyntax read,
            LocalDeclarationStatementSyntax? linesDeclaration,
            ForEachStatementSyntax loop,
            bool skipEmpty,
            Plan? send)
        {
            BodyDeclaration = bodyDeclaration;
            Read = read;
            LinesDeclaration = linesDeclaration;
            Loop = loop;
            SkipEmpty = skipEmpty;
            Send = send;
        }

        /// <summary><c>var body = await response.Content.ReadAsStringAsync(…);</c></summary>
        public LocalDeclarationStatementSyntax BodyDeclaration { get; }

        /// <summary><c>response.Content.ReadAsStringAsync(…)</c></summary>
        public InvocationExpressionSyntax Read { get; }

        /// <summary><c>var lines = body.Split('\n');</c> when the loop enumerates a local.</summary>
        public LocalDeclarationStatementSyntax? LinesDeclaration { get; }

        public ForEachStatementSyntax Loop { get; }

        /// <summary>The split dropped empty entries: the loop skips empty lines.</summary>
        public bool SkipEmpty { get; }

        /// <summary>The send's rewrite to <c>ResponseHeadersRead</c> (null when it has it already).</summary>
        public Plan? Send { get; }
    }

    private static async Task<LinesPlan?> PlanLinesAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return null;
        }

        var name = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        if (name?.Parent is not MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax read, Expression: var content } member
            || member.Name != name
            || read.Parent is not AwaitExpressionSyntax { Parent: EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } }
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax bodyDeclaration }
            || bodyDeclaration.UsingKeyword != default || bodyDeclaration.IsConst || bodyDeclaration.Parent is not BlockSyntax block
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol body
            || model.GetOperation(read, cancellationToken) is not IInvocationOperation readOperation
            || readOperation.Arguments.Any(a => a.ArgumentKind == ArgumentKind.ParamArray))
        {
            return null;
        }

        // The body's only use is the split the loop enumerates, directly or through one local.
        if (SingleUse(block, body, model, cancellationToken) is not { Parent: MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax split } splitAccess }
            || splitAccess.Name.Identifier.ValueText != "Split"
            || model.GetOperation(split, cancellationToken) is not IInvocationOperation splitOperation
            || splitOperation.TargetMethod.ContainingType.SpecialType != SpecialType.System_String
            || !SplitsOnLineEnds(splitOperation, out var skipEmpty))
        {
            return null;
        }

        LocalDeclarationStatementSyntax? linesDeclaration = null;
        ForEachStatementSyntax? loop;
        if (split.Parent is ForEachStatementSyntax direct && direct.Expression == split)
        {
            loop = direct;
        }
        else if (split.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax linesDeclarator }
            && linesDeclarator.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0 } declaration }
            && declaration.Parent == block
            && model.GetDeclaredSymbol(linesDeclarator, cancellationToken) is ILocalSymbol lines
            && SingleUse(block, lines, model, cancellationToken) is { Parent: ForEachStatementSyntax overLocal } use
            && overLocal.Expression == use)
        {
            linesDeclaration = declaration;
            loop = overLocal;
        }
        else
        {
            return null;
        }

        if (loop.AwaitKeyword != default || loop.Parent is not BlockSyntax loopBlock || !block.Contains(loopBlock)
            || loop.Type is not (IdentifierNameSyntax { IsVar: true } or PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.StringKeyword })
            || !RetryCodeGen.IsInAsyncFunction(readOperation, model, cancellationToken))
        {
            return null;
        }

        // The loop variable becomes a local of the block around the loop: its name must be free there, and no lambda may
        // capture it (one variable for every line would change what a deferred lambda sees).
        var lineName = loop.Identifier.ValueText;
        if (loopBlock.DescendantTokens().Count(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == lineName && IsDeclaration(t)) > 1
            || loop.Statement.DescendantNodes().Any(n => n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax
                && n.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == lineName)))
        {
            return null;
        }

        // The send whose body is read: it must stream its headers first.
        if (LlmAnalysisContext.Get(model.Compilation)?.HttpClients.Responses is not { } flow
            || !flow.IsBufferedBodyRead(readOperation, out var response)
            || flow.TraceResponse(response, cancellationToken) is not { } sendOperation)
        {
            return null;
        }

        Plan? send = null;
        if (flow.BufferingOf(sendOperation) != BodyBuffering.HeadersRead)
        {
            if (sendOperation.Syntax is not InvocationExpressionSyntax sendCall || PlanFor(model, sendCall, SyntaxGenerator.GetGenerator(document), cancellationToken) is not { } sendPlan)
            {
                return null;
            }

            send = sendPlan;
        }

        return new LinesPlan(bodyDeclaration, read, linesDeclaration, loop, skipEmpty, send);
    }

    private static bool IsDeclaration(SyntaxToken identifier)
        => identifier.Parent is VariableDeclaratorSyntax or ForEachStatementSyntax or ParameterSyntax or SingleVariableDesignationSyntax or CatchDeclarationSyntax;

    /// <summary>The one reference to <paramref name="local"/> in <paramref name="scope"/>, or null when there are none or several.</summary>
    private static IdentifierNameSyntax? SingleUse(SyntaxNode scope, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken)
    {
        IdentifierNameSyntax? found = null;
        foreach (var identifier in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText == local.Name
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
            {
                if (found is not null)
                {
                    return null;
                }

                found = identifier;
            }
        }

        return found;
    }

    /// <summary>
    /// True when the split cuts on line ends only (<c>'\n'</c>, <c>"\n"</c>, <c>"\r\n"</c>, <c>Environment.NewLine</c>, or
    /// arrays of them), with <c>StringSplitOptions.None</c> or <c>RemoveEmptyEntries</c> (then <paramref name="skipEmpty"/>).
    /// </summary>
    private static bool SplitsOnLineEnds(IInvocationOperation split, out bool skipEmpty)
    {
        skipEmpty = false;
        var separators = 0;
        foreach (var argument in split.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            var value = argument.Value.WalkDownConversions();
            if (argument.Parameter?.Type.Name == "StringSplitOptions")
            {
                if (value.ConstantValue is not { HasValue: true, Value: int options } || (options & ~1) != 0)
                {
                    return false; // TrimEntries or an unknown value
                }

                skipEmpty = options == 1;
                continue;
            }

            if (argument.Parameter?.Type.SpecialType == SpecialType.System_Int32)
            {
                return false; // a count limit
            }

            var elements = value is IArrayCreationOperation { Initializer: { } initializer }
                ? initializer.ElementValues
                : System.Collections.Immutable.ImmutableArray.Create(value);
            foreach (var element in elements)
            {
                if (!IsLineEnd(element.WalkDownConversions()))
                {
                    return false;
                }

                separators++;
            }
        }

        return separators > 0;
    }

    private static bool IsLineEnd(IOperation value)
        => value.ConstantValue is { HasValue: true, Value: '\n' or "\n" or "\r\n" }
            || value is IPropertyReferenceOperation { Property: { Name: "NewLine", IsStatic: true, ContainingType.Name: "Environment" } };

    private static async Task<Document> ApplyLinesAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var plan = await PlanLinesAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (plan is null || root is null || model is null)
        {
            return document;
        }

        var readerName = Names.FreeInScope(model, plan.BodyDeclaration.SpanStart, "reader", plan.BodyDeclaration.Parent);
        var generator = SyntaxGenerator.GetGenerator(document);

        // content.ReadAsStreamAsync(…), with the arguments the read of the whole body had.
        var content = ((MemberAccessExpressionSyntax)plan.Read.Expression).Expression.WithoutTrivia();
        var readStream = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, content, SyntaxFactory.IdentifierName("ReadAsStreamAsync")),
            plan.Read.ArgumentList.WithoutTrivia());
        var slots = new TemplateSlots().Name("reader", readerName).Name("line", plan.Loop.Identifier.ValueText).Expression("readStream", readStream);

        var readerDeclaration = Cleanup.Annotate(slots.Fill(
                SyntaxFactory.ParseStatement(TimeoutSyntax.SupportsUsingDeclarations(root.SyntaxTree)
                    ? "using var reader = new global::System.IO.StreamReader(await readStream);"
                    : "var reader = new global::System.IO.StreamReader(await readStream);"),
                generator))
            .WithTriviaFrom(plan.BodyDeclaration)
            .WithAdditionalAnnotations(Formatter.Annotation, SendMark);
        var lineDeclaration = slots.Fill(
                SyntaxFactory.ParseStatement(model.GetNullableContext(plan.Loop.SpanStart).AnnotationsEnabled() ? "string? line;" : "string line;"),
                generator)
            .WithLeadingTrivia(plan.Loop.GetLeadingTrivia())
            .WithTrailingTrivia(Layout.EndOfLineAfter(plan.Loop))
            .WithAdditionalAnnotations(Formatter.Annotation);

        StatementSyntax body = plan.Loop.Statement;
        if (plan.SkipEmpty)
        {
            var skip = SyntaxFactory.IfStatement(
                    slots.Fill(SyntaxFactory.ParseExpression("line.Length == 0"), generator),
                    SyntaxFactory.Block(SyntaxFactory.ContinueStatement()))
                .WithAdditionalAnnotations(Formatter.Annotation);
            body = body is BlockSyntax existing
                ? existing.WithStatements(existing.Statements.Insert(0, skip))
                : SyntaxFactory.Block(skip, body).WithAdditionalAnnotations(Formatter.Annotation);
        }

        var parsed = slots.Fill((WhileStatementSyntax)SyntaxFactory.ParseStatement("while ((line = await reader.ReadLineAsync()) != null) { }"), generator);
        var loop = parsed
            .WithCloseParenToken(parsed.CloseParenToken.WithTrailingTrivia(plan.Loop.CloseParenToken.TrailingTrivia))
            .WithStatement(body)
            .WithLeadingTrivia(Layout.Indentation(plan.Loop))
            .WithTrailingTrivia(plan.Loop.GetTrailingTrivia());

        // The loop stays the same loop for whoever marked it ("Make this stream resilient" follows its region by an annotation).
        loop = plan.Loop.CopyAnnotationsTo(loop)!;

        var nodes = new System.Collections.Generic.List<SyntaxNode> { plan.BodyDeclaration, plan.Loop };
        if (plan.LinesDeclaration is not null)
        {
            nodes.Add(plan.LinesDeclaration);
        }

        if (plan.Send is { } send)
        {
            nodes.Add(send.Call);
            if (send.Anchor is not null)
            {
                nodes.Add(send.Anchor);
            }
        }

        var tracked = root.TrackNodes(nodes);
        tracked = tracked.ReplaceNode(tracked.GetCurrentNode(plan.Loop)!, new SyntaxNode[] { lineDeclaration, loop });
        if (plan.LinesDeclaration is not null)
        {
            tracked = tracked.RemoveNode(tracked.GetCurrentNode(plan.LinesDeclaration)!, SyntaxRemoveOptions.KeepNoTrivia)!;
        }

        tracked = tracked.ReplaceNode(tracked.GetCurrentNode(plan.BodyDeclaration)!, readerDeclaration);
        if (plan.Send is { } rewrite)
        {
            tracked = tracked.ReplaceNode(tracked.GetCurrentNode(rewrite.Call)!, rewrite.NewCall.WithTriviaFrom(rewrite.Call).WithAdditionalAnnotations(SendMark));
            if (rewrite.Anchor is not null && rewrite.Request is not null)
            {
                var request = Cleanup.Annotate(rewrite.Request)
                    .WithLeadingTrivia(Layout.Indentation(rewrite.Anchor))
                    .WithTrailingTrivia(Layout.EndOfLineAfter(rewrite.Anchor))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                tracked = tracked.InsertNodesBefore(tracked.GetCurrentNode(rewrite.Anchor)!, new[] { request });
            }
        }

        var changed = await Cleanup.RunAsync(document.WithSyntaxRoot(tracked), cancellationToken).ConfigureAwait(false);
        return await WithIdleTimeoutAsync(changed, cancellationToken).ConfigureAwait(false);
    }
}
