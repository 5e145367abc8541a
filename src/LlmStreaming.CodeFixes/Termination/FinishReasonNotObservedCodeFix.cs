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

    /// <summary>The check after the loop when the stream ended with no finish reason (<c>finishReason</c>: the captured reason).</summary>
    private const string NoFinishReason = """
        if (finishReason is null)
        {
            throw new IOException("The model stream ended without a finish reason: the answer was cut off.");
        }
        """;

    /// <summary>The check after the loop for a truncating finish reason (<c>cut</c>: the condition, <c>finishReason</c>: the reason).</summary>
    private const string FinishReasonCut = """
        if (cut)
        {
            throw new InvalidOperationException($"The model stopped before the end of the answer (finish reason: {finishReason}).");
        }
        """;

    /// <summary>As <see cref="FinishReasonCut"/>, for a protocol that calls it a stop reason (<c>stopReason</c>).</summary>
    private const string StopReasonCut = """
        if (cut)
        {
            throw new InvalidOperationException($"The model stopped before the end of the answer (stop reason: {stopReason}).");
        }
        """;

    /// <summary>As <see cref="FinishReasonCut"/>, for a protocol that calls it a done reason (<c>doneReason</c>).</summary>
    private const string DoneReasonCut = """
        if (cut)
        {
            throw new InvalidOperationException($"The model stopped before the end of the answer (done reason: {doneReason}).");
        }
        """;

    /// <summary>The shape of the initializer that hands the accumulated text over with a check's exception (<see cref="CarryingPartial"/>).</summary>
    private const string PartialCarrier = "new Exception() { Data = { [dataKey] = partial } }";

    /// <summary>The <c>||</c> between the comparisons of a truncating-value check, spaced as written by hand.</summary>
    private static readonly SyntaxToken OrOperator = SyntaxFactory.Token(SyntaxFactory.TriviaList(SyntaxFactory.Space), SyntaxKind.BarBarToken, SyntaxFactory.TriviaList(SyntaxFactory.Space));

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
        public ExpressionSyntax? Partial { get; set; }
    }

    /// <summary>
    /// The statements one fix writes, as constant templates: before the loop, first in its body, after it; and the slots
    /// they share (the loop's variable as <c>update</c>, the names the fix chose, the types).
    /// </summary>
    private sealed class Plan
    {
        public List<string> Before { get; } = new();
        public List<string> Capture { get; } = new();
        public List<string> After { get; } = new();
        public TemplateSlots Slots { get; } = new();
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
        plan.Slots
            .Expression("update", SyntaxFactory.IdentifierName(TemplateSlots.Identifier(loop.Identifier.ValueText)))
            .Type("IOException", context.IOException, model, loop)
            .Type("InvalidOperationException", context.InvalidOperationException, model, loop);

        // The other families' checks use C# 9 patterns (`is { } x`, `is not null`, `or`); below C# 9 the fix is not offered
        // for them rather than written in a syntax the project does not compile.
        var csharp9 = loop.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp9 };
        var ok = kind switch
        {
            FinishSignalKind.OpenAIChat or FinishSignalKind.ExtensionsAI or FinishSignalKind.AgentFramework or FinishSignalKind.AzureAIInference
                => PlanFinishReasonProperty(context, loop, element, plan, CutValues(kind)),
            _ when !csharp9 => false,
            FinishSignalKind.SemanticKernel => PlanSemanticKernel(context, loop, plan),
            FinishSignalKind.Anthropic => PlanAnthropic(context, loop, element, plan),
            FinishSignalKind.Ollama => PlanOllama(context, loop, element, plan),
            FinishSignalKind.Betalgo => PlanBetalgo(context, loop, plan),
            FinishSignalKind.OpenAIResponses => PlanResponses(context, loop, plan),
            _ => false,
        };

        if (!ok)
        {
            return null;
        }

        var generator = context.Generator;
        var capture = plan.Capture.Select(t => TerminationSyntax.Statement(t, generator, loop, plan.Slots)).ToList();
        var before = plan.Before.Select(t => TerminationSyntax.Statement(t, generator, loop, plan.Slots)).ToList();
        var after = plan.After.Select(t => CarryingPartial(context, TerminationSyntax.Statement(t, generator, loop, plan.Slots))).ToList();

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
    /// <paramref name="check"/> whose exceptions carry the text the loop accumulated (see <see cref="FixContext.Partial"/>):
    /// each <c>throw new …(…)</c> gets <c>{ Data = { ["PartialOutput"] = … } }</c>, as LLM301 asks of a thrown
    /// exception: a length stop is not retried, so the text is all the caller gets, and a retry loop of the code's own
    /// lets the exception leave as it is. Unchanged when the loop keeps no text.
    /// </summary>
    private static StatementSyntax CarryingPartial(FixContext context, StatementSyntax check)
    {
        if (context.Partial is not { } partial)
        {
            return check;
        }

        var slots = new TemplateSlots()
            .Expression("dataKey", SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(CatchRethrow.DataKey)))
            .Expression("partial", partial);
        var initializer = ((ObjectCreationExpressionSyntax)Filled(context, PartialCarrier, slots)).Initializer!;
        var throws = check.DescendantNodes().OfType<ObjectCreationExpressionSyntax>()
            .Where(creation => creation.Parent is ThrowStatementSyntax && creation.ArgumentList is not null && creation.Initializer is null);
        return check.ReplaceNodes(throws, (_, creation) => creation
            .WithArgumentList(creation.ArgumentList!.WithTrailingTrivia(SyntaxFactory.Space))
            .WithInitializer(initializer));
    }

    /// <summary>The expression <paramref name="template"/> (constant C#) with its <paramref name="slots"/> filled.</summary>
    private static ExpressionSyntax Filled(FixContext context, string template, TemplateSlots slots)
        => slots.Fill(SyntaxFactory.ParseExpression(template), context.Generator);

    /// <summary>The comparisons, each with a truncating value, joined with <c>||</c>.</summary>
    private static ExpressionSyntax AnyOf(IEnumerable<ExpressionSyntax> comparisons)
        => comparisons.Aggregate((left, right) => SyntaxFactory.BinaryExpression(SyntaxKind.LogicalOrExpression, left, OrOperator, right));

    /// <summary>The text <paramref name="loop"/> accumulates, as an expression readable after it (null when it keeps none).</summary>
    private static ExpressionSyntax? PartialOf(FixContext context, StatementSyntax loop)
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
            ? PartialText.Of(accumulator)
            : null;
    }

    /// <summary>The values of the family's finish reason that mean a cut answer (<see cref="FinishSignalSpec.CutValues"/>).</summary>
    private static ImmutableArray<string> CutValues(FinishSignalKind kind)
        => SdkFamilies.FinishSignal(kind)?.CutValues ?? ImmutableArray<string>.Empty;

    /// <summary>
    /// A nullable <c>FinishReason</c> on the update: OpenAI <c>ChatFinishReason?</c> (an enum), MEAI's and Agent Framework's
    /// <c>ChatFinishReason?</c> and Azure AI Inference's <c>CompletionsFinishReason?</c> (structs with <c>==</c>).
    /// </summary>
    private static bool PlanFinishReasonProperty(FixContext context, SyntaxNode at, ITypeSymbol element, Plan plan, ImmutableArray<string> cutValues)
    {
        if (FindProperty(element, "FinishReason")?.Type is not INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            || nullable.TypeArguments[0] is not INamedTypeSymbol reasonType
            || cutValues.IsDefaultOrEmpty
            || !cutValues.All(value => HasMember(reasonType, value)))
        {
            return false;
        }

        var slots = plan.Slots.Type("ChatFinishReason", reasonType, context.Model, at).Name("finishReason", Name(context, at, "finishReason"));
        plan.Before.Add("ChatFinishReason? finishReason = null;");
        plan.Capture.Add(at.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 }
            ? "finishReason ??= update.FinishReason;"
            : """
              if (finishReason == null)
              {
                  finishReason = update.FinishReason;
              }
              """); // C# 7.3 has no ??=
        plan.After.Add(NoFinishReason);
        slots.Expression("cut", AnyOf(cutValues.Select(value => Filled(context, "finishReason == ChatFinishReason.cutValue", slots.Name("cutValue", value)))));
        plan.After.Add(FinishReasonCut);
        return true;
    }

    /// <summary>Semantic Kernel: the connectors put the finish reason in <c>Metadata["FinishReason"]</c> (OpenAI and Azure OpenAI: "Length", "ContentFilter").</summary>
    private static bool PlanSemanticKernel(FixContext context, SyntaxNode at, Plan plan)
    {
        var slots = plan.Slots
            .Name("finishReason", Name(context, at, "finishReason"))
            .Name("metadata", Name(context, at, "metadata"))
            .Name("reason", Name(context, at, "reason"));
        plan.Before.Add("object? finishReason = null;");
        plan.Capture.Add("""
            if (update.Metadata is { } metadata && metadata.TryGetValue("FinishReason", out var reason) && reason is not null)
            {
                finishReason = reason;
            }
            """);
        plan.After.Add(NoFinishReason);
        slots.Expression("cut", Filled(context, "finishReason.ToString() is \"Length\" or \"ContentFilter\"", slots));
        plan.After.Add(FinishReasonCut);
        return true;
    }

    /// <summary>Anthropic: the <c>message_delta</c> event carries <c>Delta.StopReason</c>; none means the stream was cut off.</summary>
    private static bool PlanAnthropic(FixContext context, SyntaxNode at, ITypeSymbol element, Plan plan)
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

        var slots = plan.Slots
            .Type("StopReasonValue", stopReasonType.WithNullableAnnotation(NullableAnnotation.NotAnnotated), context.Model, at)
            .Type("StopReason", stopEnum, context.Model, at)
            .Name("stopReason", Name(context, at, "stopReason"))
            .Name("messageDelta", Name(context, at, "messageDelta"))
            .Name("reason", Name(context, at, "reason"));
        plan.Before.Add("StopReasonValue? stopReason = null;");
        plan.Capture.Add("""
            if (update.TryPickDelta(out var messageDelta) && messageDelta.Delta.StopReason is { } reason)
            {
                stopReason = reason;
            }
            """);
        plan.After.Add("""
            if (stopReason is null)
            {
                throw new IOException("The model stream ended without a stop reason: the answer was cut off.");
            }
            """);
        slots.Expression("cut", AnyOf(truncating.Select(value => Filled(context, "stopReason == StopReason.cutValue", slots.Name("cutValue", value)))));
        plan.After.Add(StopReasonCut);
        return true;
    }

    /// <summary>OllamaSharp: the final chunk has <c>Done == true</c> and is a <c>…DoneResponseStream</c> with <c>DoneReason</c> ("stop", "length").</summary>
    private static bool PlanOllama(FixContext context, SyntaxNode at, ITypeSymbol element, Plan plan)
    {
        var named = element as INamedTypeSymbol;
        var doneTypeName = named?.Name.Replace("ResponseStream", "DoneResponseStream");
        var doneType = named?.ContainingNamespace?.GetTypeMembers(doneTypeName ?? string.Empty).FirstOrDefault();
        if (FindProperty(element, "Done") is null || doneType is null || FindProperty(doneType, "DoneReason") is null)
        {
            return false;
        }

        var slots = plan.Slots.Type("DoneResponseStream", doneType, context.Model, at).Name("doneReason", Name(context, at, "doneReason"));
        plan.Before.Add("string? doneReason = null;");
        plan.Capture.Add("""
            if (update?.Done == true)
            {
                doneReason = (update as DoneResponseStream)?.DoneReason ?? "stop";
            }
            """);
        plan.After.Add("""
            if (doneReason is null)
            {
                throw new IOException("The model stream ended before its final 'done' chunk: the answer was cut off.");
            }
            """);
        slots.Expression("cut", Filled(context, "doneReason == \"length\"", slots));
        plan.After.Add(DoneReasonCut);
        return true;
    }

    /// <summary>Betalgo.Ranul.OpenAI: <c>Choices[0].FinishReason</c> ("stop", "length", "content_filter").</summary>
    private static bool PlanBetalgo(FixContext context, SyntaxNode at, Plan plan)
    {
        var slots = plan.Slots
            .Name("finishReason", Name(context, at, "finishReason"))
            .Name("choices", Name(context, at, "choices"))
            .Name("reason", Name(context, at, "reason"));
        plan.Before.Add("string? finishReason = null;");
        plan.Capture.Add("""
            if (update.Choices is { Count: > 0 } choices && choices[0].FinishReason is { } reason)
            {
                finishReason = reason;
            }
            """);
        plan.After.Add(NoFinishReason);
        slots.Expression("cut", Filled(context, "finishReason == \"length\" || finishReason == \"content_filter\"", slots));
        plan.After.Add(FinishReasonCut);
        return true;
    }

    /// <summary>OpenAI Responses: the stream ends with <c>response.completed</c> or <c>response.incomplete</c> (token limit, content filter).</summary>
    private static bool PlanResponses(FixContext context, SyntaxNode at, Plan plan)
    {
        var compilation = context.Model.Compilation;
        var completed = compilation.GetTypeByMetadataName("OpenAI.Responses.StreamingResponseCompletedUpdate");
        var incomplete = compilation.GetTypeByMetadataName("OpenAI.Responses.StreamingResponseIncompleteUpdate");
        var baseUpdate = compilation.GetTypeByMetadataName("OpenAI.Responses.StreamingResponseUpdate");
        if (completed is null || incomplete is null || baseUpdate is null || FindProperty(FindProperty(incomplete, "Response")?.Type, "IncompleteStatusDetails") is null)
        {
            return false;
        }

        plan.Slots
            .Type("StreamingResponseUpdate", baseUpdate, context.Model, at)
            .Type("StreamingResponseCompletedUpdate", completed, context.Model, at)
            .Type("StreamingResponseIncompleteUpdate", incomplete, context.Model, at)
            .Name("terminalUpdate", Name(context, at, "terminalUpdate"))
            .Name("incomplete", Name(context, at, "incomplete"));
        plan.Before.Add("StreamingResponseUpdate? terminalUpdate = null;");
        plan.Capture.Add("""
            if (update is StreamingResponseCompletedUpdate or StreamingResponseIncompleteUpdate)
            {
                terminalUpdate = update;
            }
            """);
        plan.After.Add("""
            if (terminalUpdate is null)
            {
                throw new IOException("The model stream ended before response.completed: the answer was cut off.");
            }
            """);
        plan.After.Add("""
            if (terminalUpdate is StreamingResponseIncompleteUpdate incomplete)
            {
                throw new InvalidOperationException($"The model stopped before the end of the answer ({incomplete.Response.IncompleteStatusDetails?.Reason}).");
            }
            """);
        return true;
    }

    /// <summary><c>var response = await updates.ToChatResponseAsync();</c>: check <c>response.FinishReason</c> right after.</summary>
    private static Document? FixAggregation(FixContext context, SyntaxNode name)
    {
        var invocation = name.FirstAncestorOrSelf<InvocationExpressionSyntax>();
        var statement = invocation?.FirstAncestorOrSelf<StatementSyntax>();
        SyntaxToken? variable = statement switch
        {
            LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } declaration
                when declaration.Declaration.Variables[0].Initializer?.Value is { } value && TerminationSyntax.Unwrap(value) == invocation => declaration.Declaration.Variables[0].Identifier,
            ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } assignment }
                when TerminationSyntax.Unwrap(assignment.Right) == invocation => target.Identifier,
            _ => null,
        };

        if (variable is not { } response || statement is null || invocation is null || context.IOException is null || context.InvalidOperationException is null)
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

        var model = context.Model;
        var finishReason = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(TemplateSlots.Identifier(response.ValueText)), SyntaxFactory.IdentifierName("FinishReason"));
        var slots = new TemplateSlots()
            .Expression("finishReason", finishReason)
            .Type("IOException", context.IOException, model, statement)
            .Type("InvalidOperationException", context.InvalidOperationException, model, statement)
            .Type("ChatFinishReason", reasonType, model, statement);
        slots.Expression("cut", AnyOf(new[] { "Length", "ContentFilter" }.Select(value => Filled(context, "finishReason == ChatFinishReason.cutValue", slots.Name("cutValue", value)))));
        var after = new List<StatementSyntax>
        {
            TerminationSyntax.Statement(NoFinishReason, context.Generator, statement, slots),
            TerminationSyntax.Statement(FinishReasonCut, context.Generator, statement, slots),
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
