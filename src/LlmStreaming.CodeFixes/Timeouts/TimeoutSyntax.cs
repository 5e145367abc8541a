using System.Globalization;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>Syntax the timeout fixes share: durations, infinite timeouts, initializer members, fresh names.</summary>
internal static class TimeoutSyntax
{
    /// <summary><c>TimeSpan.FromMinutes(n)</c> when whole minutes, else <c>TimeSpan.FromSeconds(n)</c> (simplified, <c>using System;</c> added when missing).</summary>
    public static ExpressionSyntax Duration(int seconds)
    {
        var (text, count) = seconds % 3600 == 0 && seconds >= 3600
            ? ("global::System.TimeSpan.FromHours(count)", seconds / 3600)
            : seconds % 60 == 0
                ? ("global::System.TimeSpan.FromMinutes(count)", seconds / 60)
                : ("global::System.TimeSpan.FromSeconds(count)", seconds);
        var duration = (InvocationExpressionSyntax)SyntaxFactory.ParseExpression(text);
        var literal = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(count));
        return Cleanup.Annotate(duration.ReplaceNode(duration.ArgumentList.Arguments[0].Expression, literal));
    }

    /// <summary><c>Timeout.InfiniteTimeSpan</c> (simplified, <c>using System.Threading;</c> added when missing).</summary>
    public static ExpressionSyntax Infinite()
        => Cleanup.Annotate(SyntaxFactory.ParseExpression("global::System.Threading.Timeout.InfiniteTimeSpan"));

    /// <summary>
    /// Adds <c>Name = value</c> to an object creation's initializer (creating <c>{ Name = value }</c> when there is
    /// none), keeping a multi-line initializer's layout.
    /// </summary>
    public static BaseObjectCreationExpressionSyntax AddInitializerMember(BaseObjectCreationExpressionSyntax creation, string name, ExpressionSyntax value)
    {
        var member = SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            SyntaxFactory.IdentifierName(name),
            SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space),
            value.WithoutTrivia());

        if (creation.Initializer is not { } initializer)
        {
            var trailing = creation.GetTrailingTrivia();
            var bare = creation.WithoutTrailingTrivia();
            var newInitializer = SyntaxFactory.InitializerExpression(
                    SyntaxKind.ObjectInitializerExpression,
                    SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space),
                    SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(member),
                    SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(SyntaxFactory.Space))
                .WithTrailingTrivia(trailing);
            return bare is ObjectCreationExpressionSyntax { ArgumentList: null } named
                ? named.WithType(named.Type.WithoutTrailingTrivia()).WithArgumentList(SyntaxFactory.ArgumentList()).WithInitializer(newInitializer)
                : bare.WithInitializer(newInitializer);
        }

        var expressions = initializer.Expressions;
        if (expressions.Count == 0)
        {
            return creation.WithInitializer(initializer.WithExpressions(SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(
                member.WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space))));
        }

        var multiLine = initializer.OpenBraceToken.GetLocation().GetLineSpan().EndLinePosition.Line
            != initializer.CloseBraceToken.GetLocation().GetLineSpan().StartLinePosition.Line;
        var last = expressions[expressions.Count - 1];
        var hasTrailingComma = expressions.SeparatorCount == expressions.Count;

        var nodesAndTokens = new List<SyntaxNodeOrToken>();
        for (var i = 0; i < expressions.Count; i++)
        {
            var expression = expressions[i];
            if (i == expressions.Count - 1 && !hasTrailingComma)
            {
                // Move the last element's trailing trivia after the comma we add.
                nodesAndTokens.Add(expression.WithoutTrailingTrivia());
                nodesAndTokens.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(multiLine ? expression.GetTrailingTrivia() : SyntaxFactory.TriviaList(SyntaxFactory.Space)));
            }
            else
            {
                nodesAndTokens.Add(expression);
                if (i < expressions.SeparatorCount)
                {
                    nodesAndTokens.Add(expressions.GetSeparator(i));
                }
            }
        }

        if (multiLine)
        {
            var added = member.WithLeadingTrivia(last.GetLeadingTrivia());
            if (hasTrailingComma)
            {
                nodesAndTokens.Add(added);
                nodesAndTokens.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(expressions.GetSeparator(expressions.SeparatorCount - 1).TrailingTrivia));
            }
            else
            {
                nodesAndTokens.Add(added.WithTrailingTrivia(last.GetTrailingTrivia()));
            }
        }
        else
        {
            nodesAndTokens.Add(hasTrailingComma ? member.WithLeadingTrivia(SyntaxFactory.Space) : member);
            if (!hasTrailingComma)
            {
                nodesAndTokens[nodesAndTokens.Count - 1] = member.WithTrailingTrivia(last.GetTrailingTrivia());
            }
        }

        return creation.WithInitializer(initializer.WithExpressions(SyntaxFactory.SeparatedList<ExpressionSyntax>(nodesAndTokens)));
    }

    /// <summary>True when the document's language version has using declarations (C# 8).</summary>
    public static bool SupportsUsingDeclarations(SyntaxTree tree)
        => tree.Options is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 };

    /// <summary>The minimum (seconds) the analyzer handed over, or null.</summary>
    public static int? Seconds(Diagnostic diagnostic, string property)
        => diagnostic.Properties.TryGetValue(property, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : null;

    /// <summary>The node of the diagnostic's span, of the given type, or null.</summary>
    public static T? NodeAt<T>(SyntaxNode root, Diagnostic diagnostic)
        where T : SyntaxNode
        => root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)?.AncestorsAndSelf().OfType<T>().FirstOrDefault();
}
