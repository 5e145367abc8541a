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
        var types = new Dictionary<string, ITypeSymbol> { ["IOException"] = ioException };
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

            var update = loop.Identifier.ValueText;
            var errorText = string.Concat(sdkError.ErrorTextMembers.Select(m => update + "." + errorMember + "?." + m + " ?? "));
            var errorMessage = "\"The model stream reported an error: \" + (" + errorText + "\"unknown error\")";
            var httpRequestException = model.Compilation.GetTypeByMetadataName("System.Net.Http.HttpRequestException");
            string checkText;
            if (sdkError.StatusMember is { } status && httpRequestException is not null && HasStatusConstructor(httpRequestException))
            {
                // A failed request (its status, 400 and up) becomes the HttpRequestException EnsureSuccessStatusCode would
                // throw, with its StatusCode, so that a retry takes 408, 429 and 5xx and never 400/401/403/404; an error
                // inside a 200 stream stays an IOException (transient).
                var errorName = Names.FreeInFunction(model, loop.Statement, "error");
                types["HttpRequestException"] = httpRequestException;
                checkText = "if (!" + update + "." + sdkError.Member + ")\n{\n"
                    + "    var " + errorName + " = " + errorMessage + ";\n"
                    + "    if ((int)" + update + "." + status + " >= 400)\n    {\n"
                    + "        throw new HttpRequestException(" + errorName + ", null, " + update + "." + status + ");\n"
                    + "    }\n\n"
                    + "    throw new IOException(" + errorName + ");\n}";
            }
            else
            {
                checkText = "if (!" + update + "." + sdkError.Member + ")\n{\n    throw new IOException(" + errorMessage + ");\n}";
            }

            var check = TerminationSyntax.Statement(checkText, generator, loop, types, model);
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
            var chunk = ollamaLoop.Identifier.ValueText;
            var check = TerminationSyntax.Statement(
                "if (" + chunk + " != null && " + chunk + "." + sdkError.Member + " == null)\n{\n"
                    + "    throw new IOException(\"The model stream reported an error: " + sdkError.FixMessage + "\");\n}",
                generator,
                ollamaLoop,
                types,
                model);
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
        var document2 = Names.FreeInFunction(model, statement, "errorDocument", taken);
        var error = Names.FreeInFunction(model, statement, "error", taken);
        var message = Names.FreeInFunction(model, statement, "message", taken);
        types["JsonDocument"] = jsonDocument;
        types["JsonValueKind"] = jsonValueKind;
        types["StringComparison"] = stringComparison;
        var throwOnError = "if (" + document2 + ".RootElement.ValueKind == JsonValueKind.Object && " + document2 + ".RootElement.TryGetProperty(\"error\", out var " + error + "))\n"
            + "{\n"
            + "    throw new IOException(\"The model stream reported an error: \" + (" + error + ".ValueKind == JsonValueKind.Object && " + error + ".TryGetProperty(\"message\", out var " + message + ") ? " + message + ".ToString() : " + error + ".ToString()));\n"
            + "}\n";

        // C# 7.3 and older have no using declarations: a using statement holds the check.
        var parseAndCheck = statement.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 }
            ? "using var " + document2 + " = JsonDocument.Parse(" + text + ");\n" + throwOnError
            : "using (var " + document2 + " = JsonDocument.Parse(" + text + "))\n{\n" + throwOnError + "}\n";
        var inserted = TerminationSyntax.Statement(
            "if (" + text + ".IndexOf(\"\\\"error\\\"\", StringComparison.Ordinal) >= 0)\n"
                + "{\n"
                + parseAndCheck
                + "}",
            generator,
            statement,
            types,
            model);

        var newRoot = TerminationSyntax.InsertAround(root, statement, new List<StatementSyntax> { inserted });
        return newRoot is null ? null : document.WithSyntaxRoot(newRoot);
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
