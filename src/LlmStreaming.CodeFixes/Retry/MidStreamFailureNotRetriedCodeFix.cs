using System.Text;
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
        var moved = MovedStatements(region, emitted, model, cancellationToken);
        var leading = region.Arrow is null ? region.Statements[0].GetLeadingTrivia() : default;
        if (region.Arrow is null)
        {
            moved[0] = moved[0].WithLeadingTrivia();
        }

        var replacement = usePolly
            ? PollyStatements(region, moved, template, types, used, csharp9)
            : LoopStatements(region, moved, emitted, template, types, used, csharp9);

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
    private static List<StatementSyntax> MovedStatements(RetryRegion region, string? emitted, SemanticModel model, CancellationToken cancellationToken)
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
                current = current.InsertNodesBefore(write, new[] { RetryCodeGen.EmittedMark(emitted, write, model, cancellationToken) });
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
    private static string FinalCatch(string? partial, string? logger, string? attemptNumber, string? token, CodeTemplate template, HashSet<string> used)
    {
        var final = Names.Reserve(used, "exception");
        var text = new StringBuilder("catch (").Append(template.Type("System.Exception")).Append(' ').Append(final).Append(")\n{\n");
        if (logger is not null)
        {
            text.Append(RetryLogging.FailureStatement(logger, final, attemptNumber, token));
        }

        if (partial is not null)
        {
            text.Append(final).Append(".Data[\"").Append(CatchRethrow.DataKey).Append("\"] = ").Append(partial).Append(";\n");
        }

        return text.Append("throw;\n}\n").ToString();
    }

    /// <summary>
    /// A loop that writes out cannot retry once text was written; a stall then ends in the timeout's
    /// <c>OperationCanceledException</c>, which callers take for their own cancellation. While the caller's token is not
    /// cancelled, it leaves as a <c>TimeoutException</c> (with the partial text, where there is an accumulator).
    /// </summary>
    private static string TimeoutAfterOutputCatch(RetryRegion region, CodeTemplate template, HashSet<string> used)
    {
        var cancelled = Names.Reserve(used, "timedOut");
        var text = new StringBuilder("catch (").Append(template.Type("System.OperationCanceledException")).Append(' ').Append(cancelled).Append(')');
        if (region.Token is { } token)
        {
            text.Append(" when (!").Append(token).Append(".IsCancellationRequested)");
        }

        text.Append("\n{\n// Part of the answer was written out before the stream stalled: a timeout, not the caller's cancellation.\n");
        var message = "\"The model stream stalled after part of the answer was written out.\"";
        if (region.PartialText is { } partial)
        {
            var timeout = Names.Reserve(used, "timeout");
            text.Append("var ").Append(timeout).Append(" = new ").Append(template.Type("System.TimeoutException")).Append('(').Append(message).Append(", ").Append(cancelled).Append(");\n")
                .Append(timeout).Append(".Data[\"").Append(CatchRethrow.DataKey).Append("\"] = ").Append(partial).Append(";\n")
                .Append("throw ").Append(timeout).Append(";\n");
        }
        else
        {
            text.Append("throw new ").Append(template.Type("System.TimeoutException")).Append('(').Append(message).Append(", ").Append(cancelled).Append(");\n");
        }

        return text.Append("}\n").ToString();
    }

    private static List<StatementSyntax> LoopStatements(RetryRegion region, List<StatementSyntax> moved, string? emitted, CodeTemplate template, RetryTypes types, HashSet<string> used, bool csharp9)
    {
        var attempt = Names.Reserve(used, "attempt");
        var exception = Names.Reserve(used, "ex");
        var text = new StringBuilder();
        if (emitted is not null)
        {
            text.Append("var ").Append(emitted).Append(" = false;\n");
        }

        if (region.Kind == RegionKind.Declaration)
        {
            text.Append(DeclaredType(region, template)).Append(' ').Append(region.DeclaredLocal!.Name).Append(";\n");
        }

        text.Append("for (var ").Append(attempt).Append(" = 0; ; ").Append(attempt).Append("++)\n{\n");
        foreach (var reset in region.Resets)
        {
            text.Append(reset).Append('\n');
        }

        text.Append("try\n{\n").Append(CodeTemplate.RegionPlaceholder).Append('\n');
        if (region.EndReachable)
        {
            // A blank line after a block, none after a single-line statement.
            text.Append(moved.Last().ToString().IndexOf('\n') >= 0 ? "\nbreak;\n" : "break;\n");
        }

        text.Append("}\n");
        text.Append("catch (").Append(template.Type("System.Exception")).Append(' ').Append(exception).Append(") when (");
        if (emitted is not null)
        {
            text.Append('!').Append(emitted).Append(" && ");
        }

        text.Append(attempt).Append(" < ").Append(RetryCodeGen.MaxRetries).Append(" && ")
            .Append(RetryCodeGen.TransientTest(exception, region.Enumeration.Family, types, template, csharp9, region.Token, used)).Append(")\n{\n")
            .Append(region.Logger is null ? string.Empty : RetryLogging.RetryStatement(region.Logger, exception, attempt + " + 1"))
            .Append(RetryCodeGen.BackoffComment).Append('\n')
            .Append(RetryCodeGen.DelayStatement(attempt, region.IsAsync, region.Token, types, template)).Append('\n')
            .Append("}\n");
        if (emitted is not null)
        {
            text.Append(TimeoutAfterOutputCatch(region, template, used));
        }

        if (region.PartialText is not null || region.Logger is not null)
        {
            text.Append(FinalCatch(region.PartialText, region.Logger, attempt + " + 1", region.Token, template, used));
        }

        text.Append("}\n");

        return template.Statements(text.ToString(), moved);
    }

    private static List<StatementSyntax> PollyStatements(RetryRegion region, List<StatementSyntax> moved, CodeTemplate template, RetryTypes types, HashSet<string> used, bool csharp9)
    {
        var retryOptions = Names.Reserve(used, "retryOptions");
        var pipeline = Names.Reserve(used, "pipeline");
        var tokenParameter = Names.Reserve(used, "token");
        var text = new StringBuilder();
        text.Append("var ").Append(retryOptions).Append(" = new ").Append(template.Type("Polly.Retry.RetryStrategyOptions")).Append("\n{\n")
            .Append("ShouldHandle = ").Append(RetryCodeGen.PollyPredicate(region.Enumeration.Family, types, template, csharp9, region.Token)).Append(",\n")
            .Append("MaxRetryAttempts = ").Append(RetryCodeGen.MaxRetries).Append(",\n")
            .Append("BackoffType = ").Append(template.Type("Polly.DelayBackoffType")).Append(".Exponential,\n")
            .Append("UseJitter = true,\n")
            .Append("Delay = ").Append(template.Type("System.TimeSpan")).Append(".FromMilliseconds(500),\n")
            .Append("MaxDelay = ").Append(template.Type("System.TimeSpan")).Append(".FromSeconds(30),\n");
        if (region.Logger is { } logger)
        {
            var arguments = Names.Reserve(used, "arguments");
            text.Append("OnRetry = ").Append(arguments).Append(" =>\n{\n")
                .Append(RetryLogging.RetryStatement(logger, arguments + ".Outcome.Exception", arguments + ".AttemptNumber + 1"))
                .Append("return default;\n},\n");
        }

        text.Append("};\n")
            .Append("var ").Append(pipeline).Append(" = new ").Append(template.Type("Polly.ResiliencePipelineBuilder")).Append("().AddRetry(").Append(retryOptions).Append(").Build();\n");

        var execute = region.IsAsync ? "await " + pipeline + ".ExecuteAsync(" : pipeline + ".Execute(";
        var lambdaHead = (region.IsAsync ? "async " : string.Empty) + tokenParameter + " => ";
        var tokenArgument = region.Token is null ? string.Empty : ", " + region.Token;
        var resets = string.Concat(region.Resets.Select(r => r + "\n"));

        switch (region.Kind)
        {
            case RegionKind.Declaration:
            {
                var declaration = (LocalDeclarationStatementSyntax)region.Statements.Last();
                var variable = declaration.Declaration.Variables[0];
                var lambdaBody = resets.Length == 0
                    ? variable.Initializer!.Value.WithoutTrivia().ToFullString()
                    : "{\n" + resets + "return " + variable.Initializer!.Value.WithoutTrivia().ToFullString() + ";\n}";
                text.Append(declaration.Declaration.Type.ToString()).Append(' ').Append(variable.Identifier.ValueText)
                    .Append(" = ").Append(execute).Append(lambdaHead).Append(lambdaBody).Append(tokenArgument).Append(");\n");
                return template.Statements(text.ToString());
            }

            case RegionKind.Return:
            {
                var returned = ((ReturnStatementSyntax)moved.Last()).Expression!.WithoutTrivia().ToFullString();
                var lambdaBody = resets.Length == 0 ? returned : "{\n" + resets + "return " + returned + ";\n}";
                text.Append("return ").Append(execute).Append(lambdaHead).Append(lambdaBody).Append(tokenArgument).Append(");\n");
                return template.Statements(text.ToString());
            }

            default:
                if (region.PartialText is not null || region.Logger is not null)
                {
                    text.Append("try\n{\n").Append(execute).Append(lambdaHead).Append("{\n").Append(resets).Append(CodeTemplate.RegionPlaceholder).Append("\n}")
                        .Append(tokenArgument).Append(");\n}\n")
                        .Append(FinalCatch(region.PartialText, region.Logger, attemptNumber: null, region.Token, template, used));
                    return template.Statements(text.ToString(), moved);
                }

                text.Append(execute).Append(lambdaHead).Append("{\n").Append(resets).Append(CodeTemplate.RegionPlaceholder).Append("\n}")
                    .Append(tokenArgument).Append(");\n");
                return template.Statements(text.ToString(), moved);
        }
    }

    private static string DeclaredType(RetryRegion region, CodeTemplate template)
    {
        var declaration = (LocalDeclarationStatementSyntax)region.Statements.Last();
        return declaration.Declaration.Type.IsVar
            ? template.Type(region.DeclaredLocal!.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated))
            : declaration.Declaration.Type.ToString();
    }
}
