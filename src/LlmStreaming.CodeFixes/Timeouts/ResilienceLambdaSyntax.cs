namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>Writes timing settings into an <c>HttpStandardResilienceOptions</c> configure lambda (LLM403, LLM405).</summary>
internal static class ResilienceLambdaSyntax
{
    public const string Attempt = "AttemptTimeout.Timeout";
    public const string Total = "TotalRequestTimeout.Timeout";
    public const string Sampling = "CircuitBreaker.SamplingDuration";

    /// <summary>A new configure lambda that sets <paramref name="values"/>, laid out on lines indented from <paramref name="indentation"/>.</summary>
    public static LambdaExpressionSyntax Create(string parameter, IReadOnlyList<(string Path, int Seconds)> values, string indentation, SyntaxTrivia endOfLine)
    {
        var statements = values.Select(v => Statement(parameter, v.Path, v.Seconds));
        return SyntaxFactory.SimpleLambdaExpression(SyntaxFactory.Parameter(SyntaxFactory.Identifier(parameter)))
            .WithArrowToken(SyntaxFactory.Token(SyntaxKind.EqualsGreaterThanToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia())
            .WithBlock(LayOutBlock(SyntaxFactory.Block(statements), indentation, endOfLine));
    }

    /// <summary>Lays a block out as <c>{</c>, one statement per line, <c>}</c>, the braces at <paramref name="indentation"/>.</summary>
    private static BlockSyntax LayOutBlock(BlockSyntax block, string indentation, SyntaxTrivia endOfLine)
    {
        var inner = indentation + "    ";
        var statements = block.Statements.Select(statement => statement
            .WithLeadingTrivia(SyntaxFactory.Whitespace(inner))
            .WithTrailingTrivia(endOfLine));
        return SyntaxFactory.Block(
            SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(endOfLine, SyntaxFactory.Whitespace(indentation)).WithTrailingTrivia(endOfLine),
            SyntaxFactory.List(statements),
            SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(SyntaxFactory.Whitespace(indentation)));
    }

    /// <summary>
    /// <paramref name="lambda"/> with each setting of <paramref name="values"/> written: an existing top-level
    /// <c>o.Path = …;</c> gets the new value, otherwise the assignment is appended. Null when the lambda's shape is not understood.
    /// </summary>
    public static LambdaExpressionSyntax? Set(LambdaExpressionSyntax lambda, IReadOnlyList<(string Path, int Seconds)> values, SyntaxTrivia endOfLine)
    {
        var parameter = lambda switch
        {
            SimpleLambdaExpressionSyntax simple => simple.Parameter.Identifier.ValueText,
            ParenthesizedLambdaExpressionSyntax { ParameterList.Parameters.Count: > 0 } parenthesized => parenthesized.ParameterList.Parameters[0].Identifier.ValueText,
            _ => null,
        };
        if (parameter is null)
        {
            return null;
        }

        BlockSyntax block;
        if (lambda.Block is { } existing)
        {
            block = existing;
        }
        else if (lambda.ExpressionBody is { } expression)
        {
            block = SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(expression.WithoutTrivia()));
        }
        else
        {
            return null;
        }

        // A block already laid out on lines keeps its layout; an expression body or a one-line block is laid out anew.
        var text = lambda.SyntaxTree.GetText();
        var multiLine = lambda.Block is { } b && text.Lines.GetLineFromPosition(b.OpenBraceToken.SpanStart).LineNumber != text.Lines.GetLineFromPosition(b.CloseBraceToken.SpanStart).LineNumber;
        foreach (var (path, seconds) in values)
        {
            var target = parameter + "." + path;
            var current = block.Statements.OfType<ExpressionStatementSyntax>()
                .FirstOrDefault(s => s.Expression is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } a && Normalize(a.Left) == target);
            if (current is not null)
            {
                var assignment = (AssignmentExpressionSyntax)current.Expression;
                block = block.ReplaceNode(assignment.Right, TimeoutSyntax.Duration(seconds).WithTriviaFrom(assignment.Right));
            }
            else
            {
                var statement = Statement(parameter, path, seconds);
                if (multiLine && block.Statements.Count > 0)
                {
                    var last = block.Statements[block.Statements.Count - 1];
                    statement = statement.WithLeadingTrivia(Layout.Indentation(last)).WithTrailingTrivia(Layout.EndOfLineAfter(last));
                }

                block = block.AddStatements(statement);
            }
        }

        if (!multiLine)
        {
            block = LayOutBlock(block, Layout.LineIndentation(lambda), endOfLine);
            var arrow = lambda.ArrowToken.WithTrailingTrivia();
            return lambda.WithExpressionBody(null).WithArrowToken(arrow).WithBlock(block);
        }

        return lambda.WithBlock(block);
    }

    private static string Normalize(ExpressionSyntax expression) => string.Concat(expression.ToString().Where(c => !char.IsWhiteSpace(c)));

    private static StatementSyntax Statement(string parameter, string path, int seconds)
        => SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            Setting(parameter, path),
            TimeoutSyntax.Duration(seconds)));

    /// <summary><c>o.AttemptTimeout.Timeout</c>: the setting <paramref name="path"/> (member names separated by dots) read from <paramref name="parameter"/>.</summary>
    private static ExpressionSyntax Setting(string parameter, string path)
    {
        ExpressionSyntax setting = SyntaxFactory.IdentifierName(TemplateSlots.Identifier(parameter));
        foreach (var member in path.Split('.'))
        {
            setting = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, setting, SyntaxFactory.IdentifierName(member));
        }

        return setting;
    }
}
