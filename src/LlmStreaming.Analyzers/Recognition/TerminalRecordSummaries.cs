
namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// The third kind of summary: a source method that returns a record carrying the end of a model stream, so that a read
/// loop yielding what <c>ParseLine(line)</c> returns hands the final record (<c>Done = true</c>) on to its caller. Kept
/// once per method; followed through at most <see cref="MaxDepth"/> methods that return another one's record.
/// </summary>
internal sealed partial class MethodSummaries
{
    /// <summary>Names (lower case, no underscores) of a record's member that says the stream is finished.</summary>
    private static readonly ImmutableHashSet<string> DoneMemberNames = ImmutableHashSet.Create(StringComparer.Ordinal, "done", "isdone", "final", "isfinal");

    private readonly SummaryCache<IMethodSymbol, bool> _terminalRecords = new();

    /// <summary>
    /// True when <paramref name="method"/>, a method of this compilation, returns (directly or through a task) a record
    /// with a <c>bool</c> done member (<c>Done</c>, <c>IsDone</c>, <c>IsFinal</c>) that it sets: it assigns the member
    /// (an object initializer included) with something other than <c>false</c>, passes a <c>done</c> constructor argument,
    /// deserializes the record from JSON (the member is filled from the line), or returns what another such method
    /// returns. A method that builds the record without ever setting the member does not count.
    /// </summary>
    /// <param name="method">The called method.</param>
    public bool ReturnsTerminalRecord(IMethodSymbol method)
    {
        var definition = Definition(method);
        if (RecordOf(definition) is null)
        {
            return false;
        }

        return _terminalRecords.Get(definition, d => SetsDoneMember(d, MaxDepth, new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { d }));
    }

    /// <summary>The record type a source method with one body returns, when that type has a done member.</summary>
    private INamedTypeSymbol? RecordOf(IMethodSymbol method)
    {
        if (method is not { IsAbstract: false, IsExtern: false, MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction, DeclaringSyntaxReferences.Length: 1 })
        {
            return null;
        }

        var returned = Awaited(method.ReturnType);
        return returned is { TypeKind: TypeKind.Class or TypeKind.Struct } && DoneMember(returned) is not null ? returned : null;
    }

    private static ISymbol? DoneMember(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                var memberType = member switch
                {
                    IPropertySymbol property => property.Type,
                    IFieldSymbol field => field.Type,
                    _ => null,
                };

                if (memberType?.SpecialType == SpecialType.System_Boolean && DoneMemberNames.Contains(member.Name.Replace("_", string.Empty).ToLowerInvariant()))
                {
                    return member;
                }
            }
        }

        return null;
    }

    private bool SetsDoneMember(IMethodSymbol method, int depthLeft, HashSet<IMethodSymbol> path)
    {
        var declaration = method.DeclaringSyntaxReferences[0].GetSyntax();
        if (RecordOf(method) is not { } record
            || DoneMember(record) is not { } done
            || declaration is not (BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax)
            || ModelFor(declaration.SyntaxTree, callerModel: null) is not { } model
            || model.GetOperation(declaration) is not { } operation)
        {
            return false;
        }

        foreach (var node in operation.DescendantsWithinFunction())
        {
            switch (node)
            {
                case ISimpleAssignmentOperation assignment
                    when SymbolEqualityComparer.Default.Equals(assignment.Target.ReferencedSymbol()?.OriginalDefinition, done.OriginalDefinition)
                    && assignment.Value.WalkDownConversions().ConstantValue is not { HasValue: true, Value: false }:
                case IObjectCreationOperation creation
                    when SymbolEqualityComparer.Default.Equals(creation.Type, record)
                    && creation.Arguments.Any(a => a.Parameter is { } p && DoneMemberNames.Contains(p.Name.Replace("_", string.Empty).ToLowerInvariant())
                        && a.Value.WalkDownConversions().ConstantValue is not { HasValue: true, Value: false }):
                case IInvocationOperation deserialize when IsDeserializer(deserialize.TargetMethod) && Returns(deserialize.TargetMethod, record):
                    return true;
                case IInvocationOperation call when depthLeft > 1 && Returns(call.TargetMethod, record) && CalleeSetsDone(Definition(call.TargetMethod), depthLeft, path):
                    return true;
            }
        }

        return false;
    }

    private bool CalleeSetsDone(IMethodSymbol callee, int depthLeft, HashSet<IMethodSymbol> path)
    {
        if (path.Contains(callee) || RecordOf(callee) is null)
        {
            return false;
        }

        if (_terminalRecords.TryGetKept(callee, out var kept))
        {
            return kept;
        }

        path.Add(callee);
        var inner = SetsDoneMember(callee, depthLeft - 1, path);
        path.Remove(callee);
        return inner;
    }

    private bool IsDeserializer(IMethodSymbol method)
        => method.Name.StartsWith("Deserialize", StringComparison.Ordinal)
            && (SymbolEqualityComparer.Default.Equals(method.ContainingType, _context.Types.JsonSerializer)
                || SymbolEqualityComparer.Default.Equals(method.ContainingType, _context.Types.NewtonsoftJsonConvert));

    private bool Returns(IMethodSymbol method, INamedTypeSymbol record) => SymbolEqualityComparer.Default.Equals(Awaited(method.ReturnType), record);

    /// <summary>The type itself, or <c>T</c> of a <c>Task&lt;T&gt;</c>/<c>ValueTask&lt;T&gt;</c>.</summary>
    private INamedTypeSymbol? Awaited(ITypeSymbol type)
        => type is INamedTypeSymbol { TypeArguments.Length: 1 } task
            && (task.IsConstructedFrom(_context.Types.TaskOfT) || task.IsConstructedFrom(_context.Types.ValueTaskOfT))
            ? task.TypeArguments[0] as INamedTypeSymbol
            : type as INamedTypeSymbol;
}
