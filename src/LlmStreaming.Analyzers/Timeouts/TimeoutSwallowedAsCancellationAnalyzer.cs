using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM407: <c>catch (OperationCanceledException)</c> (or <c>TaskCanceledException</c>) around an LLM stream, with no filter
/// and no check of the caller's own token: SDK and HttpClient timeouts arrive as the same exception and are swallowed as
/// a user cancel.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TimeoutSwallowedAsCancellationAnalyzer : LlmAnalyzer
{
    /// <summary>The token expression the fix checks (<c>ct</c>, <c>cts.Token</c>); absent when none is in sight.</summary>
    internal const string TokenProperty = "Token";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LLM407_TimeoutSwallowedAsCancellation);

    private protected override void Register(CompilationStartAnalysisContext start, LlmAnalysisContext llm)
    {
        if (llm.Types.OperationCanceledException is not null && llm.Types.CancellationToken is not null)
        {
            start.RegisterOperationAction(c => AnalyzeTry(c, llm), OperationKind.Try);
        }
    }

    private static void AnalyzeTry(OperationAnalysisContext context, LlmAnalysisContext llm)
    {
        var @try = (ITryOperation)context.Operation;
        var candidates = @try.Catches.Where(c => c.Filter is null
            && c.ExceptionType is INamedTypeSymbol caught
            && caught.IsOrInheritsFrom(llm.Types.OperationCanceledException)
            && c.Syntax is CatchClauseSyntax { Declaration: not null }).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var options = llm.GetOptions(@try.Syntax.SyntaxTree, context.Options);
        var stream = StreamIn(@try.Body, llm, options, context.CancellationToken, out var tokenPassed);
        if (stream is null)
        {
            return;
        }

        // A token the caller can cancel must be in play; otherwise the catch can only see timeouts and handles them on purpose.
        var parameterToken = TokenParameter(@try, context.Operation.SemanticModel, llm, context.CancellationToken);
        var token = parameterToken ?? tokenPassed;
        if (token is null)
        {
            return;
        }

        foreach (var @catch in candidates)
        {
            if (Rethrows(@catch.Handler) || ChecksCancellation(@catch.Handler, llm))
            {
                continue;
            }

            var properties = ImmutableDictionary<string, string?>.Empty.Add(TokenProperty, token);
            var declaration = ((CatchClauseSyntax)@catch.Syntax).Declaration!;
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.LLM407_TimeoutSwallowedAsCancellation,
                declaration.GetLocation(),
                properties,
                @catch.ExceptionType.Name,
                stream,
                "catch it only 'when (" + token + ".IsCancellationRequested)'"));
        }
    }

    /// <summary>The name of the LLM stream in the try body, as a message shows it, and the simple token expression passed to it (if any).</summary>
    private static string? StreamIn(IOperation body, LlmAnalysisContext llm, LlmOptions options, CancellationToken cancellationToken, out string? token)
    {
        token = null;
        string? stream = null;
        foreach (var node in body.DescendantsWithinFunction())
        {
            switch (node)
            {
                case ILoopOperation loop when llm.Streams.TryGetStreamLoop(loop, options, cancellationToken, StreamShapes.All) is { } streamLoop:
                    stream ??= streamLoop.MessageName;
                    break;

                case IInvocationOperation invocation when llm.Streams.TryGetStreamCall(invocation, options) is not null
                    || llm.Streams.TryGetAggregation(invocation, options, cancellationToken) is not null:
                    stream ??= "'" + invocation.TargetMethod.Name + "'";
                    break;
            }

            if (node is IInvocationOperation call && token is null)
            {
                foreach (var argument in llm.Cancellation.ExplicitTokenArguments(call))
                {
                    if (!llm.Cancellation.IsNone(argument.Value) && SimpleToken(argument.Value) is { } text)
                    {
                        token = text;
                        break;
                    }
                }
            }
        }

        return stream;
    }

    /// <summary><c>ct</c>, <c>_token</c>, <c>cts.Token</c>: a token expression that can be repeated in a filter.</summary>
    private static string? SimpleToken(IOperation value)
        => value.WalkDownConversions() switch
        {
            ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } => value.WalkDownConversions().Syntax.ToString(),
            IPropertyReferenceOperation { Property.Name: "Token", Instance: ILocalReferenceOperation or IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } } property => property.Syntax.ToString(),
            _ => null,
        };

    /// <summary>The name of a <c>CancellationToken</c> parameter of the method (or lambda, local function) around the try.</summary>
    private static string? TokenParameter(IOperation @try, SemanticModel? model, LlmAnalysisContext llm, CancellationToken cancellationToken)
    {
        if (model is null || @try.ContainingMethod(model, cancellationToken) is not { } method)
        {
            return null;
        }

        var parameter = method.Parameters.FirstOrDefault(p => llm.Cancellation.IsToken(p.Type));
        return parameter is null ? null : SyntaxFacts.GetKeywordKind(parameter.Name) != SyntaxKind.None ? "@" + parameter.Name : parameter.Name;
    }

    private static bool Rethrows(IOperation handler)
        => handler.DescendantsWithinFunction().Any(o => o is IThrowOperation);

    /// <summary>The handler looks at a token (<c>IsCancellationRequested</c>, <c>ThrowIfCancellationRequested</c>) or at the exception's <c>CancellationToken</c>.</summary>
    private static bool ChecksCancellation(IOperation handler, LlmAnalysisContext llm)
    {
        foreach (var node in handler.DescendantsWithinFunction())
        {
            switch (node)
            {
                case IPropertyReferenceOperation { Property.Name: "IsCancellationRequested" }:
                case IPropertyReferenceOperation { Property.Name: "CancellationToken" } property when property.Instance?.Type.IsOrInheritsFrom(llm.Types.OperationCanceledException) == true:
                case IInvocationOperation { TargetMethod.Name: "ThrowIfCancellationRequested" }:
                    return true;
            }
        }

        return false;
    }
}
