namespace LlmStreaming.Analyzers.Recognition;

/// <summary>How an HTTP call reads the response body.</summary>
internal enum BodyBuffering
{
    /// <summary>The call could not be judged (a completion option that is not a constant).</summary>
    Unknown,

    /// <summary><c>HttpCompletionOption.ResponseContentRead</c> (the default of <c>SendAsync</c>/<c>GetAsync</c>, always for <c>PostAsync</c>/<c>PostAsJsonAsync</c>): the whole body is downloaded before the call returns.</summary>
    Buffered,

    /// <summary><c>HttpCompletionOption.ResponseHeadersRead</c>, or <c>GetStreamAsync</c>: the call returns at the headers and the body is read as it arrives.</summary>
    HeadersRead,
}

/// <summary>
/// Follows a hand-rolled stream back to the HTTP call that produced it, through locals, within one function:
/// a read loop → its <c>StreamReader</c> or <c>SseParser</c> → <c>response.Content.ReadAsStreamAsync()</c> →
/// <c>SendAsync</c>/<c>PostAsync</c>/<c>PostAsJsonAsync</c>/<c>GetStreamAsync</c>. Also answers whether a request asks
/// the model for a stream (<c>stream = true</c>).
/// </summary>
internal sealed class HttpResponseFlow
{
    private static readonly ImmutableHashSet<string> InstanceSendNames = ImmutableHashSet.Create(
        "SendAsync", "Send", "PostAsync", "GetAsync", "PutAsync", "PatchAsync");

    private static readonly ImmutableHashSet<string> JsonSendNames = ImmutableHashSet.Create(
        "PostAsJsonAsync", "PutAsJsonAsync", "PatchAsJsonAsync");

    private static readonly ImmutableHashSet<string> BufferedReadNames = ImmutableHashSet.Create(
        "ReadAsStringAsync", "ReadAsString", "ReadAsByteArrayAsync", "ReadAsByteArray", "ReadFromJsonAsync");

    private readonly LlmAnalysisContext _context;

    public HttpResponseFlow(LlmAnalysisContext context) => _context = context;

    private KnownTypes Types => _context.Types;

    /// <summary>True for an HttpClient call that sends a request and returns the response (<c>SendAsync</c>, <c>PostAsync</c>, <c>PostAsJsonAsync</c>…).</summary>
    public bool IsSend(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (InstanceSendNames.Contains(method.Name) && !method.IsStatic && method.ContainingType.IsOrInheritsFrom(Types.HttpClient))
        {
            return true;
        }

        return JsonSendNames.Contains(method.Name)
            && method.IsExtensionMethod
            && method.ContainingType.IsInNamespace("System.Net.Http.Json")
            && invocation.Arguments.Length > 0
            && invocation.Arguments[0].Value.Type.IsOrInheritsFrom(Types.HttpClient);
    }

    /// <summary>True for <c>HttpClient.GetStreamAsync</c>, which sends with <c>ResponseHeadersRead</c> and returns the body.</summary>
    public bool IsGetStream(IInvocationOperation invocation)
        => invocation.TargetMethod.Name is "GetStreamAsync" or "GetStream" && invocation.TargetMethod.ContainingType.IsOrInheritsFrom(Types.HttpClient);

    /// <summary>The HttpClient the call is made on.</summary>
    public static IOperation? ClientOf(IInvocationOperation send)
        => send.Instance ?? (send.TargetMethod.IsExtensionMethod && send.Arguments.Length > 0 ? send.Arguments[0].Value : null);

    /// <summary>How <paramref name="send"/> reads the body.</summary>
    public BodyBuffering BufferingOf(IInvocationOperation send)
    {
        if (IsGetStream(send))
        {
            return BodyBuffering.HeadersRead;
        }

        foreach (var argument in send.Arguments)
        {
            if (argument.Parameter is { } parameter && SymbolEqualityComparer.Default.Equals(parameter.Type, Types.HttpCompletionOption))
            {
                var constant = argument.Value.ConstantValue.HasValue ? argument.Value.ConstantValue : argument.Value.WalkDownConversions().ConstantValue;
                return constant is { HasValue: true, Value: { } option }
                    ? Convert.ToInt32(option, System.Globalization.CultureInfo.InvariantCulture) == 1 ? BodyBuffering.HeadersRead : BodyBuffering.Buffered
                    : BodyBuffering.Unknown;
            }
        }

        return BodyBuffering.Buffered;
    }

    /// <summary>The HTTP call whose body a hand-rolled stream loop reads, or null when it cannot be followed in the function.</summary>
    public IInvocationOperation? TraceLoopToCall(LlmStreamLoop loop, CancellationToken cancellationToken)
        => LoopBodySource(loop, cancellationToken) is { } source ? TraceStream(source, cancellationToken, 0) : null;

    /// <summary>
    /// What a hand-rolled loop reads: the argument its <c>StreamReader</c> (any <c>TextReader</c> created with an argument)
    /// or <c>SseParser.Create</c> is built on, with locals, <c>await</c> and conversions stripped.
    /// </summary>
    public IOperation? LoopBodySource(LlmStreamLoop loop, CancellationToken cancellationToken)
    {
        if (loop.HandRolled is not { } handRolled)
        {
            return null;
        }

        if (handRolled.UsesSseParser && loop.Loop is IForEachLoopOperation forEach)
        {
            return SseParserCreateArgument(forEach.Collection, cancellationToken) is { } stream ? FollowLocal(stream, cancellationToken) : null;
        }

        if (handRolled.SplitsBufferedBody && loop.Loop is IForEachLoopOperation overLines)
        {
            return SplitCall(overLines.Collection, cancellationToken) is { Instance: { } text } ? FollowLocal(text, cancellationToken) : null;
        }

        foreach (var read in handRolled.Reads)
        {
            if (read.Instance is { } reader
                && FollowLocal(reader, cancellationToken) is IObjectCreationOperation { Arguments.Length: > 0 } creation
                && creation.Type.IsOrInheritsFrom(Types.TextReader))
            {
                return FollowLocal(creation.Arguments[0].Value, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>
    /// The <c>string.Split</c> call a loop over the lines of a buffered body enumerates: the collection itself, or the
    /// initializer of the local it names (<c>var lines = body.Split('\n'); foreach (var line in lines)</c>).
    /// </summary>
    public static IInvocationOperation? SplitCall(IOperation collection, CancellationToken cancellationToken)
    {
        var value = collection.WalkDownConversions();
        if (value is ILocalReferenceOperation local)
        {
            value = StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken)?.WalkDownConversions();
        }

        return value is IInvocationOperation { TargetMethod.Name: "Split", Instance: not null } split
            && split.TargetMethod.ContainingType.SpecialType == SpecialType.System_String
            ? split
            : null;
    }

    /// <summary>The <c>EnumerateAsync</c> call of an <c>SseParser</c> loop's collection (below <c>WithCancellation</c>/<c>ConfigureAwait</c>).</summary>
    public static IInvocationOperation? SseEnumerateCall(IOperation collection)
    {
        var value = collection.WalkDownConversions();
        while (value is IInvocationOperation wrapper && SdkCatalog.PassThroughWrappers.Contains(wrapper.TargetMethod.Name))
        {
            var receiver = wrapper.Instance ?? (wrapper.Arguments.Length > 0 ? wrapper.Arguments[0].Value : null);
            if (receiver is null)
            {
                return null;
            }

            value = receiver.WalkDownConversions();
        }

        return value is IInvocationOperation { TargetMethod.Name: "EnumerateAsync" or "Enumerate" } enumerate ? enumerate : null;
    }

    private IOperation? SseParserCreateArgument(IOperation collection, CancellationToken cancellationToken)
    {
        if (SseEnumerateCall(collection) is not { Instance: { } parser })
        {
            return null;
        }

        var value = FollowLocal(parser, cancellationToken);
        return value is IInvocationOperation { TargetMethod.Name: "Create", Arguments.Length: > 0 } create
            && create.TargetMethod.ContainingType.Name == "SseParser"
            ? create.Arguments[0].Value
            : null;
    }

    /// <summary>A body stream → the call that produced it (<c>GetStreamAsync</c>, or the send whose response's content it reads).</summary>
    public IInvocationOperation? TraceStream(IOperation stream, CancellationToken cancellationToken, int depth)
    {
        if (depth > 6)
        {
            return null;
        }

        var value = FollowLocal(stream, cancellationToken);
        switch (value)
        {
            case IInvocationOperation invocation when IsGetStream(invocation):
                return invocation;

            case IInvocationOperation { TargetMethod.Name: "ReadAsStreamAsync" or "ReadAsStream", Instance: { } content }
                when content.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "Content", Instance: { } response }:
                return TraceResponse(response, cancellationToken);

            default:
                return null;
        }
    }

    /// <summary>A response → the send that produced it, through locals, <c>await</c> and <c>EnsureSuccessStatusCode()</c>.</summary>
    public IInvocationOperation? TraceResponse(IOperation response, CancellationToken cancellationToken)
    {
        for (var depth = 0; depth < 6; depth++)
        {
            var value = FollowLocal(response, cancellationToken);
            switch (value)
            {
                case IInvocationOperation invocation when IsSend(invocation):
                    return invocation;

                case IInvocationOperation { TargetMethod.Name: "EnsureSuccessStatusCode", Instance: { } instance }:
                    response = instance;
                    continue;

                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>The reads of the body of <paramref name="send"/>'s response that buffer it whole (<c>ReadAsStringAsync</c>…) in the function.</summary>
    public IEnumerable<IInvocationOperation> BufferedBodyReads(IInvocationOperation send, CancellationToken cancellationToken)
    {
        foreach (var node in HttpClientRegistrations.Root(send).Descendants())
        {
            if (node is IInvocationOperation read && IsBufferedBodyRead(read, out var response) && TraceResponse(response, cancellationToken)?.Syntax == send.Syntax)
            {
                yield return read;
            }
        }
    }

    /// <summary>True for <c>response.Content.ReadAsStringAsync()</c> and its kin; gives the response.</summary>
    public bool IsBufferedBodyRead(IInvocationOperation invocation, out IOperation response)
    {
        response = null!;
        var method = invocation.TargetMethod;
        if (!BufferedReadNames.Contains(method.Name))
        {
            return false;
        }

        var content = invocation.Instance ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
        if (content?.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "Content", Instance: { } owner } property
            && property.Type.IsOrInheritsFrom(Types.HttpContent))
        {
            response = owner;
            return true;
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="read"/> runs only when <paramref name="response"/> failed: inside
    /// <c>if (!response.IsSuccessStatusCode)</c> (or <c>StatusCode != HttpStatusCode.OK</c>), or in the <c>else</c> of the
    /// success test. Reading a failed response's error body whole is right: it is not the stream.
    /// </summary>
    public static bool IsOnFailurePath(IOperation read, IOperation response)
    {
        var responseSymbol = response.WalkDownConversions().ReferencedSymbol();
        if (responseSymbol is null)
        {
            return false;
        }

        IOperation current = read;
        foreach (var ancestor in read.AncestorsWithinFunction())
        {
            if (ancestor is IConditionalOperation conditional && current != conditional.Condition)
            {
                var success = TestsSuccess(conditional.Condition, responseSymbol);
                if (success is bool succeeded && (current == conditional.WhenTrue ? !succeeded : succeeded))
                {
                    return true;
                }
            }

            current = ancestor;
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="condition"/> holds when the response succeeded (true: <c>r.IsSuccessStatusCode</c>,
    /// <c>r.StatusCode == HttpStatusCode.OK</c>) or when it failed (false: their negations); null when it tests something else.
    /// </summary>
    private static bool? TestsSuccess(IOperation condition, ISymbol response)
    {
        switch (condition.WalkDownConversions())
        {
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return TestsSuccess(not.Operand, response) is bool inner ? !inner : null;

            case IPropertyReferenceOperation { Property.Name: "IsSuccessStatusCode", Instance: { } instance }
                when SymbolEqualityComparer.Default.Equals(instance.WalkDownConversions().ReferencedSymbol(), response):
                return true;

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                var equals = binary.OperatorKind == BinaryOperatorKind.Equals;
                if (IsSuccessFlag(binary.LeftOperand, response) && binary.RightOperand.ConstantValue is { HasValue: true, Value: bool right })
                {
                    return equals == right;
                }

                if (IsSuccessFlag(binary.RightOperand, response) && binary.LeftOperand.ConstantValue is { HasValue: true, Value: bool left })
                {
                    return equals == left;
                }

                if (IsStatusCode(binary.LeftOperand, response) && IsOk(binary.RightOperand)
                    || IsStatusCode(binary.RightOperand, response) && IsOk(binary.LeftOperand))
                {
                    return equals;
                }

                return null;

            default:
                return null;
        }
    }

    private static bool IsSuccessFlag(IOperation operand, ISymbol response)
        => operand.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "IsSuccessStatusCode", Instance: { } instance }
            && SymbolEqualityComparer.Default.Equals(instance.WalkDownConversions().ReferencedSymbol(), response);

    private static bool IsStatusCode(IOperation operand, ISymbol response)
        => operand.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "StatusCode", Instance: { } instance }
            && SymbolEqualityComparer.Default.Equals(instance.WalkDownConversions().ReferencedSymbol(), response);

    /// <summary><c>HttpStatusCode.OK</c> or the constant 200.</summary>
    private static bool IsOk(IOperation operand)
        => operand.WalkDownConversions().ConstantValue is { HasValue: true, Value: 200 };

    /// <summary>
    /// True when the request <paramref name="send"/> sends asks the model to stream: an anonymous member or initializer
    /// <c>stream = true</c>, a dictionary entry <c>["stream"] = true</c>, or JSON text with <c>"stream": true</c> — in the
    /// payload argument or the locals it is built from.
    /// </summary>
    public bool IsStreamingRequest(IInvocationOperation send, CancellationToken cancellationToken)
    {
        foreach (var argument in send.Arguments)
        {
            if (argument.Parameter is not { } parameter || parameter.Ordinal == 0 && send.TargetMethod.IsExtensionMethod)
            {
                continue;
            }

            if (parameter.Type.SpecialType == SpecialType.System_String || parameter.Type.Name is "Uri" or "CancellationToken" or "HttpCompletionOption")
            {
                continue;
            }

            if (AsksForStream(argument.Value, cancellationToken, depth: 0))
            {
                return true;
            }
        }

        return false;
    }

    private bool AsksForStream(IOperation payload, CancellationToken cancellationToken, int depth)
    {
        if (depth > 3)
        {
            return false;
        }

        var root = HttpClientRegistrations.Root(payload);
        foreach (var node in Enumerate(payload))
        {
            switch (node)
            {
                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target, Value: var value } when IsTrue(value)
                    && (string.Equals(target.Property.Name, "stream", StringComparison.OrdinalIgnoreCase)
                        || target.Arguments.Length == 1 && target.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string key } && string.Equals(key, "stream", StringComparison.OrdinalIgnoreCase)):
                    return true;

                case IInvocationOperation { TargetMethod.Name: "Add", Arguments.Length: 2 } add
                    when add.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string key } && string.Equals(key, "stream", StringComparison.OrdinalIgnoreCase) && IsTrue(add.Arguments[1].Value):
                    return true;

                case ILiteralOperation { ConstantValue: { HasValue: true, Value: string text } } when ModelSignals.ContainsStreamTrue(text):
                    return true;

                case IInterpolatedStringTextOperation { Text: ILiteralOperation { ConstantValue: { HasValue: true, Value: string part } } } when ModelSignals.ContainsStreamTrue(part):
                    return true;

                case ILocalReferenceOperation local when depth < 3:
                    if (StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken) is { } initializer && AsksForStream(initializer, cancellationToken, depth + 1))
                    {
                        return true;
                    }

                    // request.Content = …; payload.Stream = true;
                    foreach (var other in root.Descendants())
                    {
                        if (other is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Instance: { } instance } } write
                            && instance.WalkDownConversions() is ILocalReferenceOperation owner
                            && SymbolEqualityComparer.Default.Equals(owner.Local, local.Local)
                            && AsksForStream(write, cancellationToken, depth + 1))
                        {
                            return true;
                        }
                    }

                    break;
            }
        }

        return false;
    }

    private static bool IsTrue(IOperation value) => value.WalkDownConversions().ConstantValue is { HasValue: true, Value: true };

    private static IEnumerable<IOperation> Enumerate(IOperation root)
    {
        yield return root;
        foreach (var descendant in root.Descendants())
        {
            yield return descendant;
        }
    }

    /// <summary>Strips await and conversions, and replaces a local by its declaration initializer when it is never reassigned.</summary>
    public static IOperation FollowLocal(IOperation value, CancellationToken cancellationToken)
    {
        var current = Strip(value);
        for (var i = 0; i < 4 && current is ILocalReferenceOperation local; i++)
        {
            var initializer = StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken);
            if (initializer is null)
            {
                break;
            }

            current = Strip(initializer);
        }

        return current;
    }

    private static IOperation Strip(IOperation value)
    {
        var current = value.WalkDownConversions();
        while (true)
        {
            switch (current)
            {
                case IAwaitOperation awaited:
                    current = awaited.Operation.WalkDownConversions();
                    continue;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } awaitedTask }:
                    current = awaitedTask.WalkDownConversions();
                    continue;
                default:
                    return current;
            }
        }
    }
}
