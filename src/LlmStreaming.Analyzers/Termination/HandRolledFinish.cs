using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Termination;

/// <summary>The wire protocol of a hand-rolled model stream, as far as its finish signal goes.</summary>
internal enum HandRolledProtocol
{
    /// <summary>Not known, or more than one (or one whose finish signal LLM203 does not check): nothing is reported.</summary>
    Unknown = 0,

    /// <summary>OpenAI-compatible chat completions SSE: <c>choices[0].finish_reason</c>.</summary>
    ChatCompletions,

    /// <summary>Ollama's NDJSON (<c>/api/chat</c>, <c>/api/generate</c>): <c>done_reason</c> of the final <c>done: true</c> line.</summary>
    Ollama,

    /// <summary>Anthropic Messages SSE: <c>delta.stop_reason</c> of the <c>message_delta</c> event.</summary>
    Anthropic,
}

/// <summary>
/// LLM203 on hand-rolled loops: which protocol a loop speaks, where that protocol carries the finish reason, which of
/// its values mean the answer was cut short, and whether the code reads it at all. The end of the stream (<c>[DONE]</c>,
/// <c>done: true</c>, <c>message_stop</c>) is LLM202's business; this is only about the reason the model stopped.
/// </summary>
internal static class HandRolledFinish
{
    /// <summary>Normalised names (lower case, no <c>_</c> or <c>-</c>) of the finish signal of any protocol.</summary>
    private static readonly ImmutableArray<string> ReasonNames = ImmutableArray.Create("finishreason", "stopreason", "donereason");

    private static readonly ImmutableHashSet<string> AnthropicEventNames = ImmutableHashSet.Create(
        StringComparer.Ordinal, "message_start", "message_delta", "message_stop", "content_block_start", "content_block_delta", "content_block_stop", "stop_reason");

    /// <summary>Protocols whose finish signal this rule does not look at (OpenAI Responses, Gemini, Cohere): a loop that names one is left alone.</summary>
    private static readonly ImmutableArray<string> OtherProtocolFragments = ImmutableArray.Create(
        "response.completed", "response.output_text.delta", "response.created", "streamGenerateContent", "generativelanguage.googleapis.com", "api.cohere.");

    [Flags]
    private enum Evidence
    {
        None = 0,
        ChatCompletions = 1,
        Ollama = 2,
        Anthropic = 4,
        Other = 8,
    }

    /// <summary>The values of the finish signal that mean the answer was cut short (the token limit, the content filter, a refusal).</summary>
    public static ImmutableArray<string> TruncationValues(HandRolledProtocol protocol)
        => protocol switch
        {
            HandRolledProtocol.Ollama => ImmutableArray.Create("length"),
            HandRolledProtocol.Anthropic => ImmutableArray.Create("max_tokens", "refusal", "model_context_window_exceeded"),
            _ => ImmutableArray.Create("length", "content_filter"),
        };

    /// <summary>What the message says is never read.</summary>
    public static string Describe(HandRolledProtocol protocol)
        => protocol switch
        {
            HandRolledProtocol.Ollama => "'done_reason'",
            HandRolledProtocol.Anthropic => "'delta.stop_reason' of 'message_delta'",
            _ => "'finish_reason'",
        };

    /// <summary>True when <paramref name="text"/> names a finish signal: <c>finish_reason</c>, <c>FinishReason</c>, <c>stopReason</c>, <c>"$.choices[0].finish_reason"</c>…</summary>
    public static bool MentionsReason(string text)
    {
        if (text.Length < 10)
        {
            return false;
        }

        var normalized = text.Replace("_", string.Empty).Replace("-", string.Empty).ToLowerInvariant();
        foreach (var name in ReasonNames)
        {
            if (normalized.IndexOf(name, StringComparison.Ordinal) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The protocol the loop speaks, decided by the nearest code that says: the loop itself and the type it parses each
    /// line into, else its member, else its type. Literals (endpoint paths, event names, JSON names) and DTO member names
    /// are the evidence; two protocols at the same level, or one whose finish signal is not checked here, give
    /// <see cref="HandRolledProtocol.Unknown"/>. SSE speaks chat completions or Anthropic; NDJSON speaks Ollama.
    /// </summary>
    public static HandRolledProtocol Protocol(LlmStreamLoop stream, CancellationToken cancellationToken)
    {
        if (stream.HandRolled is not { } handRolled)
        {
            return HandRolledProtocol.Unknown;
        }

        var evidence = Literals(stream.Loop.Syntax, cancellationToken);
        foreach (var parse in handRolled.JsonParses)
        {
            evidence |= MemberEvidence(ParsedType(parse));
        }

        if (evidence == Evidence.None && MemberOf(stream.Loop.Syntax) is { } member)
        {
            evidence = Literals(member, cancellationToken);
        }

        if (evidence == Evidence.None && stream.Loop.Syntax.FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } type)
        {
            evidence = Literals(type, cancellationToken);
        }

        var protocol = evidence switch
        {
            Evidence.ChatCompletions => HandRolledProtocol.ChatCompletions,
            Evidence.Ollama => HandRolledProtocol.Ollama,
            Evidence.Anthropic => HandRolledProtocol.Anthropic,
            _ => HandRolledProtocol.Unknown,
        };

        return protocol switch
        {
            HandRolledProtocol.Ollama when handRolled.IsSse => HandRolledProtocol.Unknown,
            HandRolledProtocol.ChatCompletions or HandRolledProtocol.Anthropic when !handRolled.IsSse => HandRolledProtocol.Unknown,
            _ => protocol,
        };
    }

    /// <summary>
    /// The parse of each event whose result carries the finish reason: of the parses that read the payload, the one
    /// under the fewest conditions in the loop (the chunk's own parse, not a second parse inside an error check).
    /// </summary>
    public static IInvocationOperation? ChunkParse(LlmStreamLoop stream, ImmutableHashSet<ILocalSymbol> payloadLocals)
    {
        if (stream.HandRolled is not { } handRolled)
        {
            return null;
        }

        IInvocationOperation? best = null;
        var bestDepth = int.MaxValue;
        foreach (var parse in handRolled.JsonParses.OrderBy(p => p.Syntax.SpanStart))
        {
            if (TerminationFacts.PayloadArgument(parse, payloadLocals) is null)
            {
                continue;
            }

            var depth = 0;
            for (var current = parse.Parent; current is not null && current != stream.Loop; current = current.Parent)
            {
                if (current is IConditionalOperation or ISwitchOperation or ISwitchCaseOperation)
                {
                    depth++;
                }
            }

            if (depth < bestDepth)
            {
                best = parse;
                bestDepth = depth;
            }
        }

        return best;
    }

    /// <summary>The type a parse produces: <c>T</c> of <c>Deserialize&lt;T&gt;</c>, else the call's own type.</summary>
    public static ITypeSymbol? ParsedType(IInvocationOperation parse)
        => parse.TargetMethod.TypeArguments.Length == 1 ? parse.TargetMethod.TypeArguments[0] : parse.Type;

    private static Evidence Literals(SyntaxNode node, CancellationToken cancellationToken)
    {
        var evidence = Evidence.None;
        foreach (var token in node.DescendantTokens())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (IsStringToken(token))
            {
                evidence |= Classify(token.ValueText);
            }
        }

        return evidence;
    }

    private static bool IsStringToken(SyntaxToken token)
        => token.IsKind(SyntaxKind.StringLiteralToken)
            || token.IsKind(SyntaxKind.InterpolatedStringTextToken)
            || token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken)
            || token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken);

    private static Evidence Classify(string text)
    {
        if (text.Length == 0)
        {
            return Evidence.None;
        }

        foreach (var fragment in OtherProtocolFragments)
        {
            if (text.IndexOf(fragment, StringComparison.Ordinal) >= 0)
            {
                return Evidence.Other;
            }
        }

        var path = PathOf(text);
        if (EndsWith(path, "v1/responses"))
        {
            return Evidence.Other;
        }

        if (text == "choices" || text == "finish_reason" || text.IndexOf(ModelSignals.DoneSentinel, StringComparison.Ordinal) >= 0
            || EndsWith(path, "chat/completions") || EndsWith(path, "/v1/completions"))
        {
            return Evidence.ChatCompletions;
        }

        if (AnthropicEventNames.Contains(text) || EndsWith(path, "v1/messages") || text.IndexOf("api.anthropic.com", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            return Evidence.Anthropic;
        }

        if (text == "done_reason" || EndsWith(path, "api/chat") || EndsWith(path, "api/generate") || text.IndexOf(":11434", StringComparison.Ordinal) >= 0)
        {
            return Evidence.Ollama;
        }

        return Evidence.None;
    }

    /// <summary>The path part of a URL literal: no query string, no trailing slash.</summary>
    private static string PathOf(string text)
    {
        var query = text.IndexOf('?');
        return (query >= 0 ? text.Substring(0, query) : text).TrimEnd('/');
    }

    private static bool EndsWith(string path, string suffix) => path.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>What the members of a parsed DTO say: <c>Choices</c> (chat completions), <c>DoneReason</c> (Ollama), <c>StopReason</c> or a <c>Delta</c> that has one (Anthropic).</summary>
    private static Evidence MemberEvidence(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named || named.IsInNamespace("System"))
        {
            return Evidence.None;
        }

        var evidence = Evidence.None;
        foreach (var member in named.GetMembers())
        {
            if (member is not (IPropertySymbol or IFieldSymbol) || member.IsStatic || member.IsImplicitlyDeclared)
            {
                continue;
            }

            switch (Normalize(member.Name))
            {
                case "choices":
                    evidence |= Evidence.ChatCompletions;
                    break;
                case "donereason":
                    evidence |= Evidence.Ollama;
                    break;
                case "stopreason":
                    evidence |= Evidence.Anthropic;
                    break;
                case "delta" when MemberType(member) is INamedTypeSymbol delta && delta.GetMembers().Any(m => Normalize(m.Name) == "stopreason"):
                    evidence |= Evidence.Anthropic;
                    break;
            }
        }

        return evidence;
    }

    public static ITypeSymbol? MemberType(ISymbol member)
        => member switch
        {
            IPropertySymbol property => property.Type,
            IFieldSymbol field => field.Type,
            _ => null,
        };

    public static string Normalize(string name) => name.Replace("_", string.Empty).ToLowerInvariant();

    /// <summary>The member (method, accessor, local function's method, top-level statements) whose code surrounds <paramref name="node"/>.</summary>
    private static SyntaxNode? MemberOf(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or PropertyDeclarationSyntax or IndexerDeclarationSyntax:
                    return ancestor;
                case GlobalStatementSyntax { Parent: CompilationUnitSyntax unit }:
                    return unit;
            }
        }

        return null;
    }

    /// <summary>
    /// True when the code reads a finish signal where the loop's chunks can reach it: in the loop, or after it in its
    /// member (a chunk kept and read once the loop ended) — a name or a JSON string (<c>finish_reason</c>,
    /// <c>FinishReason</c>, <c>done_reason</c>, <c>stop_reason</c>, any casing) — or in a helper of the source (a method
    /// the loop calls, a property with a body it reads) that mentions one. Another loop later in the member reads its
    /// own chunks: what it reads does not count for this one.
    /// </summary>
    public static bool ReadsReason(LlmStreamLoop stream, CancellationToken cancellationToken)
    {
        var loop = stream.Loop.Syntax;
        var scope = MemberOf(loop) ?? loop;
        var start = loop.SpanStart;
        foreach (var token in scope.DescendantTokens(n => n == loop || !(n.SpanStart > loop.Span.End && IsLoop(n)) && n.Span.End > start))
        {
            if (token.SpanStart >= start && (token.IsKind(SyntaxKind.IdentifierToken) || IsStringToken(token)) && MentionsReason(token.ValueText))
            {
                return true;
            }
        }

        foreach (var node in stream.Loop.Descendants())
        {
            cancellationToken.ThrowIfCancellationRequested();
            ISymbol? helper = node switch
            {
                IInvocationOperation invocation when TerminationFacts.IsInSource(invocation.TargetMethod) => invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod,
                IPropertyReferenceOperation property when TerminationFacts.IsInSource(property.Property) && !IsAutoProperty(property.Property, cancellationToken) => property.Property,
                _ => null,
            };

            if (helper is IMethodSymbol method && TerminationFacts.SourceBodyMentions(method, MentionsReason, cancellationToken))
            {
                return true;
            }

            if (helper is IPropertySymbol helperProperty && helperProperty.GetMethod is { } getter && TerminationFacts.SourceBodyMentions(getter, MentionsReason, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLoop(SyntaxNode node) => node is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax;

    private static bool IsAutoProperty(IPropertySymbol property, CancellationToken cancellationToken)
    {
        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors }
                && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when a parsed chunk leaves the loop's sight, so that someone else can read its finish reason: it is yielded
    /// or returned (the parse result itself, a DTO of the parsed type, a <c>JsonElement</c>…), handed to a delegate or to
    /// a method that may keep it (a collection's <c>Add</c>, a channel's <c>TryWrite</c>), to a helper of the source
    /// that hands it on, or stored in a field or a variable that outlives the iteration. Formatting it, and the JSON
    /// library's own methods (<c>element.Deserialize&lt;T&gt;()</c>), do not count.
    /// </summary>
    public static bool HandsChunksOn(LlmStreamLoop stream, CancellationToken cancellationToken)
    {
        if (stream.HandRolled is not { } handRolled)
        {
            return false;
        }

        bool IsChunk(IOperation value)
        {
            var unwrapped = value.WalkDownConversions();
            if (unwrapped is IInvocationOperation call && handRolled.JsonParses.Contains(call))
            {
                return true;
            }

            var type = unwrapped.Type;
            return type is { SpecialType: SpecialType.None }
                && (IsJsonDom(type) || handRolled.JsonParses.Any(p => ParsedType(p) is { } parsed && SymbolEqualityComparer.Default.Equals(parsed.WithNullableAnnotation(NullableAnnotation.NotAnnotated), type.WithNullableAnnotation(NullableAnnotation.NotAnnotated))));
        }

        foreach (var node in stream.Loop.DescendantsWithinFunction())
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (node)
            {
                case IReturnOperation { Kind: OperationKind.YieldReturn or OperationKind.Return, ReturnedValue: { } value } when IsChunk(value):
                    return true;

                case IArgumentOperation { Parameter: { } parameter } argument when IsChunk(argument.Value) && ArgumentKeepsChunk(argument, parameter, cancellationToken):
                    return true;

                case ISimpleAssignmentOperation assignment when IsChunk(assignment.Value) && KeepsBeyondIteration(assignment.Target, stream.Loop):
                    return true;
            }
        }

        return false;
    }

    private static bool ArgumentKeepsChunk(IArgumentOperation argument, IParameterSymbol parameter, CancellationToken cancellationToken)
    {
        var method = argument.Parent switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IObjectCreationOperation creation => creation.Constructor,
            _ => null,
        };

        if (method is null)
        {
            return false;
        }

        if (method.MethodKind == MethodKind.DelegateInvoke)
        {
            return true;
        }

        var original = (method.ReducedFrom ?? method).OriginalDefinition;
        if (TerminationFacts.IsInSource(original))
        {
            return original.Parameters.Length > parameter.Ordinal && TerminationFacts.SourceParameterEscapes(original.Parameters[parameter.Ordinal], cancellationToken);
        }

        if (original.IsInNamespace("System.Text.Json") || original.IsInNamespace("Newtonsoft.Json"))
        {
            return false; // element.Deserialize<T>(), JsonSerializer.Serialize(element): the JSON library reads it here and now
        }

        var declared = parameter.OriginalDefinition.Type;
        return !(declared.SpecialType is SpecialType.System_Object or SpecialType.System_String
            || declared is IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Object });
    }

    /// <summary>
    /// A field, a property, an array element, or a local declared outside the loop that the member reads outside it too
    /// (<c>last = chunk;</c> … <c>return last;</c>); a local declared before the loop only to hold each chunk
    /// (<c>JsonDocument doc;</c> in C# 7.3 style) does not keep it.
    /// </summary>
    private static bool KeepsBeyondIteration(IOperation target, ILoopOperation loop)
        => target.WalkDownConversions() switch
        {
            ILocalReferenceOperation local => !Accumulators.IsDeclaredInside(local.Local, loop) && IsUsedOutside(local.Local, loop.Syntax),
            IFieldReferenceOperation or IPropertyReferenceOperation or IArrayElementReferenceOperation => true,
            _ => false,
        };

    private static bool IsUsedOutside(ILocalSymbol local, SyntaxNode loop)
    {
        var scope = MemberOf(loop) ?? loop.Parent ?? loop;
        foreach (var identifier in scope.DescendantNodes(n => n != loop).OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText == local.Name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A JSON document type: System.Text.Json's <c>JsonDocument</c>, <c>JsonElement</c>, <c>JsonNode</c> (and its kinds), Newtonsoft's <c>JToken</c> kinds.</summary>
    public static bool IsJsonDom(ITypeSymbol? type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.IsInNamespace("System.Text.Json") && current.Name is "JsonDocument" or "JsonElement" or "JsonNode"
                || current.IsInNamespace("Newtonsoft.Json.Linq") && current.Name == "JToken")
            {
                return true;
            }
        }

        return false;
    }
}
