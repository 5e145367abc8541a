namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// The termination facts of a callback parser (issue 11 pattern 4): the lambda handed to a line-reading helper is the
/// read loop's body and its parameter the line, so the payload, the parse and the <c>data:</c> split are read in the
/// lambda; the helper's loop is asked only what it does before it hands the line on.
/// </summary>
internal static class CallbackTermination
{
    /// <summary>
    /// The callback parse whose lambda <paramref name="context"/> analyses, or null: the rules' common entry. The rules
    /// ask at each lambda, not at each call: a project has far fewer lambdas than calls. The call the lambda is an
    /// argument of is then asked; its parse is this lambda's only when the helper calls this argument per line (so a
    /// call with two lambdas is reported once).
    /// </summary>
    public static CallbackParse? TryRecognize(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var function = (IAnonymousFunctionOperation)context.Operation;
        return CallOf(function) is { } call
            && llm.Callbacks.TryRecognize(call, llm.GetOptions(call.Syntax.SyntaxTree, context.Options), context.CancellationToken) is { } parse
            && ReferenceEquals(parse.Function, function)
            ? parse
            : null;
    }

    /// <summary>The call <paramref name="function"/> is passed to as an argument (through its delegate creation), or null.</summary>
    private static IInvocationOperation? CallOf(IAnonymousFunctionOperation function)
    {
        var node = function.Parent;
        while (node is IDelegateCreationOperation or IConversionOperation)
        {
            node = node.Parent;
        }

        return node is IArgumentOperation { Parent: IInvocationOperation call } ? call : null;
    }

    /// <summary>How a message names what the lambda parses: <c>each line 'ReadLinesAsync' hands to this lambda</c>.</summary>
    public static string LinesName(CallbackParse parse)
        => "each line '" + parse.Call.TargetMethod.Name + "' hands to this lambda";

    /// <summary>True when the lambda or the helper's loop matches <c>data:</c> lines: server-sent events.</summary>
    public static bool IsSse(CallbackParse parse)
        => DataPrefixes(parse.Body).Any() || DataPrefixes(parse.Helper.Loop).Any();

    /// <summary>The <c>data:</c> literals of <paramref name="region"/> (not of a nested function).</summary>
    public static IEnumerable<ILiteralOperation> DataPrefixes(IOperation region)
        => region.DescendantsWithinFunction().OfType<ILiteralOperation>()
            .Where(l => l.ConstantValue is { HasValue: true, Value: string text } && text.StartsWith("data:", StringComparison.Ordinal));

    /// <summary>The line parameter and every local of the lambda whose value is derived from it.</summary>
    public static HashSet<ISymbol> PayloadSymbols(CallbackParse parse)
    {
        var set = new HashSet<ISymbol>(SymbolEqualityComparer.Default) { parse.Line };
        var nodes = parse.Body.DescendantsWithinFunction().ToList();
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var node in nodes)
            {
                var (target, value) = node switch
                {
                    IVariableDeclaratorOperation declarator => ((ISymbol?)declarator.Symbol, declarator.GetVariableInitializer()?.Value),
                    ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment => (local.Local, assignment.Value),
                    IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared, Parent: IIsPatternOperation isPattern } => (declared, isPattern.Value),
                    _ => (null, null),
                };

                if (target is not null && value is not null && !set.Contains(target) && ReadsAny(value, set))
                {
                    set.Add(target);
                    changed = true;
                }
            }
        }

        return set;
    }

    /// <summary>The lambda's first JSON parse whose text argument is derived from the line, with that argument.</summary>
    public static (IInvocationOperation Parse, IArgumentOperation Payload)? FirstPayloadParse(CallbackParse parse, LlmAnalysisContext llm, HashSet<ISymbol> payload)
    {
        foreach (var invocation in parse.Body.DescendantsWithinFunction().OfType<IInvocationOperation>().OrderBy(i => i.Syntax.SpanStart))
        {
            if (llm.HandRolled.IsJsonParse(invocation)
                && invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0) is { } argument
                && ReadsAny(argument.Value, payload))
            {
                return (invocation, argument);
            }
        }

        return null;
    }

    /// <summary>
    /// The symbols the lambda writes that outlive a line (candidate "saw the end" flags): captured locals of the caller,
    /// fields and properties, assigned, incremented or passed by reference; a string appended to (<c>+=</c>) is an
    /// accumulator, not a flag.
    /// </summary>
    public static ImmutableHashSet<ISymbol> CapturedWrites(CallbackParse parse)
    {
        var builder = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var node in parse.Body.Descendants())
        {
            var target = node switch
            {
                ISimpleAssignmentOperation simple => simple.Target,
                ICompoundAssignmentOperation compound when compound.Target.Type?.SpecialType != SpecialType.System_String => compound.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                ICoalesceAssignmentOperation coalesce => coalesce.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Out or RefKind.Ref } argument => argument.Value,
                _ => null,
            };

            switch (target?.WalkDownConversions().ReferencedSymbol())
            {
                case ILocalSymbol local when !SymbolEqualityComparer.Default.Equals(local.ContainingSymbol, parse.Function.Symbol):
                    builder.Add(local);
                    break;
                case IFieldSymbol or IPropertySymbol when target.WalkDownConversions().ReferencedSymbol() is { } member:
                    builder.Add(member);
                    break;
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>The marker the stream is expected to end with, for LLM202's message: the one the lambda or the helper mentions, else the usual ones.</summary>
    public static string DescribeExpectedMarker(CallbackParse parse, bool isSse)
    {
        foreach (var marker in TerminationFacts.TerminalLiterals)
        {
            if (parse.Body.Descendants().Concat(parse.Helper.Loop.Descendants()).Any(n => TerminationFacts.IsConstantContaining(n, marker)))
            {
                return "'" + marker + "'";
            }
        }

        return isSse ? "a terminal marker ('[DONE]', 'message_stop'…)" : "the final 'done: true' object";
    }

    /// <summary>True when <paramref name="operation"/> reads one of <paramref name="symbols"/> (a local or a parameter).</summary>
    public static bool ReadsAny(IOperation operation, HashSet<ISymbol> symbols)
    {
        foreach (var node in operation.DescendantsAndSelf())
        {
            var symbol = node switch
            {
                ILocalReferenceOperation local => (ISymbol)local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };

            if (symbol is not null && symbols.Contains(symbol))
            {
                return true;
            }
        }

        return false;
    }
}
