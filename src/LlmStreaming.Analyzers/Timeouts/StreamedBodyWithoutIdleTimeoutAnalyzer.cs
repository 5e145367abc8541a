using System.Globalization;
using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Retry;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM406: a hand-rolled stream loop over a <c>ResponseHeadersRead</c> body (or <c>GetStreamAsync</c>) whose reads get no
/// cancellation token (or only <c>CancellationToken.None</c>): nothing bounds a stalled stream. And a loop over the stream
/// of an SDK that waits for its end marker (<see cref="SdkFamily.WaitsForEndMarker"/>: Azure AI Inference) whose call
/// is given no token with a deadline the method sets: nothing ends a body that ends without the marker.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class StreamedBodyWithoutIdleTimeoutAnalyzer : LlmAnalyzer
{
    /// <summary>The idle timeout the fix uses, in seconds: the larger of this rule's and LLM404's minimum, so that the fix does not trip LLM404.</summary>
    internal const string IdleSecondsProperty = "IdleSeconds";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM406_StreamedBodyWithoutIdleTimeout);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Types.HttpClient is not null && llm.Types.CancellationToken is not null)
        {
            var callers = new SummaryCache<IParameterSymbol, string?>();
            start.RegisterOperationAction(c => AnalyzeLoop(c, llm, callers), OperationKind.Loop);
        }
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, SummaryCache<IParameterSymbol, string?> callers)
    {
        var loop = (ILoopOperation)context.Operation;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        var cancellationToken = context.CancellationToken;
        var streamLoop = llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, StreamShapes.Direct | StreamShapes.ParameterFed);
        if (streamLoop is { Kind: LlmStreamKind.Sdk, Source.Call: { } sdkCall } && SdkFamilies.Get(streamLoop.Family) is { WaitsForEndMarker: true } family)
        {
            if (!TokenHasDeadline(sdkCall, loop, llm))
            {
                // On the call when the loop's header makes it, else on the loop (a diagnostic stays within the loop it is about).
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.LLM406_StreamedBodyWithoutIdleTimeout,
                    StreamEnumeration.LoopLocation(loop, sdkCall),
                    Properties(options),
                    "'" + sdkCall.TargetMethod.Name + "' gets no token with a deadline: " + family.DisplayName + " waits for the end marker of a body that has ended, so a stream cut before it hangs forever, a core busy",
                    "update"));
            }

            return;
        }

        if (streamLoop is not { HandRolled: { } handRolled })
        {
            return;
        }

        var flow = llm.HttpClients.Responses;
        var call = flow.TraceLoopToCall(streamLoop, cancellationToken);
        if (call is not null && !(flow.IsGetStream(call) || flow.IsSend(call) && flow.BufferingOf(call) == BodyBuffering.HeadersRead))
        {
            return; // a buffered body is in memory already (LLM402)
        }

        IInvocationOperation? firstRead;
        if (handRolled.UsesSseParser && loop is IForEachLoopOperation forEach)
        {
            firstRead = HttpResponseFlow.SseEnumerateCall(forEach.Collection);
            if (firstRead is null || TokenReachesCollection(forEach.Collection, llm))
            {
                return;
            }
        }
        else
        {
            firstRead = handRolled.Reads.OrderBy(r => r.Syntax.SpanStart).FirstOrDefault();
            if (firstRead is null || handRolled.Reads.Any(read => TokenReachesRead(read, llm)))
            {
                return;
            }
        }

        if (UnblocksOnCancellation(loop))
        {
            return;
        }

        // A body the method does not send: a parser handed it, judged when every caller streams it unbounded. Else not judged.
        string? caller = null;
        if (call is null && (caller = StreamedByEveryCaller(streamLoop, llm, callers, cancellationToken)) is null)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM406_StreamedBodyWithoutIdleTimeout,
            StreamingResponseBufferedAnalyzer.NameLocation(firstRead),
            Properties(options),
            "The reads of " + (caller is null ? streamLoop.MessageName : "the model response '" + caller + "' hands in") + " get no cancellation token: after the headers nothing bounds the body, so a stalled stream hangs forever",
            "read"));
    }

    /// <summary>The idle timeout the fix writes: the larger of this rule's minimum and LLM404's, so that it is not reported by LLM404.</summary>
    private static ImmutableDictionary<string, string?> Properties(LlmOptions options)
    {
        var idle = Math.Max(options.MinTimeoutSeconds(DiagnosticIds.StreamedBodyWithoutIdleTimeout), options.MinTimeoutSeconds(DiagnosticIds.SdkTimeoutTooShort));
        return ImmutableDictionary<string, string?>.Empty.Add(IdleSecondsProperty, idle.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// True when the streaming call is given the token of a <c>CancellationTokenSource</c> of the method that has a timer:
    /// created with a delay (<c>new CancellationTokenSource(TimeSpan…)</c>) or armed with <c>CancelAfter</c> (an idle
    /// timeout, or a total deadline). A token from elsewhere (a parameter, a field) may have none: not enough.
    /// </summary>
    private static bool TokenHasDeadline(IInvocationOperation call, IOperation loop, LlmAnalysisContext llm)
    {
        var root = HttpClientRegistrations.Root(loop);
        foreach (var argument in llm.Cancellation.ExplicitTokenArguments(call))
        {
            if (argument.Value.WalkDownConversions() is not IPropertyReferenceOperation { Property.Name: "Token", Instance: { } instance }
                || !llm.Cancellation.IsTokenSource(instance.Type)
                || instance.WalkDownConversions() is not ILocalReferenceOperation { Local: var source })
            {
                continue;
            }

            foreach (var node in root.Descendants())
            {
                switch (node)
                {
                    case IInvocationOperation { TargetMethod.Name: "CancelAfter", Instance: { } armed } when armed.WalkDownConversions() is ILocalReferenceOperation armedLocal && SymbolEqualityComparer.Default.Equals(armedLocal.Local, source):
                    case IVariableDeclaratorOperation { Initializer.Value: var created } declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, source)
                        && created.WalkDownConversions() is IObjectCreationOperation { Arguments.Length: > 0 }:
                        return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>reader.ReadLineAsync(token)</c>, or <c>reader.ReadLineAsync().WaitAsync(token)</c>.</summary>
    private static bool TokenReachesRead(IInvocationOperation read, LlmAnalysisContext llm)
    {
        if (llm.Cancellation.PassesRealToken(read))
        {
            return true;
        }

        IOperation current = read;
        while (current.Parent is IConversionOperation)
        {
            current = current.Parent;
        }

        return current.Parent is IInvocationOperation { TargetMethod.Name: "WaitAsync" or "WithCancellation" } wrapper && llm.Cancellation.PassesRealToken(wrapper);
    }

    /// <summary><c>parser.EnumerateAsync(token)</c>, or <c>.WithCancellation(token)</c> on it.</summary>
    private static bool TokenReachesCollection(IOperation collection, LlmAnalysisContext llm)
    {
        foreach (var node in collection.DescendantsAndSelf())
        {
            if (node is IInvocationOperation { TargetMethod.Name: "EnumerateAsync" or "WithCancellation" } invocation && llm.Cancellation.PassesRealToken(invocation))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the method registers a callback on a token (<c>ct.Register(() => response.Dispose())</c>): disposing the
    /// response on cancellation unblocks the reads, so a token does reach them.
    /// </summary>
    private static bool UnblocksOnCancellation(IOperation loop)
    {
        foreach (var node in HttpClientRegistrations.Root(loop).Descendants())
        {
            if (node is IInvocationOperation { TargetMethod: { Name: "Register" or "UnsafeRegister" } method }
                && method.ContainingType is { Name: "CancellationToken" } type && type.IsInNamespace("System.Threading"))
            {
                return true;
            }
        }

        return false;
    }
}
