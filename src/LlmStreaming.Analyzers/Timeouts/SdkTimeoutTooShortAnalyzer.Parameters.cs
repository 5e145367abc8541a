using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Timeouts;

/// <summary>
/// LLM404 across a method boundary (issue 11): a constructor or method of this compilation that sets an SDK client
/// option's timeout from one of its parameters (<c>new OpenAIClientOptions { NetworkTimeout = timeout }</c>,
/// <c>options.Timeout = timeout</c> on Anthropic's <c>ClientOptions</c>), called with a constant below the minimum
/// (<c>new LlmService(TimeSpan.FromSeconds(30))</c>): reported at the argument, with the minimum of the caller's file.
/// </summary>
public sealed partial class SdkTimeoutTooShortAnalyzer
{
    /// <summary>The parameters a method sets an SDK timeout option from, each with the option's name and effect; once per method.</summary>
    private static PassedTimeouts<OptionFacts> PassedTimeouts(LlmAnalysisContext llm, SdkOptions sdkOptions)
        => new((method, _) => Summarize(method, llm, sdkOptions));

    private static void AnalyzePassedTimeout(OperationAnalysisContext context, LlmAnalysisContext llm, PassedTimeouts<OptionFacts> passed)
    {
        var (minimum, found) = passed.ShortArguments(context, llm, DiagnosticIds.SdkTimeoutTooShort);
        foreach (var argument in found)
        {
            // The fix (which needs the shape) only for a timeout written out at the call: a named constant may serve other uses.
            var shape = argument.IsPlainLiteral ? ShapeValue : null;
            var milliseconds = argument.Value.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64;
            Report(
                context,
                argument.Value.Syntax.GetLocation(),
                shape,
                milliseconds,
                "The timeout passed to '" + argument.Callee + "'",
                argument.Timeout,
                "and becomes " + argument.Facts.What,
                argument.Facts.Effect,
                minimum);
        }
    }

    /// <summary>The parameters <paramref name="method"/> assigns to an SDK client option's timeout, with the option's name and effect.</summary>
    private static ImmutableArray<(int Ordinal, OptionFacts Facts)> Summarize(IMethodSymbol method, LlmAnalysisContext llm, SdkOptions sdkOptions)
    {
        if (llm.HttpSummaries.BodyOf(method) is not { } body)
        {
            return ImmutableArray<(int, OptionFacts)>.Empty;
        }

        var found = ImmutableArray.CreateBuilder<(int, OptionFacts)>();
        foreach (var node in body.DescendantsWithinFunction())
        {
            if (node is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment
                && assignment.Value.WalkDownConversions() is IParameterReferenceOperation { Parameter: var parameter }
                && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method)
                && sdkOptions.Match(target, SdkOptionKind.Timeout) is var (option, owner))
            {
                found.Add((parameter.Ordinal, new OptionFacts(Describe(option, owner), option.Effect)));
            }
        }

        return found.ToImmutable();
    }

    /// <summary>What a parameter's timeout becomes in the called method: the option's name and its effect. A class, so
    /// that <see cref="PassedTimeouts{TFacts}"/> shares the runtime's code with LLM401's instead of being compiled again.</summary>
    private sealed record OptionFacts(string What, string Effect);
}
