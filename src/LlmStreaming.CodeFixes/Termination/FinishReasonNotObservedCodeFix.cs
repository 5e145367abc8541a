using System;
using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// LLM203: captures the finish (stop, done) reason across the updates of an SDK stream and, after the loop, throws an
/// <see cref="System.IO.IOException"/> when there is none (the stream was cut off) and an
/// <see cref="InvalidOperationException"/> when the model stopped at the token limit or the content filter.
/// For <c>ToChatResponseAsync</c> assigned to a local, the same checks follow the assignment. Hand-rolled loops: see
/// the other part of this class (FinishReasonNotObservedCodeFix.HandRolled.cs).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FinishReasonNotObservedCodeFix)), Shared]
public sealed partial class FinishReasonNotObservedCodeFix : TerminationCodeFix
{
    public const string Key = "LLM203.CheckFinishReason";

    private const string CutOff = "the answer was cut off.";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.FinishReasonNotObserved);

    private protected override string Title => "Check the finish reason after the stream";

    private protected override string EquivalenceKey => Key;

    private protected override async Task<Document?> TryFixAsync(Document document, SyntaxNode root, SemanticModel model, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (nodes.Length < 1)
        {
            return null;
        }

        var context = new FixContext(document, root, model, cancellationToken);
        diagnostic.Properties.TryGetValue(FinishReasonNotObservedAnalyzer.ShapeProperty, out var shape);
        if (shape == FinishReasonNotObservedAnalyzer.ShapeHandRolled)
        {
            return diagnostic.Properties.TryGetValue(FinishReasonNotObservedAnalyzer.ProtocolProperty, out var protocolText) && Enum.TryParse<HandRolledProtocol>(protocolText, out var protocol)
                ? FixHandRolled(context, nodes, protocol)
                : null;
        }

        if (!diagnostic.Properties.TryGetValue(FinishReasonNotObservedAnalyzer.KindProperty, out var kindText) || !Enum.TryParse<FinishSignalKind>(kindText, out var kind))
        {
            return null;
        }

        if (shape == FinishReasonNotObservedAnalyzer.ShapeAggregation)
        {
            return FixAggregation(context, nodes[0]);
        }

        return nodes[0] is ForEachStatementSyntax loop ? FixLoop(context, loop, kind) : null;
    }

    private sealed class FixContext
    {
        public FixContext(Document document, SyntaxNode root, SemanticModel model, CancellationToken cancellationToken)
        {
            Document = document;
            Root = root;
            Model = model;
            CancellationToken = cancellationToken;
            Generator = SyntaxGenerator.GetGenerator(document);
            IOException = model.Compilation.GetTypeByMetadataName("System.IO.IOException");
            InvalidOperationException = model.Compilation.GetTypeByMetadataName("System.InvalidOperationException");
        }

        public Document Document { get; }
        public SyntaxNode Root { get; }
        public SemanticModel Model { get; }
        public CancellationToken CancellationToken { get; }
        public SyntaxGenerator Generator { get; }
        public INamedTypeSymbol? IOException { get; }
        public INamedTypeSymbol? InvalidOperationException { get; }
        public HashSet<string> Taken { get; } = new();

        /// <summary>The accumulated text of the loop being fixed, which its checks' exceptions carry; null when there is none.</summary>
        public string? Partial { get; set; }
    }

    /// <summary>The statements one fix writes: before the loop, first in its body, after it.</summary>
    private sealed class Plan
    {
        public List<string> Before { get; } = new();
        public List<string> Capture { get; } = new();
        public List<string> After { get; } = new();
        public Dictionary<string, ITypeSymbol> Types { get; } = new();
    }

    private static Document? FixLoop(FixContext context, ForEachStatementSyntax loop, FinishSignalKind kind)
    {
        var model = context.Model;
        var element = model.GetForEachStatementInfo(loop).ElementType;
        if (element is null || context.IOException is null || context.InvalidOperationException is null)
        {
            return null;
        }

        context.Partial = PartialOf(context, loop);
        var plan = new Plan();
        plan.Types["IOException"] = context.IOException;
        plan.Types["InvalidOperationException"] = context.InvalidOperationException;
        var update = loop.Identifier.ValueText;

        // The other families' checks use C# 9 patterns (`is { } x`, `is not null`, `or`); below C# 9 the fix is not offered
        // for them rather than written in a syntax the project does not compile.
        var csharp9 = loop.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp9 };
        var ok = kind switch
        {
            FinishSignalKind.OpenAIChat or FinishSignalKind.ExtensionsAI or FinishSignalKind.AgentFramework or FinishSignalKind.AzureAIInference
                => PlanFinishReasonProperty(context, loop, element, update, plan, CutValues(kind)),
            _ when !csharp9 => false,
            FinishSignalKind.SemanticKernel => PlanSemanticKernel(context, loop, update, plan),
            FinishSignalKind.Anthropic => PlanAnthropic(context, loop, element, update, plan),
            FinishSignalKind.Ollama => PlanOllama(context, loop, element, update, plan),
            FinishSignalKind.Betalgo => PlanBetalgo(context, loop, update, plan),
            FinishSignalKind.OpenAIResponses => PlanResponses(context, loop, element, update, plan),
            _ => false,
        };

        if (!ok)
        {
            return null;
        }

        var generator = context.Generator;
        var capture = plan.Capture.Select(t => TerminationSyntax.Statement(t, generator, loop, plan.Types, model)).ToList();
        var before = plan.Before.Select(t => TerminationSyntax.Statement(t, generator, loop, plan.Types, model)).ToList();
        var after = plan.After.Select(t => TerminationSyntax.Statement(t, generator, loop, plan.Types, model)).ToList();

        var newBody = loop.Statement is BlockSyntax block
            ? block.WithStatements(block.Statements.InsertRange(0, capture))
            : SyntaxFactory.Block(capture.Append(loop.Statement.WithoutTrivia())).WithTriviaFrom(loop.Statement).WithAdditionalAnnotations(Formatter.Annotation);

        var tracked = context.Root.TrackNodes(loop);
        tracked = tracked.ReplaceNode(tracked.GetCurrentNode(loop)!.Statement, newBody);
        var newRoot = TerminationSyntax.InsertAround(tracked, tracked.GetCurrentNode(loop)!, before, after);
        return newRoot is null ? null : context.Document.WithSyntaxRoot(newRoot);
    }

    private static string Name(FixContext context, SyntaxNode at, string baseName)
        => Names.FreeInFunction(context.Model, at, baseName, context.Taken);

    /// <summary>
    /// The throw of a check. Where the loop accumulates the text (see <see cref="FixContext.Partial"/>), the exception
    /// carries it (<c>Data["PartialOutput"]</c>), as LLM301 asks of a thrown exception: a length stop is not retried, so the
    /// text is all the caller gets, and a retry loop of the code's own lets the exception leave as it is.
    /// </summary>
    private static string Throw(FixContext context, string type, string message)
        => "{\n    throw new " + type + "(" + message + ")"
            + (context.Partial is null ? string.Empty : " { Data = { [\"" + CatchRethrow.DataKey + "\"] = " + context.Partial + " } }")
            + ";\n}";

    /// <summary>The text <paramref name="loop"/> accumulates, as an expression readable after it (null when it keeps none).</summary>
    private static string? PartialOf(FixContext context, StatementSyntax loop)
    {
        var model = context.Model;
        if (model.GetOperation(loop, context.CancellationToken) is not ILoopOperation operation
            || LlmAnalysisContext.Get(model.Compilation) is not { } llm)
        {
            return null;
        }

        var options = llm.GetOptions(loop.SyntaxTree, context.Document.Project.AnalyzerOptions);
        return llm.Streams.TryGetStreamLoop(operation, options, context.CancellationToken) is { } stream
            && PartialText.TextAccumulator(stream, llm.Types) is { } accumulator
            ? PartialText.Of(accumulator)?.ToString()
            : null;
    }

    /// <summary>The values of the family's finish reason that mean a cut answer (<see cref="FinishSignalSpec.CutValues"/>).</summary>
    private static ImmutableArray<string> CutValues(FinishSignalKind kind)
        => SdkFamilies.FinishSignal(kind)?.CutValues ?? ImmutableArray<string>.Empty;

    /// <summary>
    /// A nullable <c>FinishReason</c> on the update: OpenAI <c>ChatFinishReason?</c> (an enum), MEAI's and Agent Framework's
    /// <c>ChatFinishReason?</c> and Azure AI Inference's <c>CompletionsFinishReason?</c> (structs with <c>==</c>).
    /// </summary>
    private static bool PlanFinishReasonProperty(FixContext context, SyntaxNode at, ITypeSymbol element, string update, Plan plan, ImmutableArray<string> cutValues)
    {
        if (FindProperty(element, "FinishReason")?.Type is not INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            || nullable.TypeArguments[0] is not INamedTypeSymbol reasonType
            || cutValues.IsDefaultOrEmpty
            || !cutValues.All(value => HasMember(reasonType, value)))
        {
            return false;
        }

        plan.Types["ChatFinishReason"] = reasonType;
        var reason = Name(context, at, "finishReason");
        plan.Before.Add("ChatFinishReason? " + reason + " = null;");
        plan.Capture.Add(at.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 }
            ? reason + " ??= " + update + ".FinishReason;"
            : "if (" + reason + " == null)\n{\n    " + reason + " = " + update + ".FinishReason;\n}"); // C# 7.3 has no ??=
        plan.After.Add("if (" + reason + " is null)\n" + Throw(context, "IOException", "\"The model stream ended without a finish reason: " + CutOff + "\""));
        plan.After.Add("if (" + string.Join(" || ", cutValues.Select(value => reason + " == ChatFinishReason." + value)) + ")\n"
            + Throw(context, "InvalidOperationException", "$\"The model stopped before the end of the answer (finish reason: {" + reason + "}).\""));
        return true;
    }

    /// <summary>Semantic Kernel: the connectors put the finish reason in <c>Metadata["FinishReason"]</c> (OpenAI and Azure OpenAI: "Length", "ContentFilter").</summary>
    private static bool PlanSemanticKernel(FixContext context, SyntaxNode at, string update, Plan plan)
    {
        var reason = Name(context, at, "finishReason");
        var metadata = Name(context, at, "metadata");
        var value = Name(context, at, "reason");
        plan.Before.Add("object? " + reason + " = null;");
        plan.Capture.Add("if (" + update + ".Metadata is { } " + metadata + " && " + metadata + ".TryGetValue(\"FinishReason\", out var " + value + ") && " + value + " is not null)\n{\n    " + reason + " = " + value + ";\n}");
        plan.After.Add("if (" + reason + " is null)\n" + Throw(context, "IOException", "\"The model stream ended without a finish reason: " + CutOff + "\""));
        plan.After.Add("if (" + reason + ".ToString() is \"Length\" or \"ContentFilter\")\n"
            + Throw(context, "InvalidOperationException", "$\"The model stopped before the end of the answer (finish reason: {" + reason + "}).\""));
        return true;
    }

    /// <summary>Anthropic: the <c>message_delta</c> event carries <c>Delta.StopReason</c>; none means the stream was cut off.</summary>
    private static bool PlanAnthropic(FixContext context, SyntaxNode at, ITypeSymbol element, string update, Plan plan)
    {
        var tryPickDelta = element.GetMembers("TryPickDelta").OfType<IMethodSymbol>().FirstOrDefault(m => m.Parameters.Length == 1 && m.Parameters[0].RefKind == RefKind.Out);
        var deltaEvent = tryPickDelta?.Parameters[0].Type;
        var stopReasonType = FindProperty(FindProperty(deltaEvent, "Delta")?.Type, "StopReason")?.Type as INamedTypeSymbol;
        if (stopReasonType is null || stopReasonType.TypeArguments.Length != 2 || stopReasonType.TypeArguments[1] is not INamedTypeSymbol { TypeKind: TypeKind.Enum } stopEnum)
        {
            return false;
        }

        var truncating = new[] { "MaxTokens", "ModelContextWindowExceeded", "Refusal" }.Where(n => HasMember(stopEnum, n)).ToList();
        if (truncating.Count == 0)
        {
            return false;
        }

        plan.Types["StopReasonValue"] = stopReasonType.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        plan.Types["StopReason"] = stopEnum;
        var reason = Name(context, at, "stopReason");
        var delta = Name(context, at, "messageDelta");
        var value = Name(context, at, "reason");
        plan.Before.Add("StopReasonValue? " + reason + " = null;");
        plan.Capture.Add("if (" + update + ".TryPickDelta(out var " + delta + ") && " + delta + ".Delta.StopReason is { } " + value + ")\n{\n    " + reason + " = " + value + ";\n}");
        plan.After.Add("if (" + reason + " is null)\n" + Throw(context, "IOException", "\"The model stream ended without a stop reason: " + CutOff + "\""));
        plan.After.Add("if (" + string.Join(" || ", truncating.Select(t => reason + " == StopReason." + t)) + ")\n"
            + Throw(context, "InvalidOperationException", "$\"The model stopped before the end of the answer (stop reason: {" + reason + "}).\""));
        return true;
    }

    /// <summary>OllamaSharp: the final chunk has <c>Done == true</c> and is a <c>…DoneResponseStream</c> with <c>DoneReason</c> ("stop", "length").</summary>
    private static bool PlanOllama(FixContext context, SyntaxNode at, ITypeSymbol element, string update, Plan plan)
    {
        var named = element as INamedTypeSymbol;
        var doneTypeName = named?.Name.Replace("ResponseStream", "DoneResponseStream");
        var doneType = named?.ContainingNamespace?.GetTypeMembers(doneTypeName ?? string.Empty).FirstOrDefault();
        if (FindProperty(element, "Done") is null || doneType is null || FindProperty(doneType, "DoneReason") is null)
        {
            return false;
        }

        plan.Types["DoneResponseStream"] = doneType;
        var reason = Name(context, at, "doneReason");
        plan.Before.Add("string? " + reason + " = null;");
        plan.Capture.Add("if (" + update + "?.Done == true)\n{\n    " + reason + " = (" + update + " as DoneResponseStream)?.DoneReason ?? \"stop\";\n}");
        plan.After.Add("if (" + reason + " is null)\n" + Throw(context, "IOException", "\"The model stream ended before its final 'done' chunk: " + CutOff + "\""));
        plan.After.Add("if (" + reason + " == \"length\")\n"
            + Throw(context, "InvalidOperationException", "$\"The model stopped before the end of the answer (done reason: {" + reason + "}).\""));
        return true;
    }

    /// <summary>Betalgo.Ranul.OpenAI: <c>Choices[0].FinishReason</c> ("stop", "length", "content_filter").</summary>
    private static bool PlanBetalgo(FixContext context, SyntaxNode at, string update, Plan plan)
    {
        var reason = Name(context, at, "finishReason");
        var choices = Name(context, at, "choices");
        var value = Name(context, at, "reason");
        plan.Before.Add("string? " + reason + " = null;");
        plan.Capture.Add("if (" + update + ".Choices is { Count: > 0 } " + choices + " && " + choices + "[0].FinishReason is { } " + value + ")\n{\n    " + reason + " = " + value + ";\n}");
        plan.After.Add("if (" + reason + " is null)\n" + Throw(context, "IOException", "\"The model stream ended without a finish reason: " + CutOff + "\""));
        plan.After.Add("if (" + reason + " == \"length\" || " + reason + " == \"content_filter\")\n"
            + Throw(context, "InvalidOperationException", "$\"The model stopped before the end of the answer (finish reason: {" + reason + "}).\""));
        return true;
    }

    /// <summary>OpenAI Responses: the stream ends with <c>response.completed</c> or <c>response.incomplete</c> (token limit, content filter).</summary>
    private static bool PlanResponses(FixContext context, SyntaxNode at, ITypeSymbol element, string update, Plan plan)
    {
        var compilation = context.Model.Compilation;
        var completed = compilation.GetTypeByMetadataName("OpenAI.Responses.StreamingResponseCompletedUpdate");
        var incomplete = compilation.GetTypeByMetadataName("OpenAI.Responses.StreamingResponseIncompleteUpdate");
        var baseUpdate = compilation.GetTypeByMetadataName("OpenAI.Responses.StreamingResponseUpdate");
        if (completed is null || incomplete is null || baseUpdate is null || FindProperty(FindProperty(incomplete, "Response")?.Type, "IncompleteStatusDetails") is null)
        {
            return false;
        }

        plan.Types["StreamingResponseUpdate"] = baseUpdate;
        plan.Types["StreamingResponseCompletedUpdate"] = completed;
        plan.Types["StreamingResponseIncompleteUpdate"] = incomplete;
        var terminal = Name(context, at, "terminalUpdate");
        var incompleteName = Name(context, at, "incomplete");
        plan.Before.Add("StreamingResponseUpdate? " + terminal + " = null;");
        plan.Capture.Add("if (" + update + " is StreamingResponseCompletedUpdate or StreamingResponseIncompleteUpdate)\n{\n    " + terminal + " = " + update + ";\n}");
        plan.After.Add("if (" + terminal + " is null)\n" + Throw(context, "IOException", "\"The model stream ended before response.completed: " + CutOff + "\""));
        plan.After.Add("if (" + terminal + " is StreamingResponseIncompleteUpdate " + incompleteName + ")\n"
            + Throw(context, "InvalidOperationException", "$\"The model stopped before the end of the answer ({" + incompleteName + ".Response.IncompleteStatusDetails?.Reason}).\""));
        return true;
    }

    /// <summary><c>var response = await updates.ToChatResponseAsync();</c>: check <c>response.FinishReason</c> right after.</summary>
    private static Document? FixAggregation(FixContext context, SyntaxNode name)
    {
        var invocation = name.FirstAncestorOrSelf<InvocationExpressionSyntax>();
        var statement = invocation?.FirstAncestorOrSelf<StatementSyntax>();
        string? variable = statement switch
        {
            LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } declaration
                when declaration.Declaration.Variables[0].Initializer?.Value is { } value && TerminationSyntax.Unwrap(value) == invocation => declaration.Declaration.Variables[0].Identifier.ValueText,
            ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } assignment }
                when TerminationSyntax.Unwrap(assignment.Right) == invocation => target.Identifier.ValueText,
            _ => null,
        };

        if (variable is null || statement is null || invocation is null || context.IOException is null || context.InvalidOperationException is null)
        {
            return null;
        }

        var resultType = context.Model.GetTypeInfo(invocation, context.CancellationToken).Type is INamedTypeSymbol { TypeArguments.Length: 1 } task ? task.TypeArguments[0] : null;
        if (FindProperty(resultType, "FinishReason")?.Type is not INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            || nullable.TypeArguments[0] is not INamedTypeSymbol reasonType
            || !HasMember(reasonType, "Length") || !HasMember(reasonType, "ContentFilter"))
        {
            return null;
        }

        var types = new Dictionary<string, ITypeSymbol>
        {
            ["IOException"] = context.IOException,
            ["InvalidOperationException"] = context.InvalidOperationException,
            ["ChatFinishReason"] = reasonType,
        };

        var reason = variable + ".FinishReason";
        var after = new List<StatementSyntax>
        {
            TerminationSyntax.Statement("if (" + reason + " is null)\n" + Throw(context, "IOException", "\"The model stream ended without a finish reason: " + CutOff + "\""), context.Generator, statement, types, context.Model),
            TerminationSyntax.Statement(
                "if (" + reason + " == ChatFinishReason.Length || " + reason + " == ChatFinishReason.ContentFilter)\n"
                    + Throw(context, "InvalidOperationException", "$\"The model stopped before the end of the answer (finish reason: {" + reason + "}).\""),
                context.Generator,
                statement,
                types,
                context.Model),
        };

        var newRoot = TerminationSyntax.InsertAround(context.Root, statement, Array.Empty<StatementSyntax>(), after);
        return newRoot is null ? null : context.Document.WithSyntaxRoot(newRoot);
    }

    private static IPropertySymbol? FindProperty(ITypeSymbol? type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.GetMembers(name).OfType<IPropertySymbol>().FirstOrDefault() is { } property)
            {
                return property;
            }
        }

        return null;
    }

    private static bool HasMember(ITypeSymbol type, string name) => !type.GetMembers(name).IsEmpty;
}
