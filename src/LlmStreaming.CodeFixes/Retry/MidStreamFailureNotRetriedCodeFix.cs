using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.CodeFixes.Retry;

/// <summary>
/// LLM101: wraps the enumeration (for a hand-rolled stream, from the request on) in a bounded retry — three retries with
/// exponential backoff and full jitter, honouring the token in scope, catching <c>IOException</c> and the SDK's transient
/// exceptions — that resets the accumulated output at the start of each attempt, or, when output is written out,
/// retries only while nothing has been emitted. Plain C#; a Polly <c>ResiliencePipeline</c> variant when Polly.Core is
/// referenced.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MidStreamFailureNotRetriedCodeFix)), Shared]
public sealed class MidStreamFailureNotRetriedCodeFix : LlmCodeFix
{
    public const string RetryLoopKey = "LLM101.WrapInRetryLoop";
    public const string PollyKey = "LLM101.WrapInPollyPipeline";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MidStreamFailureNotRetried);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.ForFixer(this);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count == 0)
        {
            return;
        }

        var document = context.Document;
        var node = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
        var region = RetryRegion.TryCreate(model, node, context.CancellationToken, FixOptions.Get(document, root.SyntaxTree));
        if (region is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Wrap in a retry loop with exponential backoff and jitter",
                c => WrapAsync(document, node.Span, usePolly: false, c),
                RetryLoopKey),
            diagnostic);

        if (region.CanUseDelegate && RetryTypes.Get(model.Compilation).HasPollyRetry)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Wrap in a Polly retry pipeline with exponential backoff and jitter",
                    c => WrapAsync(document, node.Span, usePolly: true, c),
                    PollyKey),
                diagnostic);
        }
    }

    private static async Task<Document> WrapAsync(Document document, Microsoft.CodeAnalysis.Text.TextSpan span, bool usePolly, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var node = root.FindNode(span, getInnermostNodeForTie: true);
        var region = RetryRegion.TryCreate(model, node, cancellationToken, FixOptions.Get(document, root.SyntaxTree));
        if (region is null || usePolly && !region.CanUseDelegate)
        {
            return document;
        }

        var generator = SyntaxGenerator.GetGenerator(document);
        var template = new CodeTemplate(model.Compilation, generator);
        var types = RetryTypes.Get(model.Compilation);
        var anchorPosition = region.Arrow?.SpanStart ?? region.Statements[0].SpanStart;
        var regionNodes = region.Arrow is not null ? new SyntaxNode[] { region.Arrow } : region.Statements.ToArray<SyntaxNode>();
        var used = Names.UsedNames(model, anchorPosition, regionNodes);
        var csharp9 = RetryCodeGen.SupportsCSharp9(root.SyntaxTree);

        var emitted = region.FirstWrite is null ? null : Names.Reserve(used, "emitted");
        var moved = MovedStatements(region, emitted, template, model, cancellationToken);
        var leading = region.Arrow is null ? region.Statements[0].GetLeadingTrivia() : default;
        if (region.Arrow is null)
        {
            moved[0] = moved[0].WithLeadingTrivia();
        }

        var replacement = usePolly
            ? PollyStatements(region, moved, template, model.Compilation, types, used, csharp9)
            : LoopStatements(region, moved, emitted, template, model.Compilation, types, used, csharp9);

        if (region.Arrow is not null)
        {
            var member = region.Arrow.Parent!;
            var body = SyntaxFactory.Block(replacement).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
            SyntaxNode newMember = member switch
            {
                MethodDeclarationSyntax method => method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body).WithTrailingTrivia(method.GetTrailingTrivia()),
                LocalFunctionStatementSyntax local => local.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body).WithTrailingTrivia(local.GetTrailingTrivia()),
                _ => member,
            };

            return await Cleanup.AddImportsAsync(document.WithSyntaxRoot(root.ReplaceNode(member, newMember)), cancellationToken).ConfigureAwait(false);
        }

        // Declarations used after the region stay before the retry, in their order.
        replacement.InsertRange(0, region.Hoisted.Select(h => h.WithoutLeadingTrivia().WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation)));
        replacement[0] = replacement[0].WithLeadingTrivia(leading).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
        var block = region.Block!;
        var first = block.Statements.IndexOf(region.Statements[0]);
        var next = first + region.Statements.Length;
        if (next < block.Statements.Count
            && replacement[replacement.Count - 1].ToString().IndexOf('\n') >= 0
            && !block.Statements[next].GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
        {
            var last = replacement.Count - 1;
            var newLine = region.Statements.Last().GetTrailingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            replacement[last] = replacement[last].WithTrailingTrivia(replacement[last].GetTrailingTrivia().Add(newLine.IsKind(SyntaxKind.EndOfLineTrivia) ? newLine : SyntaxFactory.ElasticCarriageReturnLineFeed))
                .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
        }

        var statements = block.Statements.Take(first)
            .Concat(replacement)
            .Concat(block.Statements.Skip(first + region.Statements.Length));
        return await Cleanup.AddImportsAsync(document.WithSyntaxRoot(root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(statements)))), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The region's statements as they go inside the attempt: the declaration becomes an assignment, an expression body
    /// becomes a statement, and "output emitted" is recorded before the first write.
    /// </summary>
    private static List<StatementSyntax> MovedStatements(RetryRegion region, string? emitted, CodeTemplate template, SemanticModel model, CancellationToken cancellationToken)
    {
        if (region.Arrow is { } arrow)
        {
            var expression = arrow.Expression.WithoutTrivia();
            return new List<StatementSyntax>
            {
                region.Kind == RegionKind.Return
                    ? SyntaxFactory.ReturnStatement(expression)
                    : SyntaxFactory.ExpressionStatement(expression),
            };
        }

        var statements = new List<StatementSyntax>();
        foreach (var statement in region.Statements)
        {
            if (region.Hoisted.Contains(statement))
            {
                continue; // stays before the retry
            }

            var current = statement;
            if (emitted is not null && region.FirstWrite is { } write && statement.Span.Contains(write.Span))
            {
                current = current.InsertNodesBefore(write, new[] { RetryCodeGen.EmittedMark(emitted, write, template, model, cancellationToken) });
            }

            if (region.Kind == RegionKind.Declaration && statement == region.Statements.Last())
            {
                var declaration = (LocalDeclarationStatementSyntax)current;
                var variable = declaration.Declaration.Variables[0];
                current = SyntaxFactory.ExpressionStatement(
                        SyntaxFactory.AssignmentExpression(
                            SyntaxKind.SimpleAssignmentExpression,
                            SyntaxFactory.IdentifierName(variable.Identifier.WithoutTrivia()),
                            variable.Initializer!.Value.WithoutTrivia()))
                    .WithTriviaFrom(declaration);
            }

            statements.Add(current);
        }

        return statements;
    }

    /// <summary>
    /// The catch that lets the failure leave after the last attempt with the text generated so far:
    /// <c>catch (Exception exception) { exception.Data["PartialOutput"] = answer.ToString(); throw; }</c>.
    /// </summary>
    private static CatchClauseSyntax FinalCatch(ExpressionSyntax? partial, string? logger, ExpressionSyntax? attemptNumber, ExpressionSyntax? token, CodeTemplate template, Compilation compilation, HashSet<string> used)
    {
        var final = Names.Reserve(used, "exception");
        var log = logger is null ? new List<StatementSyntax>() : new List<StatementSyntax> { RetryLogging.FailureStatement(logger, final, attemptNumber, token, template) };
        var slots = new TemplateSlots().Name("exception", final).Type("Exception", compilation.GetTypeByMetadataName("System.Exception")!);
        var attach = new List<StatementSyntax>();
        if (partial is not null)
        {
            attach.Add(template.Statement("exception.Data[dataKey] = partial;", new TemplateSlots().Name("exception", final).Expression("dataKey", DataKey).Expression("partial", partial)));
        }

        var @try = (TryStatementSyntax)template.Statement(
            """
            try
            {
            }
            catch (Exception exception)
            {
            __region__;
            __region__;
            throw;
            }
            """,
            slots,
            log,
            attach);
        return @try.Catches[0];
    }

    /// <summary>
    /// A loop that writes out cannot retry once text was written; a stall then ends in the timeout's
    /// <c>OperationCanceledException</c>, which callers take for their own cancellation. While the caller's token is not
    /// cancelled, it leaves as a <c>TimeoutException</c> (with the partial text, where there is an accumulator).
    /// </summary>
    private static CatchClauseSyntax TimeoutAfterOutputCatch(RetryRegion region, CodeTemplate template, Compilation compilation, HashSet<string> used)
    {
        var slots = new TemplateSlots()
            .Name("timedOut", Names.Reserve(used, "timedOut"))
            .Type("OperationCanceledException", compilation.GetTypeByMetadataName("System.OperationCanceledException")!)
            .Type("TimeoutException", compilation.GetTypeByMetadataName("System.TimeoutException")!);
        if (region.PartialText is { } partial)
        {
            slots.Name("timeout", Names.Reserve(used, "timeout")).Expression("dataKey", DataKey).Expression("partial", partial);
        }

        if (region.Token is { } token)
        {
            slots.Expression("callerToken", token);
        }

        var body = template.Statements(region.PartialText is null ? TimeoutThrow : TimeoutThrowWithText, slots);
        var @catch = ((TryStatementSyntax)template.Statement(TimeoutCatch, slots, body)).Catches[0];
        if (region.Token is not null || @catch.Filter is not { } filter)
        {
            return @catch;
        }

        // No token of the caller's: every timeout after output is one; the line ends where the filter ended it.
        var declaration = @catch.Declaration!;
        return @catch.WithFilter(null).WithDeclaration(declaration.WithCloseParenToken(declaration.CloseParenToken.WithTrailingTrivia(filter.CloseParenToken.TrailingTrivia)));
    }

    private const string TimeoutCatch = """
        try
        {
        }
        catch (OperationCanceledException timedOut) when (!callerToken.IsCancellationRequested)
        {
        __region__;
        }
        """;

    private const string TimeoutThrow = """
        // Part of the answer was written out before the stream stalled: a timeout, not the caller's cancellation.
        throw new TimeoutException("The model stream stalled after part of the answer was written out.", timedOut);
        """;

    private const string TimeoutThrowWithText = """
        // Part of the answer was written out before the stream stalled: a timeout, not the caller's cancellation.
        var timeout = new TimeoutException("The model stream stalled after part of the answer was written out.", timedOut);
        timeout.Data[dataKey] = partial;
        throw timeout;
        """;

    /// <summary>The key of the partial text in the exception's <c>Data</c>, as a string literal.</summary>
    private static ExpressionSyntax DataKey => RetryCodeGen.StringLiteral(CatchRethrow.DataKey);

    private static List<StatementSyntax> LoopStatements(RetryRegion region, List<StatementSyntax> moved, string? emitted, CodeTemplate template, Compilation compilation, RetryTypes types, HashSet<string> used, bool csharp9)
    {
        var attempt = Names.Reserve(used, "attempt");
        var exception = Names.Reserve(used, "ex");
        var slots = new TemplateSlots().Name("attempt", attempt).Name("ex", exception);
        var declarations = new List<StatementSyntax>();
        if (emitted is not null)
        {
            declarations.Add(template.Statement("var emitted = false;", new TemplateSlots().Name("emitted", emitted)));
        }

        if (region.Kind == RegionKind.Declaration)
        {
            declarations.Add(template.Statement("DeclaredType local;", DeclaredType(region, compilation).Name("local", region.DeclaredLocal!.Name)));
        }

        var attempted = new List<StatementSyntax>(moved);
        if (region.EndReachable)
        {
            // A blank line after a block, none after a single-line statement.
            attempted.Add(template.Statement("break;").WithLeadingTrivia(moved.Last().ToString().IndexOf('\n') >= 0 ? SyntaxFactory.TriviaList(SyntaxFactory.LineFeed) : default));
        }

        var retrying = new TemplateSlots().Name("attempt", attempt).Expression("maxRetries", RetryCodeGen.MaxRetriesLiteral)
            .Expression("transient", RetryCodeGen.TransientTest(exception, region.Enumeration.Family, types, template, compilation, csharp9, region.Token, used));
        if (emitted is not null)
        {
            retrying.Name("emitted", emitted);
        }

        slots.Expression("retrying", template.Expression(emitted is null ? "attempt < maxRetries && transient" : "!emitted && attempt < maxRetries && transient", retrying))
            .Type("Exception", compilation.GetTypeByMetadataName("System.Exception")!);
        var logged = new List<StatementSyntax>();
        if (region.Logger is { } logger)
        {
            logged.Add(RetryLogging.RetryStatement(logger, SyntaxFactory.IdentifierName(TemplateSlots.Identifier(exception)), AttemptNumber(attempt, template), template));
        }

        var delay = new[] { RetryCodeGen.DelayStatement(attempt, region.IsAsync, region.Token, types, template, compilation) };
        var catches = new List<CatchClauseSyntax>();
        if (emitted is not null)
        {
            catches.Add(TimeoutAfterOutputCatch(region, template, compilation, used));
        }

        if (region.PartialText is not null || region.Logger is not null)
        {
            catches.Add(FinalCatch(region.PartialText, region.Logger, AttemptNumber(attempt, template), region.Token, template, compilation, used));
        }

        var loop = (ForStatementSyntax)template.Statement(
            """
            for (var attempt = 0; ; attempt++)
            {
            __region__;
            try
            {
            __region__;
            }
            catch (Exception ex) when (retrying)
            {
            __region__;
            __region__;
            }
            }
            """,
            slots,
            region.Resets,
            attempted,
            logged,
            delay);
        var @try = ((BlockSyntax)loop.Statement).Statements.OfType<TryStatementSyntax>().Single();
        loop = loop.ReplaceNode(@try, @try.AddCatches(catches.ToArray()));
        declarations.Add(loop);
        return declarations;
    }

    /// <summary><c>attempt + 1</c>: the number of the attempt that failed, counted from 1.</summary>
    private static ExpressionSyntax AttemptNumber(string attempt, CodeTemplate template)
        => template.Expression("attempt + 1", new TemplateSlots().Name("attempt", attempt));

    private static List<StatementSyntax> PollyStatements(RetryRegion region, List<StatementSyntax> moved, CodeTemplate template, Compilation compilation, RetryTypes types, HashSet<string> used, bool csharp9)
    {
        var retryOptions = Names.Reserve(used, "retryOptions");
        var pipeline = Names.Reserve(used, "pipeline");
        var tokenParameter = Names.Reserve(used, "token");
        var slots = new TemplateSlots()
            .Name("retryOptions", retryOptions)
            .Name("pipeline", pipeline)
            .Expression("predicate", RetryCodeGen.PollyPredicate(region.Enumeration.Family, types, template, compilation, csharp9, region.Token))
            .Expression("maxRetries", RetryCodeGen.MaxRetriesLiteral)
            .Type("RetryStrategyOptions", compilation.GetTypeByMetadataName("Polly.Retry.RetryStrategyOptions")!)
            .Type("DelayBackoffType", compilation.GetTypeByMetadataName("Polly.DelayBackoffType")!)
            .Type("TimeSpan", compilation.GetTypeByMetadataName("System.TimeSpan")!)
            .Type("ResiliencePipelineBuilder", compilation.GetTypeByMetadataName("Polly.ResiliencePipelineBuilder")!);
        var logged = new List<StatementSyntax>();
        if (region.Logger is { } logger)
        {
            var arguments = Names.Reserve(used, "arguments");
            slots.Name("arguments", arguments);
            var argumentSlots = new TemplateSlots().Name("arguments", arguments);
            logged.Add(RetryLogging.RetryStatement(
                logger,
                template.Expression("arguments.Outcome.Exception", argumentSlots),
                template.Expression("arguments.AttemptNumber + 1", argumentSlots),
                template));
        }

        var statements = template.Statements(PollyPipeline, slots, logged);
        if (region.Logger is null)
        {
            // Nothing to log: no OnRetry.
            var options = statements[0].DescendantNodes().OfType<InitializerExpressionSyntax>().First();
            var onRetry = options.Expressions.First(e => e is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "OnRetry" } });
            statements[0] = statements[0].ReplaceNode(options, options.WithExpressions(options.Expressions.Remove(onRetry)));
        }

        // The call that runs the region in the pipeline: [await ]pipeline.Execute[Async]([async ]token => …[, ct]).
        var call = new TemplateSlots().Name("pipeline", pipeline);
        if (region.Token is { } callerToken)
        {
            call.Expression("callerToken", callerToken);
        }

        var execute = region.IsAsync
            ? region.Token is null ? "pipeline.ExecuteAsync(callback)" : "pipeline.ExecuteAsync(callback, callerToken)"
            : region.Token is null ? "pipeline.Execute(callback)" : "pipeline.Execute(callback, callerToken)";
        switch (region.Kind)
        {
            case RegionKind.Declaration:
            {
                var declaration = (LocalDeclarationStatementSyntax)region.Statements.Last();
                var variable = declaration.Declaration.Variables[0];
                call.Expression("callback", Callback(region, variable.Initializer!.Value, tokenParameter, template));
                var run = Run(region, template.Expression(execute, call));
                statements.Add(template.Statement(
                    "DeclaredType local = run;",
                    new TemplateSlots().Expression("DeclaredType", declaration.Declaration.Type.WithoutTrivia()).Name("local", variable.Identifier.ValueText).Expression("run", run)));
                return statements;
            }

            case RegionKind.Return:
            {
                var returned = ((ReturnStatementSyntax)moved.Last()).Expression!;
                call.Expression("callback", Callback(region, returned, tokenParameter, template));
                statements.Add(template.Statement("return run;", new TemplateSlots().Expression("run", Run(region, template.Expression(execute, call)))));
                return statements;
            }

            default:
            {
                call.Expression("callback", Lambda(region, moved, tokenParameter, template));
                var run = Run(region, template.Expression(execute, call));
                if (region.PartialText is not null || region.Logger is not null)
                {
                    var @try = (TryStatementSyntax)template.Statement("try\n{\nrun;\n}\ncatch\n{\n}", new TemplateSlots().Expression("run", run));
                    statements.Add(@try.WithCatches(SyntaxFactory.SingletonList(FinalCatch(region.PartialText, region.Logger, attemptNumber: null, region.Token, template, compilation, used))));
                    return statements;
                }

                statements.Add(template.Statement("run;", new TemplateSlots().Expression("run", run)));
                return statements;
            }
        }
    }

    /// <summary>The pipeline's run, awaited in an async function.</summary>
    private static ExpressionSyntax Run(RetryRegion region, ExpressionSyntax execute)
        => region.IsAsync ? RetryCodeGen.Awaited(execute) : execute;

    /// <summary>
    /// The delegate that computes <paramref name="value"/> in the pipeline: <c>token =&gt; value</c>, or, when each attempt
    /// first resets accumulators, <c>token =&gt; { resets; return value; }</c>.
    /// </summary>
    private static ExpressionSyntax Callback(RetryRegion region, ExpressionSyntax value, string tokenParameter, CodeTemplate template)
    {
        var slots = new TemplateSlots().Name("token", tokenParameter).Expression("value", value);
        if (region.Resets.IsEmpty)
        {
            return template.Expression(region.IsAsync ? "async token => value" : "token => value", slots);
        }

        var holder = (LocalDeclarationStatementSyntax)template.Statement(
            region.IsAsync ? "var callback = async token => {\n__region__;\nreturn value;\n};" : "var callback = token => {\n__region__;\nreturn value;\n};",
            slots,
            region.Resets);
        return holder.Declaration.Variables[0].Initializer!.Value;
    }

    /// <summary>The delegate that runs the moved statements in the pipeline, after the resets: <c>token =&gt; { resets; statements }</c>.</summary>
    private static ExpressionSyntax Lambda(RetryRegion region, List<StatementSyntax> moved, string tokenParameter, CodeTemplate template)
    {
        var slots = new TemplateSlots().Name("token", tokenParameter);
        var holder = (LocalDeclarationStatementSyntax)template.Statement(
            region.IsAsync ? "var callback = async token => {\n__region__;\n__region__;\n};" : "var callback = token => {\n__region__;\n__region__;\n};",
            slots,
            region.Resets,
            moved);
        return holder.Declaration.Variables[0].Initializer!.Value;
    }

    private const string PollyPipeline = """
        var retryOptions = new RetryStrategyOptions
        {
        ShouldHandle = predicate,
        MaxRetryAttempts = maxRetries,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = TimeSpan.FromMilliseconds(500),
        MaxDelay = TimeSpan.FromSeconds(30),
        OnRetry = arguments =>
        {
        __region__;
        return default;
        },
        };
        var pipeline = new ResiliencePipelineBuilder().AddRetry(retryOptions).Build();
        """;

    /// <summary>The declared type of the region's local: as written, or the inferred type in place of <c>var</c>.</summary>
    private static TemplateSlots DeclaredType(RetryRegion region, Compilation compilation)
    {
        var declaration = (LocalDeclarationStatementSyntax)region.Statements.Last();
        return declaration.Declaration.Type.IsVar
            ? new TemplateSlots().Type("DeclaredType", region.DeclaredLocal!.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated))
            : new TemplateSlots().Expression("DeclaredType", declaration.Declaration.Type);
    }
}
