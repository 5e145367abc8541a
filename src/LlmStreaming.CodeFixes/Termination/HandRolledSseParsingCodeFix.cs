using System;

namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// LLM204: rewrites a <c>ReadLineAsync</c> loop that splits server-sent events by hand into
/// <c>await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))</c>, keeping the body's logic: the
/// <c>data:</c> filters go (the parser does them), the payload slices (<c>line.Substring(6)</c>, <c>line[6..]</c>,
/// <c>line.Replace("data: ", "")</c>) become <c>item.Data</c>, and line checks such as <c>line == "data: [DONE]"</c>
/// become <c>item.Data == "[DONE]"</c>. Nothing is offered when the loop uses the line in any other way, handles
/// <c>event:</c> lines itself, or when the reader does not wrap a stream the fix can name.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HandRolledSseParsingCodeFix)), Shared]
public sealed class HandRolledSseParsingCodeFix : TerminationCodeFix
{
    public const string Key = "LLM204.UseSseParser";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.HandRolledSseParsing);

    private protected override string Title => "Parse the events with SseParser";

    private protected override string EquivalenceKey => Key;

    private protected override async Task<Document?> TryFixAsync(Document document, SyntaxNode root, SemanticModel model, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (nodes.Length < 2 || nodes[0] is not InvocationExpressionSyntax read || nodes[1] is not WhileStatementSyntax loop || loop.Statement is not BlockSyntax body)
        {
            return null;
        }

        var sseParser = model.Compilation.GetTypeByMetadataName("System.Net.ServerSentEvents.SseParser");
        if (sseParser is null)
        {
            return null;
        }

        // reader.ReadLineAsync(ct) on a local StreamReader created over a stream.
        if (read.Expression is not MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax readerName, Name.Identifier.ValueText: "ReadLineAsync" or "ReadLine" } readAccess
            || model.GetSymbolInfo(readerName, cancellationToken).Symbol is not ILocalSymbol reader)
        {
            return null;
        }

        var isAsync = readAccess.Name.Identifier.ValueText == "ReadLineAsync";
        ExpressionSyntax? token = null;
        if (read.ArgumentList.Arguments.Count == 1 && isAsync
            && model.GetTypeInfo(read.ArgumentList.Arguments[0].Expression, cancellationToken).Type?.Name == "CancellationToken")
        {
            token = read.ArgumentList.Arguments[0].Expression.WithoutTrivia();
        }
        else if (read.ArgumentList.Arguments.Count != 0)
        {
            return null;
        }

        var function = SyntaxScopes.ContainingFunction(loop);
        if (function is null || !OnlyUsedIn(reader, function, loop, model, cancellationToken))
        {
            return null;
        }

        var source = StreamSource(reader, model, cancellationToken);
        if (source is null)
        {
            return null;
        }

        // Where the line comes from: while ((line = await reader.ReadLineAsync()) != null), or a first statement
        // 'var line = await reader.ReadLineAsync();' under while (!reader.EndOfStream) / while (true).
        var statements = body.Statements.ToList();
        ILocalSymbol? line;
        LocalDeclarationStatementSyntax? lineDeclarationBefore = null;
        if (AssignedLineInCondition(loop.Condition, read) is { } assignedLine)
        {
            line = model.GetSymbolInfo(assignedLine, cancellationToken).Symbol as ILocalSymbol;
            if (line is null || line.DeclaringSyntaxReferences.Length != 1
                || line.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax declaration } }
                || declaration.Parent != loop.Parent
                || !OnlyUsedIn(line, function, loop, model, cancellationToken, allowedOutside: declaration))
            {
                return null;
            }

            lineDeclarationBefore = declaration;
        }
        else if (IsEndOfStreamOrTrue(loop.Condition, reader, model, cancellationToken)
            && statements.Count > 0
            && statements[0] is LocalDeclarationStatementSyntax { Declaration.Variables: { Count: 1 } variables } first
            && variables[0].Initializer?.Value is { } initializer
            && TerminationSyntax.Unwrap(initializer) == read)
        {
            line = model.GetDeclaredSymbol(variables[0], cancellationToken) as ILocalSymbol;
            statements.RemoveAt(0);
        }
        else
        {
            return null;
        }

        if (line is null || body.DescendantTokens().Any(t => t.IsKind(SyntaxKind.StringLiteralToken) && t.ValueText.StartsWith("event:", StringComparison.Ordinal)))
        {
            return null; // the loop handles event lines itself: not a rewrite the fix can do faithfully
        }

        var lineName = line.Name;
        var item = Names.FreeInFunction(model, loop, "item");
        var kept = Filter(statements, lineName);
        if (kept is null)
        {
            return null;
        }

        var newBody = RewriteLineUses(body.WithStatements(SyntaxFactory.List(kept)), lineName, item);
        if (newBody is null)
        {
            return null;
        }

        // The stream: the reader's argument when it is a name, else a new local that takes the reader's declaration.
        var generator = SyntaxGenerator.GetGenerator(document);
        var tracked = root.TrackNodes(new SyntaxNode?[] { loop, lineDeclarationBefore, source.Declaration }.OfType<SyntaxNode>());
        string streamName;
        if (source.Stream is IdentifierNameSyntax streamIdentifier)
        {
            streamName = streamIdentifier.Identifier.ValueText;
            if (source.Declaration is not null)
            {
                tracked = tracked.RemoveNode(tracked.GetCurrentNode(source.Declaration)!, SyntaxRemoveOptions.KeepNoTrivia)!;
            }
        }
        else if (source.Declaration is not null)
        {
            // 'stream', else 'responseStream' (a numbered 'stream2' reads as a second stream).
            streamName = Names.FreeInFunction(model, loop, "stream");
            if (streamName != "stream")
            {
                streamName = Names.FreeInFunction(model, loop, "responseStream");
            }
            var declarator = SyntaxFactory.VariableDeclarator(streamName).WithInitializer(SyntaxFactory.EqualsValueClause(source.Stream.WithoutTrivia()));
            var streamDeclaration = source.Declaration.WithDeclaration(
                SyntaxFactory.VariableDeclaration(SyntaxFactory.IdentifierName("var"), SyntaxFactory.SingletonSeparatedList(declarator)))
                .WithAdditionalAnnotations(Formatter.Annotation);
            tracked = tracked.ReplaceNode(tracked.GetCurrentNode(source.Declaration)!, streamDeclaration);
        }
        else
        {
            return null;
        }

        if (lineDeclarationBefore is not null)
        {
            tracked = tracked.RemoveNode(tracked.GetCurrentNode(lineDeclarationBefore)!, SyntaxRemoveOptions.KeepNoTrivia)!;
        }

        if (isAsync && loop.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp8 })
        {
            return null; // await foreach needs C# 8
        }

        var slots = new TemplateSlots().Name("item", item).Name("stream", streamName).Type("SseParser", sseParser, model, loop);
        var header = !isAsync
            ? "foreach (var item in SseParser.Create(stream).Enumerate()) { }"
            : token is null
                ? "await foreach (var item in SseParser.Create(stream).EnumerateAsync()) { }"
                : "await foreach (var item in SseParser.Create(stream).EnumerateAsync(token)) { }";
        if (token is not null)
        {
            slots.Expression("token", token);
        }

        var forEach = (ForEachStatementSyntax)TerminationSyntax.Statement(header, generator, loop, slots);
        forEach = forEach.WithStatement(newBody).WithTriviaFrom(loop).WithAdditionalAnnotations(Formatter.Annotation);

        // Statements removed right before the loop give it their leading trivia (a blank line, a comment).
        var removed = new HashSet<SyntaxNode>(new SyntaxNode?[] { lineDeclarationBefore, source.Stream is IdentifierNameSyntax ? source.Declaration : null }.OfType<SyntaxNode>());
        if (loop.Parent is BlockSyntax parentBlock)
        {
            var index = parentBlock.Statements.IndexOf(loop);
            var earliest = index;
            while (earliest > 0 && removed.Contains(parentBlock.Statements[earliest - 1]))
            {
                earliest--;
            }

            if (earliest < index)
            {
                forEach = forEach.WithLeadingTrivia(parentBlock.Statements[earliest].GetLeadingTrivia());
            }
        }

        var newRoot = tracked.ReplaceNode(tracked.GetCurrentNode(loop)!, forEach);
        return document.WithSyntaxRoot(newRoot);
    }

    /// <param name="Stream">The stream the reader wraps.</param>
    /// <param name="Declaration">The reader's declaration statement, when it declares only the reader.</param>
    private sealed record Source(ExpressionSyntax Stream, LocalDeclarationStatementSyntax? Declaration);

    /// <summary><c>var reader = new StreamReader(stream);</c> → the stream and the declaration.</summary>
    private static Source? StreamSource(ILocalSymbol reader, SemanticModel model, CancellationToken cancellationToken)
    {
        if (reader.DeclaringSyntaxReferences.Length != 1
            || reader.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: BaseObjectCreationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } arguments } creation } declarator
            || model.GetTypeInfo(creation, cancellationToken).Type is not { Name: "StreamReader" })
        {
            return null;
        }

        var stream = arguments[0].Expression;
        if (model.GetTypeInfo(stream, cancellationToken).Type is not { } streamType || !IsStream(streamType))
        {
            return null;
        }

        var declaration = declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } ? statement : null;
        return new Source(stream, declaration);
    }

    private static bool IsStream(ITypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == "Stream" && current.ContainingNamespace?.ToDisplayString() == "System.IO")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every reference to <paramref name="local"/> in the function is inside <paramref name="loop"/> (or its declaration).</summary>
    private static bool OnlyUsedIn(ILocalSymbol local, SyntaxNode function, SyntaxNode loop, SemanticModel model, CancellationToken cancellationToken, SyntaxNode? allowedOutside = null)
    {
        foreach (var identifier in function.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != local.Name || loop.Span.Contains(identifier.Span) || allowedOutside?.Span.Contains(identifier.Span) == true)
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>(line = await reader.ReadLineAsync()) != null</c> or <c>… is not null</c> → <c>line</c>.</summary>
    private static IdentifierNameSyntax? AssignedLineInCondition(ExpressionSyntax condition, InvocationExpressionSyntax read)
    {
        var assigned = condition switch
        {
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.NotEqualsExpression, Right: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NullLiteralExpression } } notEquals => notEquals.Left,
            IsPatternExpressionSyntax { Pattern: UnaryPatternSyntax { Pattern: ConstantPatternSyntax { Expression: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NullLiteralExpression } } } } isNotNull => isNotNull.Expression,
            _ => null,
        };

        while (assigned is ParenthesizedExpressionSyntax parenthesized)
        {
            assigned = parenthesized.Expression;
        }

        return assigned is AssignmentExpressionSyntax { Left: IdentifierNameSyntax line } assignment && TerminationSyntax.Unwrap(assignment.Right) == read ? line : null;
    }

    private static bool IsEndOfStreamOrTrue(ExpressionSyntax condition, ILocalSymbol reader, SemanticModel model, CancellationToken cancellationToken)
        => condition.IsKind(SyntaxKind.TrueLiteralExpression)
            || condition is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression, Operand: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "EndOfStream", Expression: IdentifierNameSyntax name } }
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, reader);

    /// <summary>
    /// Drops the statements the parser makes redundant (skipping blank, comment and non-data lines; the end-of-body
    /// null check) and unwraps <c>if (line.StartsWith("data: ")) { … }</c>. Null when a statement is not understood.
    /// </summary>
    private static List<StatementSyntax>? Filter(IEnumerable<StatementSyntax> statements, string line)
    {
        var kept = new List<StatementSyntax>();
        foreach (var statement in statements)
        {
            if (statement is IfStatementSyntax { Else: null } ifStatement)
            {
                var jump = ifStatement.Statement is BlockSyntax { Statements.Count: 1 } single ? single.Statements[0] : ifStatement.Statement;
                if (jump is ContinueStatementSyntax && IsLineFilter(ifStatement.Condition, line))
                {
                    continue;
                }

                if (jump is ContinueStatementSyntax && ifStatement.Condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalOrExpression })
                {
                    // if (!line.StartsWith("data: ") || line == "data: [DONE]") continue; → keep only what is not a line filter
                    var remaining = Disjuncts(ifStatement.Condition).Where(d => !IsLineFilter(d, line)).ToList();
                    var condition = remaining.Skip(1).Aggregate(remaining[0], (left, right) => SyntaxFactory.BinaryExpression(SyntaxKind.LogicalOrExpression, left, right));
                    kept.Add(ifStatement.WithCondition(condition.WithoutTrivia()));
                    continue;
                }

                if (jump is BreakStatementSyntax && IsNullCheck(ifStatement.Condition, line))
                {
                    continue;
                }

                if (IsDataPrefixTest(ifStatement.Condition, line))
                {
                    var inner = ifStatement.Statement is BlockSyntax block ? (IEnumerable<StatementSyntax>)block.Statements : new[] { ifStatement.Statement };
                    var unwrapped = Filter(inner, line);
                    if (unwrapped is null)
                    {
                        return null;
                    }

                    kept.AddRange(unwrapped.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)));
                    continue;
                }
            }

            kept.Add(statement);
        }

        return kept;
    }

    private static IEnumerable<ExpressionSyntax> Disjuncts(ExpressionSyntax condition)
        => condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalOrExpression } or
            ? Disjuncts(or.Left).Concat(Disjuncts(or.Right))
            : new[] { condition };

    /// <summary>A condition that only skips lines the parser never yields: blank lines, comments, non-data lines, null.</summary>
    private static bool IsLineFilter(ExpressionSyntax condition, string line)
    {
        switch (condition)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return IsLineFilter(parenthesized.Expression, line);
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalOrExpression } or:
                return IsLineFilter(or.Left, line) && IsLineFilter(or.Right, line);
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not:
                return IsDataPrefixTest(not.Operand, line);
            case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "StartsWith", Expression: IdentifierNameSyntax receiver } } startsWith
                when receiver.Identifier.ValueText == line:
                return FirstStringArgument(startsWith) == ":"; // a comment line
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression } equals
                when IsLine(equals.Left, line) && (IsEmptyString(equals.Right) || equals.Right.IsKind(SyntaxKind.NullLiteralExpression)):
                return true;
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression, Left: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length" } length } equalsZero
                when IsLine(length.Expression, line) && equalsZero.Right is LiteralExpressionSyntax { Token.ValueText: "0" }:
                return true;
            default:
                return IsNullCheck(condition, line) || IsNullOrEmptyCall(condition, line);
        }
    }

    private static bool IsNullCheck(ExpressionSyntax condition, string line)
        => condition switch
        {
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression } equals => IsLine(equals.Left, line) && equals.Right.IsKind(SyntaxKind.NullLiteralExpression),
            IsPatternExpressionSyntax { Pattern: ConstantPatternSyntax { Expression: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NullLiteralExpression } } } isNull => IsLine(isNull.Expression, line),
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalOrExpression } or => IsNullCheck(or.Left, line) && IsLineFilter(or.Right, line),
            _ => IsNullOrEmptyCall(condition, line),
        };

    private static bool IsNullOrEmptyCall(ExpressionSyntax condition, string line)
        => condition is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IsNullOrEmpty" or "IsNullOrWhiteSpace", Expression: PredefinedTypeSyntax or IdentifierNameSyntax { Identifier.ValueText: "String" } }, ArgumentList.Arguments: { Count: 1 } arguments }
            && IsLine(arguments[0].Expression, line);

    /// <summary><c>line.StartsWith("data:")</c> / <c>line.StartsWith("data: ")</c> (any comparison argument).</summary>
    private static bool IsDataPrefixTest(ExpressionSyntax condition, string line)
        => condition is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "StartsWith", Expression: IdentifierNameSyntax receiver } } startsWith
            && receiver.Identifier.ValueText == line
            && FirstStringArgument(startsWith) is "data:" or "data: ";

    private static string? FirstStringArgument(InvocationExpressionSyntax invocation)
        => invocation.ArgumentList.Arguments.Count > 0 && invocation.ArgumentList.Arguments[0].Expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal
            ? literal.Token.ValueText
            : invocation.ArgumentList.Arguments.Count > 0 && invocation.ArgumentList.Arguments[0].Expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.CharacterLiteralExpression } character
                ? character.Token.ValueText
                : null;

    private static bool IsLine(ExpressionSyntax expression, string line)
        => expression is IdentifierNameSyntax name && name.Identifier.ValueText == line;

    private static bool IsEmptyString(ExpressionSyntax expression)
        => expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression, Token.ValueText: "" }
            || expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Empty", Expression: PredefinedTypeSyntax or IdentifierNameSyntax { Identifier.ValueText: "String" } };

    /// <summary>
    /// Replaces the payload slices of the line with <c>item.Data</c> and the line's tests against <c>data:</c> literals
    /// with tests of <c>item.Data</c>; null when the line is still used afterwards.
    /// </summary>
    private static BlockSyntax? RewriteLineUses(BlockSyntax body, string line, string item)
    {
        var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
        foreach (var node in body.DescendantNodes())
        {
            if (replacements.Keys.Any(r => r.Span.Contains(node.Span)))
            {
                continue;
            }

            if (node is ExpressionSyntax expression && PayloadSlice(expression, line) is { } slice)
            {
                replacements[slice] = Data(item).WithTriviaFrom(slice);
                continue;
            }

            switch (node)
            {
                case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression or (int)SyntaxKind.NotEqualsExpression } binary
                    when IsLine(binary.Left, line) && StripDataPrefix(binary.Right) is { } right:
                    replacements[binary] = binary.WithLeft(Data(item).WithTriviaFrom(binary.Left)).WithRight(right);
                    break;

                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver, Name.Identifier.ValueText: var method } access } invocation
                    when receiver.Identifier.ValueText == line && method is "StartsWith" or "Equals" or "Contains" or "EndsWith"
                        && invocation.ArgumentList.Arguments.Count >= 1
                        && invocation.ArgumentList.Arguments[0].Expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal:
                    if (literal.Token.ValueText is "data:" or "data: ")
                    {
                        return null; // a test for "is a data line" inside a larger condition: not rewritten
                    }

                    var argument = literal.Token.ValueText.StartsWith("data:", StringComparison.Ordinal)
                        ? (method is "StartsWith" or "Equals" ? StripDataPrefix(literal) : null)
                        : literal;
                    if (argument is null)
                    {
                        return null;
                    }

                    replacements[invocation] = invocation
                        .WithExpression(access.WithExpression(Data(item).WithTriviaFrom(receiver)))
                        .WithArgumentList(invocation.ArgumentList.WithArguments(invocation.ArgumentList.Arguments.Replace(
                            invocation.ArgumentList.Arguments[0], invocation.ArgumentList.Arguments[0].WithExpression(argument))));
                    break;
            }
        }

        var rewritten = body.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]);
        var stillUsed = rewritten.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == line);
        return stillUsed ? null : rewritten;
    }

    private static ExpressionSyntax Data(string item)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(item), SyntaxFactory.IdentifierName("Data"));

    /// <summary><c>"data: [DONE]"</c> → <c>"[DONE]"</c> (the parser removes the field name, the colon and one space).</summary>
    private static ExpressionSyntax? StripDataPrefix(ExpressionSyntax expression)
    {
        if (expression is not LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal
            || !literal.Token.ValueText.StartsWith("data:", StringComparison.Ordinal))
        {
            return null;
        }

        var value = literal.Token.ValueText.Substring(5);
        if (value.StartsWith(" ", StringComparison.Ordinal))
        {
            value = value.Substring(1);
        }

        return SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(value)).WithTriviaFrom(literal);
    }

    /// <summary>
    /// <c>line.Substring(6)</c>, <c>line.Substring("data: ".Length)</c>, <c>line[6..]</c>, <c>line.Replace("data: ", "")</c>,
    /// <c>line.Remove(0, 6)</c>, each optionally followed by <c>.Trim()</c>/<c>.TrimStart()</c>: the whole expression.
    /// </summary>
    private static ExpressionSyntax? PayloadSlice(ExpressionSyntax expression, string line)
    {
        var isSlice = expression switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver, Name.Identifier.ValueText: "Substring" }, ArgumentList.Arguments: { Count: 1 } arguments }
                => receiver.Identifier.ValueText == line && IsPrefixLength(arguments[0].Expression),
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver, Name.Identifier.ValueText: "Remove" }, ArgumentList.Arguments: { Count: 2 } arguments }
                => receiver.Identifier.ValueText == line && arguments[0].Expression is LiteralExpressionSyntax { Token.ValueText: "0" } && IsPrefixLength(arguments[1].Expression),
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver, Name.Identifier.ValueText: "Replace" }, ArgumentList.Arguments: { Count: 2 } arguments }
                => receiver.Identifier.ValueText == line
                    && arguments[0].Expression is LiteralExpressionSyntax { Token.ValueText: "data: " or "data:" }
                    && IsEmptyString(arguments[1].Expression),
            ElementAccessExpressionSyntax { Expression: IdentifierNameSyntax receiver, ArgumentList.Arguments: { Count: 1 } arguments }
                => receiver.Identifier.ValueText == line && arguments[0].Expression is RangeExpressionSyntax { LeftOperand: { } start, RightOperand: null } && IsPrefixLength(start),
            _ => false,
        };

        if (!isSlice)
        {
            return null;
        }

        // Extend over a trailing .Trim() / .TrimStart(): item.Data is already the payload.
        var current = expression;
        while (current.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Trim" or "TrimStart" } trim
            && trim.Expression == current
            && trim.Parent is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0 } trimCall)
        {
            current = trimCall;
        }

        return current;
    }

    /// <summary><c>5</c>, <c>6</c>, <c>"data:".Length</c>, <c>"data: ".Length</c>.</summary>
    private static bool IsPrefixLength(ExpressionSyntax expression)
        => expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NumericLiteralExpression, Token.ValueText: "5" or "6" }
            || expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length", Expression: LiteralExpressionSyntax { Token.ValueText: "data:" or "data: " } };
}
