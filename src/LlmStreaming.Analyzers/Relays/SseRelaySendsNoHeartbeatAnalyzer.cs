using System.Globalization;
using System.Text.RegularExpressions;
using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Relays;

/// <summary>
/// LLM504: a relay writes server-sent events to its <c>HttpResponse</c> only when the model stream yields (the loop's
/// writes carry a <c>data:</c> field), and nothing in the relay writes a comment or a ping, runs a timer or calls a
/// heartbeat helper. The diagnostic is on the loop's keyword.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SseRelaySendsNoHeartbeatAnalyzer : LlmAnalyzer
{
    /// <summary>The heartbeat interval in seconds (<c>llm_streaming.heartbeat_seconds</c>).</summary>
    internal const string IntervalProperty = "Interval";

    /// <summary>The <c>HttpResponse</c> the loop writes its events to, as code; absent when the fix cannot write there.</summary>
    internal const string TargetProperty = "Target";

    private const string DataField = "data:";

    /// <summary>A heartbeat in a written constant: <c>: keep-alive</c>, <c>event: ping</c>, <c>heartbeat</c> (not "typing").</summary>
    private static readonly Regex HeartbeatText = new(@"heart-?beat|keep-?alive|\bping\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>A heartbeat in a called method's or its type's name: <c>SendHeartbeatAsync</c>, <c>KeepAlive</c>, <c>PingAsync</c>, <c>Heartbeats.Start</c> (not <c>Mapping</c>).</summary>
    private static readonly Regex HeartbeatName = new(@"(?i:heartbeat|keepalive)|Ping(?![a-z])", RegexOptions.CultureInvariant);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM504_SseRelaySendsNoHeartbeat);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Relays is { } relays)
        {
            start.RegisterOperationAction(c => AnalyzeLoop(c, llm, relays), OperationKind.Loop);
        }
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, RelayRecognizer relays)
    {
        var loop = (ILoopOperation)context.Operation;
        var cancellationToken = context.CancellationToken;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        if (llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, RelayLoops.Shapes) is not { } streamLoop
            || relays.TryGetRelay(streamLoop, cancellationToken) is not { Kind: not RelayKind.Hub } relay
            || SseWrite(streamLoop, relays) is not { } write
            || Function(loop, relay) is not { } function
            || HasHeartbeat(function, relays))
        {
            return;
        }

        var interval = options.HeartbeatSeconds.ToString(CultureInfo.InvariantCulture);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(IntervalProperty, interval);
        if (FixTarget(loop, write, relays) is { } target)
        {
            properties = properties.Add(TargetProperty, target);
        }

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.LLM504_SseRelaySendsNoHeartbeat, TerminationFacts.LoopKeywordLocation(loop), properties, relay.KindName, streamLoop.MessageName, interval));
    }

    /// <summary>A write to the response in the loop whose text has a <c>data:</c> field: the relay speaks SSE (NDJSON and plain text are left alone).</summary>
    private static IInvocationOperation? SseWrite(LlmStreamLoop streamLoop, RelayRecognizer relays)
    {
        foreach (var node in streamLoop.Body.DescendantsAndSelf())
        {
            if (node is IInvocationOperation write && relays.IsResponseWrite(write)
                && write.Arguments.Any(a => a.Value.DescendantsAndSelf().Any(n => n.ConstantValue is { HasValue: true, Value: string text } && text.Contains(DataField))))
            {
                return write;
            }
        }

        return null;
    }

    /// <summary>The relay function around the loop: the operation whose syntax the recognizer found the relay on.</summary>
    private static IOperation? Function(IOperation loop, Relay relay)
    {
        for (IOperation? current = loop; current is not null; current = current.Parent)
        {
            if (current.Syntax == relay.Function)
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>
    /// Anything in the relay (its lambdas included, a timer's callback) that keeps the connection busy: a response write of
    /// an SSE comment (a line starting with a colon) or of a ping, a timer (<c>PeriodicTimer</c>, <c>System.Threading.Timer</c>,
    /// <c>System.Timers.Timer</c>), or a call of a method named for a heartbeat (<c>SendHeartbeatAsync</c>, <c>KeepAlive</c>, <c>PingAsync</c>).
    /// </summary>
    private static bool HasHeartbeat(IOperation function, RelayRecognizer relays)
    {
        foreach (var node in function.DescendantsAndSelf())
        {
            switch (node)
            {
                case IObjectCreationOperation creation when IsTimer(creation.Type):
                    return true;

                case IInvocationOperation invocation:
                    if (IsTimer(invocation.TargetMethod.ContainingType)
                        || HeartbeatName.IsMatch(invocation.TargetMethod.Name) || HeartbeatName.IsMatch(invocation.TargetMethod.ContainingType.Name))
                    {
                        return true;
                    }

                    if (relays.IsResponseWrite(invocation) && invocation.Arguments.Any(a => a.Value.DescendantsAndSelf().Any(IsCommentOrPing)))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    private static bool IsTimer(ITypeSymbol? type)
        => type is INamedTypeSymbol { Name: "PeriodicTimer" or "Timer" } named
            && (named.ContainingNamespace.Is("System.Threading") || named.ContainingNamespace.Is("System.Timers"));

    /// <summary>A constant that is (or has a line that is) an SSE comment, or that names a ping or heartbeat event.</summary>
    private static bool IsCommentOrPing(IOperation operation)
        => operation.ConstantValue is { HasValue: true, Value: string text }
            && (text.StartsWith(":", StringComparison.Ordinal) || text.Contains("\n:") || HeartbeatText.IsMatch(text));

    /// <summary>
    /// The response the fix writes its heartbeat to: the <c>HttpResponse</c> of an <c>await foreach</c> loop's
    /// <c>response.WriteAsync(text)</c>, as a name or a member access, when the loop stands in a block. Null otherwise
    /// (a write through the body stream or a writer would interleave with the heartbeat's).
    /// </summary>
    private static string? FixTarget(ILoopOperation loop, IInvocationOperation write, RelayRecognizer relays)
    {
        if (loop is not IForEachLoopOperation { IsAsynchronous: true } || loop.Syntax.Parent is not BlockSyntax
            || write.TargetMethod is not { Name: "WriteAsync", IsExtensionMethod: true } || write.Arguments.Length == 0)
        {
            return null;
        }

        var response = write.Arguments[0].Value.WalkDownConversions();
        return response.Type.IsOrInheritsFrom(relays.HttpResponse) && response.Syntax is IdentifierNameSyntax or MemberAccessExpressionSyntax
            ? response.Syntax.ToString()
            : null;
    }
}
