using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LlmStreaming.Analyzers;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Timeouts;
using LlmStreaming.CodeFixes.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;

namespace LlmStreaming.CodeFixes.Timeouts;

/// <summary>
/// LLM406: passes the reads of a hand-rolled stream a token linked to an idle timeout that is re-armed at the start of
/// each iteration (after each read when the read is the loop's condition):
/// <code>
/// var idleLimit = TimeSpan.FromMinutes(2);
/// using var idleTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
/// idleTimeout.CancelAfter(idleLimit);
/// while ((line = await reader.ReadLineAsync(idleTimeout.Token)) != null)
/// {
///     idleTimeout.CancelAfter(idleLimit);
///     …
/// }
/// </code>
/// Offered for async reads that have a token overload (<c>TextReader.ReadLineAsync(CancellationToken)</c>,
/// <c>SseParser.EnumerateAsync(CancellationToken)</c>), not for loops that test <c>EndOfStream</c> (a synchronous read the
/// token cannot reach).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StreamedBodyWithoutIdleTimeoutCodeFix)), Shared]
public sealed class StreamedBodyWithoutIdleTimeoutCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "LLM406.IdleTimeout";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.StreamedBodyWithoutIdleTimeout);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.Create(async (document, diagnostic, cancellationToken) => await ApplyAsync(document, diagnostic, cancellationToken).ConfigureAwait(false));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (await PlanAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Pass a token linked to an idle timeout to the reads", c => ApplyAsync(context.Document, diagnostic, c), EquivalenceKey),
                diagnostic);
        }
    }

    private sealed class Plan
    {
        public Plan(StatementSyntax loop, ImmutableArray<InvocationExpressionSyntax> reads, string? linkedToken, int idleSeconds, SemanticModel model)
        {
            Loop = loop;
            Reads = reads;
            LinkedToken = linkedToken;
            IdleSeconds = idleSeconds;
            Model = model;
        }

        public StatementSyntax Loop { get; }

        public ImmutableArray<InvocationExpressionSyntax> Reads { get; }

        public string? LinkedToken { get; }

        public int IdleSeconds { get; }

        public SemanticModel Model { get; }
    }

    private static async Task<Plan?> PlanAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || TimeoutSyntax.Seconds(diagnostic, StreamedBodyWithoutIdleTimeoutAnalyzer.IdleSecondsProperty) is not int idleSeconds)
        {
            return null;
        }

        var name = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var loopSyntax = name?.Ancestors().FirstOrDefault(a => a is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax) as StatementSyntax;
        if (loopSyntax?.Parent is not BlockSyntax
            || model.GetOperation(loopSyntax, cancellationToken) is not ILoopOperation loop
            || LlmAnalysisContext.Get(model.Compilation) is not { } llm)
        {
            return null;
        }

        var options = LlmOptions.Parse(document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(root.SyntaxTree));
        if (llm.Streams.TryGetStreamLoop(loop, options, cancellationToken) is not { HandRolled: { } handRolled })
        {
            return null;
        }

        var reads = ImmutableArray.CreateBuilder<InvocationExpressionSyntax>();
        if (handRolled.UsesSseParser && loop is IForEachLoopOperation forEach)
        {
            if (HttpResponseFlow.SseEnumerateCall(forEach.Collection) is not { } enumerate
                || enumerate.Syntax is not InvocationExpressionSyntax enumerateSyntax
                || !CanTakeToken(enumerate, llm)
                || forEach.Collection.Syntax.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WithCancellation" }))
            {
                return null;
            }

            reads.Add(enumerateSyntax);
        }
        else
        {
            if (loopSyntax.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == "EndOfStream"))
            {
                return null; // EndOfStream reads synchronously: no token can reach it
            }

            foreach (var read in handRolled.Reads)
            {
                if (read.Syntax is not InvocationExpressionSyntax readSyntax || !CanTakeToken(read, llm))
                {
                    return null;
                }

                reads.Add(readSyntax);
            }
        }

        if (reads.Count == 0)
        {
            return null;
        }

        return new Plan(loopSyntax, reads.ToImmutable(), TokenInScope(model, loopSyntax, llm, cancellationToken), idleSeconds, model);
    }

    /// <summary>An async read with no token (or a None token) that has an overload taking one.</summary>
    private static bool CanTakeToken(IInvocationOperation read, LlmAnalysisContext llm)
    {
        var method = read.TargetMethod;
        var explicitArguments = read.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).ToList();
        if (explicitArguments.Count > 1 || explicitArguments.Count == 1 && !(llm.Cancellation.IsToken(explicitArguments[0].Parameter?.Type) && llm.Cancellation.IsNone(explicitArguments[0].Value)))
        {
            return false;
        }

        if (explicitArguments.Count == 1 || method.Parameters.Length == 1 && llm.Cancellation.IsToken(method.Parameters[0].Type))
        {
            return true; // ReadLineAsync(CancellationToken.None), EnumerateAsync(CancellationToken cancellationToken = default)
        }

        return method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
            .Any(m => !m.IsStatic && m.Parameters.Length == 1 && llm.Cancellation.IsToken(m.Parameters[0].Type));
    }

    /// <summary>The name of a token parameter of the enclosing method, lambda or local function, if any.</summary>
    private static string? TokenInScope(SemanticModel model, SyntaxNode loop, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        var symbol = model.GetEnclosingSymbol(loop.SpanStart, cancellationToken) as IMethodSymbol;
        var parameter = symbol?.Parameters.FirstOrDefault(p => llm.Cancellation.IsToken(p.Type));
        return parameter is null ? null : SyntaxFacts.GetKeywordKind(parameter.Name) != SyntaxKind.None ? "@" + parameter.Name : parameter.Name;
    }

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (plan is null || root is null)
        {
            return document;
        }

        var member = plan.Loop.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) ?? plan.Loop.Parent!;
        var limit = TimeoutSyntax.FreeName(plan.Model, plan.Loop.SpanStart, "idleLimit", member);
        var source = TimeoutSyntax.FreeName(plan.Model, plan.Loop.SpanStart, "idleTimeout", member);

        // The reads take the idle token.
        var tokenArgument = SyntaxFactory.Argument(SyntaxFactory.ParseExpression(source + ".Token"));
        var loop = plan.Loop.ReplaceNodes(plan.Reads, (_, read) => read.WithArgumentList(read.ArgumentList.WithArguments(SyntaxFactory.SingletonSeparatedList(tokenArgument))));

        // Re-armed at the start of every iteration.
        var eol = TimeoutSyntax.EndOfLine(plan.Loop);
        var rearm = SyntaxFactory.ParseStatement(source + ".CancelAfter(" + limit + ");").WithTrailingTrivia(eol);
        loop = loop switch
        {
            WhileStatementSyntax w => w.WithStatement(Rearmed(w.Statement, rearm, plan.Loop)),
            DoStatementSyntax d => d.WithStatement(Rearmed(d.Statement, rearm, plan.Loop)),
            ForStatementSyntax f => f.WithStatement(Rearmed(f.Statement, rearm, plan.Loop)),
            ForEachStatementSyntax f => f.WithStatement(Rearmed(f.Statement, rearm, plan.Loop)),
            ForEachVariableStatementSyntax f => f.WithStatement(Rearmed(f.Statement, rearm, plan.Loop)),
            _ => loop,
        };

        // Armed once before the first read.
        var indentation = TimeoutSyntax.Indentation(plan.Loop);
        var create = plan.LinkedToken is null
            ? "new global::System.Threading.CancellationTokenSource()"
            : "global::System.Threading.CancellationTokenSource.CreateLinkedTokenSource(" + plan.LinkedToken + ")";
        var declareLimit = TimeoutSyntax.Annotate(SyntaxFactory.ParseStatement("var " + limit + " = " + TimeoutSyntax.Duration(plan.IdleSeconds).ToString() + ";"))
            .WithLeadingTrivia(plan.Loop.GetLeadingTrivia()).WithTrailingTrivia(eol);
        var arm = SyntaxFactory.ParseStatement(source + ".CancelAfter(" + limit + ");").WithLeadingTrivia(indentation).WithTrailingTrivia(eol);
        List<StatementSyntax> setup;
        if (TimeoutSyntax.SupportsUsingDeclarations(root.SyntaxTree))
        {
            setup = new List<StatementSyntax>
            {
                declareLimit,
                TimeoutSyntax.Annotate(SyntaxFactory.ParseStatement("using var " + source + " = " + create + ";")).WithLeadingTrivia(indentation).WithTrailingTrivia(eol),
                arm,
                loop.WithLeadingTrivia(indentation),
            };
        }
        else
        {
            // C# 7.3 and older have no using declarations: a using statement holds the arming and the loop.
            var scoped = (UsingStatementSyntax)TimeoutSyntax.Annotate(SyntaxFactory.ParseStatement("using (var " + source + " = " + create + ")\n{\n}"));
            scoped = scoped.WithStatement(SyntaxFactory.Block(arm, loop.WithoutTrivia()));
            setup = new List<StatementSyntax> { declareLimit, scoped.WithLeadingTrivia(indentation).WithTrailingTrivia(plan.Loop.GetTrailingTrivia()).WithAdditionalAnnotations(Formatter.Annotation) };
        }

        var newRoot = root.ReplaceNode(plan.Loop, setup);
        return await TimeoutSyntax.CleanupAsync(document.WithSyntaxRoot(newRoot), cancellationToken).ConfigureAwait(false);
    }

    private static StatementSyntax Rearmed(StatementSyntax body, StatementSyntax rearm, StatementSyntax originalLoop)
    {
        if (body is BlockSyntax block)
        {
            var indentation = block.Statements.Count > 0
                ? TimeoutSyntax.Indentation(block.Statements[0])
                : SyntaxFactory.TriviaList(SyntaxFactory.Whitespace(TimeoutSyntax.Indentation(originalLoop).ToFullString() + "    "));
            return block.WithStatements(block.Statements.Insert(0, rearm.WithLeadingTrivia(indentation)));
        }

        return SyntaxFactory.Block(rearm, body).WithAdditionalAnnotations(Formatter.Annotation);
    }
}
