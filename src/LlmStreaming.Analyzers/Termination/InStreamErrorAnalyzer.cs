using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using LlmStreaming.Analyzers.Recognition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.Analyzers.Termination;

/// <summary>
/// LLM205: a hand-rolled model stream loop parses every event as an update without checking for an error payload
/// (<c>{"error": …}</c>, <c>event: error</c>), or a Betalgo stream loop never reads <c>Successful</c>/<c>Error</c>
/// (Betalgo yields HTTP and stream errors as items instead of throwing).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InStreamErrorAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Property handed to the fix: "HandRolled" or "Betalgo".</summary>
    internal const string ShapeProperty = "Shape";

    internal const string ShapeHandRolled = "HandRolled";
    internal const string ShapeBetalgo = "Betalgo";

    private static readonly ImmutableHashSet<string> BetalgoErrorMembers = ImmutableHashSet.Create("Successful", "Error");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM205_InStreamErrorIgnored);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        LlmAnalyzerSetup.RegisterCompilationStart(context, static (start, llm) =>
        {
            var signals = new FinishSignals(start.Compilation, llm.Streams);
            start.RegisterOperationAction(c => AnalyzeLoop(c, llm, signals), OperationKind.Loop);
        });
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, LlmAnalysisContext llm, FinishSignals signals)
    {
        var loop = (ILoopOperation)context.Operation;
        var options = llm.GetOptions(loop.Syntax.SyntaxTree, context.Options);
        var stream = llm.Streams.TryGetStreamLoop(loop, options, context.CancellationToken);
        if (stream is null)
        {
            return;
        }

        if (stream.HandRolled is not null)
        {
            AnalyzeHandRolled(context, stream);
        }
        else if (stream.Kind == LlmStreamKind.Sdk && signals.IsBetalgo(stream.ElementType) && stream.IterationVariable is not null)
        {
            AnalyzeBetalgo(context, stream, signals);
        }
    }

    private static void AnalyzeHandRolled(OperationAnalysisContext context, LlmStreamLoop stream)
    {
        var payloadLocals = TerminationFacts.PayloadLocals(stream);
        if (TerminationFacts.FirstPayloadParse(stream, payloadLocals) is not var (parse, payload))
        {
            return;
        }

        if (ChecksError(stream.Loop, payloadLocals, context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM205_InStreamErrorIgnored,
            parse.Syntax.GetLocation(),
            additionalLocations: new[] { payload.Value.Syntax.GetLocation(), stream.Loop.Syntax.GetLocation() },
            properties: ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, ShapeHandRolled),
            "Each event of " + stream.DisplayName + " is parsed by '" + TerminationFacts.DisplayName(parse) + "'",
            "providers report failures that happen after the response started (overloaded, server error, rate limit) inside the 200 stream, as an 'error' object or an 'event: error', which parses as an empty update"));
    }

    private static void AnalyzeBetalgo(OperationAnalysisContext context, LlmStreamLoop stream, FinishSignals signals)
    {
        foreach (var node in stream.Body.DescendantsAndSelf())
        {
            if (node is IPropertyReferenceOperation property && BetalgoErrorMembers.Contains(property.Property.Name))
            {
                return;
            }
        }

        if (signals.UpdateEscapes(stream, BetalgoErrorMembers, context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM205_InStreamErrorIgnored,
            TerminationFacts.LoopKeywordLocation(stream.Loop),
            additionalLocations: null,
            properties: ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, ShapeBetalgo),
            "The enumeration of '" + stream.DisplayName + "' never reads Successful or Error",
            "Betalgo yields HTTP and in-stream errors as items with Successful == false instead of throwing, so this loop treats a failed request as an empty answer"));
    }

    /// <summary>
    /// True when the loop looks for an error anywhere (lambdas included): a literal mentioning "error"
    /// (<c>TryGetProperty("error", …)</c>, <c>EventType == "error"</c>), a member whose name mentions it
    /// (<c>chunk.Error</c>), a test of an error type, or a source helper given the payload whose code mentions it.
    /// </summary>
    private static bool ChecksError(ILoopOperation loop, ICollection<ILocalSymbol> payloadLocals, CancellationToken cancellationToken)
    {
        foreach (var node in loop.DescendantsAndSelf())
        {
            switch (node)
            {
                case { ConstantValue: { HasValue: true, Value: string text } } when Mentions(text):
                case IPropertyReferenceOperation property when Mentions(property.Property.Name):
                case IFieldReferenceOperation field when Mentions(field.Field.Name):
                case IIsTypeOperation isType when Mentions(isType.TypeOperand.Name):
                case IPatternOperation pattern when Mentions(pattern.NarrowedType.Name):
                    return true;

                case IInvocationOperation invocation when TerminationFacts.IsInSource(invocation.TargetMethod):
                    foreach (var argument in invocation.Arguments)
                    {
                        if (TerminationFacts.ReadsAny(argument.Value, payloadLocals) || IsParseResult(argument.Value))
                        {
                            if (TerminationFacts.SourceBodyMentions(invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod, Mentions, cancellationToken))
                            {
                                return true;
                            }
                        }
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>A local whose value came from parsing (a chunk DTO, a JsonDocument): helpers often get the parsed update.</summary>
    private static bool IsParseResult(IOperation value) => value.WalkDownConversions() is ILocalReferenceOperation;

    private static bool Mentions(string text) => text.IndexOf("error", StringComparison.OrdinalIgnoreCase) >= 0;
}
