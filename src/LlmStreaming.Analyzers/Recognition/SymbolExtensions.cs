namespace LlmStreaming.Analyzers.Recognition;

internal static class SymbolExtensions
{
    /// <summary>The type of a local, parameter, field or property (what a name of the code holds); null for any other symbol.</summary>
    public static ITypeSymbol? VariableType(this ISymbol? symbol)
        => symbol switch
        {
            ILocalSymbol local => local.Type,
            IParameterSymbol parameter => parameter.Type,
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };

    /// <summary>True when <paramref name="type"/> is <paramref name="candidate"/>, derives from it, or implements it (original definitions compared).</summary>
    public static bool IsOrInheritsFrom(this ITypeSymbol? type, INamedTypeSymbol? candidate)
    {
        if (type is null || candidate is null)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, candidate.OriginalDefinition))
            {
                return true;
            }
        }

        if (candidate.TypeKind == TypeKind.Interface)
        {
            foreach (var @interface in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(@interface.OriginalDefinition, candidate.OriginalDefinition))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="type"/> is a constructed form of the generic <paramref name="genericDefinition"/>.</summary>
    public static bool IsConstructedFrom(this ITypeSymbol? type, INamedTypeSymbol? genericDefinition)
        => type is INamedTypeSymbol named
            && genericDefinition is not null
            && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, genericDefinition);

    /// <summary>Finds <paramref name="genericDefinition"/>&lt;T&gt; among the type, its bases and its interfaces, and returns T.</summary>
    public static ITypeSymbol? GetTypeArgumentOf(this ITypeSymbol? type, INamedTypeSymbol? genericDefinition)
    {
        if (type is null || genericDefinition is null)
        {
            return null;
        }

        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (current.IsConstructedFrom(genericDefinition) && current.TypeArguments.Length == 1)
            {
                return current.TypeArguments[0];
            }
        }

        if (genericDefinition.TypeKind == TypeKind.Interface)
        {
            if (type.IsConstructedFrom(genericDefinition) && type is INamedTypeSymbol self && self.TypeArguments.Length == 1)
            {
                return self.TypeArguments[0];
            }

            foreach (var @interface in type.AllInterfaces)
            {
                if (@interface.IsConstructedFrom(genericDefinition) && @interface.TypeArguments.Length == 1)
                {
                    return @interface.TypeArguments[0];
                }
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="catchType"/> is an exception type that catches <paramref name="exceptionType"/> (it or a base of it).</summary>
    public static bool Catches(this ITypeSymbol? catchType, INamedTypeSymbol? exceptionType)
        => catchType is not null && exceptionType is not null && exceptionType.IsOrInheritsFrom(catchType as INamedTypeSymbol);

    /// <summary>True when <paramref name="symbol"/> is declared in the namespace <paramref name="namespaceName"/> or one nested in it.</summary>
    public static bool IsInNamespace(this ISymbol? symbol, string namespaceName)
    {
        for (var ns = symbol?.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            if (ns.Is(namespaceName))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="ns"/> is exactly the namespace <paramref name="name"/> ("System.Net.Http"), compared a part
    /// at a time from the innermost: rules ask it at every call, and <c>ToDisplayString</c> made a string at each.
    /// </summary>
    public static bool Is(this INamespaceSymbol? ns, string name)
    {
        var end = name.Length;
        for (; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            var part = ns.Name;
            var start = end - part.Length;
            if (start < 0 || string.CompareOrdinal(name, start, part, 0, part.Length) != 0)
            {
                return false;
            }

            if (start == 0)
            {
                return ns.ContainingNamespace is null or { IsGlobalNamespace: true };
            }

            if (name[start - 1] != '.')
            {
                return false;
            }

            end = start - 1;
        }

        return false;
    }
}
