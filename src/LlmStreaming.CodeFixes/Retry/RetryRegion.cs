using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.CodeFixes.Retry;

internal enum RegionKind
{
    /// <summary>Statements that complete (a loop, an expression statement).</summary>
    Statements,

    /// <summary><c>var x = await …Aggregate…;</c>: the local is declared before the retry and assigned inside.</summary>
    Declaration,

    /// <summary><c>return await …;</c>: the retry loop returns.</summary>
    Return,
}

/// <summary>
/// What the LLM101 fix wraps in a retry: the statements of one block from the first one the stream depends on (for a
/// hand-rolled stream, back to the statement that sends the request) to the enumeration, and what each attempt must
/// reset. Built only when the rewrite keeps the code's meaning; null otherwise.
/// </summary>
internal sealed class RetryRegion
{
    private static readonly ImmutableHashSet<string> SendNames = ImmutableHashSet.Create(
        "SendAsync", "Send", "PostAsync", "PostAsJsonAsync", "GetAsync", "GetStreamAsync", "GetStream");

    private RetryRegion(
        StreamEnumeration enumeration,
        BlockSyntax? block,
        ArrowExpressionClauseSyntax? arrow,
        ImmutableArray<StatementSyntax> statements,
        RegionKind kind,
        ILocalSymbol? declaredLocal,
        ImmutableArray<StatementSyntax> resets,
        SyntaxNode? firstWrite,
        bool isAsync,
        bool endReachable,
        ExpressionSyntax? token,
        ImmutableArray<StatementSyntax> hoisted,
        ExpressionSyntax? partialText)
    {
        Hoisted = hoisted;
        PartialText = partialText;
        Enumeration = enumeration;
        Block = block;
        Arrow = arrow;
        Statements = statements;
        Kind = kind;
        DeclaredLocal = declaredLocal;
        Resets = resets;
        FirstWrite = firstWrite;
        IsAsync = isAsync;
        EndReachable = endReachable;
        Token = token;
    }

    public StreamEnumeration Enumeration { get; }

    /// <summary>The block holding <see cref="Statements"/> (null for an expression-bodied member).</summary>
    public BlockSyntax? Block { get; }

    /// <summary>The expression body that becomes a block (null for statements of a block).</summary>
    public ArrowExpressionClauseSyntax? Arrow { get; }

    public ImmutableArray<StatementSyntax> Statements { get; }

    /// <summary>
    /// Declarations among <see cref="Statements"/> that stay before the retry instead of moving into the attempt: the
    /// locals they declare are used after the region and their initializers depend on nothing in it
    /// (<c>var answer = new StringBuilder();</c> between the request and a hand-rolled read loop).
    /// </summary>
    public ImmutableArray<StatementSyntax> Hoisted { get; }

    public RegionKind Kind { get; }

    public ILocalSymbol? DeclaredLocal { get; }

    /// <summary>Statements that reset the accumulators, run at the start of each attempt (<c>sb.Clear();</c>, <c>text = "";</c>).</summary>
    public ImmutableArray<StatementSyntax> Resets { get; }

    /// <summary>The statement (inside the stream loop) before which "output emitted" is recorded; null when nothing is written out.</summary>
    public SyntaxNode? FirstWrite { get; }

    public bool IsAsync { get; }

    /// <summary>The region can complete normally (a <c>break;</c> ends the retry loop after it).</summary>
    public bool EndReachable { get; }

    /// <summary>The caller's cancellation token the retry honours (see <see cref="RetryCodeGen.TokenInScope"/>), or null.</summary>
    public ExpressionSyntax? Token { get; }

    /// <summary>
    /// The text the stream accumulated so far, as an expression visible after the retry (<c>answer.ToString()</c>), for
    /// the exception that leaves after the last attempt; null when no text accumulator outlives an attempt.
    /// </summary>
    public ExpressionSyntax? PartialText { get; }

    /// <summary>The Polly variant can wrap the region in a delegate: no return/yield/branch out, no ref parameters, nothing written out.</summary>
    public bool CanUseDelegate { get; private set; }

    /// <summary>An <c>ILogger</c> in scope that the retry logs to (see <see cref="RetryLogging"/>), or null.</summary>
    public string? Logger { get; private set; }

    public static RetryRegion? TryCreate(SemanticModel model, SyntaxNode enumerationNode, CancellationToken cancellationToken, LlmOptions options)
    {
        var llm = LlmAnalysisContext.Get(model.Compilation);
        if (llm is null || model.GetOperation(enumerationNode, cancellationToken) is not { } operation)
        {
            return null;
        }

        var enumeration = StreamEnumeration.TryGet(operation, llm, options, cancellationToken);
        if (enumeration is null)
        {
            return null;
        }

        var types = RetryTypes.Get(model.Compilation);
        var isAsync = RetryCodeGen.IsInAsyncFunction(operation, model, cancellationToken);

        // The statement that holds the enumeration, and its block.
        BlockSyntax? block;
        ArrowExpressionClauseSyntax? arrow = null;
        StatementSyntax? anchor;
        RegionKind kind;
        ILocalSymbol? declared = null;
        if (enumeration.Loop is not null)
        {
            anchor = enumerationNode as StatementSyntax;
            block = anchor?.Parent as BlockSyntax;
            kind = RegionKind.Statements;

            // A using statement around the loop (the idle timeout of a C# 7.3 fix, a reader's scope) goes into the
            // attempt with it: each attempt gets its own resource, and the request before it can be reached.
            while (block?.Parent is UsingStatementSyntax scoped && scoped.Parent is BlockSyntax outer)
            {
                anchor = scoped;
                block = outer;
            }
        }
        else
        {
            if (!isAsync || !IsAwaited(operation))
            {
                return null; // a task returned unawaited fails outside any try around it
            }

            anchor = enumerationNode.FirstAncestorOrSelf<StatementSyntax>();
            var expressionBody = enumerationNode.FirstAncestorOrSelf<ArrowExpressionClauseSyntax>();
            if (expressionBody is not null && (anchor is null || !expressionBody.Span.Contains(anchor.Span)))
            {
                if (expressionBody.Parent is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax))
                {
                    return null;
                }

                arrow = expressionBody;
                block = null;
                anchor = null;
                kind = ReturnsValue(operation, model, cancellationToken) ? RegionKind.Return : RegionKind.Statements;
            }
            else
            {
                block = anchor?.Parent as BlockSyntax;
                switch (anchor)
                {
                    case ExpressionStatementSyntax:
                        kind = RegionKind.Statements;
                        break;
                    case ReturnStatementSyntax { Expression: not null }:
                        kind = RegionKind.Return;
                        break;
                    case LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, IsConst: false, Declaration.Variables.Count: 1 } local
                        when local.Declaration.Variables[0].Initializer is not null:
                        kind = RegionKind.Declaration;
                        declared = model.GetDeclaredSymbol(local.Declaration.Variables[0], cancellationToken) as ILocalSymbol;
                        if (declared is null || declared.Type is IErrorTypeSymbol || declared.Type.IsAnonymousType)
                        {
                            return null;
                        }

                        break;
                    default:
                        return null;
                }
            }
        }

        if (arrow is null && (anchor is null || block is null))
        {
            return null;
        }

        var statements = arrow is null
            ? ExtendBackwards(block!, anchor!, enumeration, model, llm, cancellationToken)
            : ImmutableArray<StatementSyntax>.Empty;
        if (statements.IsDefault)
        {
            return null;
        }

        if (arrow is null && kind == RegionKind.Statements && enumeration.Loop is { } streamLoop)
        {
            statements = WithIdleTimeout(block!, WithStreamChecks(block!, statements, streamLoop, model, cancellationToken), model, cancellationToken);
        }

        var hoisted = arrow is null ? Hoistable(statements, anchor!, block!, model, cancellationToken) : ImmutableArray<StatementSyntax>.Empty;
        if (arrow is null && !IsMovable(statements, hoisted, block!, kind, model, cancellationToken))
        {
            return null;
        }

        if (enumeration.IsHandRolled && !SendsFreshRequest(statements, model, cancellationToken))
        {
            return null;
        }

        // What each attempt resets, and whether output leaves the loop.
        var resets = ImmutableArray.CreateBuilder<StatementSyntax>();
        SyntaxNode? firstWrite = null;
        ExpressionSyntax? partialText = null;
        if (enumeration.Loop is { } loop)
        {
            var regionSpan = arrow?.Span ?? TextSpanOf(statements);
            foreach (var accumulator in Accumulators.Find(loop, llm.Types))
            {
                if (accumulator.Symbol is ILocalSymbol local && local.DeclaringSyntaxReferences.Any(r => regionSpan.Contains(r.Span) && !hoisted.Any(h => h.Span.Contains(r.Span))))
                {
                    continue; // declared inside the attempt: fresh each time
                }

                partialText ??= Shared.PartialText.Of(accumulator.Name, accumulator.Kind.ToString(), accumulator.Type);
                var reset = AccumulatorResets.TryGetReset(accumulator, loop, model, cancellationToken);
                if (reset is null)
                {
                    firstWrite ??= loop.Body.Syntax; // cannot be reset: retry only while nothing is kept
                    continue;
                }

                resets.Add(reset);
            }

            foreach (var reset in AccumulatorResets.OverwrittenTextResets(loop, llm.Streams, regionSpan, model, cancellationToken))
            {
                if (!resets.Any(r => r.IsEquivalentTo(reset)))
                {
                    resets.Add(reset);
                }
            }

            var writes = Emissions.FindWrites(loop, types);
            if (!writes.IsEmpty)
            {
                firstWrite = StatementBefore(writes[0].Syntax, loop) ?? firstWrite;
            }

            if (firstWrite == loop.Body.Syntax)
            {
                firstWrite = (loop.Body.Syntax as BlockSyntax)?.Statements.FirstOrDefault();
                if (firstWrite is null)
                {
                    return null;
                }
            }
        }

        var endReachable = kind != RegionKind.Return
            && (arrow is not null || model.AnalyzeControlFlow(statements.First(), statements.Last()) is { Succeeded: true, EndPointIsReachable: true });

        var candidates = new List<IOperation> { operation };
        if (enumeration.Loop?.HandRolled is { } handRolled)
        {
            candidates.AddRange(handRolled.Reads);
            candidates.AddRange(statements.Select(s => model.GetOperation(s, cancellationToken)).Where(o => o is not null)!);
        }

        var token = RetryCodeGen.TokenInScope(operation, candidates, types, model, cancellationToken, arrow?.Span ?? TextSpanOf(statements));
        var region = new RetryRegion(enumeration, block, arrow, statements, kind, declared, resets.ToImmutable(), firstWrite, isAsync, endReachable, token, hoisted, partialText);
        region.CanUseDelegate = firstWrite is null && CanMoveIntoDelegate(region, model, cancellationToken);
        region.Logger = RetryLogging.FindLogger(model, arrow?.SpanStart ?? statements[0].SpanStart, cancellationToken);
        return region;
    }

    private static Microsoft.CodeAnalysis.Text.TextSpan TextSpanOf(ImmutableArray<StatementSyntax> statements)
        => Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(statements.First().SpanStart, statements.Last().Span.End);

    private static bool IsAwaited(IOperation aggregation)
    {
        for (var current = aggregation.Parent; current is not null && !current.IsFunctionBoundary(); current = current.Parent)
        {
            if (current is IAwaitOperation)
            {
                return true;
            }

            if (current.Syntax is StatementSyntax)
            {
                return false;
            }
        }

        return false;
    }

    private static bool ReturnsValue(IOperation operation, SemanticModel model, CancellationToken cancellationToken)
    {
        var method = SyntaxScopes.ContainingMethod(operation, model, cancellationToken);
        if (method is null || method.ReturnsVoid)
        {
            return false;
        }

        return !(method.IsAsync && method.ReturnType is INamedTypeSymbol { IsGenericType: false } && method.ReturnType.Name is "Task" or "ValueTask");
    }

    /// <summary>
    /// The anchor, preceded (for a hand-rolled stream) by the statements of the same block that set up what the loop
    /// reads: the request, the response, its stream and reader.
    /// </summary>
    private static ImmutableArray<StatementSyntax> ExtendBackwards(BlockSyntax block, StatementSyntax anchor, StreamEnumeration enumeration, SemanticModel model, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        var anchorIndex = block.Statements.IndexOf(anchor);
        if (anchorIndex < 0)
        {
            return default;
        }

        var start = anchorIndex;
        if (enumeration.IsHandRolled)
        {
            var pending = new Stack<SyntaxNode>();
            pending.Push(anchor);
            var seen = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            while (pending.Count > 0)
            {
                var node = pending.Pop();
                foreach (var identifier in node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
                {
                    if (model.GetSymbolInfo(identifier, cancellationToken).Symbol is not ILocalSymbol local || !seen.Add(local) || !IsTransportLocal(local, llm))
                    {
                        continue;
                    }

                    for (var i = 0; i < anchorIndex; i++)
                    {
                        if (block.Statements[i] is LocalDeclarationStatementSyntax declaration
                            && declaration.Declaration.Variables.Any(v => v.Identifier.ValueText == local.Name && v.Span.Contains(local.DeclaringSyntaxReferences[0].Span)))
                        {
                            if (i < start)
                            {
                                start = i;
                            }

                            pending.Push(declaration);
                        }
                    }
                }
            }
        }

        return block.Statements.Skip(start).Take(anchorIndex - start + 1).ToImmutableArray();
    }

    /// <summary>
    /// The region with the idle timeout armed right before it (LLM406's fix, applied before the retry): its setup and,
    /// right after the region, the checks that read its source. Each attempt arms its own, and its token is not the
    /// caller's (the retry's filter and backoff keep the caller's token).
    /// </summary>
    private static ImmutableArray<StatementSyntax> WithIdleTimeout(BlockSyntax block, ImmutableArray<StatementSyntax> statements, SemanticModel model, CancellationToken cancellationToken)
    {
        var first = block.Statements.IndexOf(statements.First());
        var last = block.Statements.IndexOf(statements.Last());
        var start = first;
        while (start > 0 && IsIdleTimeoutSetup(block.Statements[start - 1], block.Statements.Skip(start).Take(last - start + 1), model, cancellationToken))
        {
            start--;
        }

        var sources = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var declaration in block.Statements.Skip(start).Take(first - start).OfType<LocalDeclarationStatementSyntax>())
        {
            foreach (var variable in declaration.Declaration.Variables)
            {
                if (model.GetDeclaredSymbol(variable, cancellationToken) is ILocalSymbol source && IsTokenSource(source.Type))
                {
                    sources.Add(source);
                }
            }
        }

        if (sources.Count == 0)
        {
            return statements;
        }

        var end = last;
        while (end + 1 < block.Statements.Count
            && block.Statements[end + 1] is IfStatementSyntax { Else: null } check
            && EndsInThrow(check.Statement)
            && check.Condition.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(identifier => model.GetSymbolInfo(identifier, cancellationToken).Symbol is ILocalSymbol local && sources.Contains(local)))
        {
            end++;
        }

        return block.Statements.Skip(start).Take(end - start + 1).ToImmutableArray();
    }

    private static bool IsTokenSource(ITypeSymbol type)
        => type is { Name: "CancellationTokenSource" } && type.ContainingNamespace?.ToDisplayString() == "System.Threading";

    /// <summary>
    /// A statement of an idle timeout set up for the statements that follow it: the declaration of a
    /// <c>CancellationTokenSource</c> whose <c>Token</c> they pass, a call on such a source (<c>CancelAfter</c>), or the
    /// declaration of the <c>TimeSpan</c> limit they read.
    /// </summary>
    private static bool IsIdleTimeoutSetup(StatementSyntax statement, IEnumerable<StatementSyntax> following, SemanticModel model, CancellationToken cancellationToken)
    {
        var after = following.ToList();
        bool PassesTokenOf(ISymbol source) => after.Any(s => s.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Any(access => access.Name.Identifier.ValueText == "Token"
            && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(access.Expression, cancellationToken).Symbol, source)));
        bool Reads(ISymbol local) => after.Any(s => s.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Any(identifier => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local)));

        switch (statement)
        {
            case LocalDeclarationStatementSyntax { Declaration.Variables: { Count: 1 } variables }
                when model.GetDeclaredSymbol(variables[0], cancellationToken) is ILocalSymbol local:
                return IsTokenSource(local.Type) && PassesTokenOf(local)
                    || local.Type is { Name: "TimeSpan" } span && span.ContainingNamespace?.ToDisplayString() == "System" && Reads(local);
            case ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CancelAfter", Expression: var target } } }:
                return model.GetSymbolInfo(target, cancellationToken).Symbol is ILocalSymbol armed && PassesTokenOf(armed);
            default:
                return false;
        }
    }

    /// <summary>
    /// The region with the stream's own checks around it: the <c>if (…) throw …;</c> statements right after the loop
    /// whose condition reads a local the loop assigns (a finish reason, an end marker seen), and, right before the region,
    /// the declarations of those locals with a constant initializer when nothing after the checks uses them. The checks
    /// belong in the attempt: a stream found cut off there is retried (in whatever order the fixes were applied), and
    /// each attempt starts with the locals fresh.
    /// </summary>
    private static ImmutableArray<StatementSyntax> WithStreamChecks(BlockSyntax block, ImmutableArray<StatementSyntax> statements, LlmStreamLoop loop, SemanticModel model, CancellationToken cancellationToken)
    {
        var assigned = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var node in loop.Body.DescendantsAndSelf())
        {
            var target = node switch
            {
                ISimpleAssignmentOperation assignment => assignment.Target,
                ICoalesceAssignmentOperation coalesce => coalesce.Target,
                ICompoundAssignmentOperation compound => compound.Target,
                _ => null,
            };
            if (target is ILocalReferenceOperation { Local: var local } && !Accumulators.IsDeclaredInside(local, loop.Loop))
            {
                assigned.Add(local);
            }
        }

        if (assigned.Count == 0)
        {
            return statements;
        }

        bool ReadsAssigned(SyntaxNode node) => node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
            .Any(identifier => model.GetSymbolInfo(identifier, cancellationToken).Symbol is ILocalSymbol local && assigned.Contains(local));

        var last = block.Statements.IndexOf(statements.Last());
        var end = last;
        while (end + 1 < block.Statements.Count
            && block.Statements[end + 1] is IfStatementSyntax { Else: null } check
            && EndsInThrow(check.Statement)
            && ReadsAssigned(check.Condition))
        {
            end++;
        }

        if (end == last)
        {
            return statements;
        }

        var first = block.Statements.IndexOf(statements.First());
        var start = first;
        while (start > 0
            && block.Statements[start - 1] is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, Declaration.Variables: { Count: 1 } variables } declaration
            && variables[0].Initializer?.Value is LiteralExpressionSyntax or DefaultExpressionSyntax
            && model.GetDeclaredSymbol(variables[0], cancellationToken) is ILocalSymbol declared
            && assigned.Contains(declared)
            && !block.Statements.Skip(end + 1).Any(later => later.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                .Any(identifier => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, declared))))
        {
            start--;
        }

        return block.Statements.Skip(start).Take(end - start + 1).ToImmutableArray();
    }

    private static bool EndsInThrow(StatementSyntax statement)
        => statement is ThrowStatementSyntax || statement is BlockSyntax { Statements: { Count: > 0 } inner } && inner.Last() is ThrowStatementSyntax;

    private static bool IsTransportLocal(ILocalSymbol local, LlmAnalysisContext llm)
    {
        var types = llm.Types;
        var type = local.Type;
        return type.IsOrInheritsFrom(types.HttpResponseMessage)
            || type.IsOrInheritsFrom(types.HttpRequestMessage)
            || type.IsOrInheritsFrom(types.HttpContent)
            || type.IsOrInheritsFrom(types.TextReader)
            || type.IsOrInheritsFrom(types.SseParserOfT)
            || type.Name == "Stream" && type.ContainingNamespace?.ToDisplayString() == "System.IO"
            || type.BaseType?.Name == "Stream" && type.BaseType.ContainingNamespace?.ToDisplayString() == "System.IO";
    }

    /// <summary>
    /// The statements can move into a loop body: no local they declare is used after them, no break/continue/goto leaves
    /// them for an enclosing loop, no labels, no yield.
    /// </summary>
    /// <summary>
    /// The region's plain local declarations (no <c>using</c>, not the enumeration itself) whose locals are used after
    /// the region and whose initializer is side-effect free and independent of the region: an empty or
    /// argument-less <c>new T()</c>, a literal, <c>default</c>, or none. They can stay before the retry.
    /// </summary>
    private static ImmutableArray<StatementSyntax> Hoistable(ImmutableArray<StatementSyntax> statements, StatementSyntax anchor, BlockSyntax block, SemanticModel model, CancellationToken cancellationToken)
    {
        var span = TextSpanOf(statements);
        var builder = ImmutableArray.CreateBuilder<StatementSyntax>();
        foreach (var statement in statements)
        {
            if (statement == anchor
                || statement is not LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0 } declaration
                || !declaration.Declaration.Variables.All(v => v.Initializer is null || IsSimpleInitializer(v.Initializer.Value)))
            {
                continue;
            }

            var symbols = declaration.Declaration.Variables
                .Select(v => model.GetDeclaredSymbol(v, cancellationToken))
                .Where(symbol => symbol is not null)
                .ToList();
            var usedAfter = block.Statements
                .Where(later => later.SpanStart >= span.End)
                .SelectMany(later => later.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
                .Any(identifier => model.GetSymbolInfo(identifier, cancellationToken).Symbol is { } used && symbols.Contains(used, SymbolEqualityComparer.Default));
            if (usedAfter)
            {
                builder.Add(statement);
            }
        }

        return builder.ToImmutable();
    }

    private static bool IsSimpleInitializer(ExpressionSyntax value)
        => value switch
        {
            LiteralExpressionSyntax => true,
            DefaultExpressionSyntax => true,
            ObjectCreationExpressionSyntax { ArgumentList: null or { Arguments.Count: 0 }, Initializer: null } => true,
            ImplicitObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 0, Initializer: null } => true,
            _ => false,
        };

    private static bool IsMovable(ImmutableArray<StatementSyntax> statements, ImmutableArray<StatementSyntax> hoisted, BlockSyntax block, RegionKind kind, SemanticModel model, CancellationToken cancellationToken)
    {
        var span = TextSpanOf(statements);
        foreach (var statement in statements)
        {
            foreach (var node in statement.DescendantNodesAndSelf())
            {
                switch (node)
                {
                    case YieldStatementSyntax:
                    case GotoStatementSyntax:
                    case LabeledStatementSyntax:
                    case LocalFunctionStatementSyntax:
                        return false;
                    case BreakStatementSyntax:
                    case ContinueStatementSyntax:
                        if (!IsInsideLoopWithin(node, statement))
                        {
                            return false;
                        }

                        break;
                }
            }
        }

        // Locals declared in the region must not be used after it (the Declaration kind hoists its one local).
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var statement in statements)
        {
            if (kind == RegionKind.Declaration && statement == statements.Last() || hoisted.Contains(statement))
            {
                continue;
            }

            foreach (var node in statement.DescendantNodesAndSelf())
            {
                var symbol = node switch
                {
                    VariableDeclaratorSyntax declarator when declarator.Parent?.Parent is LocalDeclarationStatementSyntax local && local.Parent == block
                        => model.GetDeclaredSymbol(declarator, cancellationToken),
                    _ => null,
                };

                if (symbol is not null)
                {
                    declared.Add(symbol);
                }
            }
        }

        if (declared.Count == 0)
        {
            return true;
        }

        foreach (var later in block.Statements.Where(s => s.SpanStart >= span.End))
        {
            foreach (var identifier in later.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(identifier, cancellationToken).Symbol is { } symbol && declared.Contains(symbol))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsInsideLoopWithin(SyntaxNode branch, SyntaxNode root)
    {
        for (var current = branch.Parent; current is not null && current != root.Parent; current = current.Parent)
        {
            switch (current)
            {
                case ForStatementSyntax or CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax:
                    return true;
                case SwitchSectionSyntax when branch is BreakStatementSyntax:
                    return true;
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax:
                    return true;
            }
        }

        return false;
    }

    /// <summary>A hand-rolled region must send the request itself, with a request message created inside it.</summary>
    private static bool SendsFreshRequest(ImmutableArray<StatementSyntax> statements, SemanticModel model, CancellationToken cancellationToken)
    {
        var span = TextSpanOf(statements);
        var sends = false;
        foreach (var invocation in statements.SelectMany(s => s.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>()))
        {
            if (model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation
                || !SendNames.Contains(operation.TargetMethod.Name)
                || operation.TargetMethod.ContainingType?.Name != "HttpClient" && (operation.TargetMethod.ReducedFrom ?? operation.TargetMethod).Parameters.FirstOrDefault()?.Type.Name != "HttpClient")
            {
                continue;
            }

            sends = true;
            foreach (var argument in operation.Arguments)
            {
                if (argument.Value.Type?.Name == "HttpRequestMessage"
                    && argument.Value.WalkDownConversions() is { } request
                    && !(request is ILocalReferenceOperation local && local.Local.DeclaringSyntaxReferences.Any(r => span.Contains(r.Span)))
                    && request is not IObjectCreationOperation)
                {
                    return false; // a request message cannot be sent twice
                }
            }
        }

        return sends;
    }

    /// <summary>The statement (a direct child of a block inside the loop body) that contains <paramref name="node"/>.</summary>
    private static StatementSyntax? StatementBefore(SyntaxNode node, LlmStreamLoop loop)
    {
        var body = loop.Body.Syntax;
        for (var current = node; current is not null && current != body; current = current.Parent)
        {
            if (current is StatementSyntax statement && statement.Parent is BlockSyntax)
            {
                return statement;
            }
        }

        return null;
    }

    private static bool CanMoveIntoDelegate(RetryRegion region, SemanticModel model, CancellationToken cancellationToken)
    {
        var nodes = region.Arrow is not null
            ? region.Arrow.DescendantNodes()
            : region.Statements.SelectMany(s => s.DescendantNodesAndSelf());
        foreach (var node in nodes)
        {
            switch (node)
            {
                case ReturnStatementSyntax when region.Kind != RegionKind.Return || !region.Statements.Contains(node):
                    if (!IsInNestedFunction(node, region))
                    {
                        return false;
                    }

                    break;
                case IdentifierNameSyntax identifier:
                    var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
                    if (SyntaxScopes.CannotBeCaptured(symbol))
                    {
                        return false;
                    }

                    if (symbol is { IsStatic: false } and (IFieldSymbol or IPropertySymbol or IMethodSymbol { MethodKind: MethodKind.Ordinary }) && symbol.ContainingType?.IsValueType == true)
                    {
                        return false;
                    }

                    break;
                case ThisExpressionSyntax:
                    if (model.GetTypeInfo(node, cancellationToken).Type?.IsValueType == true)
                    {
                        return false;
                    }

                    break;
            }
        }

        return region.Kind != RegionKind.Return || region.IsAsync;
    }

    private static bool IsInNestedFunction(SyntaxNode node, RetryRegion region)
    {
        for (var current = node.Parent; current is not null; current = current.Parent)
        {
            if (current is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return true;
            }

            if (region.Statements.Contains(current) || current == region.Arrow)
            {
                return false;
            }
        }

        return false;
    }
}
