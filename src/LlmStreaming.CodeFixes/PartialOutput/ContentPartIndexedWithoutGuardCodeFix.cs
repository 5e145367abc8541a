using Microsoft.CodeAnalysis.Simplification;

namespace LlmStreaming.CodeFixes.PartialOutput;

/// <summary>
/// LLM303: guards the first-element access with a count check: the statement is wrapped in
/// <c>if (parts.Count &gt; 0) { … }</c>, or a string expression becomes <c>parts.Count &gt; 0 ? … : string.Empty</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ContentPartIndexedWithoutGuardCodeFix)), Shared]
public sealed class ContentPartIndexedWithoutGuardCodeFix : LlmCodeFix
{
    public const string EquivalenceKey = "LLM303.GuardCount";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ContentPartIndexedWithoutGuard);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.ForFixer(this);

    private protected override void Register(CodeFixContext context, SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        var access = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) as ExpressionSyntax;
        if (access is null || Collection(access) is not { } collection)
        {
            return;
        }

        var guard = Guard(collection, model, context.CancellationToken);
        if (guard is null)
        {
            return;
        }

        if (WrappableStatement(access) is { } statement)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Guard with '{guard}'",
                    ct => WrapAsync(context.Document, statement, guard, ct),
                    EquivalenceKey),
                diagnostic);
        }
        else if (StringChain(access, model, context.CancellationToken) is { } chain)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Guard with '{guard}'",
                    ct => ConditionalAsync(context.Document, chain, guard, ct),
                    EquivalenceKey),
                diagnostic);
        }
        else if (SkippableDeclaration(access) is { } declaration)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Guard with '{guard}'",
                    ct => SkipEmptyAsync(context.Document, declaration, guard, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The collection the access indexes: <c>coll[0]</c>, <c>coll.First()</c>, <c>Enumerable.First(coll)</c>.</summary>
    private static ExpressionSyntax? Collection(ExpressionSyntax access)
        => access switch
        {
            ElementAccessExpressionSyntax element => element.Expression,
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member, ArgumentList.Arguments.Count: 0 or 1 } invocation
                when invocation.ArgumentList.Arguments.Count == 0 || member.Name.Identifier.ValueText == "ElementAt" => member.Expression,
            _ => null,
        };

    /// <summary><c>coll.Count &gt; 0</c>, <c>coll.Length &gt; 0</c> or <c>coll.GetArrayLength() &gt; 0</c>; null when the type offers none.</summary>
    private static ExpressionSyntax? Guard(ExpressionSyntax collection, SemanticModel model, CancellationToken cancellationToken)
    {
        var type = model.GetTypeInfo(collection, cancellationToken).Type;
        if (type is null)
        {
            return null;
        }

        ExpressionSyntax count;
        if (type is IArrayTypeSymbol)
        {
            count = Member(collection, "Length");
        }
        else if (HasIntProperty(type, "Count"))
        {
            count = Member(collection, "Count");
        }
        else if (type.Name == "JsonElement" && type.ContainingNamespace?.ToDisplayString() == "System.Text.Json")
        {
            count = SyntaxFactory.InvocationExpression(Member(collection, "GetArrayLength"));
        }
        else
        {
            return null;
        }

        return SyntaxFactory.BinaryExpression(
            SyntaxKind.GreaterThanExpression,
            count,
            SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0)));
    }

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax receiver, string name)
        => SyntaxFactory.MemberAccessExpression(
            SyntaxKind.SimpleMemberAccessExpression,
            receiver.WithoutTrivia(),
            SyntaxFactory.IdentifierName(name));

    private static bool HasIntProperty(ITypeSymbol type, string name)
    {
        foreach (var candidate in AllTypes(type))
        {
            if (candidate.GetMembers(name).OfType<IPropertySymbol>().Any(p => p.Type.SpecialType == SpecialType.System_Int32 && !p.IsStatic))
            {
                return true;
            }
        }

        return false;
    }

    private static System.Collections.Generic.IEnumerable<ITypeSymbol> AllTypes(ITypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            yield return current;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            yield return @interface;
        }
    }

    /// <summary>The expression or yield statement holding the access, when it sits directly in a block.</summary>
    private static StatementSyntax? WrappableStatement(ExpressionSyntax access)
    {
        var statement = access.FirstAncestorOrSelf<StatementSyntax>();
        if (statement is ExpressionStatementSyntax or YieldStatementSyntax { RawKind: (int)SyntaxKind.YieldReturnStatement }
            && statement.Parent is BlockSyntax
            && !access.Ancestors().TakeWhile(a => a != statement).Any(a => a is LambdaExpressionSyntax or AnonymousMethodExpressionSyntax))
        {
            return statement;
        }

        return null;
    }

    /// <summary>
    /// A local declaration holding the access, directly in the block of a loop body: the update has nothing to
    /// declare, so the fix skips to the next update before it (<c>if (coll.Count == 0) continue;</c>).
    /// </summary>
    private static LocalDeclarationStatementSyntax? SkippableDeclaration(ExpressionSyntax access)
    {
        if (access.FirstAncestorOrSelf<StatementSyntax>() is not LocalDeclarationStatementSyntax declaration
            || declaration.Parent is not BlockSyntax block
            || access.Ancestors().TakeWhile(a => a != declaration).Any(a => a is LambdaExpressionSyntax or AnonymousMethodExpressionSyntax))
        {
            return null;
        }

        // 'continue' must reach a loop of the same function.
        foreach (var ancestor in block.AncestorsAndSelf())
        {
            switch (ancestor)
            {
                case CommonForEachStatementSyntax or ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax:
                    return declaration;
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax:
                    return null;
            }
        }

        return null;
    }

    private static async Task<Document> SkipEmptyAsync(Document document, LocalDeclarationStatementSyntax declaration, ExpressionSyntax guard, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        ExpressionSyntax empty = guard is BinaryExpressionSyntax binary
            ? SyntaxFactory.BinaryExpression(SyntaxKind.EqualsExpression, binary.Left, binary.Right)
            : SyntaxFactory.PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, SyntaxFactory.ParenthesizedExpression(guard));
        var skip = SyntaxFactory.IfStatement(empty, SyntaxFactory.Block(SyntaxFactory.ContinueStatement()))
            .WithLeadingTrivia(declaration.GetLeadingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        var editor = new Microsoft.CodeAnalysis.Editing.SyntaxEditor(root!, document.Project.Solution.Workspace.Services);
        editor.InsertBefore(declaration, skip);
        return document.WithSyntaxRoot(editor.GetChangedRoot());
    }

    /// <summary>The longest member chain from the access (<c>parts[0].Text</c>) when it is a string.</summary>
    private static ExpressionSyntax? StringChain(ExpressionSyntax access, SemanticModel model, CancellationToken cancellationToken)
    {
        ExpressionSyntax chain = access;
        while (chain.Parent is MemberAccessExpressionSyntax member && member.Expression == chain)
        {
            chain = member;
        }

        return model.GetTypeInfo(chain, cancellationToken).Type?.SpecialType == SpecialType.System_String ? chain : null;
    }

    private static async Task<Document> WrapAsync(Document document, StatementSyntax statement, ExpressionSyntax guard, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var wrapped = SyntaxFactory.IfStatement(guard, SyntaxFactory.Block(statement.WithoutLeadingTrivia().WithoutTrailingTrivia()))
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(statement.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root!.ReplaceNode(statement, wrapped));
    }

    private static async Task<Document> ConditionalAsync(Document document, ExpressionSyntax chain, ExpressionSyntax guard, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var empty = SyntaxFactory.MemberAccessExpression(
            SyntaxKind.SimpleMemberAccessExpression,
            SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.StringKeyword)),
            SyntaxFactory.IdentifierName("Empty"));
        var conditional = SyntaxFactory.ParenthesizedExpression(
                SyntaxFactory.ConditionalExpression(guard, chain.WithoutTrivia(), empty))
            .WithTriviaFrom(chain)
            .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
        return document.WithSyntaxRoot(root!.ReplaceNode(chain, conditional));
    }
}
