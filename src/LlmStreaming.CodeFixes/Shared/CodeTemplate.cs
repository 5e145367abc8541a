using Microsoft.CodeAnalysis.Simplification;

namespace LlmStreaming.CodeFixes.Shared;

/// <summary>
/// Builds inserted code from C# text: a constant template whose slots (<see cref="TemplateSlots"/>) are filled after
/// parsing; a type is a <see cref="TemplateSlots.Type"/> slot. (Templates written before the slots put the placeholder
/// <see cref="Type(string)"/> returns into their text; after parsing, each placeholder becomes the fully qualified type
/// name annotated so that the code action's cleanup adds the using directive and simplifies the name.) A statement
/// <c>__region__;</c> is replaced by existing statements, kept with their trivia.
/// </summary>
internal sealed class CodeTemplate
{
    public const string RegionPlaceholder = "__region__;";

    private static readonly TemplateSlots Empty = new();

    private readonly Compilation _compilation;
    private readonly SyntaxGenerator _generator;
    private readonly Dictionary<string, ITypeSymbol> _slots = new();

    public CodeTemplate(Compilation compilation, SyntaxGenerator generator)
    {
        _compilation = compilation;
        _generator = generator;
    }

    /// <summary>True when the type exists in the compilation.</summary>
    public bool Has(string metadataName) => _compilation.GetTypeByMetadataName(metadataName) is not null;

    /// <summary>A placeholder for the type (which must exist: check with <see cref="Has"/>).</summary>
    public string Type(string metadataName)
    {
        var symbol = _compilation.GetTypeByMetadataName(metadataName)!;
        return Type(symbol);
    }

    public string Type(ITypeSymbol symbol)
    {
        foreach (var pair in _slots)
        {
            if (SymbolEqualityComparer.Default.Equals(pair.Value, symbol))
            {
                return pair.Key;
            }
        }

        var name = "__t" + _slots.Count + "__";
        _slots.Add(name, symbol);
        return name;
    }

    /// <summary>Parses statements; <c>__region__;</c> statements are replaced in order by <paramref name="regions"/>.</summary>
    public List<StatementSyntax> Statements(string text, params IReadOnlyList<StatementSyntax>[] regions)
        => Statements(text, Empty, regions);

    /// <summary>Parses statements and fills their <paramref name="slots"/>; <c>__region__;</c> statements are replaced in order by <paramref name="regions"/>.</summary>
    public List<StatementSyntax> Statements(string text, TemplateSlots slots, params IReadOnlyList<StatementSyntax>[] regions)
    {
        // The kit's one concatenation, and the one exception Meta/FixTextTests allows: the braces that make the template's
        // statements one block to parse. The text wrapped is the caller's template, a constant (the test checks each call).
        var block = (BlockSyntax)SyntaxFactory.ParseStatement("{\n" + text + "\n}");
        var node = Finish(slots.Fill(block, _generator), regions);
        return ((BlockSyntax)node).Statements.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)).ToList();
    }

    public StatementSyntax Statement(string text, params IReadOnlyList<StatementSyntax>[] regions)
        => Statements(text, regions).Single();

    public StatementSyntax Statement(string text, TemplateSlots slots, params IReadOnlyList<StatementSyntax>[] regions)
        => Statements(text, slots, regions).Single();

    public ExpressionSyntax Expression(string text)
        => Expression(text, Empty);

    public ExpressionSyntax Expression(string text, TemplateSlots slots)
        => (ExpressionSyntax)Finish(slots.Fill(SyntaxFactory.ParseExpression(text), _generator), System.Array.Empty<IReadOnlyList<StatementSyntax>>());

    /// <summary>Replaces the type placeholders in <paramref name="node"/> with the annotated type names.</summary>
    public T ReplacePlaceholders<T>(T node)
        where T : SyntaxNode
    {
        var placeholders = node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Where(n => _slots.ContainsKey(n.Identifier.ValueText)).ToList();
        return node.ReplaceNodes(placeholders, (original, _) =>
            _generator.TypeExpression(_slots[original.Identifier.ValueText], addImport: true)
                .WithTriviaFrom(original)
                .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation));
    }

    private SyntaxNode Finish(SyntaxNode node, IReadOnlyList<StatementSyntax>[] regions)
    {
        node = ReplacePlaceholders(node);

        var regionIndex = 0;
        node = ReplaceRegions(node, regions, ref regionIndex);
        return node.WithAdditionalAnnotations(Formatter.Annotation);
    }

    private static SyntaxNode ReplaceRegions(SyntaxNode node, IReadOnlyList<StatementSyntax>[] regions, ref int index)
    {
        if (regions.Length == 0)
        {
            return node;
        }

        var placeholders = node.DescendantNodes()
            .OfType<ExpressionStatementSyntax>()
            .Where(s => s.ToString() == RegionPlaceholder)
            .ToList();
        var map = new Dictionary<SyntaxNode, IReadOnlyList<StatementSyntax>>();
        foreach (var placeholder in placeholders)
        {
            if (index < regions.Length)
            {
                map[placeholder] = regions[index++];
            }
        }

        return new RegionRewriter(map).Visit(node);
    }

    private sealed class RegionRewriter : CSharpSyntaxRewriter
    {
        private readonly Dictionary<SyntaxNode, IReadOnlyList<StatementSyntax>> _map;

        public RegionRewriter(Dictionary<SyntaxNode, IReadOnlyList<StatementSyntax>> map) => _map = map;

        public override SyntaxNode? VisitBlock(BlockSyntax node)
        {
            var visited = (BlockSyntax)base.VisitBlock(node)!;
            if (!node.Statements.Any(s => _map.ContainsKey(s)))
            {
                return visited;
            }

            var statements = new List<StatementSyntax>();
            for (var i = 0; i < node.Statements.Count; i++)
            {
                if (_map.TryGetValue(node.Statements[i], out var region))
                {
                    statements.AddRange(region);
                }
                else
                {
                    statements.Add(visited.Statements[i]);
                }
            }

            return visited.WithStatements(SyntaxFactory.List(statements));
        }
    }
}
