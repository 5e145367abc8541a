namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM406 on a parser handed the stream (issue 11): a hand-rolled loop that reads a reader, stream or response it gets
/// as a parameter cannot see the send, so whether its body is streamed after the headers is asked of its callers.
/// The parser is judged only when every call of it in the compilation hands that parameter the body of a
/// <c>ResponseHeadersRead</c> send (or <c>GetStreamAsync</c>) of the caller, directly or through a parameter the
/// caller's own callers fill the same way (at most <see cref="MethodSummaries.MaxDepth"/> methods up, never through a
/// method already on the path), and no caller bounds the wait itself: no callback on a token
/// (<c>ct.Register(() => response.Dispose())</c>), no <c>WaitAsync</c> or <c>WhenAny</c>. Any other caller (a
/// wrapping stream, a helper's response, a reader of a file, a method group, an override or interface member that
/// callers reach through the base) leaves the parser unjudged. The answer is kept once per parameter per compilation.
/// </summary>
public sealed partial class StreamedBodyWithoutIdleTimeoutAnalyzer
{
    /// <summary>Invocations in a caller that bound the wait for what they are given, whatever the reads do.</summary>
    private static readonly ImmutableHashSet<string> CallerBounds = ImmutableHashSet.Create("WaitAsync", "WhenAny");

    /// <summary>
    /// The name of a caller that hands the parameter <paramref name="loop"/> reads the body of a <c>ResponseHeadersRead</c>
    /// send, when every call of the loop's method does so unbounded; else null.
    /// </summary>
    private static string? StreamedByEveryCaller(LlmStreamLoop loop, LlmAnalysisContext llm, SummaryCache<IParameterSymbol, string?> answers, CancellationToken cancellationToken)
    {
        if (loop.HandRolled is not { } handRolled || loop.Loop.SemanticModel is not { } model
            || model.GetEnclosingSymbol(loop.Loop.Syntax.SpanStart, cancellationToken) is not IMethodSymbol method
            || llm.StreamParameters.ReadParameter(loop.Loop, handRolled, cancellationToken) is not { } parameter
            || !SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method))
        {
            return null;
        }

        return answers.Get(parameter.OriginalDefinition, p => EveryCallStreams(p, llm, MethodSummaries.MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { (IMethodSymbol)p.ContainingSymbol }));
    }

    /// <summary>The name of the first caller of the parameter's method, when there is one and every call streams the body unbounded; else null.</summary>
    private static string? EveryCallStreams(IParameterSymbol parameter, LlmAnalysisContext llm, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var method = (IMethodSymbol)parameter.ContainingSymbol;
        if (!ModelStreamParameters.IsSourceMethod(method) || IsReachedThroughAnotherMember(method) || MethodReferences.IsReferencedUncalled(method, llm.Compilation))
        {
            return null;
        }

        string? first = null;
        foreach (var call in llm.StreamParameters.CallsOf(method))
        {
            var argument = call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == parameter.Ordinal);
            if (argument is null || argument.IsImplicit || BoundsTheWait(call)
                || !StreamsAfterHeaders(argument.Value, llm, depthLeft, path))
            {
                return null;
            }

            first ??= HttpMethodSummaries.MemberName(call);
        }

        return first;
    }

    /// <summary>True when <paramref name="value"/> is the body (reader, stream, response) of a <c>ResponseHeadersRead</c> send, or a parameter every caller fills with one.</summary>
    private static bool StreamsAfterHeaders(IOperation value, LlmAnalysisContext llm, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var flow = llm.HttpClients.Responses;
        for (var step = 0; step < 8; step++)
        {
            switch (HttpResponseFlow.FollowLocal(value, CancellationToken.None))
            {
                case IInvocationOperation send when flow.IsSend(send) || flow.IsGetStream(send):
                    return flow.BufferingOf(send) == BodyBuffering.HeadersRead;

                case IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol caller } outer } when depthLeft > 1 && !path.Contains(caller):
                    path.Add(caller);
                    var streamed = EveryCallStreams(outer.OriginalDefinition, llm, depthLeft - 1, path) is not null;
                    path.Remove(caller);
                    return streamed;

                case var other when llm.StreamParameters.Inner(other) is { } inner:
                    value = inner;
                    continue;

                default:
                    return false; // a wrapping stream, a helper's response, a file: not judged
            }
        }

        return false;
    }

    /// <summary>The caller registers a callback on a token (it may dispose the response), or waits with <c>WaitAsync</c>/<c>WhenAny</c>.</summary>
    private static bool BoundsTheWait(IOperation call)
    {
        if (UnblocksOnCancellation(call))
        {
            return true;
        }

        foreach (var node in HttpClientRegistrations.Root(call).Descendants())
        {
            if (node is IInvocationOperation invocation && CallerBounds.Contains(invocation.TargetMethod.Name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A virtual, override or interface member: its callers may reach it through another symbol, which the calls found by name miss.</summary>
    private static bool IsReachedThroughAnotherMember(IMethodSymbol method)
    {
        if (method.IsVirtual || method.IsOverride || !method.ExplicitInterfaceImplementations.IsEmpty)
        {
            return true;
        }

        foreach (var @interface in method.ContainingType?.AllInterfaces ?? ImmutableArray<INamedTypeSymbol>.Empty)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(method.ContainingType!.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
