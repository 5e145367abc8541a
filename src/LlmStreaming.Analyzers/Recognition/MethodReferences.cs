namespace LlmStreaming.Analyzers.Recognition;

/// <summary>How a source method is referenced in the compilation, beyond the calls <see cref="ModelStreamParameters"/> finds by name.</summary>
internal static class MethodReferences
{
    /// <summary>True when the method is named other than as the callee of an invocation (a method group, a delegate): a caller whose argument cannot be seen.</summary>
    public static bool IsReferencedUncalled(IMethodSymbol method, Compilation compilation)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            var root = tree.GetRoot();
            if (!SourceWords.ContainsWord(root, method.Name, CancellationToken.None))
            {
                continue;
            }

            SemanticModel? model = null;
            foreach (var name in root.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (name.Identifier.ValueText != method.Name || IsCallee(name))
                {
                    continue;
                }

                model ??= compilation.GetSemanticModel(tree);
                var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                if (symbol is IMethodSymbol referenced && SymbolEqualityComparer.Default.Equals((referenced.ReducedFrom ?? referenced).OriginalDefinition, method))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>Name(…)</c>, <c>x.Name(…)</c>, <c>x?.Name(…)</c>.</summary>
    private static bool IsCallee(IdentifierNameSyntax name)
    {
        ExpressionSyntax callee = name.Parent is MemberAccessExpressionSyntax member && member.Name == name ? member
            : name.Parent is MemberBindingExpressionSyntax binding && binding.Name == name ? binding
            : name;
        return callee.Parent is InvocationExpressionSyntax invocation && invocation.Expression == callee;
    }
}
