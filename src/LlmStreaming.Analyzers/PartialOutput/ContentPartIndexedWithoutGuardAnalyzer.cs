using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.PartialOutput;

/// <summary>
/// LLM303: <c>update.ContentUpdate[0]</c> (or <c>First()</c>, <c>Choices[0]</c>…) on a streaming update's content list
/// with no count check: role-only and final updates carry no parts, so the access throws mid-stream.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ContentPartIndexedWithoutGuardAnalyzer : LlmAnalyzer
{
    private static readonly ImmutableHashSet<string> ElementMethods = ImmutableHashSet.Create("First", "Last", "Single", "ElementAt");
    private static readonly ImmutableHashSet<string> GuardMembers = ImmutableHashSet.Create("Count", "Length", "Any", "GetArrayLength", "LongCount");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM303_ContentPartIndexedWithoutGuard);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        // Only in the code blocks that name a content list (or read a JSON property): not at every property and call.
        WordGatedActions.Register(start, TextDeltas.ContentListWords, ImmutableArray<string>.Empty, block =>
        {
            block.RegisterOperationAction(c => AnalyzeIndexer(c, llm), OperationKind.PropertyReference, OperationKind.ArrayElementReference, OperationKind.ImplicitIndexerReference);
            block.RegisterOperationAction(c => AnalyzeElementMethod(c, llm), OperationKind.Invocation);
        });
    }

    private static void AnalyzeIndexer(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        IOperation? collection;
        IOperation index;
        switch (context.Operation)
        {
            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance, Arguments.Length: 1 } indexer:
                collection = instance;
                index = indexer.Arguments[0].Value;
                break;
            case IArrayElementReferenceOperation { Indices.Length: 1 } array:
                collection = array.ArrayReference;
                index = array.Indices[0];
                break;
            case IImplicitIndexerReferenceOperation implicitIndexer:
                // list[^1] on a type with Count and an int indexer
                collection = implicitIndexer.Instance;
                index = implicitIndexer.Argument;
                break;
            default:
                return;
        }

        if (!IsConstantPosition(index))
        {
            return;
        }

        Analyze(context, llm, collection);
    }

    private static void AnalyzeElementMethod(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!ElementMethods.Contains(method.Name) || !method.IsExtensionMethod && method.ReducedFrom is null || invocation.Arguments.Length == 0)
        {
            return;
        }

        if (!(method.ContainingType?.Name == "Enumerable" && method.IsInNamespace("System.Linq")))
        {
            return;
        }

        // First()/Last()/Single() with no predicate, or ElementAt(constant).
        if (method.Name == "ElementAt" ? invocation.Arguments.Length != 2 || !IsConstantPosition(invocation.Arguments[1].Value) : invocation.Arguments.Length != 1)
        {
            return;
        }

        Analyze(context, llm, invocation.Arguments[0].Value);
    }

    private static bool IsConstantPosition(IOperation index)
    {
        var value = index.WalkDownConversions();
        if (value.ConstantValue is { HasValue: true, Value: int })
        {
            return true;
        }

        // ^1
        return value is IUnaryOperation { OperatorKind: UnaryOperatorKind.Hat, Operand.ConstantValue.HasValue: true };
    }

    private static void Analyze(OperationAnalysisContext context, LlmAnalysisContext llm, IOperation collection)
    {
        if (!TextDeltas.MayBeContentList(collection))
        {
            return; // most indexers of a project: not a content list, answered before any loop is looked for
        }

        var options = llm.GetOptions(context.Operation.Syntax.SyntaxTree, context.Options);
        var loop = llm.Streams.FindEnclosingStreamLoop(context.Operation, options, context.CancellationToken, StreamShapes.Direct | StreamShapes.ParameterFed);
        if (loop is null || !TextDeltas.IsContentList(collection, loop))
        {
            return;
        }

        if (IsGuarded(collection, context.Operation, loop))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.LLM303_ContentPartIndexedWithoutGuard,
            context.Operation.Syntax.GetLocation(),
            collection.Syntax.ToString(),
            loop.MessageName));
    }

    /// <summary>The same expression, parentheses aside: <c>(chunk.Choices).Count</c> guards <c>chunk.Choices[0]</c>.</summary>
    private static bool Same(SyntaxNode left, SyntaxNode right)
        => SyntaxFactory.AreEquivalent(WithoutParentheses(left), WithoutParentheses(right));

    private static SyntaxNode WithoutParentheses(SyntaxNode node)
    {
        while (node is ParenthesizedExpressionSyntax parenthesized)
        {
            node = parenthesized.Expression;
        }

        return node;
    }

    /// <summary>
    /// A guard is any count/emptiness test of the same collection in the loop body before the access or around it:
    /// <c>Count &gt; 0</c>, <c>Count == 0</c> then continue, <c>Any()</c>, <c>is { Count: &gt; 0 }</c>, a list pattern…
    /// </summary>
    private static bool IsGuarded(IOperation collection, IOperation access, LlmStreamLoop loop)
    {
        var collectionSyntax = collection.Syntax;
        foreach (var node in loop.Body.Syntax.DescendantNodes())
        {
            if (node.SpanStart >= access.Syntax.SpanStart && !node.Span.Contains(access.Syntax.Span))
            {
                continue;
            }

            switch (node)
            {
                case MemberAccessExpressionSyntax member when GuardMembers.Contains(member.Name.Identifier.ValueText)
                    && Same(member.Expression, collectionSyntax):
                    return true;

                case IsPatternExpressionSyntax pattern when Same(pattern.Expression, collectionSyntax)
                    && (pattern.Pattern is ListPatternSyntax || pattern.Pattern.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => GuardMembers.Contains(i.Identifier.ValueText))):
                    return true;

                case InvocationExpressionSyntax { Expression: IdentifierNameSyntax or MemberAccessExpressionSyntax } call
                    when call.ArgumentList.Arguments.Any(a => Same(a.Expression, collectionSyntax))
                    && call.Expression.ToString() is var name && (name.EndsWith("Any", System.StringComparison.Ordinal) || name.EndsWith("Count", System.StringComparison.Ordinal)):
                    return true;
            }
        }

        // A property pattern on the receiver: update is { ContentUpdate.Count: > 0 } / { ContentUpdate: [var part, ..] }
        if (collection.WalkDownConversions() is IPropertyReferenceOperation property)
        {
            var name = property.Property.Name;
            foreach (var pattern in loop.Body.Syntax.DescendantNodes().OfType<SubpatternSyntax>())
            {
                if (pattern.SpanStart < access.Syntax.SpanStart && pattern.ToString().IndexOf(name, System.StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
