using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// What a method's summary says it returns: a stream of text taken from a model stream. The method is an async iterator
/// of this compilation that enumerates an SDK stream it starts itself, or reads a model response of its own request by
/// hand (a hand-rolled stream), or (through at most
/// <see cref="MethodSummaries.MaxDepth"/> methods, another such iterator) and yields something taken from each update
/// (<c>update.Text</c>) — the finish reason and the updates' other members stay behind. A method that only returns
/// such a method's stream (<c>=&gt; _inner.StreamAsync(q)</c>) returns it too, one method deeper.
/// </summary>
/// <param name="Method">The iterator (its original definition).</param>
/// <param name="Family">The family of the stream at the bottom (<see cref="LlmFamily.HandRolled"/> for a read loop).</param>
/// <param name="StreamName">The SDK streaming method at the bottom (<c>GetStreamingResponseAsync</c>), or the hand-rolled loop's description.</param>
/// <param name="Depth">How many source methods lead to the SDK stream: 1 when <see cref="Method"/> enumerates it itself.</param>
internal sealed record ModelTextStream(IMethodSymbol Method, LlmFamily Family, string StreamName, int Depth);

/// <summary>
/// Summaries of source methods, answered from their bodies on demand and kept once per method for the compilation (one
/// instance per <see cref="LlmAnalysisContext"/>): <see cref="ReturnedTextStream"/>, and <see cref="RetriesDelegate"/> (RetryHelperSummaries.cs).
/// <para>
/// Depth and cycles: a summary follows at most <see cref="MaxDepth"/> methods down to the SDK stream, and never a method
/// already on the path (two iterators that yield each other end there). What is kept is the answer for the whole depth
/// (a pure function of the method), so the order in which rules ask does not change any answer; a method met below
/// another is answered from the kept summary when there is one, else from its body with the depth left, and that
/// partial answer is not kept.
/// </para>
/// </summary>
internal sealed partial class MethodSummaries
{
    /// <summary>The most source methods a summary follows from a caller to the SDK stream.</summary>
    public const int MaxDepth = 3;

    private readonly LlmAnalysisContext _context;
    private readonly SummaryCache<IMethodSymbol, ModelTextStream?> _textStreams = new();

    public MethodSummaries(LlmAnalysisContext context) => _context = context;

    /// <summary>How many summaries have been computed and kept (tests guard "once per method per compilation" with it).</summary>
    internal int ComputedCount => _textStreams.ComputedCount + _enumerators.ComputedCount;

    /// <summary>
    /// The model text stream <paramref name="method"/> returns, or null: it is an async iterator of this compilation
    /// returning <c>IAsyncEnumerable&lt;T&gt;</c> (<c>T</c> not an SDK update type) whose body enumerates a model stream
    /// it starts (see the class) and yields something taken from each update. Answered once per method.
    /// </summary>
    /// <param name="method">The called method.</param>
    /// <param name="options">The options of the caller's file (configured streaming methods).</param>
    /// <param name="callerModel">The caller's semantic model: reused when the method is in the same file.</param>
    public ModelTextStream? ReturnedTextStream(IMethodSymbol method, LlmOptions options, SemanticModel? callerModel)
    {
        if (!_context.HasSdk && options.StreamingMethods.IsEmpty)
        {
            return null; // no SDK stream can be at the bottom
        }

        var definition = Definition(method);
        if (!IsCandidate(definition))
        {
            return null;
        }

        return _textStreams.Get(definition, d => Compute(d, options, callerModel, MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { d }));
    }

    internal static IMethodSymbol Definition(IMethodSymbol method) => (method.ReducedFrom ?? method).OriginalDefinition;

    /// <summary>Cheap checks on the symbol alone: a method of this compilation with one body, returning <c>IAsyncEnumerable&lt;T&gt;</c> of a non-update <c>T</c>.</summary>
    private bool IsCandidate(IMethodSymbol method)
        => method is { IsAbstract: false, IsExtern: false, MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction, DeclaringSyntaxReferences.Length: 1 }
            && method.ReturnType is INamedTypeSymbol { TypeArguments.Length: 1 } returnType
            && returnType.IsConstructedFrom(_context.Types.IAsyncEnumerableOfT)
            && _context.Streams.UpdateFamily(returnType.TypeArguments[0]) == LlmFamily.Unknown;

    /// <summary>The summary of <paramref name="method"/> following at most <paramref name="depthLeft"/> methods (itself included), avoiding <paramref name="path"/>.</summary>
    private ModelTextStream? Compute(IMethodSymbol method, LlmOptions options, SemanticModel? callerModel, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if (!method.IsAsync)
        {
            return Forwarded(method, options, callerModel, depthLeft, path);
        }

        if (Body(method) is not { } body || !MayYieldFromALoop(body) || ModelFor(body.SyntaxTree, callerModel) is not { } model
            || model.GetOperation(body) is not { } operation)
        {
            return null;
        }

        ModelTextStream? best = null;
        foreach (var node in operation.DescendantsWithinFunction())
        {
            if (node is not ILoopOperation loop || YieldingLoop(loop, options) is not { } yielding)
            {
                continue;
            }

            var found = StreamOf(method, yielding, options, model, depthLeft, path);
            if (found is null)
            {
                continue;
            }

            if (IsGuarded(loop))
            {
                return null; // a loop or a catch around it: the iterator may recover on its own; not followed
            }

            if (best is null || found.Depth < best.Depth)
            {
                best = found;
            }
        }

        return best;
    }

    /// <summary>
    /// The loop as a stream loop whose every <c>yield return</c> yields something taken from the update (at least one):
    /// a hand-rolled read loop of a model response (its line is the update), a <c>foreach</c> with one variable, or a
    /// loop driven by hand over an SDK stream. A <c>foreach</c>'s source is not judged yet.
    /// </summary>
    private LlmStreamLoop? YieldingLoop(ILoopOperation loop, LlmOptions options)
    {
        // The recognisers are asked directly, never through the loop cache of StreamRecognizer, which asks the summaries.
        LlmStreamLoop? candidate = _context.HandRolled.TryRecognize(loop, options, CancellationToken.None) ?? loop switch
        {
            IForEachLoopOperation { Locals.Length: 1 } forEach
                => new LlmStreamLoop(loop, LlmStreamKind.Sdk, LlmFamily.Unknown, Source: null, forEach.Locals[0], ElementType: null, HandRolled: null),
            IWhileLoopOperation => _context.Streams.TryGetManualEnumeration(loop, options, CancellationToken.None),
            _ => null,
        };

        if (candidate is null)
        {
            return null;
        }

        var yields = 0;
        if (!CountYields(loop.Body, candidate, ref yields))
        {
            return null;
        }

        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (!CountYields(node, candidate, ref yields))
            {
                return null;
            }
        }

        return yields > 0 ? candidate : null;
    }

    /// <summary>Counts a <c>yield return</c> of something taken from the update; false for a yield of anything else (a constant, a status line).</summary>
    private static bool CountYields(IOperation node, LlmStreamLoop loop, ref int yields)
    {
        if (node is not IReturnOperation { Kind: OperationKind.YieldReturn } yield)
        {
            return true;
        }

        if (yield.ReturnedValue is not { } value || !StreamRecognizer.IsDerivedFromIteration(value, loop))
        {
            return false;
        }

        yields++;
        return true;
    }

    /// <summary>
    /// A method that only hands on another method's stream, <c>=&gt; _inner.StreamAsync(q, ct)</c> (or a body of that one
    /// <c>return</c>): the other method's summary, one method deeper.
    /// </summary>
    private ModelTextStream? Forwarded(IMethodSymbol method, LlmOptions options, SemanticModel? callerModel, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var returned = OnlyReturned(method);
        if (returned is not InvocationExpressionSyntax || ModelFor(returned.SyntaxTree, callerModel) is not { } model
            || model.GetOperation(returned) is not { } operation)
        {
            return null;
        }

        var inner = Callee(operation, options, model, depthLeft, path);
        return inner is null ? null : new ModelTextStream(method, inner.Family, inner.StreamName, inner.Depth + 1);
    }

    /// <summary>What a method that is not an iterator returns when its body is one expression or one <c>return</c> statement.</summary>
    internal static ExpressionSyntax? OnlyReturned(IMethodSymbol method)
        => method.DeclaringSyntaxReferences[0].GetSyntax() switch
        {
            MethodDeclarationSyntax { ExpressionBody.Expression: { } arrow } => arrow,
            MethodDeclarationSyntax { Body: { } block } => OnlyReturned(block),
            LocalFunctionStatementSyntax { ExpressionBody.Expression: { } arrow } => arrow,
            LocalFunctionStatementSyntax { Body: { } block } => OnlyReturned(block),
            _ => null,
        };

    /// <summary>The expression of a body that is one <c>return</c> statement.</summary>
    private static ExpressionSyntax? OnlyReturned(BlockSyntax block)
        => block.Statements.Count == 1 && block.Statements[0] is ReturnStatementSyntax { Expression: { } expression } ? expression : null;

    /// <summary>The summary of the source method <paramref name="stream"/> calls, with one method less to go: the kept one when there is one.</summary>
    private ModelTextStream? Callee(IOperation stream, LlmOptions options, SemanticModel model, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if (depthLeft <= 1 || CalledMethod(stream, model) is not { } callee || !IsCandidate(callee) || path.Contains(callee))
        {
            return null;
        }

        if (_textStreams.TryGetKept(callee, out var kept))
        {
            return kept is { } whole && whole.Depth <= depthLeft - 1 ? whole : null;
        }

        path.Add(callee);
        var inner = Compute(callee, options, model, depthLeft - 1, path);
        path.Remove(callee);
        return inner;
    }

    /// <summary>The model stream a yielding loop enumerates: an SDK stream started here, or another source method's model text stream.</summary>
    private ModelTextStream? StreamOf(IMethodSymbol method, LlmStreamLoop loop, LlmOptions options, SemanticModel model, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if (loop.Kind == LlmStreamKind.HandRolled)
        {
            return new ModelTextStream(method, LlmFamily.HandRolled, loop.DisplayName, 1); // it sends the request: a hand-rolled loop reads its own response
        }

        if (loop.Enumerator is not null)
        {
            return loop.Source is { Origin: StreamOrigin.Call } manual ? new ModelTextStream(method, manual.Family, manual.DisplayName, 1) : null;
        }

        var collection = ((IForEachLoopOperation)loop.Loop).Collection;
        if (_context.Streams.TryGetStreamValue(collection, options, CancellationToken.None) is { } direct)
        {
            return direct.Origin == StreamOrigin.Call ? new ModelTextStream(method, direct.Family, direct.DisplayName, 1) : null;
        }

        var inner = Callee(collection, options, model, depthLeft, path);
        return inner is null ? null : new ModelTextStream(method, inner.Family, inner.StreamName, inner.Depth + 1);
    }

    /// <summary>
    /// The source method a loop's collection calls: <c>Other(…)</c>, through <c>WithCancellation</c>/<c>ConfigureAwait</c>
    /// and a local initialised with it.
    /// </summary>
    private static IMethodSymbol? CalledMethod(IOperation collection, SemanticModel model)
    {
        var current = collection.WalkDownConversions();
        for (var step = 0; step < 4; step++)
        {
            switch (current)
            {
                case IInvocationOperation { Instance: { } receiver } invocation when SdkCatalog.PassThroughWrappers.Contains(invocation.TargetMethod.Name):
                    current = receiver.WalkDownConversions();
                    break;
                case IInvocationOperation { TargetMethod.ReducedFrom: not null } extension when SdkCatalog.PassThroughWrappers.Contains(extension.TargetMethod.Name) && extension.Arguments.Length > 0:
                    current = extension.Arguments[0].Value.WalkDownConversions();
                    break;
                case IInvocationOperation invocation:
                    return Definition(invocation.TargetMethod);
                case ILocalReferenceOperation local when StreamRecognizer.LocalInitializer(local.Local, model, CancellationToken.None) is { } initializer:
                    current = initializer.WalkDownConversions();
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>A loop or a try with catches around the loop in its method: a retry or a recovery the summary does not judge.</summary>
    private static bool IsGuarded(ILoopOperation loop)
    {
        IOperation current = loop;
        foreach (var ancestor in loop.AncestorsWithinFunction())
        {
            if (ancestor is ILoopOperation || ancestor is ITryOperation { Catches.Length: > 0 } @try && current == @try.Body)
            {
                return true;
            }

            current = ancestor;
        }

        return false;
    }

    internal static BlockSyntax? Body(IMethodSymbol method)
        => method.DeclaringSyntaxReferences[0].GetSyntax() switch
        {
            MethodDeclarationSyntax { Body: { } body } => body,
            LocalFunctionStatementSyntax { Body: { } body } => body,
            _ => null,
        };

    /// <summary>A syntax-only check before anything is bound: a <c>yield return</c> and a loop that could enumerate a stream.</summary>
    private static bool MayYieldFromALoop(BlockSyntax body)
    {
        bool yields = false, loops = false;
        foreach (var node in body.DescendantNodes())
        {
            yields |= node.IsKind(SyntaxKind.YieldReturnStatement);
            loops |= node is CommonForEachStatementSyntax or WhileStatementSyntax;
            if (yields && loops)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The semantic model of <paramref name="tree"/>: the caller's when the method is in the same file, else the
    /// compilation's (in the compiler's analyzer driver that is the driver's cached model of the tree).
    /// </summary>
    internal SemanticModel? ModelFor(SyntaxTree tree, SemanticModel? callerModel)
    {
        if (callerModel?.SyntaxTree == tree)
        {
            return callerModel;
        }

        var compilation = _context.Compilation;
        return compilation.ContainsSyntaxTree(tree) ? compilation.GetSemanticModel(tree) : null;
    }
}
