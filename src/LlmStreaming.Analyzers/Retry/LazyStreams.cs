namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// Values that are an LLM stream not yet started: the result of a streaming call (an <c>IAsyncEnumerable</c>,
/// <c>AsyncCollectionResult</c> or <c>CollectionResult</c>, which send the request on the first <c>MoveNext</c>), seen
/// through conversions, <c>WithCancellation</c>/<c>ConfigureAwait</c>, <c>ValueTask.FromResult</c>/<c>Task.FromResult</c>
/// and a local initialised with one.
/// </summary>
internal static class LazyStreams
{
    /// <summary>The streaming call whose unstarted stream <paramref name="value"/> is, or null.</summary>
    public static IInvocationOperation? TryGetLazyStreamCall(IOperation value, LlmAnalysisContext llm, LlmOptions options, CancellationToken cancellationToken)
        => TryGet(value, llm, options, cancellationToken, depth: 0);

    private static IInvocationOperation? TryGet(IOperation value, LlmAnalysisContext llm, LlmOptions options, CancellationToken cancellationToken, int depth)
    {
        if (depth > 6)
        {
            return null;
        }

        // Every shape below has a stream type, or a task of one: other values (most returns and assignments) stop here.
        var current = value.WalkDownConversions();
        if (llm.Streams.StreamElementType(current.Type) is null)
        {
            return null;
        }

        switch (current)
        {
            case IInvocationOperation { TargetMethod.Name: "FromResult", Arguments.Length: 1 } fromResult when IsTaskType(fromResult.TargetMethod.ContainingType, llm):
                return TryGet(fromResult.Arguments[0].Value, llm, options, cancellationToken, depth + 1);

            case IObjectCreationOperation { Arguments.Length: 1 } creation when creation.Type.IsConstructedFrom(llm.Types.ValueTaskOfT):
                return TryGet(creation.Arguments[0].Value, llm, options, cancellationToken, depth + 1);

            case IInvocationOperation wrapper when SdkCatalog.PassThroughWrappers.Contains(wrapper.TargetMethod.Name):
                var receiver = wrapper.Instance ?? (wrapper.Arguments.Length > 0 ? wrapper.Arguments[0].Value : null);
                return receiver is null ? null : TryGet(receiver, llm, options, cancellationToken, depth + 1);

            case IInvocationOperation invocation:
                if (llm.Retries.IsPollyExecute(invocation.TargetMethod) || !IsStreamShaped(invocation.TargetMethod.ReturnType, llm))
                {
                    return null;
                }

                return llm.Streams.TryGetStreamCall(invocation, options) is { Origin: StreamOrigin.Call } ? invocation : null;

            case ILocalReferenceOperation local:
                var initializer = StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken);
                return initializer is null ? null : TryGet(initializer, llm, options, cancellationToken, depth + 1);

            default:
                return null;
        }
    }

    /// <summary>A stream type itself, not a task of one (awaiting a task may send the request).</summary>
    private static bool IsStreamShaped(ITypeSymbol type, LlmAnalysisContext llm)
    {
        var types = llm.Types;
        if (type.IsConstructedFrom(types.TaskOfT) || type.IsConstructedFrom(types.ValueTaskOfT))
        {
            return false;
        }

        return llm.Streams.StreamElementType(type) is not null;
    }

    private static bool IsTaskType(INamedTypeSymbol? type, LlmAnalysisContext llm)
        => type is not null && type.ContainingNamespace.Is("System.Threading.Tasks") && type.Name is "Task" or "ValueTask";
}
