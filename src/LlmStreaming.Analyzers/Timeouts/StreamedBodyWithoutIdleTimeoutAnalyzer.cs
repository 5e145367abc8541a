using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM406: a hand-rolled stream loop over a <c>ResponseHeadersRead</c> body (or <c>GetStreamAsync</c>) whose reads get no
/// cancellation token (or only <c>CancellationToken.None</c>): nothing bounds a stalled stream.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StreamedBodyWithoutIdleTimeoutAnalyzer : LlmAnalyzer
{
    /// <summary>The idle timeout the fix uses, in seconds: the larger of this rule's and LLM404's minimum, so that the fix does not trip LLM404.</summary>
    internal const string IdleSecondsProperty = "IdleSeconds";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM406_StreamedBodyWithoutIdleTimeout);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Types.HttpClient is not null && llm.Types.CancellationToken is not null)
        {
            start.RegisterOperationAction(c => AnalyzeLoop(c, llm), OperationKind.Loop);
        }
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var loop = (ILoopOperation)context.Operation;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        var cancellationToken = context.CancellationToken;
        if (llm.Streams.TryGetStreamLoop(loop, options, cancellationToken) is not { HandRolled: { } handRolled } streamLoop)
        {
            return;
        }

        var flow = llm.HttpClients.Responses;
        var call = flow.TraceLoopToCall(streamLoop, cancellationToken);
        if (call is null || !(flow.IsGetStream(call) || flow.IsSend(call) && flow.BufferingOf(call) == BodyBuffering.HeadersRead))
        {
            return; // a buffered body is in memory already (LLM402); an unknown one is not judged
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

        var idle = Math.Max(options.MinTimeoutSeconds(DiagnosticIds.StreamedBodyWithoutIdleTimeout), options.MinTimeoutSeconds(DiagnosticIds.SdkTimeoutTooShort));
        var properties = ImmutableDictionary<string, string?>.Empty.Add(IdleSecondsProperty, idle.ToString(CultureInfo.InvariantCulture));
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM406_StreamedBodyWithoutIdleTimeout,
            StreamingResponseBufferedAnalyzer.NameLocation(firstRead),
            properties,
            streamLoop.MessageName));
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
