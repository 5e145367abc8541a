using System.Collections.Concurrent;
using LlmStreaming.Analyzers.Recognition.Families;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Recognises SDK streams by symbol: calls of the catalogued streaming methods (and their implementations),
/// configured streaming methods, and any method whose stream's element type is an SDK update type.
/// </summary>
internal sealed partial class StreamRecognizer
{
    private readonly LlmAnalysisContext _context;
    private readonly Dictionary<string, (INamedTypeSymbol Type, SdkCatalog.StreamingMethod Method)[]> _methodsByName = new(StringComparer.Ordinal);
    private readonly ImmutableArray<(INamedTypeSymbol Type, SdkCatalog.UpdateType Update)> _updateTypes;
    private readonly Dictionary<string, INamedTypeSymbol[]> _aggregatorsByName = new(StringComparer.Ordinal);
    private readonly ImmutableArray<(INamedTypeSymbol Type, FamilyItem<StreamingSwitch> Value)> _streamingSwitches;
    private readonly ConcurrentDictionary<SyntaxNode, LlmStreamLoop?> _loops = new();
    private readonly ConcurrentDictionary<ITypeSymbol, ITypeSymbol?> _elementTypes = new(SymbolEqualityComparer.Default);

    public StreamRecognizer(LlmAnalysisContext context)
    {
        _context = context;

        // Filled once here and only read after (see ArrayIndex).
        foreach (var (type, method) in context.Resolve(SdkCatalog.StreamingMethods.Select(m => (m.TypeMetadataName, m))))
        {
            ArrayIndex.Append(_methodsByName, method.MethodName, (type, method));
        }

        _updateTypes = context.Resolve(SdkCatalog.UpdateTypes.Select(u => (u.MetadataName, u)));
        foreach (var (type, methodName) in context.Resolve(SdkCatalog.Aggregators.Select(a => (a.TypeMetadataName, a.MethodName))))
        {
            ArrayIndex.Append(_aggregatorsByName, methodName, type);
        }

        _streamingSwitches = context.Resolve(SdkFamilies.All.SelectMany(f => f.StreamingSwitches.Select(s => (s.RequestType, new FamilyItem<StreamingSwitch>(f.Id, s)))));
    }

    /// <summary>The SDK family whose update type <paramref name="type"/> is (or derives from), else Unknown.</summary>
    public LlmFamily UpdateFamily(ITypeSymbol? type)
    {
        if (type is null)
        {
            return LlmFamily.Unknown;
        }

        foreach (var (updateType, update) in _updateTypes)
        {
            if (type.IsOrInheritsFrom(updateType))
            {
                return update.Family;
            }
        }

        return LlmFamily.Unknown;
    }

    /// <summary>
    /// The element type of a stream-shaped type: <c>IAsyncEnumerable&lt;T&gt;</c>, <c>AsyncCollectionResult&lt;T&gt;</c>,
    /// <c>AsyncStreamingResult&lt;T&gt;</c>, <c>CollectionResult&lt;T&gt;</c> or <c>ConfiguredCancelableAsyncEnumerable&lt;T&gt;</c>,
    /// also behind <c>Task&lt;…&gt;</c>/<c>ValueTask&lt;…&gt;</c>. A list or array is not a stream.
    /// </summary>
    public ITypeSymbol? StreamElementType(ITypeSymbol? type)
    {
        if (type is null || type.SpecialType != SpecialType.None || type.TypeKind is not (TypeKind.Class or TypeKind.Interface or TypeKind.Struct or TypeKind.TypeParameter))
        {
            return null; // void, string, int…, enums, arrays, delegates, errors: never a stream
        }

        // Asked for the type of nearly every value a rule looks at, and the same few types come back: answered once per type.
        if (_elementTypes.TryGetValue(type, out var known))
        {
            return known;
        }

        return _elementTypes.GetOrAdd(type, ComputeStreamElementType(type));
    }

    private ITypeSymbol? ComputeStreamElementType(ITypeSymbol type)
    {
        var types = _context.Types;

        if ((type.IsConstructedFrom(types.TaskOfT) || type.IsConstructedFrom(types.ValueTaskOfT)) && type is INamedTypeSymbol task)
        {
            type = task.TypeArguments[0];
        }

        return type.GetTypeArgumentOf(types.IAsyncEnumerableOfT)
            ?? type.GetTypeArgumentOf(types.ConfiguredCancelableAsyncEnumerableOfT)
            ?? type.GetTypeArgumentOf(types.CollectionResultOfT);
    }

    /// <summary>Recognises a call that starts a model stream.</summary>
    public LlmStreamSource? TryGetStreamCall(IInvocationOperation invocation, LlmOptions options)
        => TryGetStreamCall(invocation, options, followMethods: false);

    /// <summary>
    /// Recognises a call that starts a model stream; with <paramref name="followMethods"/>, also a call of a source method
    /// whose summary says it returns a model text stream (<see cref="MethodSummaries.ReturnedTextStream"/>).
    /// </summary>
    private LlmStreamSource? TryGetStreamCall(IInvocationOperation invocation, LlmOptions options, bool followMethods)
    {
        var method = invocation.TargetMethod;
        var elementType = StreamElementType(method.ReturnType);
        if (IsVisiblyNotAModelStream(invocation, elementType))
        {
            return null;
        }

        // A catalogued name counts only on a method that returns a stream: an overload a user type adds beside the
        // SDK's (an implementation of IChatClient with its own GetStreamingResponseAsync(int) returning Task<string>) does not.
        if (elementType is not null && _methodsByName.TryGetValue(method.Name, out var candidates))
        {
            var containing = (method.ReducedFrom ?? method).ContainingType;
            foreach (var (type, streamingMethod) in candidates)
            {
                if (containing.IsOrInheritsFrom(type))
                {
                    return new LlmStreamSource(streamingMethod.Family, StreamOrigin.Call, invocation, elementType);
                }
            }
        }

        if (!options.StreamingMethods.IsEmpty)
        {
            foreach (var pattern in options.StreamingMethods)
            {
                if (pattern.Matches(method))
                {
                    // The user says this method streams: a plain IEnumerable<T> it returns is its stream too.
                    if (elementType is null && method.ReturnType.SpecialType != SpecialType.System_String)
                    {
                        elementType = method.ReturnType.GetTypeArgumentOf(_context.Types.IEnumerableOfT);
                    }
                    var family = UpdateFamily(elementType);
                    return new LlmStreamSource(family == LlmFamily.Unknown ? LlmFamily.Configured : family, StreamOrigin.Call, invocation, elementType);
                }
            }
        }

        var byElement = UpdateFamily(elementType);
        if (byElement != LlmFamily.Unknown && !IsPassThroughWrapper(method) && !IsLinqOperator(invocation))
        {
            return new LlmStreamSource(byElement, StreamOrigin.Call, invocation, elementType);
        }

        if (followMethods && elementType is not null && method.Locations.Length > 0 && method.Locations[0].IsInSource
            && _context.Summaries.ReturnedTextStream(method, options, invocation.SemanticModel) is { } textStream)
        {
            return new LlmStreamSource(textStream.Family, StreamOrigin.Call, invocation, elementType, textStream);
        }

        return null;
    }

    /// <summary>A call of a streaming method that visibly does not stream from a model (see the two cases below).</summary>
    private bool IsVisiblyNotAModelStream(IInvocationOperation invocation, ITypeSymbol? elementType)
    {
        if (elementType is null)
        {
            return false;
        }

        var family = UpdateFamily(elementType);
        return IsRequestForNoStream(invocation, family) || IsCannedClientCall(invocation, family);
    }

    /// <summary>
    /// A streaming call of a family with <see cref="SdkFamily.CannedClients"/> on a client that is visibly a canned one:
    /// the receiver is (through a local and the builder chain <c>new SampleChatClient(…).AsBuilder().Use…().Build()</c>)
    /// an instance of a class of this compilation whose streaming method (Microsoft.Extensions.AI's
    /// <c>GetStreamingResponseAsync</c>) calls nothing but <c>Task.Delay</c>/<c>Task.Yield</c> — the fake client of a
    /// sample or a test. Its stream cannot break, be cut off or carry an error.
    /// </summary>
    private bool IsCannedClientCall(IInvocationOperation invocation, LlmFamily family)
    {
        if (CannedClientOf(family, invocation.TargetMethod.Name) is not { } canned)
        {
            return false;
        }

        var receiver = Receiver(invocation);
        for (var depth = 0; receiver is not null && depth < 12; depth++)
        {
            var value = receiver.WalkDownConversions();
            if (value.Type is INamedTypeSymbol { TypeKind: TypeKind.Class } type && type.Locations.Any(l => l.IsInSource))
            {
                return IsCannedImplementation(type, canned.StreamingMethod);
            }

            switch (value)
            {
                case ILocalReferenceOperation local:
                    receiver = LocalInitializer(local.Local, value.SemanticModel, CancellationToken.None);
                    break;

                // new Sample(…).AsBuilder().UseFunctionInvocation().Build(): the pipeline wraps the inner client.
                case IInvocationOperation step when step.TargetMethod.ContainingType.IsInNamespace(canned.PipelineNamespace)
                    && (canned.PipelineSteps.Contains(step.TargetMethod.Name) || step.TargetMethod.Name.StartsWith(canned.PipelineStepPrefix, System.StringComparison.Ordinal)):
                    receiver = Receiver(step);
                    break;

                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>The canned client of <paramref name="family"/> whose streaming method is <paramref name="method"/>.</summary>
    private static CannedClient? CannedClientOf(LlmFamily family, string method)
    {
        foreach (var canned in SdkFamilies.Get(family)?.CannedClients ?? ImmutableArray<CannedClient>.Empty)
        {
            if (canned.StreamingMethod == method)
            {
                return canned;
            }
        }

        return null;
    }

    /// <summary>True when the class's <paramref name="streamingMethod"/> is in source and calls nothing but <c>Task.Delay</c>/<c>Task.Yield</c>.</summary>
    private static bool IsCannedImplementation(INamedTypeSymbol type, string streamingMethod)
    {
        var method = type.GetMembers(streamingMethod).OfType<IMethodSymbol>().FirstOrDefault(m => !m.IsStatic && m.DeclaringSyntaxReferences.Length == 1);
        if (method?.DeclaringSyntaxReferences[0].GetSyntax() is not MethodDeclarationSyntax { Body: { } body })
        {
            return false;
        }

        foreach (var node in body.DescendantNodes())
        {
            switch (node)
            {
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Task" }, Name.Identifier.ValueText: "Delay" or "Yield" } }:
                    continue;
                case InvocationExpressionSyntax:
                case ForEachStatementSyntax:
                case ForEachVariableStatementSyntax:
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A call of a family with <see cref="SdkFamily.StreamingSwitches"/> (OllamaSharp's <c>ChatAsync</c>,
    /// <c>GenerateAsync</c>) whose request visibly asks for no stream: Ollama then answers with one JSON object, which the
    /// SDK yields as a single item — an ordinary request, not a model stream. Visible means:
    /// <c>new ChatRequest { Stream = false }</c>, a factory call given <c>stream: false</c> (through a local), or the call
    /// sits where <c>request.Stream</c> is false (<c>if (request.Stream) … else …</c>).
    /// </summary>
    private bool IsRequestForNoStream(IInvocationOperation invocation, LlmFamily family)
    {
        if (_streamingSwitches.IsEmpty || family == LlmFamily.Unknown)
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (SwitchOf(argument.Parameter?.Type, family) is not { } streamingSwitch)
            {
                continue;
            }

            var value = argument.Value.WalkDownConversions();
            if (value is ILocalReferenceOperation local
                && LocalInitializer(local.Local, value.SemanticModel, CancellationToken.None)?.WalkDownConversions() is { } initializer
                && SetsStreamFalse(initializer, streamingSwitch))
            {
                return true;
            }

            return SetsStreamFalse(value, streamingSwitch) || IsWhereStreamIsFalse(invocation, value.ReferencedSymbol(), streamingSwitch);
        }

        return false;
    }

    /// <summary>The streaming switch of <paramref name="family"/> whose request type <paramref name="parameterType"/> is.</summary>
    private StreamingSwitch? SwitchOf(ITypeSymbol? parameterType, LlmFamily family)
    {
        if (parameterType is null)
        {
            return null;
        }

        foreach (var (type, streamingSwitch) in _streamingSwitches)
        {
            if (streamingSwitch.Family == family && SymbolEqualityComparer.Default.Equals(parameterType, type))
            {
                return streamingSwitch.Item;
            }
        }

        return null;
    }

    /// <summary><c>new ChatRequest { Stream = false }</c>, or a call given <c>stream: false</c>.</summary>
    private static bool SetsStreamFalse(IOperation request, StreamingSwitch streamingSwitch)
    {
        switch (request)
        {
            case IObjectCreationOperation { Initializer: { } initializer }:
                foreach (var member in initializer.Initializers)
                {
                    if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment
                        && target.Property.Name == streamingSwitch.Property
                        && assignment.Value.ConstantValue is { HasValue: true, Value: false })
                    {
                        return true;
                    }
                }

                return false;

            case IInvocationOperation call:
                foreach (var argument in call.Arguments)
                {
                    if (argument.Parameter is { Type.SpecialType: SpecialType.System_Boolean } parameter
                        && parameter.Name == streamingSwitch.Parameter
                        && argument.Value.ConstantValue is { HasValue: true, Value: false })
                    {
                        return true;
                    }
                }

                return false;

            default:
                return false;
        }
    }

    /// <summary>
    /// True when <paramref name="operation"/> runs only where <c>request.Stream</c> is false: the <c>else</c> of
    /// <c>if (request.Stream)</c>, or inside <c>if (!request.Stream)</c> (also from a lambda written there).
    /// </summary>
    private static bool IsWhereStreamIsFalse(IOperation operation, ISymbol? request, StreamingSwitch streamingSwitch)
    {
        if (request is null)
        {
            return false;
        }

        IOperation current = operation;
        for (var ancestor = operation.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (ancestor is IConditionalOperation conditional && current != conditional.Condition)
            {
                var inElse = current == conditional.WhenFalse;
                switch (conditional.Condition.WalkDownConversions())
                {
                    case IPropertyReferenceOperation { Instance: { } instance } property
                        when inElse && property.Property.Name == streamingSwitch.Property && SymbolEqualityComparer.Default.Equals(instance.ReferencedSymbol(), request):
                    case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, Operand: IPropertyReferenceOperation { Instance: { } negated } negatedProperty }
                        when !inElse && negatedProperty.Property.Name == streamingSwitch.Property && SymbolEqualityComparer.Default.Equals(negated.ReferencedSymbol(), request):
                        return true;
                }
            }

            current = ancestor;
        }

        return false;
    }

    private static bool IsPassThroughWrapper(IMethodSymbol method)
        => SdkCatalog.PassThroughWrappers.Contains(method.Name);

    /// <summary>
    /// A deferred LINQ operator over a stream (<c>stream.Where(…)</c>, <c>stream.Select(…)</c> of System.Linq's
    /// <c>AsyncEnumerable</c>/<c>Enumerable</c>): it passes its source on, it does not start a stream of its own.
    /// </summary>
    private bool IsLinqOperator(IInvocationOperation invocation)
    {
        var original = invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod;
        if (!original.IsExtensionMethod
            || original.ContainingType is not { Name: "AsyncEnumerable" or "Enumerable" } containing
            || !containing.ContainingNamespace.Is("System.Linq"))
        {
            return false;
        }

        var types = _context.Types;
        return invocation.Type.IsConstructedFrom(types.IAsyncEnumerableOfT) || invocation.Type.IsConstructedFrom(types.IEnumerableOfT);
    }

    private static IOperation? Receiver(IInvocationOperation invocation)
        => invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);

    /// <summary>
    /// Recognises a value that is a model stream: a streaming call (through <c>await</c>, conversions,
    /// <c>WithCancellation</c>/<c>ConfigureAwait</c>), a local initialised with one, or a parameter/field/property of a stream type.
    /// </summary>
    public LlmStreamSource? TryGetStreamValue(IOperation value, LlmOptions options, CancellationToken cancellationToken)
        => TryGetStreamValue(value, options, cancellationToken, depth: 0, followMethods: false);

    private LlmStreamSource? TryGetStreamValue(IOperation value, LlmOptions options, CancellationToken cancellationToken, int depth, bool followMethods)
    {
        if (depth > 8)
        {
            return null;
        }

        var current = value.WalkDownConversions();
        switch (current)
        {
            case IAwaitOperation awaited:
                return TryGetStreamValue(awaited.Operation, options, cancellationToken, depth + 1, followMethods);

            case IInvocationOperation invocation when IsPassThroughWrapper(invocation.TargetMethod) || IsLinqOperator(invocation):
                var receiver = Receiver(invocation);
                return receiver is null ? null : TryGetStreamValue(receiver, options, cancellationToken, depth + 1, followMethods);

            case IInvocationOperation invocation:
                return TryGetStreamCall(invocation, options, followMethods);

            case ILocalReferenceOperation local:
                var initializer = LocalInitializer(local.Local, current.SemanticModel, cancellationToken);
                if (initializer?.WalkDownConversions() is IInvocationOperation initializerCall
                    && IsVisiblyNotAModelStream(initializerCall, StreamElementType(initializerCall.TargetMethod.ReturnType)))
                {
                    return null;
                }

                if (initializer is not null)
                {
                    var fromInitializer = TryGetStreamValue(initializer, options, cancellationToken, depth + 1, followMethods);
                    if (fromInitializer is not null)
                    {
                        return fromInitializer;
                    }
                }

                return ByElementType(current.Type, StreamOrigin.Call);

            case IParameterReferenceOperation:
            case IFieldReferenceOperation:
            case IPropertyReferenceOperation:
                return ByElementType(current.Type, StreamOrigin.Received);

            default:
                return null;
        }
    }

    private LlmStreamSource? ByElementType(ITypeSymbol? type, StreamOrigin origin)
    {
        var elementType = StreamElementType(type);
        var family = UpdateFamily(elementType);
        return family == LlmFamily.Unknown ? null : new LlmStreamSource(family, origin, Call: null, elementType);
    }

    /// <summary>The operation of a local's declarator initializer (<c>var stream = …;</c>), if any.</summary>
    internal static IOperation? LocalInitializer(ILocalSymbol local, SemanticModel? model, CancellationToken cancellationToken)
        => OperationExtensions.DeclaredInitializer(local, model, cancellationToken);

    /// <summary>Recognises an aggregation call (<c>ToChatResponseAsync</c>, Anthropic <c>Aggregate</c>, Ollama <c>StreamToEndAsync</c>) and its stream.</summary>
    public LlmStreamSource? TryGetAggregation(IInvocationOperation invocation, LlmOptions options, CancellationToken cancellationToken)
    {
        var method = invocation.TargetMethod;
        if (!_aggregatorsByName.TryGetValue(method.Name, out var types))
        {
            return null;
        }

        var containing = (method.ReducedFrom ?? method).ContainingType;
        if (!types.Any(t => SymbolEqualityComparer.Default.Equals(t, containing.OriginalDefinition)))
        {
            return null;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && StreamElementType(parameter.Type) is not null)
            {
                if (argument.Value.WalkDownConversions() is IInvocationOperation source
                    && IsVisiblyNotAModelStream(source, StreamElementType(source.TargetMethod.ReturnType)))
                {
                    return null; // client.ChatAsync(new ChatRequest { Stream = false }).StreamToEndAsync(): one response
                }

                return TryGetStreamValue(argument.Value, options, cancellationToken)
                    ?? ByElementType(argument.Value.WalkDownConversions().Type, StreamOrigin.Received);
            }
        }

        return null;
    }

    /// <summary>Recognises a loop that enumerates a model stream (SDK or hand-rolled) in its own method. Cached per loop.</summary>
    public LlmStreamLoop? TryGetStreamLoop(ILoopOperation loop, LlmOptions options, CancellationToken cancellationToken)
        => TryGetStreamLoop(loop, options, cancellationToken, StreamShapes.Direct);

    /// <summary>
    /// Recognises a loop that enumerates a model stream in one of <paramref name="shapes"/>: the direct shapes, a loop over
    /// a source method that returns a model text stream, a loop driven by hand over an SDK stream's enumerator. Cached per loop.
    /// </summary>
    public LlmStreamLoop? TryGetStreamLoop(ILoopOperation loop, LlmOptions options, CancellationToken cancellationToken, StreamShapes shapes)
    {
        // Ten rules ask about every loop: the answer is read without allocating; computed at most once or twice.
        if (!_loops.TryGetValue(loop.Syntax, out var known))
        {
            known = _loops.GetOrAdd(loop.Syntax, Recognize(loop, options, cancellationToken));
        }

        return known is not null && (known.Shape & shapes) != 0 ? known : null;
    }

    private LlmStreamLoop? Recognize(ILoopOperation loop, LlmOptions options, CancellationToken cancellationToken)
    {
        // An await foreach over a model stream enumerates a stream type (async LINQ operators keep it one), or, from a
        // configured streaming method, anything: other await foreach loops are not followed. (A sync foreach may go
        // through LINQ to objects: CompleteChatStreaming(…).Skip(1) is an IEnumerable<T> of any T.)
        if (loop is IForEachLoopOperation forEach && loop.Syntax is CommonForEachStatementSyntax forEachSyntax && forEach.SemanticModel is { } model
            && (!forEach.IsAsynchronous || !options.StreamingMethods.IsEmpty || StreamElementType(forEach.Collection.WalkDownConversions().Type) is not null))
        {
            var source = TryGetStreamValue(forEach.Collection, options, cancellationToken);
            if (source is not null)
            {
                var elementType = model.GetForEachStatementInfo(forEachSyntax).ElementType ?? source.ElementType;
                var variable = forEach.Locals.Length == 1 ? forEach.Locals[0] : null;
                return new LlmStreamLoop(loop, LlmStreamKind.Sdk, source.Family, source, variable, elementType, HandRolled: null);
            }
        }

        if (_context.HandRolled.TryRecognize(loop, options, cancellationToken) is { } handRolled)
        {
            return handRolled;
        }

        if (_context.StreamParameters.TryRecognize(loop, options, cancellationToken) is { } parameterFed)
        {
            return parameterFed; // issue 11: a parser whose caller hands it a model response
        }

        // The cross-method shapes, asked only of loops nothing above recognised: a direct answer never changes.
        if (loop is IForEachLoopOperation { IsAsynchronous: true } wrapperLoop && loop.Syntax is CommonForEachStatementSyntax wrapperSyntax
            && wrapperLoop.SemanticModel is { } wrapperModel && StreamElementType(wrapperLoop.Collection.WalkDownConversions().Type) is not null
            && TryGetStreamValue(wrapperLoop.Collection, options, cancellationToken, depth: 0, followMethods: true) is { Wrapper: not null } wrapped)
        {
            var elementType = wrapperModel.GetForEachStatementInfo(wrapperSyntax).ElementType ?? wrapped.ElementType;
            var variable = wrapperLoop.Locals.Length == 1 ? wrapperLoop.Locals[0] : null;
            return new LlmStreamLoop(loop, LlmStreamKind.Sdk, wrapped.Family, wrapped, variable, elementType, HandRolled: null);
        }

        return TryGetManualEnumeration(loop, options, cancellationToken);
    }

    /// <summary>
    /// A loop driven by hand over the enumerator of an SDK stream: <c>while (await e.MoveNextAsync())</c> (or
    /// <c>e.MoveNext()</c>; also <c>do { … } while (await e.MoveNextAsync())</c> after a first move), where <c>e</c> is a local initialised with <c>stream.GetAsyncEnumerator(…)</c>
    /// (<c>GetEnumerator()</c>) of a recognised stream, or with an enumerator a source method or a helper-run lambda hands
    /// over (<see cref="EnumeratedStream"/>). Its iteration variable is the local the body initialises from
    /// <c>e.Current</c>, when there is one. The condition may move the enumerator in two ways
    /// (<see cref="MovedEnumerator"/>). Not cached (see <see cref="TryGetStreamLoop(ILoopOperation, LlmOptions, CancellationToken, StreamShapes)"/>).
    /// </summary>
    internal LlmStreamLoop? TryGetManualEnumeration(ILoopOperation loop, LlmOptions options, CancellationToken cancellationToken)
    {
        if (loop is not IWhileLoopOperation { ConditionIsUntil: false, Condition: { } condition } || loop.SemanticModel is not { } model)
        {
            return null;
        }

        if (MovedEnumerator(condition, out var awaited) is not { } enumerator
            || EnumeratedStream(enumerator.Local, awaited, options, model, cancellationToken) is not { } source)
        {
            return null;
        }

        ILocalSymbol? current = null;
        foreach (var node in loop.Body.DescendantsWithinFunction())
        {
            if (node is IVariableDeclaratorOperation declarator
                && declarator.GetVariableInitializer()?.Value.WalkDownConversions() is { } initial
                && IsCurrentOf(initial, enumerator.Local))
            {
                current = declarator.Symbol;
                break;
            }
        }

        return new LlmStreamLoop(loop, LlmStreamKind.Sdk, source.Family, source, current, source.ElementType, HandRolled: null, enumerator.Local);
    }

    /// <summary>The nearest loop around <paramref name="operation"/> (in the same function) that enumerates a model stream in one of <paramref name="shapes"/>.</summary>
    public LlmStreamLoop? FindEnclosingStreamLoop(IOperation operation, LlmOptions options, CancellationToken cancellationToken, StreamShapes shapes = StreamShapes.Direct)
    {
        foreach (var ancestor in operation.AncestorsWithinFunction())
        {
            if (ancestor is ILoopOperation loop && operation.IsWithin(loop.Body) && TryGetStreamLoop(loop, options, cancellationToken, shapes) is { } streamLoop)
            {
                return streamLoop;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="expression"/> reads the iteration variable of <paramref name="loop"/> or a local derived from it inside the loop.</summary>
    public static bool IsDerivedFromIteration(IOperation expression, LlmStreamLoop loop)
    {
        if (loop.IterationVariable is null && loop.Enumerator is null)
        {
            return false;
        }

        var derived = DerivedLocals(loop);
        foreach (var node in Enumerate(expression))
        {
            if (node is ILocalReferenceOperation local && derived.Contains(local.Local))
            {
                return true;
            }

            // a loop driven by hand: e.Current itself
            if (loop.Enumerator is not null && IsCurrentOf(node, loop.Enumerator))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<IOperation> Enumerate(IOperation root)
    {
        yield return root;
        foreach (var d in root.Descendants())
        {
            yield return d;
        }
    }

    /// <summary>
    /// The iteration variable and the locals declared in the loop body whose initializers read it (transitively); for a
    /// loop driven by hand, reading <c>e.Current</c> counts as reading the iteration variable.
    /// </summary>
    internal static ImmutableHashSet<ILocalSymbol> DerivedLocals(LlmStreamLoop loop)
    {
        var set = ImmutableHashSet.CreateBuilder<ILocalSymbol>(SymbolEqualityComparer.Default);
        if (loop.IterationVariable is null && loop.Enumerator is null)
        {
            return set.ToImmutable();
        }

        if (loop.IterationVariable is not null)
        {
            set.Add(loop.IterationVariable);
        }

        var enumerator = loop.Enumerator;
        var changed = true;
        var declarators = loop.Body.DescendantsWithinFunction().OfType<IVariableDeclaratorOperation>().ToList();
        var patterns = loop.Body.DescendantsWithinFunction().OfType<IDeclarationPatternOperation>().ToList();
        var outArguments = loop.Body.DescendantsWithinFunction().OfType<IInvocationOperation>().ToList();
        var innerLoops = loop.Body.DescendantsWithinFunction().OfType<IForEachLoopOperation>().ToList();
        while (changed)
        {
            changed = false;
            foreach (var declarator in declarators)
            {
                if (!set.Contains(declarator.Symbol) && declarator.GetVariableInitializer() is { } init && ReadsAny(init.Value, set, enumerator))
                {
                    set.Add(declarator.Symbol);
                    changed = true;
                }
            }

            foreach (var pattern in patterns)
            {
                if (pattern.DeclaredSymbol is ILocalSymbol declared && !set.Contains(declared) && pattern.Parent is IIsPatternOperation isPattern && ReadsAny(isPattern.Value, set, enumerator))
                {
                    set.Add(declared);
                    changed = true;
                }
            }

            // foreach (var part in update.ContentUpdate)
            foreach (var inner in innerLoops)
            {
                if (ReadsAny(inner.Collection, set, enumerator))
                {
                    foreach (var local in inner.Locals)
                    {
                        changed |= set.Add(local);
                    }
                }
            }

            // out variables of TryPick-style calls on a derived receiver: update.TryPickContentBlockDelta(out var delta)
            foreach (var invocation in outArguments)
            {
                if (invocation.Instance is { } instance && ReadsAny(instance, set, enumerator))
                {
                    foreach (var argument in invocation.Arguments)
                    {
                        if (argument.Parameter?.RefKind == RefKind.Out && argument.Value.WalkDownConversions() is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation outLocal } && set.Add(outLocal.Local))
                        {
                            changed = true;
                        }
                    }
                }
            }
        }

        return set.ToImmutable();
    }

    private static bool ReadsAny(IOperation operation, ImmutableHashSet<ILocalSymbol>.Builder locals, ILocalSymbol? enumerator)
    {
        foreach (var node in Enumerate(operation))
        {
            if ((node is ILocalReferenceOperation local && locals.Contains(local.Local))
                || (enumerator is not null && IsCurrentOf(node, enumerator)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>e.Current</c> of the enumerator local <paramref name="enumerator"/>.</summary>
    private static bool IsCurrentOf(IOperation node, ILocalSymbol enumerator)
        => node is IPropertyReferenceOperation { Property.Name: "Current", Instance: { } owner }
            && SymbolEqualityComparer.Default.Equals(owner.WalkDownConversions().ReferencedSymbol(), enumerator);
}
