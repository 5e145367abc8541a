using LlmStreaming.Analyzers.Recognition.Families;
using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.CodeFixes.Termination;

/// <summary>
/// LLM205: inserts the check that throws with the provider's message. Hand-rolled loops: before the parse, a payload
/// that has a top-level <c>"error"</c> property throws an <see cref="System.IO.IOException"/> carrying
/// <c>error.message</c> (or the error itself). An SDK's in-stream error (the family's <see cref="InStreamError"/>): a
/// failed item (Betalgo), first thing in the loop, <c>if (!update.Successful) throw …</c> with <c>Error.Message</c>: an
/// <see cref="System.Net.Http.HttpRequestException"/> with the item's status when the request failed (status 400 and up,
/// where that constructor exists), else an <see cref="System.IO.IOException"/>; an error line with a missing member
/// (OllamaSharp), first thing in the loop, an update with no <c>Message</c> throws an <see cref="System.IO.IOException"/>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InStreamErrorIgnoredCodeFix)), Shared]
public sealed class InStreamErrorIgnoredCodeFix : TerminationCodeFix
{
    public const string Key = "LLM205.ThrowOnStreamError";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.InStreamErrorIgnored);

    private protected override string Title => "Throw when the stream reports an error";

    private protected override string EquivalenceKey => Key;

    private protected override async Task<Document?> TryFixAsync(Document document, SyntaxNode root, SemanticModel model, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var ioException = model.Compilation.GetTypeByMetadataName("System.IO.IOException");
        if (ioException is null || nodes.Length < 1)
        {
            return null;
        }

        diagnostic.Properties.TryGetValue(InStreamErrorIgnoredAnalyzer.ShapeProperty, out var shape);
        diagnostic.Properties.TryGetValue(InStreamErrorIgnoredAnalyzer.UpdateTypeProperty, out var updateType);
        var generator = SyntaxGenerator.GetGenerator(document);
        var sdkError = updateType is null ? null : SdkFamilies.InStreamErrorOf(updateType);
        if (shape != InStreamErrorIgnoredAnalyzer.ShapeHandRolled && (sdkError is null || sdkError.Shape.ToString() != shape))
        {
            return null;
        }

        if (sdkError is { Shape: InStreamErrorShape.FailedItem, ErrorMember: { } errorMember })
        {
            if (nodes[0] is not ForEachStatementSyntax loop)
            {
                return null;
            }

            var slots = new TemplateSlots()
                .Name("update", loop.Identifier.ValueText)
                .Name("succeeded", sdkError.Member)
                .Expression("errorText", ErrorText(loop.Identifier.ValueText, errorMember, sdkError.ErrorTextMembers))
                .Type("IOException", ioException, model, loop);
            var httpRequestException = model.Compilation.GetTypeByMetadataName("System.Net.Http.HttpRequestException");
            StatementSyntax check;
            if (sdkError.StatusMember is { } status && httpRequestException is not null && HasStatusConstructor(httpRequestException))
            {
                // A failed request (its status, 400 and up) becomes the HttpRequestException EnsureSuccessStatusCode would
                // throw, with its StatusCode, so that a retry takes 408, 429 and 5xx and never 400/401/403/404; an error
                // inside a 200 stream stays an IOException (transient).
                slots.Name("error", Names.FreeInFunction(model, loop.Statement, "error"))
                    .Name("status", status)
                    .Type("HttpRequestException", httpRequestException, model, loop);
                check = TerminationSyntax.Statement(
                    """
                    if (!update.succeeded)
                    {
                        var error = "The model stream reported an error: " + (errorText);
                        if ((int)update.status >= 400)
                        {
                            throw new HttpRequestException(error, null, update.status);
                        }

                        throw new IOException(error);
                    }
                    """,
                    generator,
                    loop,
                    slots);
            }
            else
            {
                check = TerminationSyntax.Statement(
                    """
                    if (!update.succeeded)
                    {
                        throw new IOException("The model stream reported an error: " + (errorText));
                    }
                    """,
                    generator,
                    loop,
                    slots);
            }

            return document.WithSyntaxRoot(root.ReplaceNode(loop.Statement, FirstInLoop(loop, check)));
        }

        if (sdkError is { Shape: InStreamErrorShape.MissingMember })
        {
            if (nodes[0] is not ForEachStatementSyntax ollamaLoop)
            {
                return null;
            }

            // The error line reaches the loop as an update with no Message (OllamaSharp drops the error's text): an
            // IOException, so that a retry takes it as it takes a reset.
            var message = "The model stream reported an error: " + sdkError.FixMessage;
            var check = TerminationSyntax.Statement(
                """
                if (chunk != null && chunk.missing == null)
                {
                    throw new IOException(message);
                }
                """,
                generator,
                ollamaLoop,
                new TemplateSlots()
                    .Name("chunk", ollamaLoop.Identifier.ValueText)
                    .Name("missing", sdkError.Member)
                    .Expression("message", SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(message)))
                    .Type("IOException", ioException, model, ollamaLoop));
            return document.WithSyntaxRoot(root.ReplaceNode(ollamaLoop.Statement, FirstInLoop(ollamaLoop, check)));
        }

        if (nodes.Length < 3 || nodes[0] is not ExpressionSyntax parse || nodes[1] is not ExpressionSyntax payload || nodes[2] is not StatementSyntax streamLoop)
        {
            return null;
        }

        var jsonDocument = model.Compilation.GetTypeByMetadataName("System.Text.Json.JsonDocument");
        var jsonValueKind = model.Compilation.GetTypeByMetadataName("System.Text.Json.JsonValueKind");
        var stringComparison = model.Compilation.GetTypeByMetadataName("System.StringComparison");
        var statement = parse.FirstAncestorOrSelf<StatementSyntax>();
        if (jsonDocument is null || jsonValueKind is null || stringComparison is null
            || statement is null || statement == streamLoop || !streamLoop.Span.Contains(statement.Span))
        {
            return null;
        }

        var text = DoneSentinelNotHandledCodeFix.PayloadCheck(model, payload, statement, cancellationToken);
        if (text is null)
        {
            return null;
        }

        var taken = new HashSet<string>();
        var handRolledSlots = new TemplateSlots()
            .Expression("payload", text)
            .Name("errorDocument", Names.FreeInFunction(model, statement, "errorDocument", taken))
            .Name("error", Names.FreeInFunction(model, statement, "error", taken))
            .Name("message", Names.FreeInFunction(model, statement, "message", taken))
            .Type("IOException", ioException, model, statement)
            .Type("JsonDocument", jsonDocument, model, statement)
            .Type("JsonValueKind", jsonValueKind, model, statement)
            .Type("StringComparison", stringComparison, model, statement);

        // C# 7.3 and older have no using declarations: a using statement holds the check.
        var inserted = statement.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 }
            ? TerminationSyntax.Statement(
                """
                if (payload.IndexOf("\"error\"", StringComparison.Ordinal) >= 0)
                {
                    using var errorDocument = JsonDocument.Parse(payload);
                    if (errorDocument.RootElement.ValueKind == JsonValueKind.Object && errorDocument.RootElement.TryGetProperty("error", out var error))
                    {
                        throw new IOException("The model stream reported an error: " + (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) ? message.ToString() : error.ToString()));
                    }
                }
                """,
                generator,
                statement,
                handRolledSlots)
            : TerminationSyntax.Statement(
                """
                if (payload.IndexOf("\"error\"", StringComparison.Ordinal) >= 0)
                {
                    using (var errorDocument = JsonDocument.Parse(payload))
                    {
                        if (errorDocument.RootElement.ValueKind == JsonValueKind.Object && errorDocument.RootElement.TryGetProperty("error", out var error))
                        {
                            throw new IOException("The model stream reported an error: " + (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) ? message.ToString() : error.ToString()));
                        }
                    }
                }
                """,
                generator,
                statement,
                handRolledSlots);

        var newRoot = TerminationSyntax.InsertAround(root, statement, new List<StatementSyntax> { inserted });
        return newRoot is null ? null : document.WithSyntaxRoot(newRoot);
    }

    /// <summary>
    /// <c>update.Error?.Message ?? update.Error?.Code ?? "unknown error"</c>: the error's text members in order, each read
    /// through <paramref name="errorMember"/> of <paramref name="update"/>, the first that is not null.
    /// </summary>
    private static ExpressionSyntax ErrorText(string update, string errorMember, ImmutableArray<string> textMembers)
    {
        ExpressionSyntax text = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal("unknown error"));
        for (var i = textMembers.Length - 1; i >= 0; i--)
        {
            var error = SyntaxFactory.MemberAccessExpression(
                SyntaxKind.SimpleMemberAccessExpression,
                SyntaxFactory.IdentifierName(TemplateSlots.Identifier(update)),
                SyntaxFactory.IdentifierName(TemplateSlots.Identifier(errorMember)));
            var read = SyntaxFactory.ConditionalAccessExpression(error, SyntaxFactory.MemberBindingExpression(SyntaxFactory.IdentifierName(TemplateSlots.Identifier(textMembers[i]))));
            text = SyntaxFactory.BinaryExpression(SyntaxKind.CoalesceExpression, read, text);
        }

        return text.NormalizeWhitespace();
    }

    /// <summary>The loop's body with <paramref name="check"/> as its first statement.</summary>
    private static StatementSyntax FirstInLoop(ForEachStatementSyntax loop, StatementSyntax check)
        => loop.Statement is BlockSyntax block
            ? block.WithStatements(block.Statements.Insert(0, check))
            : SyntaxFactory.Block(check, loop.Statement.WithoutTrivia()).WithTriviaFrom(loop.Statement).WithAdditionalAnnotations(Formatter.Annotation);

    /// <summary>HttpRequestException(string, Exception, HttpStatusCode?) exists (.NET 5 and later).</summary>
    private static bool HasStatusConstructor(INamedTypeSymbol httpRequestException)
        => httpRequestException.InstanceConstructors.Any(c => c.DeclaredAccessibility == Accessibility.Public
            && c.Parameters.Length == 3
            && c.Parameters[2].Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            && nullable.TypeArguments[0].ToDisplayString() == "System.Net.HttpStatusCode");
}
