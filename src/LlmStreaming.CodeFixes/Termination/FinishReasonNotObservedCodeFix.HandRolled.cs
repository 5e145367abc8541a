using System;
using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// LLM203 on a hand-rolled loop: the finish reason of each parsed chunk is captured right after the parse
/// (<c>choices[0].finish_reason</c>, Ollama's <c>done_reason</c>, the <c>delta.stop_reason</c> of Anthropic's
/// <c>message_delta</c>), and after the loop a truncating value throws an <see cref="InvalidOperationException"/> — the
/// exception of the SDK loops' token-limit and content-filter check, which the retries of LLM101's fix do not retry: a
/// length stop comes back the same. A stream cut off before its end is LLM202's check, not this one.
/// Offered when the parse result is held in a local: a <c>JsonDocument</c>, <c>JsonElement</c>, <c>JsonNode</c>, or a
/// DTO with a string member for the reason (<c>Choices[i].FinishReason</c>, <c>DoneReason</c>, <c>Delta.StopReason</c>).
/// </summary>
public sealed partial class FinishReasonNotObservedCodeFix
{
    private static Document? FixHandRolled(FixContext context, ImmutableArray<SyntaxNode> nodes, HandRolledProtocol protocol)
    {
        if (nodes.Length < 3 || protocol == HandRolledProtocol.Unknown || context.InvalidOperationException is null
            || nodes[1].FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } parse
            || nodes[2] is not StatementSyntax loop || loop.ContainsDiagnostics
            || !loop.Span.Contains(parse.Span)
            || Holder(parse) is not var (holder, variable, insideUsing)
            || context.Model.GetDeclaredSymbol(variable, context.CancellationToken) is not ILocalSymbol chunk
            || LeavesFromInside(loop)
            || context.Model.AnalyzeControlFlow(loop) is not { Succeeded: true, EndPointIsReachable: true })
        {
            return null;
        }

        context.Partial = PartialOf(context, loop);
        var (word, cutTemplate) = protocol switch
        {
            HandRolledProtocol.Ollama => ("doneReason", DoneReasonCut),
            HandRolledProtocol.Anthropic => ("stopReason", StopReasonCut),
            _ => ("finishReason", FinishReasonCut),
        };

        var model = context.Model;
        var reason = Name(context, loop, word);
        var captureSlots = new TemplateSlots().Name(word, reason);
        var capture = CaptureTemplate(context, holder, chunk, protocol, captureSlots);
        if (capture is null)
        {
            return null;
        }

        // The declaration and the comparisons call the reason `reason`, whatever the protocol's word.
        var reasonSlots = new TemplateSlots().Name("reason", reason);
        var annotated = model.GetNullableContext(loop.SpanStart).AnnotationsEnabled();
        var cut = AnyOf(HandRolledFinish.TruncationValues(protocol).Select(value => Filled(
            context,
            "reason == cutValue",
            reasonSlots.Expression("cutValue", SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(value))))));
        var checkSlots = new TemplateSlots()
            .Name(word, reason)
            .Expression("cut", cut)
            .Type("InvalidOperationException", context.InvalidOperationException, model, loop);

        var generator = context.Generator;
        var captureStatement = TerminationSyntax.Statement(capture, generator, holder, captureSlots);
        var declaration = TerminationSyntax.Statement(annotated ? "string? reason = null;" : "string reason = null;", generator, loop, reasonSlots);
        var check = CarryingPartial(context, TerminationSyntax.Statement(cutTemplate, generator, loop, checkSlots));

        var tracked = context.Root.TrackNodes(holder, loop);
        if (TerminationSyntax.InsertAfterHolder(tracked, tracked.GetCurrentNode(holder)!, insideUsing, captureStatement) is not { } captured)
        {
            return null;
        }

        tracked = captured;
        var newRoot = TerminationSyntax.InsertAround(tracked, tracked.GetCurrentNode(loop)!, new[] { declaration }, new[] { check });
        return newRoot is null ? null : context.Document.WithSyntaxRoot(newRoot);
    }

    /// <summary>
    /// True when the loop leaves its function from inside (<c>if (data == "[DONE]") return text;</c>, <c>yield break</c>):
    /// a check after the loop would not run on that path, so no fix is offered.
    /// </summary>
    internal static bool LeavesFromInside(StatementSyntax loop)
        => loop.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .Any(n => n is ReturnStatementSyntax || n.IsKind(SyntaxKind.YieldBreakStatement));

    /// <summary>
    /// The statement that holds the parse result in a local, and that local's declarator: <c>var json = JsonDocument.Parse(…);</c>
    /// (also <c>using var</c>, <c>var root = JsonDocument.Parse(…).RootElement;</c>, an <c>await</c>ed or cast parse) in a
    /// block, or the declaration of <c>using (var json = …)</c> (then <c>InsideUsing</c>).
    /// </summary>
    internal static (StatementSyntax Holder, VariableDeclaratorSyntax Variable, bool InsideUsing)? Holder(InvocationExpressionSyntax parse)
    {
        SyntaxNode current = parse;
        while (current.Parent is ParenthesizedExpressionSyntax or CastExpressionSyntax or AwaitExpressionSyntax
            or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression }
            || current.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "RootElement" } access && access.Expression == current)
        {
            current = current.Parent;
        }

        if (current.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax variable } || variable.Parent is not VariableDeclarationSyntax { Variables.Count: 1 } declaration)
        {
            return null;
        }

        return declaration.Parent switch
        {
            LocalDeclarationStatementSyntax local when local.Parent is BlockSyntax or SwitchSectionSyntax => (local, variable, false),
            UsingStatementSyntax @using => (@using, variable, true),
            _ => null,
        };
    }

    /// <summary>
    /// The template of the statement that copies the chunk's finish reason into the reason (the protocol's word:
    /// <c>finishReason</c>, <c>doneReason</c>, <c>stopReason</c>), by the chunk's type, its other slots set in
    /// <paramref name="slots"/>; null when the type has no place for it.
    /// </summary>
    private static string? CaptureTemplate(FixContext context, SyntaxNode at, ILocalSymbol chunk, HandRolledProtocol protocol, TemplateSlots slots)
    {
        var compilation = context.Model.Compilation;
        var type = chunk.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        ExpressionSyntax name = SyntaxFactory.IdentifierName(TemplateSlots.Identifier(chunk.Name));
        if (type is INamedTypeSymbol { Name: "JsonDocument" or "JsonElement" } json && json.IsInNamespace("System.Text.Json")
            && compilation.GetTypeByMetadataName("System.Text.Json.JsonValueKind") is { } valueKind)
        {
            var element = json.Name == "JsonDocument"
                ? SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, name, SyntaxFactory.IdentifierName("RootElement"))
                : name;
            slots.Expression("element", element).Type("JsonValueKind", valueKind, context.Model, at);
            return ElementCapture(context, at, protocol, slots);
        }

        if (type.IsOrInheritsFrom(compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonNode"))
            && compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonObject") is { } jsonObject
            && compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonArray") is { } jsonArray
            && compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonValue") is { } jsonValue)
        {
            slots.Expression("node", name)
                .Type("JsonObject", jsonObject, context.Model, at)
                .Type("JsonArray", jsonArray, context.Model, at)
                .Type("JsonValue", jsonValue, context.Model, at);
            return NodeCapture(context, at, protocol, slots);
        }

        return type is INamedTypeSymbol { TypeKind: TypeKind.Class } dto && !dto.IsInNamespace("System") && !dto.IsInNamespace("Newtonsoft")
            ? DtoCapture(context, at, dto, protocol, slots.Expression("dto", name))
            : null;
    }

    /// <summary>System.Text.Json's DOM (<c>element</c>): each step checked for its kind, so that no chunk of another shape throws here.</summary>
    private static string ElementCapture(FixContext context, SyntaxNode at, HandRolledProtocol protocol, TemplateSlots slots)
    {
        switch (protocol)
        {
            case HandRolledProtocol.Ollama:
                slots.Name("doneValue", Name(context, at, "doneValue"));
                return """
                    if (element.ValueKind == JsonValueKind.Object
                        && element.TryGetProperty("done_reason", out var doneValue)
                        && doneValue.ValueKind == JsonValueKind.String)
                    {
                        doneReason = doneValue.GetString();
                    }
                    """;

            case HandRolledProtocol.Anthropic:
                slots.Name("stopDelta", Name(context, at, "stopDelta"))
                    .Name("stopValue", Name(context, at, "stopValue"));
                return """
                    if (element.ValueKind == JsonValueKind.Object
                        && element.TryGetProperty("delta", out var stopDelta)
                        && stopDelta.ValueKind == JsonValueKind.Object
                        && stopDelta.TryGetProperty("stop_reason", out var stopValue)
                        && stopValue.ValueKind == JsonValueKind.String)
                    {
                        stopReason = stopValue.GetString();
                    }
                    """;

            default:
                slots.Name("finishChoices", Name(context, at, "finishChoices"))
                    .Name("finishValue", Name(context, at, "finishValue"));
                return """
                    if (element.ValueKind == JsonValueKind.Object
                        && element.TryGetProperty("choices", out var finishChoices)
                        && finishChoices.ValueKind == JsonValueKind.Array
                        && finishChoices.GetArrayLength() > 0
                        && finishChoices[0].TryGetProperty("finish_reason", out var finishValue)
                        && finishValue.ValueKind == JsonValueKind.String)
                    {
                        finishReason = finishValue.GetString();
                    }
                    """;
        }
    }

    /// <summary>System.Text.Json.Nodes (<c>node</c>): type patterns all the way down (C# 7 has them).</summary>
    private static string NodeCapture(FixContext context, SyntaxNode at, HandRolledProtocol protocol, TemplateSlots slots)
    {
        switch (protocol)
        {
            case HandRolledProtocol.Ollama:
                slots.Name("doneChunk", Name(context, at, "doneChunk"))
                    .Name("doneValue", Name(context, at, "doneValue"))
                    .Name("doneText", Name(context, at, "doneText"));
                return """
                    if (node is JsonObject doneChunk
                        && doneChunk["done_reason"] is JsonValue doneValue
                        && doneValue.TryGetValue<string>(out var doneText))
                    {
                        doneReason = doneText;
                    }
                    """;

            case HandRolledProtocol.Anthropic:
                slots.Name("stopChunk", Name(context, at, "stopChunk"))
                    .Name("stopDelta", Name(context, at, "stopDelta"))
                    .Name("stopValue", Name(context, at, "stopValue"))
                    .Name("stopText", Name(context, at, "stopText"));
                return """
                    if (node is JsonObject stopChunk
                        && stopChunk["delta"] is JsonObject stopDelta
                        && stopDelta["stop_reason"] is JsonValue stopValue
                        && stopValue.TryGetValue<string>(out var stopText))
                    {
                        stopReason = stopText;
                    }
                    """;

            default:
                slots.Name("finishChunk", Name(context, at, "finishChunk"))
                    .Name("finishChoices", Name(context, at, "finishChoices"))
                    .Name("finishChoice", Name(context, at, "finishChoice"))
                    .Name("finishValue", Name(context, at, "finishValue"))
                    .Name("finishText", Name(context, at, "finishText"));
                return """
                    if (node is JsonObject finishChunk
                        && finishChunk["choices"] is JsonArray finishChoices
                        && finishChoices.Count > 0
                        && finishChoices[0] is JsonObject finishChoice
                        && finishChoice["finish_reason"] is JsonValue finishValue
                        && finishValue.TryGetValue<string>(out var finishText))
                    {
                        finishReason = finishText;
                    }
                    """;
        }
    }

    /// <summary>
    /// A DTO (<c>dto</c>): its own string member for the reason (<c>DoneReason</c>), its <c>Delta</c>'s (<c>StopReason</c>), or its
    /// first choice's (<c>Choices</c>, a list or an array of objects with a string <c>FinishReason</c>); any casing,
    /// underscores ignored. Null when the DTO has no such member: the reason is not deserialized at all.
    /// </summary>
    private static string? DtoCapture(FixContext context, SyntaxNode at, INamedTypeSymbol type, HandRolledProtocol protocol, TemplateSlots slots)
    {
        switch (protocol)
        {
            case HandRolledProtocol.Ollama when StringMember(type, "donereason") is { } doneReason:
                slots.Name("doneMember", doneReason.Name)
                    .Name("doneText", Name(context, at, "doneText"));
                return """
                    if (dto?.doneMember is string doneText)
                    {
                        doneReason = doneText;
                    }
                    """;

            case HandRolledProtocol.Anthropic when Member(type, "delta") is { } deltaMember
                && HandRolledFinish.MemberType(deltaMember) is INamedTypeSymbol { TypeKind: TypeKind.Class } deltaType
                && StringMember(deltaType, "stopreason") is { } stopReason:
                slots.Name("deltaMember", deltaMember.Name)
                    .Name("stopMember", stopReason.Name)
                    .Name("stopText", Name(context, at, "stopText"));
                return """
                    if (dto?.deltaMember?.stopMember is string stopText)
                    {
                        stopReason = stopText;
                    }
                    """;

            case HandRolledProtocol.ChatCompletions when Member(type, "choices") is { } choicesMember
                && HandRolledFinish.MemberType(choicesMember) is { } listType
                && FirstElement(listType) is var (countMember, elementType)
                && elementType is INamedTypeSymbol { TypeKind: TypeKind.Class } choiceType
                && StringMember(choiceType, "finishreason") is { } finishReason:
                slots.Type("FinishChoicesType", listType.WithNullableAnnotation(NullableAnnotation.NotAnnotated), context.Model, at)
                    .Name("choicesMember", choicesMember.Name)
                    .Name("countMember", countMember)
                    .Name("finishMember", finishReason.Name)
                    .Name("finishChoices", Name(context, at, "finishChoices"))
                    .Name("finishText", Name(context, at, "finishText"));
                return """
                    if (dto?.choicesMember is FinishChoicesType finishChoices
                        && finishChoices.countMember > 0
                        && finishChoices[0]?.finishMember is string finishText)
                    {
                        finishReason = finishText;
                    }
                    """;

            default:
                return null;
        }
    }

    /// <summary>An instance property or field whose name, normalised, is <paramref name="normalized"/> (also on a base type).</summary>
    private static ISymbol? Member(ITypeSymbol type, string normalized)
    {
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol { IsIndexer: false, GetMethod: not null } or IFieldSymbol { IsImplicitlyDeclared: false }
                    && !member.IsStatic
                    && member.DeclaredAccessibility == Accessibility.Public
                    && HandRolledFinish.Normalize(member.Name) == normalized)
                {
                    return member;
                }
            }
        }

        return null;
    }

    private static ISymbol? StringMember(ITypeSymbol type, string normalized)
        => Member(type, normalized) is { } member && HandRolledFinish.MemberType(member)?.SpecialType == SpecialType.System_String ? member : null;

    /// <summary>How to take the first element of a list or array: its count member and its element type.</summary>
    private static (string Count, ITypeSymbol Element)? FirstElement(ITypeSymbol listType)
    {
        if (listType is IArrayTypeSymbol { Rank: 1 } array)
        {
            return ("Length", array.ElementType);
        }

        var indexer = listType.GetMembers().OfType<IPropertySymbol>().FirstOrDefault(p => p.IsIndexer && p.Parameters.Length == 1 && p.Parameters[0].Type.SpecialType == SpecialType.System_Int32)
            ?? listType.AllInterfaces.SelectMany(i => i.GetMembers().OfType<IPropertySymbol>()).FirstOrDefault(p => p.IsIndexer && p.Parameters.Length == 1 && p.Parameters[0].Type.SpecialType == SpecialType.System_Int32);
        var hasCount = Member(listType, "count") is not null
            || listType.AllInterfaces.Any(i => i.GetMembers("Count").OfType<IPropertySymbol>().Any());
        return indexer is not null && hasCount ? ("Count", indexer.Type) : null;
    }
}
