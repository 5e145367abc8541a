using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>Syntax the timeout fixes share: durations, infinite timeouts, initializer members, fresh names.</summary>
internal static class TimeoutSyntax
{
    /// <summary><c>TimeSpan.FromMinutes(n)</c> when whole minutes, else <c>TimeSpan.FromSeconds(n)</c> (simplified, <c>using System;</c> added when missing).</summary>
    public static ExpressionSyntax Duration(int seconds)
    {
        var text = seconds % 3600 == 0 && seconds >= 3600
            ? "global::System.TimeSpan.FromHours(" + (seconds / 3600).ToString(CultureInfo.InvariantCulture) + ")"
            : seconds % 60 == 0
                ? "global::System.TimeSpan.FromMinutes(" + (seconds / 60).ToString(CultureInfo.InvariantCulture) + ")"
                : "global::System.TimeSpan.FromSeconds(" + seconds.ToString(CultureInfo.InvariantCulture) + ")";
        return Annotate(SyntaxFactory.ParseExpression(text));
    }

    /// <summary><c>Timeout.InfiniteTimeSpan</c> (simplified, <c>using System.Threading;</c> added when missing).</summary>
    public static ExpressionSyntax Infinite()
        => Annotate(SyntaxFactory.ParseExpression("global::System.Threading.Timeout.InfiniteTimeSpan"));

    /// <summary>A type or member access written fully qualified and reduced by the simplifier, with its using added.</summary>
    public static ExpressionSyntax Qualified(string fullyQualified)
        => Annotate(SyntaxFactory.ParseExpression("global::" + fullyQualified));

    /// <summary>
    /// Adds the usings the annotated nodes need, reduces their qualified names and formats the annotated blocks. Done
    /// here rather than left to the code action's own cleanup, which on the Roslyn floor adds imports only for symbol
    /// annotations.
    /// </summary>
    public static async Task<Document> CleanupAsync(Document document, CancellationToken cancellationToken)
    {
        document = await ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        document = await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Formatter.FormatAsync(document, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public static T Annotate<T>(T node)
        where T : SyntaxNode
        => node.WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);

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

    /// <summary>A name free at <paramref name="position"/>: <paramref name="preferred"/>, else with a number appended.</summary>
    public static string FreeName(SemanticModel model, int position, string preferred, SyntaxNode? scope = null)
    {
        var taken = new HashSet<string>(model.LookupSymbols(position).Select(s => s.Name));
        if (scope is not null)
        {
            // Locals declared later in the same block are not visible at the position but would clash.
            foreach (var token in scope.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken))
                {
                    taken.Add(token.ValueText);
                }
            }
        }

        if (!taken.Contains(preferred))
        {
            return preferred;
        }

        for (var i = 2; ; i++)
        {
            var candidate = preferred + i.ToString(CultureInfo.InvariantCulture);
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>The whitespace that indents <paramref name="statement"/>.</summary>
    public static SyntaxTriviaList Indentation(SyntaxNode statement)
    {
        var leading = statement.GetLeadingTrivia();
        return leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList();
    }

    /// <summary>The end of line the document uses after <paramref name="statement"/>.</summary>
    public static SyntaxTrivia EndOfLine(SyntaxNode statement)
    {
        foreach (var trivia in statement.GetTrailingTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return trivia;
            }
        }

        return SyntaxFactory.ElasticCarriageReturnLineFeed;
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
