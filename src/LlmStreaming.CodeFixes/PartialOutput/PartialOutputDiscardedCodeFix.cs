using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LlmStreaming.Analyzers;
using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.CodeFixes.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace LlmStreaming.CodeFixes.PartialOutput;

/// <summary>
/// LLM301: keeps the partial output. "Return the partial text" returns (or assigns) the accumulated text when there is
/// any, falling back to the original value; "Attach the partial text to the exception" stores it in the new
/// exception's <c>Data["PartialOutput"]</c>. An accumulator declared inside the try is first moved before it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PartialOutputDiscardedCodeFix)), Shared]
public sealed class PartialOutputDiscardedCodeFix : CodeFixProvider
{
    public const string ReturnPartialKey = "LLM301.ReturnPartial";
    public const string AttachPartialKey = "LLM301.AttachPartial";
    public const string DataKey = "PartialOutput";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.PartialOutputDiscarded);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (Plan.Create(diagnostic, root, model, context.CancellationToken) is not { } plan)
            {
                continue;
            }

            if (plan.Discard is ReturnStatementSyntax or AssignmentExpressionSyntax && plan.ReturnsOrAssignsString)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Return the partial text", ct => ReturnPartialAsync(context.Document, plan, ct), ReturnPartialKey),
                    diagnostic);
            }
            else if (plan.Discard is ThrowStatementSyntax { Expression: ObjectCreationExpressionSyntax, Parent: BlockSyntax })
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Attach the partial text to the exception", ct => AttachPartialAsync(context.Document, plan, ct), AttachPartialKey),
                    diagnostic);
            }
        }
    }

    private sealed class Plan
    {
        private Plan(SyntaxNode discard, string accumulator, string kind, ITypeSymbol accumulatorType, LocalDeclarationStatementSyntax? hoist, TryStatementSyntax @try, bool returnsOrAssignsString)
        {
            Discard = discard;
            Accumulator = accumulator;
            Kind = kind;
            AccumulatorType = accumulatorType;
            Hoist = hoist;
            Try = @try;
            ReturnsOrAssignsString = returnsOrAssignsString;
        }

        public SyntaxNode Discard { get; }

        public string Accumulator { get; }

        public string Kind { get; }

        public ITypeSymbol AccumulatorType { get; }

        /// <summary>The accumulator's declaration to move before the try, when it is declared inside it.</summary>
        public LocalDeclarationStatementSyntax? Hoist { get; }

        public TryStatementSyntax Try { get; }

        public bool ReturnsOrAssignsString { get; }

        public static Plan? Create(Diagnostic diagnostic, SyntaxNode root, SemanticModel model, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(PartialOutputDiscardedAnalyzer.AccumulatorProperty, out var accumulator) || accumulator is null
                || !diagnostic.Properties.TryGetValue(PartialOutputDiscardedAnalyzer.AccumulatorKindProperty, out var kind) || kind is null
                || diagnostic.AdditionalLocations.Count != 1)
            {
                return null;
            }

            var discard = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
            if (discard is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax inner })
            {
                discard = inner;
            }

            var @catch = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<CatchClauseSyntax>();
            if (@catch?.Parent is not TryStatementSyntax @try || !@catch.Span.Contains(discard.Span))
            {
                return null;
            }

            // The accumulator must be visible in the catch: declared before the try, or declared as a direct statement of
            // the try block (then moved out), with an initializer that reads nothing declared in the try.
            var symbol = model.LookupSymbols(@try.SpanStart, name: accumulator).FirstOrDefault(s => s is ILocalSymbol or IFieldSymbol or IPropertySymbol or IParameterSymbol);
            LocalDeclarationStatementSyntax? hoist = null;
            ITypeSymbol? type = symbol switch
            {
                ILocalSymbol local => local.Type,
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                IParameterSymbol parameter => parameter.Type,
                _ => null,
            };

            if (symbol is null)
            {
                hoist = @try.Block.Statements.OfType<LocalDeclarationStatementSyntax>()
                    .FirstOrDefault(d => d.Declaration.Variables.Count == 1 && d.Declaration.Variables[0].Identifier.ValueText == accumulator);
                if (hoist is null || model.GetDeclaredSymbol(hoist.Declaration.Variables[0], cancellationToken) is not ILocalSymbol declared || ReadsTryLocals(hoist, @try, model, cancellationToken))
                {
                    return null;
                }

                type = declared.Type;
            }

            if (type is null)
            {
                return null;
            }

            return new Plan(discard, accumulator, kind, type, hoist, @try, ReturnsOrAssignsStringValue(discard, model, cancellationToken));
        }

        private static bool ReadsTryLocals(LocalDeclarationStatementSyntax declaration, TryStatementSyntax @try, SemanticModel model, CancellationToken cancellationToken)
        {
            foreach (var identifier in declaration.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(identifier, cancellationToken).Symbol is ILocalSymbol local
                    && local.DeclaringSyntaxReferences.Any(r => @try.Block.Span.Contains(r.Span)))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool ReturnsOrAssignsStringValue(SyntaxNode discard, SemanticModel model, CancellationToken cancellationToken)
        {
            var value = discard switch
            {
                ReturnStatementSyntax { Expression: { } returned } => returned,
                AssignmentExpressionSyntax assignment => assignment.Right,
                _ => null,
            };

            if (value is null)
            {
                return false;
            }

            var converted = model.GetTypeInfo(value, cancellationToken).ConvertedType;
            return converted?.SpecialType == SpecialType.System_String;
        }
    }

    /// <summary>The accumulated text: <c>sb.ToString()</c>, <c>text</c>, or <c>string.Concat(list)</c> for a list of strings.</summary>
    private static ExpressionSyntax? Text(Plan plan) => PartialText.Of(plan.Accumulator, plan.Kind, plan.AccumulatorType);

    /// <summary>The test "something was accumulated": <c>sb.Length &gt; 0</c>, <c>!string.IsNullOrEmpty(text)</c>, <c>list.Count &gt; 0</c>.</summary>
    private static ExpressionSyntax? HasText(Plan plan)
    {
        var name = SyntaxFactory.IdentifierName(plan.Accumulator);
        ExpressionSyntax Positive(string member) => SyntaxFactory.BinaryExpression(
            SyntaxKind.GreaterThanExpression,
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, name, SyntaxFactory.IdentifierName(member)),
            SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0)));

        return plan.Kind switch
        {
            "StringBuilder" => Positive("Length"),
            "String" => SyntaxFactory.PrefixUnaryExpression(
                SyntaxKind.LogicalNotExpression,
                SyntaxFactory.InvocationExpression(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.StringKeyword)), SyntaxFactory.IdentifierName("IsNullOrEmpty")),
                    SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(name))))),
            "Collection" when PartialText.ElementIsString(plan.AccumulatorType) => Positive("Count"),
            _ => null,
        };
    }

    private static async Task<Document> ReturnPartialAsync(Document document, Plan plan, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var value = plan.Discard switch
        {
            ReturnStatementSyntax { Expression: { } returned } => returned,
            AssignmentExpressionSyntax assignment => assignment.Right,
            _ => null,
        };

        if (value is null || Text(plan) is not { } text || HasText(plan) is not { } hasText)
        {
            return document;
        }

        var replacement = SyntaxFactory.ConditionalExpression(hasText, text, value.WithoutTrivia())
            .WithTriviaFrom(value)
            .WithAdditionalAnnotations(Formatter.Annotation);
        editor.ReplaceNode(value, replacement);
        Hoist(editor, plan);
        return editor.GetChangedDocument();
    }

    private static async Task<Document> AttachPartialAsync(Document document, Plan plan, CancellationToken cancellationToken)
    {
        if (plan.Discard is not ThrowStatementSyntax { Expression: ObjectCreationExpressionSyntax creation } @throw)
        {
            return document;
        }

        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var model = editor.SemanticModel;
        var name = UniqueName(model, @throw.SpanStart, "exception");
        var text = Text(plan) ?? SyntaxFactory.IdentifierName(plan.Accumulator);

        var declare = SyntaxFactory.LocalDeclarationStatement(
            SyntaxFactory.VariableDeclaration(
                SyntaxFactory.IdentifierName("var"),
                SyntaxFactory.SingletonSeparatedList(
                    SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name))
                        .WithInitializer(SyntaxFactory.EqualsValueClause(creation.WithoutTrivia())))));
        var attach = SyntaxFactory.ExpressionStatement(
            SyntaxFactory.AssignmentExpression(
                SyntaxKind.SimpleAssignmentExpression,
                SyntaxFactory.ElementAccessExpression(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(name), SyntaxFactory.IdentifierName("Data")),
                    SyntaxFactory.BracketedArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(
                        SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(DataKey)))))),
                text));
        var rethrow = SyntaxFactory.ThrowStatement(SyntaxFactory.IdentifierName(name));

        editor.InsertBefore(@throw, new SyntaxNode[]
        {
            declare.WithLeadingTrivia(@throw.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation),
            attach.WithAdditionalAnnotations(Formatter.Annotation),
        });
        editor.ReplaceNode(@throw, rethrow.WithTrailingTrivia(@throw.GetTrailingTrivia()).WithAdditionalAnnotations(Formatter.Annotation));
        Hoist(editor, plan);
        return editor.GetChangedDocument();
    }

    private static void Hoist(DocumentEditor editor, Plan plan)
    {
        if (plan.Hoist is not { } declaration)
        {
            return;
        }

        editor.RemoveNode(declaration, SyntaxRemoveOptions.KeepNoTrivia);
        editor.InsertBefore(plan.Try, declaration.WithLeadingTrivia(plan.Try.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation));
    }

    private static string UniqueName(SemanticModel model, int position, string baseName)
    {
        var name = baseName;
        for (var i = 1; model.LookupSymbols(position, name: name).Any(); i++)
        {
            name = baseName + i;
        }

        return name;
    }
}
