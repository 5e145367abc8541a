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
        var reason = Name(context, loop, protocol switch
        {
            HandRolledProtocol.Ollama => "doneReason",
            HandRolledProtocol.Anthropic => "stopReason",
            _ => "finishReason",
        });

        var types = new Dictionary<string, ITypeSymbol> { ["InvalidOperationException"] = context.InvalidOperationException };
        var capture = CaptureText(context, holder, chunk, protocol, reason, types);
        if (capture is null)
        {
            return null;
        }

        var nullable = context.Model.GetNullableContext(loop.SpanStart).AnnotationsEnabled() ? "?" : string.Empty;
        var truncating = HandRolledFinish.TruncationValues(protocol);
        var label = protocol switch
        {
            HandRolledProtocol.Ollama => "done reason",
            HandRolledProtocol.Anthropic => "stop reason",
            _ => "finish reason",
        };

        var generator = context.Generator;
        var model = context.Model;
        var captureStatement = TerminationSyntax.Statement(capture, generator, holder, types, model);
        var declaration = TerminationSyntax.Statement("string" + nullable + " " + reason + " = null;", generator, loop);
        var check = TerminationSyntax.Statement(
            "if (" + string.Join(" || ", truncating.Select(v => reason + " == \"" + v + "\"")) + ")\n"
                + Throw(context, "InvalidOperationException", "$\"The model stopped before the end of the answer (" + label + ": {" + reason + "}).\""),
            generator,
            loop,
            types,
            model);

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

    /// <summary>The statement that copies the chunk's finish reason into <paramref name="reason"/>, by the chunk's type; null when the type has no place for it.</summary>
    private static string? CaptureText(FixContext context, SyntaxNode at, ILocalSymbol chunk, HandRolledProtocol protocol, string reason, Dictionary<string, ITypeSymbol> types)
    {
        var compilation = context.Model.Compilation;
        var type = chunk.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        var name = chunk.Name;
        if (type is INamedTypeSymbol { Name: "JsonDocument" or "JsonElement" } json && json.IsInNamespace("System.Text.Json")
            && compilation.GetTypeByMetadataName("System.Text.Json.JsonValueKind") is { } valueKind)
        {
            types["JsonValueKind"] = valueKind;
            return ElementCapture(context, at, json.Name == "JsonDocument" ? name + ".RootElement" : name, protocol, reason);
        }

        if (type.IsOrInheritsFrom(compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonNode"))
            && compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonObject") is { } jsonObject
            && compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonArray") is { } jsonArray
            && compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonValue") is { } jsonValue)
        {
            types["JsonObject"] = jsonObject;
            types["JsonArray"] = jsonArray;
            types["JsonValue"] = jsonValue;
            return NodeCapture(context, at, name, protocol, reason);
        }

        return type is INamedTypeSymbol { TypeKind: TypeKind.Class } dto && !dto.IsInNamespace("System") && !dto.IsInNamespace("Newtonsoft")
            ? DtoCapture(context, at, name, dto, protocol, reason, types)
            : null;
    }

    /// <summary>System.Text.Json's DOM: each step checked for its kind, so that no chunk of another shape throws here.</summary>
    private static string ElementCapture(FixContext context, SyntaxNode at, string root, HandRolledProtocol protocol, string reason)
    {
        switch (protocol)
        {
            case HandRolledProtocol.Ollama:
                var doneValue = Name(context, at, "doneValue");
                return "if (" + root + ".ValueKind == JsonValueKind.Object\n"
                    + "    && " + root + ".TryGetProperty(\"done_reason\", out var " + doneValue + ")\n"
                    + "    && " + doneValue + ".ValueKind == JsonValueKind.String)\n"
                    + "{\n    " + reason + " = " + doneValue + ".GetString();\n}";

            case HandRolledProtocol.Anthropic:
                var delta = Name(context, at, "stopDelta");
                var stopValue = Name(context, at, "stopValue");
                return "if (" + root + ".ValueKind == JsonValueKind.Object\n"
                    + "    && " + root + ".TryGetProperty(\"delta\", out var " + delta + ")\n"
                    + "    && " + delta + ".ValueKind == JsonValueKind.Object\n"
                    + "    && " + delta + ".TryGetProperty(\"stop_reason\", out var " + stopValue + ")\n"
                    + "    && " + stopValue + ".ValueKind == JsonValueKind.String)\n"
                    + "{\n    " + reason + " = " + stopValue + ".GetString();\n}";

            default:
                var choices = Name(context, at, "finishChoices");
                var finishValue = Name(context, at, "finishValue");
                return "if (" + root + ".ValueKind == JsonValueKind.Object\n"
                    + "    && " + root + ".TryGetProperty(\"choices\", out var " + choices + ")\n"
                    + "    && " + choices + ".ValueKind == JsonValueKind.Array\n"
                    + "    && " + choices + ".GetArrayLength() > 0\n"
                    + "    && " + choices + "[0].TryGetProperty(\"finish_reason\", out var " + finishValue + ")\n"
                    + "    && " + finishValue + ".ValueKind == JsonValueKind.String)\n"
                    + "{\n    " + reason + " = " + finishValue + ".GetString();\n}";
        }
    }

    /// <summary>System.Text.Json.Nodes: type patterns all the way down (C# 7 has them).</summary>
    private static string NodeCapture(FixContext context, SyntaxNode at, string node, HandRolledProtocol protocol, string reason)
    {
        switch (protocol)
        {
            case HandRolledProtocol.Ollama:
                var doneChunk = Name(context, at, "doneChunk");
                var doneValue = Name(context, at, "doneValue");
                var doneText = Name(context, at, "doneText");
                return "if (" + node + " is JsonObject " + doneChunk + "\n"
                    + "    && " + doneChunk + "[\"done_reason\"] is JsonValue " + doneValue + "\n"
                    + "    && " + doneValue + ".TryGetValue<string>(out var " + doneText + "))\n"
                    + "{\n    " + reason + " = " + doneText + ";\n}";

            case HandRolledProtocol.Anthropic:
                var stopChunk = Name(context, at, "stopChunk");
                var stopDelta = Name(context, at, "stopDelta");
                var stopValue = Name(context, at, "stopValue");
                var stopText = Name(context, at, "stopText");
                return "if (" + node + " is JsonObject " + stopChunk + "\n"
                    + "    && " + stopChunk + "[\"delta\"] is JsonObject " + stopDelta + "\n"
                    + "    && " + stopDelta + "[\"stop_reason\"] is JsonValue " + stopValue + "\n"
                    + "    && " + stopValue + ".TryGetValue<string>(out var " + stopText + "))\n"
                    + "{\n    " + reason + " = " + stopText + ";\n}";

            default:
                var chunk = Name(context, at, "finishChunk");
                var choices = Name(context, at, "finishChoices");
                var choice = Name(context, at, "finishChoice");
                var value = Name(context, at, "finishValue");
                var text = Name(context, at, "finishText");
                return "if (" + node + " is JsonObject " + chunk + "\n"
                    + "    && " + chunk + "[\"choices\"] is JsonArray " + choices + "\n"
                    + "    && " + choices + ".Count > 0\n"
                    + "    && " + choices + "[0] is JsonObject " + choice + "\n"
                    + "    && " + choice + "[\"finish_reason\"] is JsonValue " + value + "\n"
                    + "    && " + value + ".TryGetValue<string>(out var " + text + "))\n"
                    + "{\n    " + reason + " = " + text + ";\n}";
        }
    }

    /// <summary>
    /// A DTO: its own string member for the reason (<c>DoneReason</c>), its <c>Delta</c>'s (<c>StopReason</c>), or its
    /// first choice's (<c>Choices</c>, a list or an array of objects with a string <c>FinishReason</c>); any casing,
    /// underscores ignored. Null when the DTO has no such member: the reason is not deserialized at all.
    /// </summary>
    private static string? DtoCapture(FixContext context, SyntaxNode at, string dto, INamedTypeSymbol type, HandRolledProtocol protocol, string reason, Dictionary<string, ITypeSymbol> types)
    {
        switch (protocol)
        {
            case HandRolledProtocol.Ollama when StringMember(type, "donereason") is { } doneReason:
                var doneText = Name(context, at, "doneText");
                return "if (" + dto + "?." + doneReason.Name + " is string " + doneText + ")\n{\n    " + reason + " = " + doneText + ";\n}";

            case HandRolledProtocol.Anthropic when Member(type, "delta") is { } deltaMember
                && HandRolledFinish.MemberType(deltaMember) is INamedTypeSymbol { TypeKind: TypeKind.Class } deltaType
                && StringMember(deltaType, "stopreason") is { } stopReason:
                var stopText = Name(context, at, "stopText");
                return "if (" + dto + "?." + deltaMember.Name + "?." + stopReason.Name + " is string " + stopText + ")\n{\n    " + reason + " = " + stopText + ";\n}";

            case HandRolledProtocol.ChatCompletions when Member(type, "choices") is { } choicesMember
                && HandRolledFinish.MemberType(choicesMember) is { } listType
                && FirstElement(listType) is var (countMember, elementType)
                && elementType is INamedTypeSymbol { TypeKind: TypeKind.Class } choiceType
                && StringMember(choiceType, "finishreason") is { } finishReason:
                types["FinishChoicesType"] = listType.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
                var choices = Name(context, at, "finishChoices");
                var finishText = Name(context, at, "finishText");
                return "if (" + dto + "?." + choicesMember.Name + " is FinishChoicesType " + choices + "\n"
                    + "    && " + choices + "." + countMember + " > 0\n"
                    + "    && " + choices + "[0]?." + finishReason.Name + " is string " + finishText + ")\n"
                    + "{\n    " + reason + " = " + finishText + ";\n}";

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
