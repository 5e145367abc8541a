using System;
using Microsoft.CodeAnalysis.Simplification;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// The named holes of a code template. The template is constant C# text; an identifier of it named like a slot is
/// replaced, after parsing, by the slot's syntax: an expression of the user's code (<see cref="Expression"/>), a name
/// the fix chose (<see cref="Name"/>: also where the template declares it, <c>out var reason</c>, <c>is JsonObject
/// chunk</c>), or a type (<see cref="Type"/>: its name annotated so that the cleanup adds the
/// <c>using</c> and simplifies it). So no fix builds C# by putting strings together: the text a fix writes never
/// depends on the code it fixes, and what does is a syntax node.
/// <para>
/// Slot names are the template's own words: choose ones the template uses for nothing else (an identifier that is
/// the name part of a member access, <c>x.reason</c>, is replaced only by a <see cref="Name"/>).
/// </para>
/// </summary>
internal sealed class TemplateSlots
{
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>True when no slot is set.</summary>
    public bool IsEmpty => _slots.Count == 0;

    /// <summary>The identifier <paramref name="slot"/> becomes <paramref name="value"/> (without its outer trivia).</summary>
    public TemplateSlots Expression(string slot, ExpressionSyntax value)
    {
        _slots[slot] = new ExpressionSlot(value.WithoutTrivia());
        return this;
    }

    /// <summary>The identifier <paramref name="slot"/>, where it is used and where it is declared, becomes <paramref name="name"/>.</summary>
    public TemplateSlots Name(string slot, string name)
    {
        _slots[slot] = new NameSlot(Identifier(name));
        return this;
    }

    /// <summary>
    /// The identifier <paramref name="slot"/> becomes the type's name, annotated for the cleanup. With
    /// <paramref name="model"/>, a type used as an expression (<c>ChatFinishReason.Length</c>) is written by its simple
    /// name when that binds to it at <paramref name="context"/>, and stays qualified when another type of that name is
    /// in scope.
    /// </summary>
    public TemplateSlots Type(string slot, ITypeSymbol type, SemanticModel? model = null, SyntaxNode? context = null)
    {
        _slots[slot] = new TypeSlot(type, model, context);
        return this;
    }

    /// <summary>An identifier token for <paramref name="name"/> (as the user's code spells it, or a name the fix chose), escaped with <c>@</c> when it is a keyword.</summary>
    public static SyntaxToken Identifier(string name)
    {
        var escaped = name.StartsWith("@", StringComparison.Ordinal);
        var valueText = escaped ? name.Substring(1) : name;

        // VerbatimIdentifier takes the name without its '@' (it throws on one) and writes it with one.
        return escaped || SyntaxFacts.GetKeywordKind(valueText) != SyntaxKind.None
            ? SyntaxFactory.VerbatimIdentifier(default, valueText, valueText, default)
            : SyntaxFactory.Identifier(valueText);
    }

    /// <summary>Replaces the slots in <paramref name="node"/>.</summary>
    public T Fill<T>(T node, SyntaxGenerator generator)
        where T : SyntaxNode
        => IsEmpty ? node : (T)new Filler(_slots, generator).Visit(node)!;

    private abstract record Slot;

    private sealed record ExpressionSlot(ExpressionSyntax Value) : Slot;

    private sealed record NameSlot(SyntaxToken Identifier) : Slot;

    private sealed record TypeSlot(ITypeSymbol Type, SemanticModel? Model, SyntaxNode? Context) : Slot;

    private sealed class Filler : CSharpSyntaxRewriter
    {
        private readonly Dictionary<string, Slot> _slots;
        private readonly SyntaxGenerator _generator;

        public Filler(Dictionary<string, Slot> slots, SyntaxGenerator generator)
        {
            _slots = slots;
            _generator = generator;
        }

        public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node)
        {
            if (!_slots.TryGetValue(node.Identifier.ValueText, out var slot))
            {
                return node;
            }

            var isMemberName = node.Parent is MemberAccessExpressionSyntax access && access.Name == node
                || node.Parent is MemberBindingExpressionSyntax;
            return slot switch
            {
                NameSlot name => node.WithIdentifier(name.Identifier.WithTriviaFrom(node.Identifier)),
                _ when isMemberName => node,
                ExpressionSlot expression => Operand(expression.Value, node).WithTriviaFrom(node),
                TypeSlot type => TypeReference(type, node).WithTriviaFrom(node),
                _ => node,
            };
        }

        public override SyntaxToken VisitToken(SyntaxToken token)
            => token.IsKind(SyntaxKind.IdentifierToken) && token.Parent is not IdentifierNameSyntax
                && _slots.TryGetValue(token.ValueText, out var slot) && slot is NameSlot name
                ? name.Identifier.WithTriviaFrom(token)
                : base.VisitToken(token);

        /// <summary>
        /// The value, in parentheses where the template uses the slot as an operand that binds tighter than the value
        /// (<c>payload.Length</c> with <c>prefix + line</c> is <c>(prefix + line).Length</c>); as it is elsewhere.
        /// </summary>
        private static ExpressionSyntax Operand(ExpressionSyntax value, IdentifierNameSyntax placeholder)
        {
            var isPrimary = value is IdentifierNameSyntax or GenericNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax
                or ElementAccessExpressionSyntax or LiteralExpressionSyntax or ParenthesizedExpressionSyntax or ThisExpressionSyntax
                or BaseExpressionSyntax or ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax
                or InterpolatedStringExpressionSyntax or TypeOfExpressionSyntax or DefaultExpressionSyntax or AliasQualifiedNameSyntax
                or QualifiedNameSyntax or PredefinedTypeSyntax;
            var needsPrimary = placeholder.Parent switch
            {
                MemberAccessExpressionSyntax access => access.Expression == placeholder,
                ElementAccessExpressionSyntax element => element.Expression == placeholder,
                InvocationExpressionSyntax invocation => invocation.Expression == placeholder,
                ConditionalAccessExpressionSyntax conditional => conditional.Expression == placeholder,
                PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax or CastExpressionSyntax => true,
                _ => false,
            };
            return needsPrimary && !isPrimary ? SyntaxFactory.ParenthesizedExpression(value) : value;
        }

        private ExpressionSyntax TypeReference(TypeSlot slot, IdentifierNameSyntax placeholder)
        {
            var inExpression = placeholder.Parent is MemberAccessExpressionSyntax access && access.Expression == placeholder;
            if (inExpression && slot.Model is { } model && slot.Context is { } context)
            {
                var position = context.SpanStart;
                var simple = SyntaxFactory.IdentifierName(slot.Type.Name);
                var bound = model.GetSpeculativeSymbolInfo(position, simple, SpeculativeBindingOption.BindAsExpression).Symbol;
                if (SymbolEqualityComparer.Default.Equals(bound, slot.Type))
                {
                    return simple;
                }

                if (bound is not null || model.LookupNamespacesAndTypes(position, name: slot.Type.Name).Length > 0)
                {
                    // Another type of that name is in scope: keep the qualified name, as the expression it is.
                    return QualifiedExpression(slot.Type).WithAdditionalAnnotations(Simplifier.Annotation);
                }
            }

            return ((TypeSyntax)_generator.TypeExpression(slot.Type)).WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        }

        /// <summary>
        /// The type's fully qualified name as the parser reads it in an expression (<c>global::N.T</c>: the alias, then
        /// member accesses) for a type declared in namespaces and types; the generator's type syntax for any other
        /// (generic, keyword, array), which prints the same.
        /// </summary>
        private ExpressionSyntax QualifiedExpression(ITypeSymbol type)
        {
            if (type is not INamedTypeSymbol { IsGenericType: false, SpecialType: SpecialType.None, ContainingSymbol: INamespaceOrTypeSymbol })
            {
                return (ExpressionSyntax)_generator.TypeExpression(type);
            }

            var names = new List<string>();
            for (ISymbol? symbol = type; symbol is not null and not INamespaceSymbol { IsGlobalNamespace: true }; symbol = symbol.ContainingSymbol)
            {
                names.Insert(0, symbol.Name);
            }

            return Cleanup.GlobalName(names);
        }
    }
}
