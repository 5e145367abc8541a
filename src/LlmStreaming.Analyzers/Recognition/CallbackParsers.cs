namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// What a line-reading helper does with its delegate parameter (issue 11 pattern 4): it invokes delegate parameter
/// #<see cref="DelegateOrdinal"/> with the line, in the read loop over a reader made from parameter
/// #<see cref="ReaderOrdinal"/>, once per line it reads, and nowhere else.
/// </summary>
/// <param name="DelegateOrdinal">The ordinal of the delegate parameter.</param>
/// <param name="ReaderOrdinal">The ordinal of the reader, stream or response parameter the loop reads.</param>
/// <param name="Loop">The helper's read loop.</param>
/// <param name="Invoke">The one invocation of the delegate, in <see cref="Loop"/>.</param>
/// <param name="Line">The local the loop reads each line into, which <see cref="Invoke"/> hands on.</param>
internal sealed record LineCallbackSummary(int DelegateOrdinal, int ReaderOrdinal, ILoopOperation Loop, IInvocationOperation Invoke, ILocalSymbol Line);

/// <summary>
/// A lambda handed to a line-reading helper together with a model response: the lambda is the body of the helper's
/// read loop, and its parameter the line.
/// </summary>
/// <param name="Call">The call of the helper.</param>
/// <param name="Helper">The helper's summary.</param>
/// <param name="Function">The lambda or anonymous method.</param>
/// <param name="Line">The lambda's parameter that receives each line.</param>
/// <param name="Body">The lambda's body.</param>
internal sealed record CallbackParse(IInvocationOperation Call, LineCallbackSummary Helper, IAnonymousFunctionOperation Function, IParameterSymbol Line, IBlockOperation Body);

/// <summary>
/// Callback parsers (issue 11 pattern 4): a source helper that reads lines from a reader, stream or response it gets as
/// a parameter and calls a delegate parameter with each line (<c>await ReadLinesAsync(response, line => { … })</c>).
/// The model signal is at the call, the loop in the helper, the parse in the lambda.
/// <para>
/// Only a candidate call asks: a call of a source method that passes a lambda or anonymous method and an argument of a
/// reader, stream or response type. The helper is then summarised once per compilation (<see cref="LineCallbackSummary"/>);
/// a helper that invokes the delegate anywhere else than once in its read loop with the line itself, hands the delegate on
/// (a field, another call), or calls itself, has none. The call's reader argument must be a model response by the tests
/// <see cref="ModelStreamParameters"/> applies to a caller's argument.
/// </para>
/// </summary>
internal sealed class CallbackParsers
{
    private readonly LlmAnalysisContext _context;
    private readonly SummaryCache<IMethodSymbol, LineCallbackSummary?> _summaries = new();

    public CallbackParsers(LlmAnalysisContext context) => _context = context;

    /// <summary>How many helpers have been summarised (tests guard "once per method per compilation" with it).</summary>
    internal int ComputedCount => _summaries.ComputedCount;

    /// <summary>
    /// The lambda of <paramref name="call"/> as the body of a model stream's read loop, or null. A helper is a method of
    /// this compilation: a call of a method of another assembly is answered with the first tests.
    /// </summary>
    public CallbackParse? TryRecognize(IInvocationOperation call, LlmOptions options, CancellationToken cancellationToken)
    {
        var helper = (call.TargetMethod.ReducedFrom ?? call.TargetMethod).OriginalDefinition;
        if (_context.Types.HttpClient is null || _context.Types.TextReader is null
            || call.Arguments.Length < 2
            || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingAssembly, _context.Compilation.Assembly)
            || helper.DeclaringSyntaxReferences.Length != 1 || !IsCandidate(call)
            || call.SemanticModel?.GetEnclosingSymbol(call.Syntax.SpanStart, cancellationToken) is not IMethodSymbol caller)
        {
            return null; // most calls: not a source method handed a lambda and a reader
        }

        if (_summaries.Get(helper, m => Compute(m, cancellationToken)) is not { } summary
            || Argument(call, summary.DelegateOrdinal) is not IDelegateCreationOperation { Target: IAnonymousFunctionOperation function }
            || function.Symbol.Parameters.Length == 0
            || Argument(call, summary.ReaderOrdinal) is not { } reader
            || !_context.StreamParameters.IsModelResponseArgument(reader, caller, options))
        {
            return null;
        }

        return new CallbackParse(call, summary, function, function.Symbol.Parameters[0], function.Body);
    }

    /// <summary>A lambda or anonymous method among the arguments, and a reader, stream or response.</summary>
    private bool IsCandidate(IInvocationOperation call)
    {
        var hasFunction = false;
        var hasReader = false;
        foreach (var argument in call.Arguments)
        {
            hasFunction |= argument.Value.WalkDownConversions() is IDelegateCreationOperation { Target: IAnonymousFunctionOperation };
            hasReader |= argument.Value.Type is { } type && _context.StreamParameters.IsBodyType(type);
        }

        return hasFunction && hasReader;
    }

    private static IOperation? Argument(IInvocationOperation call, int ordinal)
        => call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == ordinal && !a.IsImplicit)?.Value.WalkDownConversions();

    private LineCallbackSummary? Compute(IMethodSymbol helper, CancellationToken cancellationToken)
    {
        if (helper is not { IsAbstract: false, IsExtern: false, MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction }
            || !helper.Parameters.Any(IsLineDelegate)
            || helper.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not { } declaration
            || !SourceWords.ContainsText(declaration, "ReadLine", cancellationToken)
            || _context.Compilation.GetSemanticModel(declaration.SyntaxTree).GetOperation(declaration, cancellationToken) is not { } body)
        {
            return null;
        }

        var calls = body.Descendants().OfType<IInvocationOperation>().ToList();
        if (calls.Any(c => SymbolEqualityComparer.Default.Equals((c.TargetMethod.ReducedFrom ?? c.TargetMethod).OriginalDefinition, helper)))
        {
            return null; // recursion: the lines it reads are not all its own
        }

        foreach (var parameter in helper.Parameters.Where(IsLineDelegate))
        {
            if (PerLineInvoke(body, parameter) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>A delegate whose first parameter is a string: <c>Action&lt;string&gt;</c>, <c>Func&lt;string, Task&gt;</c>…</summary>
    private static bool IsLineDelegate(IParameterSymbol parameter)
        => parameter.Type is INamedTypeSymbol { TypeKind: TypeKind.Delegate, DelegateInvokeMethod.Parameters: { Length: > 0 } invokeParameters }
            && invokeParameters[0].Type.SpecialType == SpecialType.System_String;

    /// <summary>The summary when every use of <paramref name="parameter"/> is one invocation with the line in the helper's read loop.</summary>
    private LineCallbackSummary? PerLineInvoke(IOperation body, IParameterSymbol parameter)
    {
        IInvocationOperation? invoke = null;
        foreach (var reference in body.Descendants().OfType<IParameterReferenceOperation>())
        {
            if (!SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter))
            {
                continue;
            }

            if (invoke is not null || InvocationOf(reference) is not { } found)
            {
                return null; // invoked twice, stored, handed on
            }

            invoke = found;
        }

        if (invoke is null || invoke.Arguments.Length == 0
            || !IsInOwnBody(invoke, body)
            || invoke.AncestorsWithinFunction().OfType<ILoopOperation>().FirstOrDefault() is not { } loop)
        {
            return null; // not invoked in a loop of the helper itself (a lambda or local function of it)
        }

        var reads = loop.OwnOperations().OfType<IInvocationOperation>().Where(_context.HandRolled.IsLineRead).ToList();
        if (reads.Count == 0
            || reads.Select(HandRolledRecognizer.AssignedLocal).FirstOrDefault(l => l is not null) is not { } line
            || invoke.Arguments[0].Value.WalkDownConversions() is not ILocalReferenceOperation passed
            || !SymbolEqualityComparer.Default.Equals(passed.Local, line))
        {
            return null; // not the line read by this loop
        }

        IParameterSymbol? reader = null;
        foreach (var read in reads)
        {
            var under = _context.StreamParameters.ParameterUnder(read.Instance, CancellationToken.None);
            if (under is null || reader is not null && !SymbolEqualityComparer.Default.Equals(under, reader))
            {
                return null;
            }

            reader = under;
        }

        return reader is not null && _context.StreamParameters.IsBodyType(reader.Type)
            ? new LineCallbackSummary(parameter.Ordinal, reader.Ordinal, loop, invoke, line)
            : null;
    }

    /// <summary>True when no lambda or local function of the helper stands between <paramref name="operation"/> and the helper's <paramref name="body"/>.</summary>
    private static bool IsInOwnBody(IOperation operation, IOperation body)
    {
        for (var current = operation.Parent; current is not null && current != body; current = current.Parent)
        {
            if (current.IsFunctionBoundary())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The invocation <paramref name="reference"/> is the delegate of: <c>onLine(line)</c>, <c>onLine.Invoke(line)</c>, <c>onLine?.Invoke(line)</c>.</summary>
    private static IInvocationOperation? InvocationOf(IParameterReferenceOperation reference)
        => reference.Parent switch
        {
            IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke } invocation when invocation.Instance == reference => invocation,
            IConditionalAccessOperation access when access.Operation == reference
                => access.WhenNotNull is IInvocationOperation { TargetMethod.MethodKind: MethodKind.DelegateInvoke, Instance: IConditionalAccessInstanceOperation } invocation ? invocation : null,
            _ => null,
        };
}
