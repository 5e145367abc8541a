using Microsoft.CodeAnalysis.CSharp;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LlmStreaming.Analyzers.Termination;

/// <summary>How a hand-rolled loop can stop at the end of the response body.</summary>
internal enum EndOfBodyExitKind
{
    /// <summary>The loop's condition fails (<c>ReadLineAsync</c> returned null, <c>EndOfStream</c>) or the SseParser enumeration ends.</summary>
    LoopEnd,

    /// <summary><c>if (line == null) break;</c></summary>
    Break,

    /// <summary><c>if (line == null) return …;</c> or <c>yield break</c>: the branch itself carries on as if complete.</summary>
    Leave,
}

/// <summary>One way a hand-rolled loop stops at the end of the body.</summary>
internal sealed class EndOfBodyExit
{
    public EndOfBodyExit(EndOfBodyExitKind kind, IOperation? branch)
    {
        Kind = kind;
        Branch = branch;
    }

    public EndOfBodyExitKind Kind { get; }

    /// <summary>The statement run at the end of the body (for Break and Leave).</summary>
    public IOperation? Branch { get; }
}

/// <summary>
/// The facts the termination rules (LLM201–LLM205) share: what in a hand-rolled loop is the payload, what is a
/// <c>[DONE]</c> check, a terminal marker, an error check; how a loop stops at the end of the body; what code runs after it.
/// </summary>
internal static class TerminationFacts
{
    public const string DoneSentinel = "[DONE]";

    /// <summary>Literals that mark the end of a model stream (SSE sentinel, Anthropic and Responses event types).</summary>
    public static readonly ImmutableArray<string> TerminalLiterals = ImmutableArray.Create(
        "[DONE]", "message_stop", "response.completed", "response.incomplete", "response.failed");

    /// <summary>Member and JSON names that carry the end of a model stream (compared normalised: lower case, no underscores).</summary>
    public static readonly ImmutableHashSet<string> TerminalMemberNames = ImmutableHashSet.Create(
        StringComparer.Ordinal, "done", "finishreason", "stopreason", "donereason");

    private static readonly ImmutableHashSet<string> NullOrEmptyChecks = ImmutableHashSet.Create("IsNullOrEmpty", "IsNullOrWhiteSpace");

    /// <summary>
    /// The line variable of a hand-rolled loop and every local whose value is derived from it inside the loop
    /// (declared from it, assigned from it, or an out variable of a call on it).
    /// </summary>
    public static ImmutableHashSet<ILocalSymbol> PayloadLocals(LlmStreamLoop loop)
    {
        var set = StreamRecognizer.DerivedLocals(loop).ToBuilder();
        if (set.Count == 0)
        {
            return set.ToImmutable();
        }

        var assignments = loop.Loop.DescendantsWithinFunction().OfType<ISimpleAssignmentOperation>().ToList();
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var assignment in assignments)
            {
                if (assignment.Target.WalkDownConversions() is ILocalReferenceOperation target
                    && !set.Contains(target.Local)
                    && ReadsAny(assignment.Value, set))
                {
                    set.Add(target.Local);
                    changed = true;
                }
            }
        }

        return set.ToImmutable();
    }

    public static bool ReadsAny(IOperation operation, ICollection<ILocalSymbol> locals)
    {
        if (operation.WalkDownConversions() is ILocalReferenceOperation self && locals.Contains(self.Local))
        {
            return true;
        }

        foreach (var node in operation.Descendants())
        {
            if (node is ILocalReferenceOperation local && locals.Contains(local.Local))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The argument a JSON parse reads its text from (its first parameter), when it is derived from the payload.</summary>
    public static IArgumentOperation? PayloadArgument(IInvocationOperation parse, ICollection<ILocalSymbol> payloadLocals)
    {
        foreach (var argument in parse.Arguments)
        {
            if (argument.Parameter?.Ordinal == 0 && ReadsAny(argument.Value, payloadLocals))
            {
                return argument;
            }
        }

        return null;
    }

    /// <summary>The first JSON parse of the loop that reads the payload, with its payload argument.</summary>
    public static (IInvocationOperation Parse, IArgumentOperation Payload)? FirstPayloadParse(LlmStreamLoop loop, ICollection<ILocalSymbol> payloadLocals)
    {
        if (loop.HandRolled is not { } handRolled)
        {
            return null;
        }

        foreach (var parse in handRolled.JsonParses.OrderBy(p => p.Syntax.SpanStart))
        {
            if (PayloadArgument(parse, payloadLocals) is { } payload)
            {
                return (parse, payload);
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="operation"/> is a constant string that contains <paramref name="text"/>.</summary>
    public static bool IsConstantContaining(IOperation operation, string text, StringComparison comparison = StringComparison.Ordinal)
        => operation.ConstantValue is { HasValue: true, Value: string value } && value.IndexOf(text, comparison) >= 0;

    /// <summary>
    /// True when <paramref name="operation"/> refers to a member declared in source (a <c>static readonly</c> field, a
    /// property, a helper method) whose declaration contains a string literal for which <paramref name="literal"/> holds.
    /// </summary>
    public static bool RefersToSourceMemberWithLiteral(IOperation operation, Func<string, bool> literal, CancellationToken cancellationToken)
    {
        ISymbol? symbol = operation switch
        {
            IFieldReferenceOperation field => field.Field,
            IPropertyReferenceOperation property => property.Property,
            IInvocationOperation invocation => invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod,
            _ => null,
        };

        if (symbol is null)
        {
            return false;
        }

        foreach (var reference in symbol.OriginalDefinition.DeclaringSyntaxReferences)
        {
            var node = reference.GetSyntax(cancellationToken);
            foreach (var token in node.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.StringLiteralToken) && literal(token.ValueText)
                    || token.IsKind(SyntaxKind.InterpolatedStringTextToken) && literal(token.ValueText))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Literals of model protocols whose streams never send <c>[DONE]</c>: Anthropic Messages, OpenAI Responses, Gemini
    /// (its method name alone: a URL assembled as <c>$"…/models/{model}:{method}"</c> has no <c>:streamGenerateContent</c>).
    /// </summary>
    private static readonly ImmutableArray<string> NoDoneProtocolLiterals = ImmutableArray.Create(
        "message_stop", "content_block_delta", "content_block_start", "message_delta", "/v1/messages", "api.anthropic.com",
        "response.completed", "response.output_text.delta", "/v1/responses",
        "streamGenerateContent", "generativelanguage.googleapis.com");

    /// <summary>Literals of the OpenAI-compatible chat completions protocol, which ends with <c>data: [DONE]</c>.</summary>
    private static readonly ImmutableArray<string> DoneProtocolLiterals = ImmutableArray.Create("[DONE]", "chat/completions", "/v1/completions", "choices");

    /// <summary>
    /// True when the code around <paramref name="loop"/> speaks a model protocol that never sends <c>[DONE]</c>
    /// (Anthropic, OpenAI Responses, Gemini) and not the chat completions one: the method decides, else the type.
    /// </summary>
    public static bool SpeaksProtocolWithoutDone(ILoopOperation loop, CancellationToken cancellationToken)
        => SpeaksProtocolWithoutDone(loop.Syntax, cancellationToken);

    /// <summary>The same test for the code around any node (the call of a callback parser).</summary>
    public static bool SpeaksProtocolWithoutDone(SyntaxNode node, CancellationToken cancellationToken)
    {
        SyntaxNode? method = node.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax);
        if (method is not null)
        {
            if (Contains(method, NoDoneProtocolLiterals))
            {
                return true;
            }

            if (Contains(method, DoneProtocolLiterals))
            {
                return false;
            }
        }

        var type = node.FirstAncestorOrSelf<TypeDeclarationSyntax>();
        return type is not null && Contains(type, NoDoneProtocolLiterals) && !Contains(type, DoneProtocolLiterals);
    }

    private static bool Contains(SyntaxNode node, ImmutableArray<string> literals)
    {
        foreach (var token in node.DescendantTokens())
        {
            if ((token.IsKind(SyntaxKind.StringLiteralToken) || token.IsKind(SyntaxKind.InterpolatedStringTextToken))
                && literals.Any(l => token.ValueText.IndexOf(l, StringComparison.Ordinal) >= 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="operation"/> mentions the <c>[DONE]</c> sentinel (a constant or a source member holding it).</summary>
    public static bool MentionsDone(IOperation operation, CancellationToken cancellationToken)
        => IsConstantContaining(operation, DoneSentinel)
            || RefersToSourceMemberWithLiteral(operation, static s => s.IndexOf(DoneSentinel, StringComparison.Ordinal) >= 0, cancellationToken);

    /// <summary>
    /// True when the loop checks the payload for <c>[DONE]</c> (any form: <c>==</c>, <c>Equals</c>, <c>switch</c>,
    /// a pattern, <c>StartsWith</c>, a constant, a helper) before <paramref name="parse"/>, or only parses JSON objects
    /// (<c>StartsWith("{")</c>).
    /// </summary>
    public static bool ChecksDoneBefore(LlmStreamLoop loop, IOperation parse, CancellationToken cancellationToken)
        => ChecksDoneBefore(loop.Loop, parse, cancellationToken);

    /// <summary>The same check over any region that holds <paramref name="parse"/> (a loop, or a callback's body).</summary>
    public static bool ChecksDoneBefore(IOperation region, IOperation parse, CancellationToken cancellationToken)
    {
        var parseStart = parse.Syntax.SpanStart;
        foreach (var node in region.DescendantsWithinFunction())
        {
            var before = node.Syntax.SpanStart < parseStart && !node.Syntax.Span.Contains(parse.Syntax.Span)
                || IsInSwitchAround(node, parse, region);
            if (!before)
            {
                continue;
            }

            if (MentionsDone(node, cancellationToken) || IsJsonObjectGuard(node))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInSwitchAround(IOperation node, IOperation parse, IOperation loop)
    {
        for (var current = node.Parent; current is not null && current != loop; current = current.Parent)
        {
            if (current is ISwitchOperation or ISwitchExpressionOperation)
            {
                return parse.IsWithin(current);
            }
        }

        return false;
    }

    /// <summary>
    /// <c>data.StartsWith("{")</c>, <c>data[0] == '{'</c>, <c>data is ['{', ..]</c>, and the prefixes that start a JSON
    /// object (<c>line.StartsWith("data: {")</c>, <c>data.StartsWith("{\"id\"")</c>): only a JSON object is parsed.
    /// </summary>
    private static bool IsJsonObjectGuard(IOperation node)
    {
        if (node is not ILiteralOperation { ConstantValue: { HasValue: true, Value: var value } })
        {
            return false;
        }

        if (value is string prefix && prefix != "{")
        {
            return StartsAJsonObject(prefix) && IsStartsWithArgument(node);
        }

        if (!(value is "{" or '{'))
        {
            return false;
        }

        var parent = node.Parent;
        while (parent is IConversionOperation)
        {
            parent = parent.Parent;
        }

        return parent switch
        {
            IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "StartsWith" } } => true,
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } => true,
            IPatternOperation => true,
            _ => false,
        };
    }

    /// <summary>A prefix that only a JSON object line matches: <c>{"…</c>, or an SSE field name followed by <c>{</c> (<c>data: {</c>).</summary>
    private static bool StartsAJsonObject(string prefix)
    {
        var text = prefix;
        if (text.StartsWith("data:", StringComparison.Ordinal))
        {
            text = text.Substring(5).TrimStart(' ');
            return text == "{" || text.StartsWith("{\"", StringComparison.Ordinal);
        }

        return text.StartsWith("{\"", StringComparison.Ordinal);
    }

    private static bool IsStartsWithArgument(IOperation node)
    {
        var parent = node.Parent;
        while (parent is IConversionOperation)
        {
            parent = parent.Parent;
        }

        return parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "StartsWith" } };
    }

    /// <summary>True when <paramref name="node"/> sits in a try (inside <paramref name="loop"/>) whose catch catches a JSON parse failure.</summary>
    public static bool IsInTryCatchingJsonErrors(IOperation node, IOperation loop, INamedTypeSymbol? exception)
    {
        for (var current = node.Parent; current is not null && current != loop; current = current.Parent)
        {
            if (current is ITryOperation @try && node.IsWithin(@try.Body))
            {
                foreach (var @catch in @try.Catches)
                {
                    var caught = @catch.ExceptionType;
                    if (caught is null
                        || caught.SpecialType == SpecialType.System_Object
                        || SymbolEqualityComparer.Default.Equals(caught, exception)
                        || caught.Name.IndexOf("Json", StringComparison.Ordinal) >= 0)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="operation"/> (or a source member it refers to) mentions a terminal marker of a model stream.</summary>
    public static bool MentionsTerminalMarker(IOperation operation, CancellationToken cancellationToken)
    {
        foreach (var node in operation.DescendantsAndSelf())
        {
            if (IsTerminalNode(node, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsTerminalNode(IOperation node, CancellationToken cancellationToken)
    {
        if (node.ConstantValue is { HasValue: true, Value: string text })
        {
            if (TerminalLiterals.Any(t => text.IndexOf(t, StringComparison.Ordinal) >= 0)
                || TerminalMemberNames.Contains(Normalize(text)))
            {
                return true; // "[DONE]", GetProperty("done"), GetProperty("finish_reason")
            }
        }

        var memberName = node switch
        {
            IPropertyReferenceOperation property => property.Property.Name,
            IFieldReferenceOperation field => field.Field.Name,
            _ => null,
        };

        if (memberName is not null && TerminalMemberNames.Contains(Normalize(memberName)))
        {
            return true;
        }

        return RefersToSourceMemberWithLiteral(node, static s => TerminalLiterals.Any(t => s.IndexOf(t, StringComparison.Ordinal) >= 0), cancellationToken);
    }

    private static string Normalize(string name) => name.Replace("_", string.Empty).ToLowerInvariant();

    /// <summary>The marker a hand-rolled loop is expected to see, for messages: the one it mentions, else the usual ones.</summary>
    public static string DescribeExpectedMarker(LlmStreamLoop loop)
    {
        foreach (var marker in TerminalLiterals)
        {
            foreach (var node in loop.Loop.DescendantsWithinFunction())
            {
                if (IsConstantContaining(node, marker))
                {
                    return "'" + marker + "'";
                }
            }
        }

        if (loop.HandRolled is { IsSse: false })
        {
            return "the final 'done: true' object";
        }

        return "a terminal marker ('[DONE]', 'message_stop'…)";
    }

    /// <summary>
    /// The <c>if</c> statements of the loop (not of a nested loop or function) whose condition tests a terminal marker and
    /// whose branch leaves the loop (<c>break</c>, <c>return</c>, <c>yield break</c>), with the jump they end with.
    /// </summary>
    public static ImmutableArray<(IConditionalOperation If, IOperation Jump)> TerminalExits(ILoopOperation loop, CancellationToken cancellationToken)
    {
        var builder = ImmutableArray.CreateBuilder<(IConditionalOperation, IOperation)>();
        foreach (var node in loop.OwnOperations())
        {
            if (node is IConditionalOperation { WhenTrue: { } whenTrue } conditional
                && conditional.Syntax is IfStatementSyntax
                && MentionsTerminalMarker(conditional.Condition, cancellationToken)
                && LastStatement(whenTrue) is { } jump
                && IsLoopExit(jump, loop))
            {
                builder.Add((conditional, jump));
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>
    /// True when the branch the loop takes on a terminal event yields to its caller: a switch section with a
    /// <c>case "message_stop":</c> label, or an <c>if</c> testing a terminal literal, that contains a <c>yield return</c>.
    /// The end marker then reaches the caller (a generic SSE parser that yields every event, <c>message_stop</c> included),
    /// and checking that it came is the caller's business.
    /// </summary>
    public static bool HandsTerminalEventOn(ILoopOperation loop)
    {
        foreach (var node in loop.OwnOperations())
        {
            switch (node)
            {
                case ISwitchCaseOperation section when section.Clauses.Any(IsTerminalClause) && ContainsYieldReturn(section):
                case IConditionalOperation { WhenTrue: { } whenTrue } conditional
                    when conditional.Syntax is IfStatementSyntax && IsTerminalTest(conditional.Condition) && ContainsYieldReturn(whenTrue):
                    return true;
            }
        }

        return false;
    }

    private static bool IsTerminalClause(ICaseClauseOperation clause)
        => clause switch
        {
            ISingleValueCaseClauseOperation single => IsTerminalTest(single.Value),
            IPatternCaseClauseOperation pattern => IsTerminalTest(pattern.Pattern),
            _ => false,
        };

    private static bool IsTerminalTest(IOperation test)
        => test.DescendantsAndSelf().Any(n => TerminalLiterals.Any(t => IsConstantContaining(n, t)));

    private static bool ContainsYieldReturn(IOperation region)
        => region.DescendantsAndSelf().Any(n => n is IReturnOperation { Kind: OperationKind.YieldReturn });

    /// <summary>The statement a branch ends with: itself, or the last statement of its block.</summary>
    public static IOperation? LastStatement(IOperation branch)
        => branch is IBlockOperation block ? (block.Operations.Length > 0 ? block.Operations[block.Operations.Length - 1] : null) : branch;

    private static bool IsLoopExit(IOperation jump, ILoopOperation loop)
        => jump switch
        {
            IBranchOperation { BranchKind: BranchKind.Break } branch => SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel),
            IReturnOperation { Kind: OperationKind.Return or OperationKind.YieldBreak } => true,
            _ => false,
        };

    /// <summary>How a hand-rolled loop stops at the end of the body (empty when it cannot, or throws there).</summary>
    public static ImmutableArray<EndOfBodyExit> EndOfBodyExits(LlmStreamLoop stream)
    {
        var builder = ImmutableArray.CreateBuilder<EndOfBodyExit>();
        var handRolled = stream.HandRolled;
        if (handRolled is null)
        {
            return builder.ToImmutable();
        }

        var loop = stream.Loop;
        var line = handRolled.LineVariable;
        if (handRolled.EndsWithEnumeration)
        {
            builder.Add(new EndOfBodyExit(EndOfBodyExitKind.LoopEnd, null));
        }
        else
        {
            var condition = loop switch
            {
                IWhileLoopOperation whileLoop => whileLoop.Condition,
                IForLoopOperation forLoop => forLoop.Condition,
                _ => null,
            };

            if (condition is not null && condition.ConstantValue is not { HasValue: true } && TestsEndOfBody(condition, handRolled.Reads, line))
            {
                builder.Add(new EndOfBodyExit(EndOfBodyExitKind.LoopEnd, null));
            }
        }

        if (line is null)
        {
            return builder.ToImmutable();
        }

        foreach (var node in loop.OwnOperations())
        {
            if (node is IConditionalOperation { WhenTrue: { } whenTrue } conditional
                && conditional.Syntax is IfStatementSyntax
                && IsNullCheckOf(conditional.Condition, line)
                && LastStatement(whenTrue) is { } last)
            {
                switch (last)
                {
                    case IBranchOperation { BranchKind: BranchKind.Break } branch when SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel):
                        builder.Add(new EndOfBodyExit(EndOfBodyExitKind.Break, whenTrue));
                        break;
                    case IReturnOperation { Kind: OperationKind.Return or OperationKind.YieldBreak }:
                        builder.Add(new EndOfBodyExit(EndOfBodyExitKind.Leave, whenTrue));
                        break;
                }
            }
        }

        return builder.ToImmutable();
    }

    private static bool TestsEndOfBody(IOperation condition, ImmutableArray<IInvocationOperation> reads, ILocalSymbol? line)
    {
        foreach (var node in condition.DescendantsAndSelf())
        {
            switch (node)
            {
                case IInvocationOperation invocation when reads.Contains(invocation):
                case IInvocationOperation { TargetMethod.Name: "Peek" }:
                case IPropertyReferenceOperation { Property.Name: "EndOfStream" }:
                    return true;
                case ILocalReferenceOperation local when line is not null && SymbolEqualityComparer.Default.Equals(local.Local, line):
                    return true;
            }
        }

        return false;
    }

    /// <summary><c>line == null</c>, <c>line is null</c>, <c>string.IsNullOrEmpty(line)</c> (alone or in an <c>||</c>).</summary>
    private static bool IsNullCheckOf(IOperation condition, ILocalSymbol line)
    {
        var value = condition.WalkDownConversions();
        switch (value)
        {
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or:
                return IsNullCheckOf(or.LeftOperand, line) || IsNullCheckOf(or.RightOperand, line);

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } equals:
                return IsLine(equals.LeftOperand, line) && IsNull(equals.RightOperand)
                    || IsLine(equals.RightOperand, line) && IsNull(equals.LeftOperand);

            case IIsPatternOperation { Pattern: IConstantPatternOperation constant } isPattern:
                return IsLine(isPattern.Value, line) && IsNull(constant.Value);

            case IInvocationOperation invocation when NullOrEmptyChecks.Contains(invocation.TargetMethod.Name)
                && invocation.TargetMethod.ContainingType?.SpecialType == SpecialType.System_String
                && invocation.Arguments.Length == 1:
                return IsLine(invocation.Arguments[0].Value, line);

            default:
                return false;
        }
    }

    private static bool IsLine(IOperation operation, ILocalSymbol line)
        => operation.WalkDownConversions() is ILocalReferenceOperation local && SymbolEqualityComparer.Default.Equals(local.Local, line);

    private static bool IsNull(IOperation operation)
        => operation.WalkDownConversions().ConstantValue is { HasValue: true, Value: null };

    /// <summary>
    /// The symbols the loop writes that outlive an iteration (candidate "saw the end" flags): locals declared outside
    /// the loop and fields/properties, assigned inside it; not the line variable, the stream or the accumulators.
    /// </summary>
    public static ImmutableHashSet<ISymbol> WrittenFlags(LlmStreamLoop stream, KnownTypes types)
    {
        var excluded = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        if (stream.HandRolled?.LineVariable is { } line)
        {
            excluded.Add(line);
        }

        foreach (var accumulator in Accumulators.Find(stream, types))
        {
            excluded.Add(accumulator.Symbol);
        }

        var builder = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var node in stream.Loop.Descendants())
        {
            IOperation? target = node switch
            {
                ISimpleAssignmentOperation simple => simple.Target,
                ICompoundAssignmentOperation compound => compound.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                ICoalesceAssignmentOperation coalesce => coalesce.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Out or RefKind.Ref } argument => argument.Value,
                _ => null,
            };

            if (target is null)
            {
                if (node is IDeconstructionAssignmentOperation deconstruction)
                {
                    foreach (var element in deconstruction.Target.DescendantsAndSelf())
                    {
                        AddFlag(element, builder, excluded, stream.Loop);
                    }
                }

                continue;
            }

            AddFlag(target, builder, excluded, stream.Loop);
        }

        return builder.ToImmutable();
    }

    private static void AddFlag(IOperation target, ImmutableHashSet<ISymbol>.Builder builder, HashSet<ISymbol> excluded, IOperation loop)
    {
        var symbol = target.WalkDownConversions().ReferencedSymbol();
        switch (symbol)
        {
            case ILocalSymbol local when !Accumulators.IsDeclaredInside(local, loop) && !excluded.Contains(local):
            case IFieldSymbol or IPropertySymbol when !excluded.Contains(symbol):
                builder.Add(symbol);
                break;
        }
    }

    /// <summary>
    /// The statements that run after <paramref name="loop"/> ends normally, up to the end of the function or of an
    /// enclosing loop's body (not beyond a statement that always leaves: return, throw).
    /// </summary>
    public static ImmutableArray<StatementSyntax> StatementsAfter(ILoopOperation loop)
        => StatementsAfter(loop.Syntax);

    /// <summary>The same walk from any statement (the statement that calls a callback parser's helper).</summary>
    public static ImmutableArray<StatementSyntax> StatementsAfter(SyntaxNode statement)
    {
        var builder = ImmutableArray.CreateBuilder<StatementSyntax>();
        var current = statement;
        while (current.Parent is { } parent)
        {
            switch (parent)
            {
                case BlockSyntax block:
                    if (AddFollowing(block.Statements, current, builder))
                    {
                        return builder.ToImmutable();
                    }

                    break;

                case SwitchSectionSyntax section:
                    if (AddFollowing(section.Statements, current, builder))
                    {
                        return builder.ToImmutable();
                    }

                    break;

                case GlobalStatementSyntax global when global.Parent is CompilationUnitSyntax unit:
                    // Top-level statements: the following global statements run next.
                    AddFollowing(List(unit.Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement)), global.Statement, builder);
                    return builder.ToImmutable();

                case CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax:
                    // A retry loop that the attempt leaves with 'break' once the stream ended: what follows it runs next.
                    if (builder.Any(s => s is BreakStatementSyntax && BreakTarget(s) == parent))
                    {
                        break;
                    }

                    return builder.ToImmutable();

                case MemberDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax:
                    return builder.ToImmutable();

                case CatchClauseSyntax or FinallyClauseSyntax:
                    return builder.ToImmutable();
            }

            current = parent;
        }

        return builder.ToImmutable();
    }

    /// <summary>The loop or switch a <c>break</c> leaves.</summary>
    private static SyntaxNode? BreakTarget(StatementSyntax @break)
        => @break.Ancestors().FirstOrDefault(a => a is CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or SwitchStatementSyntax
            or MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) is { } target
            && target is not (MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) ? target : null;

    private static bool AddFollowing(SyntaxList<StatementSyntax> statements, SyntaxNode current, ImmutableArray<StatementSyntax>.Builder builder)
    {
        var after = false;
        foreach (var statement in statements)
        {
            if (statement == current)
            {
                after = true;
                continue;
            }

            if (!after)
            {
                continue;
            }

            builder.Add(statement);
            if (statement is ReturnStatementSyntax or ThrowStatementSyntax or YieldStatementSyntax { RawKind: (int)SyntaxKind.YieldBreakStatement })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="region"/> throws, or reads one of <paramref name="flags"/> (reports or fails on a missing
    /// end). An <c>if</c> that only compares a value with constants (<c>if (finishReason == "length" || finishReason ==
    /// "content_filter") throw …;</c>, LLM203's check) is not such a check: a missing value never equals a constant, so
    /// a stream cut off before its end passes it; only its <c>else</c> counts.
    /// </summary>
    public static bool ChecksEnd(IOperation region, ImmutableHashSet<ISymbol> flags)
    {
        var pending = new Stack<IOperation>();
        pending.Push(region);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (node is IConditionalOperation { WhenFalse: var whenFalse } conditional && ComparesWithConstantsOnly(conditional.Condition))
            {
                if (whenFalse is not null)
                {
                    pending.Push(whenFalse);
                }

                continue;
            }

            foreach (var child in node.ChildOperations)
            {
                pending.Push(child);
            }

            if (node is IThrowOperation)
            {
                return true;
            }

            if (node.ReferencedSymbol() is { } symbol && !IsWriteTarget(node))
            {
                if (flags.Contains(symbol))
                {
                    return true;
                }

                // A bool field or property read after the loop: a completion flag that a helper of the type may set.
                if (symbol is IFieldSymbol { Type.SpecialType: SpecialType.System_Boolean } or IPropertySymbol { Type.SpecialType: SpecialType.System_Boolean }
                    && IsInSource(symbol))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// <c>x == "length"</c>, or several such tests joined by <c>||</c>: true only for the string values the code names (a
    /// flag compared with <c>false</c>, or a value with <c>null</c>, is a test of a missing end and does not count).
    /// </summary>
    private static bool ComparesWithConstantsOnly(IOperation condition)
    {
        switch (condition.WalkDownConversions())
        {
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or:
                return ComparesWithConstantsOnly(or.LeftOperand) && ComparesWithConstantsOnly(or.RightOperand);

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } equals:
                return IsStringConstant(equals.LeftOperand) != IsStringConstant(equals.RightOperand);

            default:
                return false;
        }
    }

    private static bool IsStringConstant(IOperation operation)
        => operation.WalkDownConversions().ConstantValue is { HasValue: true, Value: string };

    private static bool IsWriteTarget(IOperation node)
        => node.Parent is ISimpleAssignmentOperation assignment && assignment.Target == node;

    /// <summary>True when an identifier or a string literal of the source declaration of <paramref name="method"/> satisfies <paramref name="matches"/>.</summary>
    public static bool SourceBodyMentions(IMethodSymbol method, Func<string, bool> matches, CancellationToken cancellationToken)
    {
        foreach (var reference in method.OriginalDefinition.DeclaringSyntaxReferences)
        {
            var node = reference.GetSyntax(cancellationToken);
            foreach (var token in node.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken) && matches(token.ValueText)
                    || token.IsKind(SyntaxKind.StringLiteralToken) && matches(token.ValueText))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// True when the parameter <paramref name="parameter"/> of a source method is handed on inside its body (passed as
    /// an argument, returned, stored): the value escapes beyond what a syntactic look at the body can follow.
    /// </summary>
    public static bool SourceParameterEscapes(IParameterSymbol parameter, CancellationToken cancellationToken)
    {
        if (parameter.ContainingSymbol is not IMethodSymbol method)
        {
            return true;
        }

        foreach (var reference in method.OriginalDefinition.DeclaringSyntaxReferences)
        {
            var node = reference.GetSyntax(cancellationToken);
            foreach (var identifier in node.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != parameter.Name)
                {
                    continue;
                }

                var parent = identifier.Parent;
                while (parent is ParenthesizedExpressionSyntax or CastExpressionSyntax)
                {
                    parent = parent.Parent;
                }

                switch (parent)
                {
                    case ArgumentSyntax:
                    case ReturnStatementSyntax:
                    case YieldStatementSyntax:
                    case ArrowExpressionClauseSyntax:
                    case AssignmentExpressionSyntax assignment when assignment.Right == identifier:
                    case EqualsValueClauseSyntax:
                    case InitializerExpressionSyntax:
                        return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="symbol"/> is declared in source (a helper the analyzer can read).</summary>
    public static bool IsInSource(ISymbol symbol) => !symbol.OriginalDefinition.DeclaringSyntaxReferences.IsEmpty;

    /// <summary>
    /// The location to report a loop at: its <c>while</c>/<c>for</c>/<c>foreach</c>/<c>do</c> keyword.
    /// </summary>
    public static Location LoopKeywordLocation(ILoopOperation loop)
        => loop.Syntax switch
        {
            CommonForEachStatementSyntax forEach => forEach.ForEachKeyword.GetLocation(),
            WhileStatementSyntax whileStatement => whileStatement.WhileKeyword.GetLocation(),
            ForStatementSyntax forStatement => forStatement.ForKeyword.GetLocation(),
            DoStatementSyntax doStatement => doStatement.DoKeyword.GetLocation(),
            _ => loop.Syntax.GetLocation(),
        };

    /// <summary>A short name for a parse call: <c>JsonSerializer.Deserialize</c>.</summary>
    public static string DisplayName(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        return method.ContainingType is { } type ? type.Name + "." + method.Name : method.Name;
    }
}
