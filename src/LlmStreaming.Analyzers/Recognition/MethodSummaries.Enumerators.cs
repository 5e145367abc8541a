
namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// What a method's summary says it returns: the enumerator of a model stream it starts (issue 11). The method is a
/// source method returning <c>IAsyncEnumerator&lt;T&gt;</c> (<c>IEnumerator&lt;T&gt;</c>, also behind a task) of an SDK
/// update type, and every value it returns, apart from <c>null</c>, is <c>stream.GetAsyncEnumerator(…)</c> of an SDK
/// stream (or a local initialised with it, which the method does not dispose), or what another such method returns
/// (through at most <see cref="MethodSummaries.MaxDepth"/> methods).
/// </summary>
/// <param name="Method">The method (its original definition).</param>
/// <param name="Family">The family of the SDK stream.</param>
/// <param name="ElementType">The update type the enumerator yields.</param>
internal sealed record ModelEnumerator(IMethodSymbol Method, LlmFamily Family, ITypeSymbol ElementType);

/// <summary>The returned-enumerator summaries (see <see cref="ModelEnumerator"/>).</summary>
internal sealed partial class MethodSummaries
{
    private readonly SummaryCache<IMethodSymbol, ModelEnumerator?> _enumerators = new();

    /// <summary>
    /// The enumerator of a model stream <paramref name="method"/> returns, or null (see <see cref="ModelEnumerator"/>).
    /// Kept once per method when asked from a loop's own method (<paramref name="path"/> empty, the whole depth); asked
    /// below another method, answered from the body with <paramref name="depthLeft"/> and not kept.
    /// </summary>
    /// <param name="method">The called method.</param>
    /// <param name="options">The options of the caller's file.</param>
    /// <param name="callerModel">The caller's semantic model: reused when the method is in the same file.</param>
    /// <param name="depthLeft">How many methods may still be followed.</param>
    /// <param name="path">The methods being summarised above this call (cycles end there).</param>
    public ModelEnumerator? ReturnedEnumerator(IMethodSymbol method, LlmOptions options, SemanticModel? callerModel, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if ((!_context.HasSdk && options.StreamingMethods.IsEmpty) || depthLeft < 1)
        {
            return null;
        }

        var definition = Definition(method);
        if (!IsEnumeratorCandidate(definition) || path.Contains(definition))
        {
            return null;
        }

        if (path.Count > 0)
        {
            // Below another method: answered from the body with the depth left (never from a kept whole-depth answer,
            // which may reach deeper), so no answer depends on the order in which summaries were asked for.
            path.Add(definition);
            var partial = ComputeEnumerator(definition, options, callerModel, depthLeft, path);
            path.Remove(definition);
            return partial;
        }

        return _enumerators.Get(definition, d => ComputeEnumerator(d, options, callerModel, MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { d }));
    }

    /// <summary>Cheap checks on the symbol alone: a method of this compilation with one body, returning an enumerator of an SDK update type.</summary>
    private bool IsEnumeratorCandidate(IMethodSymbol method)
        => method is { IsAbstract: false, IsExtern: false, MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction, DeclaringSyntaxReferences.Length: 1 }
            && _context.Streams.UpdateFamily(_context.Streams.EnumeratorElementType(method.ReturnType)) != LlmFamily.Unknown;

    private ModelEnumerator? ComputeEnumerator(IMethodSymbol method, LlmOptions options, SemanticModel? callerModel, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var declaration = method.DeclaringSyntaxReferences[0].GetSyntax();
        if (declaration is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax)
            || ModelFor(declaration.SyntaxTree, callerModel) is not { } model
            || model.GetOperation(declaration) is not { } body)
        {
            return null;
        }

        var source = _context.Streams.ReturnedEnumeratorSource(body, options, model, depthLeft - 1, path);
        return source is { Origin: StreamOrigin.Call, ElementType: { } element } ? new ModelEnumerator(method, source.Family, element) : null;
    }
}
