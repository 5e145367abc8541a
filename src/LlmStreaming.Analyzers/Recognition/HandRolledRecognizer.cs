using System.Collections.Concurrent;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// Recognises hand-rolled model streams: a loop that reads an HTTP response body line by line (or with SseParser),
/// matching <c>data:</c> lines (SSE) or parsing each line as JSON (NDJSON), in a method or type that carries a model
/// signal. A generic SSE client with no model signal is not a model stream.
/// </summary>
internal sealed class HandRolledRecognizer
{
    private static readonly ImmutableHashSet<string> ReadMethodNames = ImmutableHashSet.Create("ReadLineAsync", "ReadLine");
    private static readonly ImmutableHashSet<string> SseEnumerateNames = ImmutableHashSet.Create("EnumerateAsync", "Enumerate");
    private static readonly ImmutableHashSet<string> JsonParseNames = ImmutableHashSet.Create(
        "Deserialize", "DeserializeAsync", "Parse", "ParseValue", "DeserializeObject", "DeserializeAnonymousType");

    private static readonly ImmutableHashSet<string> HttpNames = ImmutableHashSet.Create(
        "HttpClient", "HttpResponseMessage", "HttpContent", "HttpRequestMessage", "ReadAsStreamAsync", "ReadAsStream",
        "GetStreamAsync", "SendAsync", "PostAsync", "PostAsJsonAsync");

    private readonly LlmAnalysisContext _context;
    private readonly ConcurrentDictionary<INamedTypeSymbol, TypeSignals> _typeSignals = new(SymbolEqualityComparer.Default);

    public HandRolledRecognizer(LlmAnalysisContext context) => _context = context;

    private int _walkedLoops;

    /// <summary>How many loops this compilation's recognition has walked (the text pre-filter's guard in the tests).</summary>
    internal int WalkedLoops => Volatile.Read(ref _walkedLoops);

    /// <summary>The hand-rolled stream <paramref name="loop"/> reads, or null.</summary>
    /// <param name="loop">The loop.</param>
    /// <param name="options">The options of the loop's file.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <param name="fedBy">
    /// The caller that hands the loop's method a model response (<see cref="ModelStreamParameters"/>): the type's HTTP and
    /// model signals are then not asked for, and the stream carries the caller's name.
    /// </param>
    public LlmStreamLoop? TryRecognize(ILoopOperation loop, LlmOptions options, CancellationToken cancellationToken, string? fedBy = null)
    {
        var model = loop.SemanticModel;
        if (model is null || _context.Types.TextReader is null && _context.Types.SseParserOfT is null)
        {
            return null;
        }

        var usesSseParser = false;
        var splitsBufferedBody = false;
        ILocalSymbol? lineVariable = null;

        if (loop is IForEachLoopOperation forEach && IsSseParserEnumeration(forEach.Collection))
        {
            usesSseParser = true;
            lineVariable = forEach.Locals.Length == 1 ? forEach.Locals[0] : null;
        }
        else if (loop is IForEachLoopOperation { Locals.Length: 1 } overLines
            && overLines.Locals[0].Type.SpecialType == SpecialType.System_String
            && IsSplitOfBufferedBody(overLines.Collection, cancellationToken))
        {
            splitsBufferedBody = true;
            lineVariable = overLines.Locals.Length == 1 ? overLines.Locals[0] : null;
        }
        else if (!SourceWords.ContainsText(loop.Syntax, "ReadLine", cancellationToken))
        {
            return null; // no read in the loop (the names of ReadMethodNames): most loops are not walked
        }

        Interlocked.Increment(ref _walkedLoops);
        var reads = ImmutableArray.CreateBuilder<IInvocationOperation>();

        var parses = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var sawDataPrefix = false;
        var sawModelLiteral = false;

        foreach (var node in loop.OwnOperations())
        {
            switch (node)
            {
                case IInvocationOperation invocation when ReadMethodNames.Contains(invocation.TargetMethod.Name)
                    && invocation.TargetMethod.ContainingType.IsOrInheritsFrom(_context.Types.TextReader):
                    reads.Add(invocation);
                    lineVariable ??= AssignedLocal(invocation);
                    break;

                case IInvocationOperation invocation when JsonParseNames.Contains(invocation.TargetMethod.Name) && IsJsonParser(invocation.TargetMethod.ContainingType):
                    parses.Add(invocation);
                    break;

                case ILiteralOperation { ConstantValue: { HasValue: true, Value: string text } }:
                    if (text.StartsWith("data:", StringComparison.Ordinal))
                    {
                        sawDataPrefix = true;
                    }

                    if (ModelSignals.IsModelSignalLiteral(text, options))
                    {
                        sawModelLiteral = true;
                    }

                    break;
            }
        }

        // JSON parse calls in nested loops/lambdas of the body count too (a parse helper called per line).
        if (reads.Count == 0 && !usesSseParser && !splitsBufferedBody)
        {
            return null;
        }

        // A reader over a file, a string or a memory buffer is not a response body, whatever the type says elsewhere.
        // (A split body was traced to an HTTP read already.)
        if (!splitsBufferedBody && (usesSseParser
            ? IsNonHttpSource(SseParserSource(loop), cancellationToken, depth: 0)
            : reads.All(read => IsNonHttpSource(read.Instance, cancellationToken, depth: 0))))
        {
            return null;
        }

        var isSse = usesSseParser || sawDataPrefix;
        if (!isSse && parses.Count == 0)
        {
            return null; // reading plain text lines is not a model stream
        }

        if (fedBy is not null)
        {
            var fed = new HandRolledStream(isSse, usesSseParser, reads.ToImmutable(), lineVariable, parses.ToImmutable(), splitsBufferedBody, fedBy);
            return new LlmStreamLoop(loop, LlmStreamKind.HandRolled, LlmFamily.HandRolled, Source: null, lineVariable, ElementType: null, fed);
        }

        var containingType = model.GetEnclosingSymbol(loop.Syntax.SpanStart, cancellationToken)?.ContainingType;
        if (containingType is null)
        {
            return null;
        }

        var signals = GetTypeSignals(containingType, model, options, cancellationToken);
        if (!signals.HasHttp)
        {
            return null;
        }

        // SSE ("data:" lines) with a model signal anywhere in the type; NDJSON, which any JSON-lines download looks like,
        // only with a signal in the loop, in its own member, or in the DTO it parses.
        // A model DTO: SSE chunks and NDJSON lines carry their model names at the top or one level down (choices[0].finish_reason,
        // done_reason); a JSON-lines download that nests a whole model response deeper (a batch result line:
        // custom_id → result → message → stop_reason) is not a model stream.
        var hasModelSignal = sawModelLiteral
            || parses.Any(p => DeserializesModelType(p, maxDepth: isSse ? 2 : 1))
            || (isSse
                ? signals.HasModelSignal && !OwnRequestGoesElsewhere(loop, model, options, cancellationToken)
                : signals.HasModelSignal && MemberHasModelSignal(loop, model, options, cancellationToken));
        if (!hasModelSignal)
        {
            return null;
        }

        var handRolled = new HandRolledStream(isSse, usesSseParser, reads.ToImmutable(), lineVariable, parses.ToImmutable(), splitsBufferedBody);
        return new LlmStreamLoop(loop, LlmStreamKind.HandRolled, LlmFamily.HandRolled, Source: null, lineVariable, ElementType: null, handRolled);
    }

    private bool IsSseParserEnumeration(IOperation collection)
    {
        var value = collection.WalkDownConversions();
        while (value is IInvocationOperation wrapper && SdkCatalog.PassThroughWrappers.Contains(wrapper.TargetMethod.Name))
        {
            var receiver = wrapper.Instance ?? (wrapper.Arguments.Length > 0 ? wrapper.Arguments[0].Value : null);
            if (receiver is null)
            {
                return false;
            }

            value = receiver.WalkDownConversions();
        }

        return value is IInvocationOperation invocation
            && SseEnumerateNames.Contains(invocation.TargetMethod.Name)
            && invocation.TargetMethod.ContainingType.IsConstructedFrom(_context.Types.SseParserOfT);
    }

    /// <summary>
    /// True for a foreach over the lines (or events) of a response body read whole:
    /// <c>foreach (var line in body.Split('\n'))</c> where <c>body</c> is <c>await response.Content.ReadAsStringAsync()</c>
    /// or <c>await http.GetStringAsync(url)</c> — directly or through locals, <c>await</c>, <c>.Result</c>, string
    /// clean-ups (<c>Trim</c>, <c>Replace</c>…) and LINQ filters (<c>Where</c>, <c>Select</c>…). A split string that does
    /// not visibly come from System.Net.Http (a file, a parameter, a constant) is not a response body.
    /// </summary>
    private static bool IsSplitOfBufferedBody(IOperation collection, CancellationToken cancellationToken)
    {
        if (!SourceWords.ContainsText(collection.Syntax, "Split", cancellationToken) && collection.WalkDownConversions() is not ILocalReferenceOperation)
        {
            return false; // most foreach loops: no split in sight
        }

        var value = collection.WalkDownConversions();
        for (var depth = 0; depth < 8; depth++)
        {
            switch (value)
            {
                case ILocalReferenceOperation local:
                    var initializer = StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken);
                    if (initializer is null)
                    {
                        return false;
                    }

                    value = initializer.WalkDownConversions();
                    continue;

                case IInvocationOperation linq when LineFilters.Contains(linq.TargetMethod.Name)
                    && (linq.TargetMethod.ReducedFrom ?? linq.TargetMethod).ContainingType?.Name == "Enumerable"
                    && (linq.Instance ?? (linq.Arguments.Length > 0 ? linq.Arguments[0].Value : null)) is { } source:
                    value = source.WalkDownConversions();
                    continue;

                case IInvocationOperation { TargetMethod.Name: "Split", Instance: { } text } split
                    when split.TargetMethod.ContainingType.SpecialType == SpecialType.System_String:
                    return ComesFromHttp(text, cancellationToken, depth: 0, throughText: true);

                case IInvocationOperation { TargetMethod: { Name: "Split", IsStatic: true, ContainingType.Name: "Regex" } } regexSplit
                    when regexSplit.Arguments.Length > 0:
                    return ComesFromHttp(regexSplit.Arguments[0].Value, cancellationToken, depth: 0, throughText: true);

                default:
                    return false;
            }
        }

        return false;
    }

    private static readonly ImmutableHashSet<string> LineFilters = ImmutableHashSet.Create(
        "Where", "Select", "Skip", "SkipWhile", "Take", "TakeWhile", "ToList", "ToArray", "AsEnumerable");

    /// <summary>The stream handed to <c>SseParser.Create(stream)</c> of a foreach over <c>EnumerateAsync</c>.</summary>
    private static IOperation? SseParserSource(ILoopOperation loop)
    {
        var value = (loop as IForEachLoopOperation)?.Collection.WalkDownConversions();
        while (value is IInvocationOperation invocation)
        {
            if (invocation.TargetMethod.Name == "Create" && invocation.TargetMethod.IsStatic && invocation.Arguments.Length > 0)
            {
                return invocation.Arguments[0].Value;
            }

            value = (invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null))?.WalkDownConversions();
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="value"/> (a reader or a stream) visibly comes from something other than an HTTP
    /// response: a file (<c>File.OpenText</c>, <c>new StreamReader(path)</c>, <c>FileStream</c>), a string
    /// (<c>StringReader</c>) or a memory buffer. Unknown origins (parameters, fields, HTTP calls) are not excluded.
    /// </summary>
    private static bool IsNonHttpSource(IOperation? value, CancellationToken cancellationToken, int depth)
    {
        if (value is null || depth > 6)
        {
            return false;
        }

        switch (value.WalkDownConversions())
        {
            case ILocalReferenceOperation local:
                var initializer = StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken);
                return initializer is not null && IsNonHttpSource(initializer, cancellationToken, depth + 1);

            case IAwaitOperation awaited:
                return IsNonHttpSource(awaited.Operation, cancellationToken, depth + 1);

            case IObjectCreationOperation creation when creation.Type is INamedTypeSymbol created && IsInSystemIO(created):
                if (created.Name is "FileStream")
                {
                    return true;
                }

                // A string or buffer in memory: not a response body unless the text was read from one (a buffered SSE body).
                if (created.Name is "StringReader" or "MemoryStream")
                {
                    return creation.Arguments.Length == 0 || !ComesFromHttp(creation.Arguments[0].Value, cancellationToken, depth + 1, throughText: false);
                }

                // new StreamReader(path) reads a file; new StreamReader(stream) or new BufferedStream(stream) reads whatever the stream reads.
                var first = creation.Arguments.Length > 0 ? creation.Arguments[0].Value : null;
                return first is not null
                    && (first.Type?.SpecialType == SpecialType.System_String || IsNonHttpSource(first, cancellationToken, depth + 1));

            case IInvocationOperation invocation:
                var containing = invocation.TargetMethod.ContainingType;
                return containing is not null && IsInSystemIO(containing) && containing.Name is "File" or "FileInfo";

            default:
                return false;
        }
    }

    /// <summary>
    /// True when <paramref name="value"/> is (through locals and <c>await</c>) the result of a System.Net.Http call. With
    /// <paramref name="throughText"/>, for the text a split body comes from, also through <c>.Result</c>,
    /// <c>GetAwaiter().GetResult()</c>, <c>ConfigureAwait</c> and string clean-ups (<c>Trim</c>, <c>Replace</c>…).
    /// </summary>
    private static bool ComesFromHttp(IOperation value, CancellationToken cancellationToken, int depth, bool throughText)
    {
        if (depth > (throughText ? 8 : 6))
        {
            return false;
        }

        switch (value.WalkDownConversions())
        {
            case ILocalReferenceOperation local:
                var initializer = StreamRecognizer.LocalInitializer(local.Local, local.SemanticModel, cancellationToken);
                return initializer is not null && ComesFromHttp(initializer, cancellationToken, depth + 1, throughText);
            case IAwaitOperation awaited:
                return ComesFromHttp(awaited.Operation, cancellationToken, depth + 1, throughText);
            case IPropertyReferenceOperation { Property.Name: "Result", Instance: { } task } when throughText:
                return ComesFromHttp(task, cancellationToken, depth + 1, throughText);
            case IInvocationOperation { TargetMethod.Name: "GetResult" or "GetAwaiter" or "ConfigureAwait", Instance: { } awaitable } when throughText:
                return ComesFromHttp(awaitable, cancellationToken, depth + 1, throughText);
            case IInvocationOperation { Instance: { } receiver } cleanUp when throughText && cleanUp.TargetMethod.ContainingType.SpecialType == SpecialType.System_String:
                return ComesFromHttp(receiver, cancellationToken, depth + 1, throughText); // body.Trim(), body.Replace("\r", "")
            case IInvocationOperation invocation:
                return (invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod).IsInNamespace("System.Net.Http");
            default:
                return false;
        }
    }

    private static bool IsInSystemIO(INamedTypeSymbol type)
        => type.ContainingNamespace.Is("System.IO");

    /// <summary>True for a line read: <c>ReadLine</c>/<c>ReadLineAsync</c> of a <c>TextReader</c>.</summary>
    internal bool IsLineRead(IInvocationOperation invocation)
        => ReadMethodNames.Contains(invocation.TargetMethod.Name) && invocation.TargetMethod.ContainingType.IsOrInheritsFrom(_context.Types.TextReader);

    /// <summary>True for a JSON parse call the hand-rolled rules know (<c>JsonSerializer.Deserialize</c>, <c>JsonDocument.Parse</c>…).</summary>
    internal bool IsJsonParse(IInvocationOperation invocation)
        => JsonParseNames.Contains(invocation.TargetMethod.Name) && IsJsonParser(invocation.TargetMethod.ContainingType);

    private bool IsJsonParser(INamedTypeSymbol? type)
    {
        var types = _context.Types;
        return type is not null && (
            SymbolEqualityComparer.Default.Equals(type, types.JsonSerializer)
            || SymbolEqualityComparer.Default.Equals(type, types.JsonDocument)
            || type.IsOrInheritsFrom(types.JsonNode)
            || SymbolEqualityComparer.Default.Equals(type, types.NewtonsoftJsonConvert)
            || type.IsOrInheritsFrom(types.NewtonsoftJToken));
    }

    /// <summary>
    /// The local that receives a read: <c>var line = await reader.ReadLineAsync()</c>, <c>(line = await reader.ReadLineAsync()) != null</c>,
    /// or the local a pattern declares, <c>await reader.ReadLineAsync() is { } line</c> (<c>is string line</c>, <c>is not null and var line</c>).
    /// </summary>
    internal static ILocalSymbol? AssignedLocal(IInvocationOperation read)
    {
        IOperation current = read;
        while (current.Parent is IAwaitOperation or IConversionOperation
            || current.Parent is ICoalesceOperation coalesce && coalesce.Value == current)
        {
            current = current.Parent; // also 'var line = await reader.ReadLineAsync() ?? "";'
        }

        return current.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } => local.Local,
            IIsPatternOperation { Pattern: var pattern } => PatternLocal(pattern),
            _ => null,
        };
    }

    /// <summary>The local a pattern over the whole line declares (<c>{ } line</c>, <c>string line</c>, <c>not null and var line</c>), if one.</summary>
    private static ILocalSymbol? PatternLocal(IPatternOperation pattern)
        => pattern switch
        {
            IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared } => declared,
            IRecursivePatternOperation { DeclaredSymbol: ILocalSymbol declared } => declared,
            IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } both => PatternLocal(both.RightPattern) ?? PatternLocal(both.LeftPattern),
            _ => null,
        };

    /// <summary>True when the parse deserializes into a DTO with model member names (<c>Choices</c>, <c>finish_reason</c>…).</summary>
    private static bool DeserializesModelType(IInvocationOperation parse, int maxDepth)
    {
        var method = parse.TargetMethod;
        if (method.TypeArguments.Length != 1)
        {
            return false;
        }

        return HasModelMembers(method.TypeArguments[0], depth: 0, maxDepth);
    }

    private static bool HasModelMembers(ITypeSymbol type, int depth, int maxDepth)
    {
        if (depth > maxDepth || type.SpecialType != SpecialType.None || type is not INamedTypeSymbol named)
        {
            return false;
        }

        if (named.IsGenericType)
        {
            foreach (var argument in named.TypeArguments)
            {
                if (HasModelMembers(argument, depth + 1, maxDepth))
                {
                    return true;
                }
            }
        }

        if (named.Locations.All(l => !l.IsInSource))
        {
            return false; // a framework or library type is not a model DTO of the user's
        }

        foreach (var member in named.GetMembers())
        {
            if (member is not (IPropertySymbol or IFieldSymbol) || member.IsImplicitlyDeclared)
            {
                continue;
            }

            if (ModelSignals.ModelMemberNames.Contains(ModelSignals.NormalizeMemberName(member.Name)))
            {
                return true;
            }

            foreach (var attribute in member.GetAttributes())
            {
                if (attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is string jsonName
                    && ModelSignals.ModelJsonNames.Contains(jsonName))
                {
                    return true;
                }
            }

            var memberType = member is IPropertySymbol p ? p.Type : ((IFieldSymbol)member).Type;
            if (!SymbolEqualityComparer.Default.Equals(memberType, named) && HasModelMembers(memberType, depth + 1, maxDepth))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What a type's source says about HTTP and models, computed once per (outermost) type.</summary>
    public TypeSignals GetTypeSignals(INamedTypeSymbol type, SemanticModel model, LlmOptions options, CancellationToken cancellationToken)
    {
        var outermost = type;
        while (outermost.ContainingType is not null)
        {
            outermost = outermost.ContainingType;
        }

        return _typeSignals.GetOrAdd(outermost, t => ComputeTypeSignals(t, model, options, cancellationToken));
    }

    private TypeSignals ComputeTypeSignals(INamedTypeSymbol type, SemanticModel model, LlmOptions options, CancellationToken cancellationToken)
    {
        var scan = new SignalScan(options);
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (scan.Visit(reference.GetSyntax(cancellationToken), model, cancellationToken, stopWhenComplete: true))
            {
                break;
            }
        }

        return new TypeSignals(scan.HasHttp, scan.HasModelSignal);
    }

    /// <summary>True when the member (method, accessor, local function…) that contains <paramref name="loop"/> carries a model signal of its own.</summary>
    /// <summary>
    /// True when the loop's own member names an absolute URL that is not a model endpoint or host
    /// (<c>"https://status.example.com/events"</c>) and shows no model signal of its own (a literal, <c>stream = true</c>,
    /// model JSON names): its request goes somewhere that is not a model, whatever the type's other members talk to.
    /// </summary>
    private static bool OwnRequestGoesElsewhere(ILoopOperation loop, SemanticModel model, LlmOptions options, CancellationToken cancellationToken)
    {
        SyntaxNode? member = loop.Syntax.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax);
        if (member is null)
        {
            return false;
        }

        var namesUrl = false;
        foreach (var token in member.DescendantTokens())
        {
            if (!token.IsKind(SyntaxKind.StringLiteralToken) && !token.IsKind(SyntaxKind.InterpolatedStringTextToken))
            {
                continue;
            }

            var text = token.ValueText;
            if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                if (ModelSignals.IsModelSignalLiteral(text, options))
                {
                    return false;
                }

                namesUrl = true;
            }
        }

        if (!namesUrl || MemberHasModelSignal(loop, model, options, cancellationToken))
        {
            return false;
        }

        // A payload or request built by a helper of the member (JsonContent.Create(Create(prompt))) is its own too.
        foreach (var invocation in member.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol called)
            {
                continue;
            }

            foreach (var reference in called.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree != model.SyntaxTree)
                {
                    continue;
                }

                var scan = new SignalScan(options);
                scan.Visit(reference.GetSyntax(cancellationToken), model, cancellationToken, stopWhenComplete: false, modelOnly: true);
                if (scan.HasModelSignal)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool MemberHasModelSignal(ILoopOperation loop, SemanticModel model, LlmOptions options, CancellationToken cancellationToken)
    {
        SyntaxNode? member = loop.Syntax.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);
        if (member is null)
        {
            return false;
        }

        var scan = new SignalScan(options);
        scan.Visit(member, model, cancellationToken, stopWhenComplete: false, modelOnly: true);
        return scan.HasModelSignal;
    }

    /// <summary>One pass over a syntax tree region collecting the HTTP usage and model signals it contains.</summary>
    private sealed class SignalScan
    {
        private readonly LlmOptions _options;
        private readonly HashSet<string> _weakNames = new(StringComparer.Ordinal);

        public SignalScan(LlmOptions options) => _options = options;

        public bool HasHttp { get; private set; }

        public bool HasModelSignal { get; private set; }

        /// <summary>Scans <paramref name="root"/>; returns true once both signals are found (when asked to stop there).</summary>
        public bool Visit(SyntaxNode root, SemanticModel model, CancellationToken cancellationToken, bool stopWhenComplete, bool modelOnly = false)
        {
            foreach (var node in root.DescendantNodes())
            {
                switch (node)
                {
                    case LiteralExpressionSyntax literal when !HasModelSignal && literal.IsKind(SyntaxKind.StringLiteralExpression):
                        HasModelSignal = ModelSignals.IsModelSignalLiteral(literal.Token.ValueText, _options);
                        if (ModelSignals.WeakModelJsonNames.Contains(literal.Token.ValueText) && _weakNames.Add(literal.Token.ValueText))
                        {
                            HasModelSignal = _weakNames.Count == ModelSignals.WeakModelJsonNames.Count;
                        }

                        break;

                    case InterpolatedStringTextSyntax text when !HasModelSignal:
                        HasModelSignal = ModelSignals.IsModelSignalLiteral(text.TextToken.ValueText, _options);
                        break;

                    case AnonymousObjectMemberDeclaratorSyntax member when !HasModelSignal:
                        HasModelSignal = IsStreamTrue(member.NameEquals?.Name.Identifier.ValueText, member.Expression);
                        break;

                    // new Payload { Stream = true }, payload.Stream = true, new JsonObject { ["stream"] = true }, body["stream"] = true
                    case AssignmentExpressionSyntax assignment when !HasModelSignal && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression):
                        HasModelSignal = IsStreamTrue(AssignedName(assignment), assignment.Right);
                        break;

                    // new Dictionary<string, object> { { "stream", true } }
                    case InitializerExpressionSyntax { Expressions.Count: 2 } pair when !HasModelSignal && pair.IsKind(SyntaxKind.ComplexElementInitializerExpression):
                        HasModelSignal = pair.Expressions[0] is LiteralExpressionSyntax key
                            && key.IsKind(SyntaxKind.StringLiteralExpression)
                            && IsStreamTrue(key.Token.ValueText, pair.Expressions[1]);
                        break;

                    case IdentifierNameSyntax identifier when !modelOnly && !HasHttp && HttpNames.Contains(identifier.Identifier.ValueText):
                        HasHttp = IsHttpSymbol(identifier, model, cancellationToken);
                        break;
                }

                if (stopWhenComplete && HasHttp && HasModelSignal)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// The name an assignment sets: a member of an object initializer, a member access (<c>payload.Stream</c>) or a
    /// string key (<c>["stream"]</c>). A bare identifier outside an initializer (a local named <c>stream</c>) is not a payload.
    /// </summary>
    private static string? AssignedName(AssignmentExpressionSyntax assignment)
    {
        switch (assignment.Left)
        {
            case IdentifierNameSyntax identifier when assignment.Parent is InitializerExpressionSyntax:
                return identifier.Identifier.ValueText;
            case MemberAccessExpressionSyntax memberAccess:
                return memberAccess.Name.Identifier.ValueText;
            case ElementAccessExpressionSyntax elementAccess:
                return StringKey(elementAccess.ArgumentList);
            case ImplicitElementAccessSyntax implicitAccess:
                return StringKey(implicitAccess.ArgumentList);
            default:
                return null;
        }
    }

    private static string? StringKey(BracketedArgumentListSyntax arguments)
        => arguments.Arguments.Count == 1 && arguments.Arguments[0].Expression is LiteralExpressionSyntax key && key.IsKind(SyntaxKind.StringLiteralExpression)
            ? key.Token.ValueText
            : null;

    private static bool IsStreamTrue(string? name, ExpressionSyntax expression)
        => name is not null
            && string.Equals(name, "stream", StringComparison.OrdinalIgnoreCase)
            && expression.IsKind(SyntaxKind.TrueLiteralExpression);

    private static bool IsHttpSymbol(IdentifierNameSyntax identifier, SemanticModel model, CancellationToken cancellationToken)
    {
        if (identifier.SyntaxTree != model.SyntaxTree)
        {
            return true; // another part of a partial type: the name alone is taken as the signal
        }

        var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
        return symbol.IsInNamespace("System.Net.Http")
            || symbol is IMethodSymbol { ReducedFrom: { } reduced } && reduced.IsInNamespace("System.Net.Http");
    }

    internal sealed class TypeSignals
    {
        public TypeSignals(bool hasHttp, bool hasModelSignal)
        {
            HasHttp = hasHttp;
            HasModelSignal = hasModelSignal;
        }

        public bool HasHttp { get; }

        public bool HasModelSignal { get; }
    }
}
