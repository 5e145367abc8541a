using System.IO;
using LlmStreaming.Analyzers.Termination;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using LlmStreaming.CodeFixes.Shared;
using LlmStreaming.CodeFixes.Termination;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace LlmStreaming.Analyzers.Tests.Meta;

/// <summary>
/// Issue 16: a fix never writes C# by putting strings together. Every text the fixes parse as code, the
/// <c>text</c> argument of <c>SyntaxFactory.Parse*</c>, <c>CSharpSyntaxTree.ParseText</c>,
/// <c>CodeTemplate.Statements/Statement/Expression</c> and <c>TerminationSyntax.Statement</c>, is a constant: a string
/// literal (regular, verbatim, raw), an interpolated string with no hole, or the name of a <c>const</c> declared in the
/// project, or a choice among such constants, followed through locals, parameters, methods and lists of templates
/// (<see cref="Flow"/>). What depends on the code being fixed goes into a <see cref="TemplateSlots"/> slot as syntax. A method that
/// returns code as a string cannot feed these calls either: its result, a call or a local, is not a constant.
/// <para>
/// The kit's own forwarding is allowed: <c>CodeTemplate</c>'s and <c>TerminationSyntax</c>'s template methods hand their
/// <c>text</c> parameter on (each of their callers is checked), and <c>CodeTemplate.Statements</c> wraps it in the
/// braces of a block, <c>"{\n" + text + "\n}"</c>, the one concatenation left (documented there).
/// </para>
/// <para>
/// The calls are found by syntax: a template method is recognised on a receiver declared as a <c>CodeTemplate</c> in the
/// same file (a parameter, a local, a field, <c>new CodeTemplate(…)</c>), or called unqualified inside the kit's file.
/// </para>
/// </summary>
public class FixTextTests
{
    /// <summary>
    /// Files (under <c>src/LlmStreaming.CodeFixes</c>) still being converted in other branches (issue 16): their calls are
    /// not checked yet. The integrator empties the list as the conversions are merged; an entry that no longer offends
    /// fails <see cref="NotYetConverted_StillOffend"/>, so that the list only shrinks.
    /// </summary>
    private static readonly string[] NotYetConverted =
    {
    };

    /// <summary>The C# templates of the families' catalogue (<c>NonStreamingTwin.Text</c>, <c>.CutCheck</c>) that the combined fix reads through a plan's <c>Twin</c>.</summary>
    private static readonly HashSet<string> CatalogueTemplates = new(StringComparer.Ordinal) { "Text", "CutCheck" };

    private static readonly string[] ParserTypes = { "SyntaxFactory", "CSharpSyntaxTree" };

    private static readonly HashSet<string> TemplateMethods = new(StringComparer.Ordinal) { "Statements", "Statement", "Expression" };

    [Fact]
    public void EveryTextParsedAsCode_IsAConstant()
    {
        var offences = Offences().Where(o => !NotYetConverted.Contains(o.File)).Select(o => o.ToString()).ToList();
        Assert.True(offences.Count == 0, "C# text built at run time (use a constant template and TemplateSlots, see CONTRIBUTING 'Writing a fix'):\n" + string.Join("\n", offences));
    }

    [Fact]
    public void NotYetConverted_StillOffend()
    {
        var offending = Offences().Select(o => o.File).ToHashSet(StringComparer.Ordinal);
        var converted = NotYetConverted.Where(f => !offending.Contains(f)).ToList();
        Assert.True(converted.Count == 0, "Converted: remove from FixTextTests.NotYetConverted: " + string.Join(", ", converted));
    }

    [Fact]
    public void TheRule_FindsWhatItForbids()
    {
        const string source = """"
            class Fix
            {
                private const string Template = "return;";

                void Write(CodeTemplate template, string name, string text)
                {
                    SyntaxFactory.ParseStatement("return;");
                    SyntaxFactory.ParseStatement(@"return;");
                    SyntaxFactory.ParseStatement("""
                        return;
                        """);
                    SyntaxFactory.ParseStatement($"return;");
                    SyntaxFactory.ParseStatement(Template);
                    SyntaxFactory.ParseStatement(Fix.Template);
                    template.Statement("return;");
                    new TemplateSlots().Expression(name, null);
                    SyntaxFactory.ParseStatement("var " + name + " = 0;");
                    SyntaxFactory.ParseExpression($"{name}.Token");
                    SyntaxFactory.ParseTypeName(name);
                    SyntaxFactory.ParseStatement(Throw(name));
                    SyntaxFactory.ParseStatement(text: text);
                    template.Statements(text);
                    TerminationSyntax.Statement(name + " = true;", null, null);
                    CSharpSyntaxTree.ParseText(text);
                }
            }
            """";
        var offences = Offences(new[] { ("Fix.cs", CSharpSyntaxTree.ParseText(source, Options)) }).Select(o => o.Line).ToList();
        Assert.Equal(new[] { 17, 18, 19, 20, 21, 22, 23, 24 }, offences);
    }

    [Fact]
    public void TheRule_FollowsTemplatesChosenAmongConstants()
    {
        const string source = """"
            class Fix
            {
                private readonly List<string> Before = new();

                void Write(bool sync, int kind, string name)
                {
                    var chosen = sync ? "return;" : "yield break;";
                    var (word, template) = kind switch { 0 => ("a", "break;"), _ => ("b", "continue;") };
                    SyntaxFactory.ParseStatement(chosen);
                    SyntaxFactory.ParseStatement(template);
                    SyntaxFactory.ParseStatement(Pick(sync));
                    Parse("return;");
                    Before.Add("return;");
                    Before.Select(t => SyntaxFactory.ParseStatement(t));
                    var built = sync ? "return;" : name + ";";
                    SyntaxFactory.ParseStatement(built);
                    SyntaxFactory.ParseStatement(Glue(name));
                    Other(name);
                    After.Select(t => SyntaxFactory.ParseStatement(t));
                    After.Add(name);
                }

                static string Pick(bool sync) => sync ? "return;" : null;

                static string Glue(string name) { return name + ";"; }

                static void Parse(string text) => SyntaxFactory.ParseStatement(text);

                static void Other(string text) => SyntaxFactory.ParseStatement(text);
            }
            """";
        var offences = Offences(new[] { ("Fix.cs", CSharpSyntaxTree.ParseText(source, Options)) }).Select(o => o.Line).ToList();
        Assert.Equal(new[] { 16, 17, 19, 29 }, offences);
    }

    /// <summary>The catalogue's templates the fixes parse are constants: every <c>NonStreamingTwin</c> the families build gets a literal or a <c>const</c> for them.</summary>
    [Fact]
    public void TheCatalogueTemplates_AreConstants()
    {
        var folder = Repository.PathOf("src", "LlmStreaming.Analyzers", "Recognition", "Families");
        var files = Directory.EnumerateFiles(folder, "*.cs").Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), Options).GetRoot()).ToList();
        var constants = files.SelectMany(r => r.DescendantNodes().OfType<FieldDeclarationSyntax>())
            .Where(f => f.Modifiers.Any(SyntaxKind.ConstKeyword))
            .SelectMany(f => f.Declaration.Variables.Select(v => v.Identifier.ValueText))
            .ToHashSet(StringComparer.Ordinal);
        var twins = files.SelectMany(r => r.DescendantNodes().OfType<ObjectCreationExpressionSyntax>())
            .Where(c => RightmostName(c.Type) == "NonStreamingTwin")
            .ToList();
        Assert.NotEmpty(twins);
        foreach (var twin in twins)
        {
            var arguments = twin.ArgumentList!.Arguments;
            foreach (var index in new[] { 2, 4 })
            {
                var value = arguments[index].Expression;
                Assert.True(
                    value is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression }
                        || value is IdentifierNameSyntax or MemberAccessExpressionSyntax && RightmostName(value) is { } name && constants.Contains(name),
                    "Not a constant template: " + twin);
            }
        }
    }

    [Fact]
    public void TheKitsNames_AreWhatTheParserReads()
    {
        Assert.Equal(Shape(SyntaxFactory.ParseExpression("global::System.IO.IOException")), Shape(Cleanup.Qualified("System.IO.IOException")));
        foreach (var name in new[] { "ct", "@event", "Context.ConnectionAborted", "@params.HttpContext.RequestAborted" })
        {
            var built = ReportedCode.DottedName(name);
            Assert.NotNull(built);
            Assert.Equal(name, built!.ToString());
            Assert.Equal(Shape(SyntaxFactory.ParseExpression(name)), Shape(built));
        }

        using var workspace = new AdhocWorkspace();
        var generator = SyntaxGenerator.GetGenerator(workspace, LanguageNames.CSharp);
        Assert.Equal("var @event = 0;", new TemplateSlots().Name("flag", "event").Fill(SyntaxFactory.ParseStatement("var flag = 0;"), generator).ToString());
        Assert.Equal("var @flag = 0;", new TemplateSlots().Name("flag", "@flag").Fill(SyntaxFactory.ParseStatement("var flag = 0;"), generator).ToString());
        Assert.Equal("(prefix + line).Length", new TemplateSlots().Expression("payload", SyntaxFactory.ParseExpression("prefix + line")).Fill(SyntaxFactory.ParseExpression("payload.Length"), generator).ToString());
        Assert.Equal("!(a ?? b)", new TemplateSlots().Expression("flag", SyntaxFactory.ParseExpression("a ?? b")).Fill(SyntaxFactory.ParseExpression("!flag"), generator).ToString());
        Assert.Equal("x == a + b", new TemplateSlots().Expression("value", SyntaxFactory.ParseExpression("a + b")).Fill(SyntaxFactory.ParseExpression("x == value"), generator).ToString());
        Assert.Equal("line.Length", new TemplateSlots().Expression("payload", SyntaxFactory.ParseExpression("line")).Fill(SyntaxFactory.ParseExpression("payload.Length"), generator).ToString());

        Assert.Null(ReportedCode.DottedName("this.Response"));
        Assert.Null(ReportedCode.DottedName("Get().Token"));
        Assert.Null(ReportedCode.DottedName("a..b"));
    }

    /// <summary>The nodes and tokens of <paramref name="node"/>, each as its kind and text, in order.</summary>
    private static string Shape(SyntaxNode node)
        => string.Join(" ", node.DescendantNodesAndTokensAndSelf().Select(n => n.Kind() + (n.IsToken ? "'" + n.ToString() + "'" : string.Empty)));

    /// <summary>
    /// The kit's type slot where another type of that name is in scope (here a nested <c>JsonValueKind</c>): the name stays
    /// qualified, built as the parser reads it (it was parsed from the type's display string): pinned, same before and after.
    /// </summary>
    [Fact]
    public Task TheTypeSlot_KeepsAnAmbiguousTypeQualified()
        => Verify<EndOfStreamAcceptedAnalyzer, EndOfStreamAcceptedCodeFix>.FixAsync(AmbiguousUsings + """
            class OllamaChat
            {
                private enum JsonValueKind { None }

                public async Task<string> AskAsync(HttpClient http, string body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", new StringContent(body));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var answer = new StringBuilder();
                    string? line;
                    {|LLM202:while|} ((line = await reader.ReadLineAsync()) != null)
                    {
                        using var json = JsonDocument.Parse(line);
                        answer.Append(json.RootElement.GetProperty("message").GetProperty("content").GetString());
                    }

                    return answer.ToString();
                }
            }
            """, AmbiguousUsings + """
            class OllamaChat
            {
                private enum JsonValueKind { None }

                public async Task<string> AskAsync(HttpClient http, string body)
                {
                    using var response = await http.PostAsync("http://localhost:11434/api/chat", new StringContent(body));
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var answer = new StringBuilder();
                    string? line;
                    var sawTerminal = false;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        using var json = JsonDocument.Parse(line);
                        if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                            && json.RootElement.TryGetProperty("done", out var doneValue)
                            && doneValue.ValueKind == System.Text.Json.JsonValueKind.True)
                        {
                            sawTerminal = true;
                        }

                        answer.Append(json.RootElement.GetProperty("message").GetProperty("content").GetString());
                    }

                    if (!sawTerminal)
                    {
                        throw new IOException("The model stream ended before its final done object: the response is incomplete.");
                    }

                    return answer.ToString();
                }
            }
            """, EndOfStreamAcceptedCodeFix.Key);

    private const string AmbiguousUsings = """
        using System.IO;
        using System.Net.Http;
        using System.Text;
        using System.Text.Json;
        using System.Threading.Tasks;

        """;

    private static readonly CSharpParseOptions Options = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    private static List<Offence> Offences()
    {
        var folder = Repository.PathOf("src", "LlmStreaming.CodeFixes");
        var separator = Path.DirectorySeparatorChar.ToString();
        var trees = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(separator + "obj" + separator, StringComparison.Ordinal) && !f.Contains(separator + "bin" + separator, StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(folder, f).Replace('\\', '/'), CSharpSyntaxTree.ParseText(File.ReadAllText(f), Options, f)))
            .ToList();
        Assert.NotEmpty(trees);
        return Offences(trees);
    }

    private static List<Offence> Offences(IReadOnlyList<(string File, SyntaxTree Tree)> trees)
    {
        var constants = trees.SelectMany(t => t.Tree.GetRoot().DescendantNodes())
            .Select(n => n switch
            {
                FieldDeclarationSyntax field when field.Modifiers.Any(SyntaxKind.ConstKeyword) => field.Declaration,
                LocalDeclarationStatementSyntax local when local.IsConst => local.Declaration,
                _ => null,
            })
            .Where(d => d is not null)
            .SelectMany(d => d!.Variables.Select(v => v.Identifier.ValueText))
            .ToHashSet(StringComparer.Ordinal);

        var flow = new Flow(trees, constants);
        var offences = new List<Offence>();
        foreach (var (file, tree) in trees)
        {
            var root = tree.GetRoot();
            var templates = TemplateNames(root);
            foreach (var call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (TextArgument(call, file, templates) is { } text && !IsAllowed(text, call, file, flow))
                {
                    var line = text.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    offences.Add(new Offence(file, line, call.ToString()));
                }
            }
        }

        return offences;
    }

    /// <summary>The names declared in the file as a <c>CodeTemplate</c>: parameters, locals and fields of that type, locals made with <c>new CodeTemplate(…)</c>.</summary>
    private static HashSet<string> TemplateNames(SyntaxNode root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case ParameterSyntax { Type: { } type } parameter when IsCodeTemplate(type):
                    names.Add(parameter.Identifier.ValueText);
                    break;
                case VariableDeclarationSyntax declaration:
                    foreach (var variable in declaration.Variables)
                    {
                        if (IsCodeTemplate(declaration.Type) || variable.Initializer?.Value is ObjectCreationExpressionSyntax { Type: var created } && IsCodeTemplate(created))
                        {
                            names.Add(variable.Identifier.ValueText);
                        }
                    }

                    break;
            }
        }

        return names;
    }

    private static bool IsCodeTemplate(TypeSyntax type) => RightmostName(type) == "CodeTemplate";

    private static string? RightmostName(ExpressionSyntax expression)
        => expression switch
        {
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            _ => null,
        };

    /// <summary>The argument a call parses as code (its <c>text</c> parameter), when the call is one of those the rule holds.</summary>
    private static ExpressionSyntax? TextArgument(InvocationExpressionSyntax call, string file, HashSet<string> templates)
    {
        ExpressionSyntax? receiver = null;
        string name;
        switch (call.Expression)
        {
            case MemberAccessExpressionSyntax access:
                (receiver, name) = (access.Expression, access.Name.Identifier.ValueText);
                break;
            case SimpleNameSyntax simple:
                name = simple.Identifier.ValueText;
                break;
            default:
                return null;
        }

        var parses = receiver switch
        {
            null => name.StartsWith("Parse", StringComparison.Ordinal) && IsUsingStaticSyntaxFactory(call)
                || TemplateMethods.Contains(name) && file == "Shared/CodeTemplate.cs"
                || name == "Statement" && file == "Termination/TerminationSyntax.cs",
            ObjectCreationExpressionSyntax { Type: var created } => TemplateMethods.Contains(name) && IsCodeTemplate(created),
            _ when ParserTypes.Contains(RightmostName(receiver)) => name.StartsWith("Parse", StringComparison.Ordinal),
            _ when RightmostName(receiver) == "TerminationSyntax" => name == "Statement",
            _ => TemplateMethods.Contains(name) && RightmostName(receiver) is { } held && templates.Contains(held),
        };
        if (!parses)
        {
            return null;
        }

        var arguments = call.ArgumentList.Arguments;
        return (arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "text")
            ?? arguments.FirstOrDefault(a => a.NameColon is null))?.Expression;
    }

    private static bool IsUsingStaticSyntaxFactory(SyntaxNode node)
        => node.SyntaxTree.GetCompilationUnitRoot().Usings.Any(u => u.StaticKeyword.IsKind(SyntaxKind.StaticKeyword) && u.Name is { } name && RightmostName(name) == "SyntaxFactory");

    private static bool IsAllowed(ExpressionSyntax text, InvocationExpressionSyntax call, string file, Flow flow)
        => flow.IsConstant(text) || IsKitForwarding(text, call, file);

    /// <summary>
    /// Whether an expression's value is always one of the project's constant texts, followed by syntax within the project:
    /// a string literal, an interpolated string with no hole, a <c>const</c>; a choice among such values (<c>?:</c>,
    /// <c>??</c>, a <c>switch</c> expression); a local whose every value is one (its initializer, its assignments, its
    /// element of a deconstructed tuple); a parameter of a method or local function that every call in the project passes
    /// one; a call of a method of the project whose every <c>return</c> gives one. Anything else (a <c>+</c>, an
    /// interpolation, a call of another method, a member that is not a <c>const</c>) is not, and a cycle is not.
    /// </summary>
    private sealed class Flow
    {
        private readonly IReadOnlyList<(string File, SyntaxTree Tree)> _trees;
        private readonly HashSet<string> _constants;
        private readonly HashSet<SyntaxNode> _visiting = new();

        public Flow(IReadOnlyList<(string File, SyntaxTree Tree)> trees, HashSet<string> constants)
        {
            _trees = trees;
            _constants = constants;
        }

        public bool IsConstant(ExpressionSyntax expression)
        {
            if (!_visiting.Add(expression))
            {
                return false;
            }

            try
            {
                return Judge(expression);
            }
            finally
            {
                _visiting.Remove(expression);
            }
        }

        private bool Judge(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    return IsConstant(parenthesized.Expression);
                case LiteralExpressionSyntax literal:
                    return literal.IsKind(SyntaxKind.StringLiteralExpression) || literal.IsKind(SyntaxKind.NullLiteralExpression);
                case InterpolatedStringExpressionSyntax interpolated:
                    return !interpolated.Contents.OfType<InterpolationSyntax>().Any();
                case ConditionalExpressionSyntax conditional:
                    return IsConstant(conditional.WhenTrue) && IsConstant(conditional.WhenFalse);
                case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression } coalesce:
                    return IsConstant(coalesce.Left) && IsConstant(coalesce.Right);
                case SwitchExpressionSyntax switchExpression:
                    return switchExpression.Arms.All(arm => IsConstant(arm.Expression));
                case IdentifierNameSyntax or MemberAccessExpressionSyntax when RightmostName(expression) is { } name && _constants.Contains(name):
                    return true;
                case MemberAccessExpressionSyntax { Expression: var receiver } access
                    when CatalogueTemplates.Contains(access.Name.Identifier.ValueText) && RightmostName(receiver) == "Twin":
                    return true; // a template of the families' catalogue: constant, see TheCatalogueTemplates_AreConstants
                case IdentifierNameSyntax identifier:
                    return IsConstantVariable(identifier);
                case InvocationExpressionSyntax invocation:
                    return IsConstantCall(invocation);
                default:
                    return false;
            }
        }

        /// <summary>A local or parameter of the code around <paramref name="identifier"/> whose every value is constant.</summary>
        private bool IsConstantVariable(IdentifierNameSyntax identifier)
        {
            var name = identifier.Identifier.ValueText;
            foreach (var scope in identifier.Ancestors())
            {
                if (scope is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax
                    && ParametersOf(scope).FirstOrDefault(p => p.Identifier.ValueText == name) is { } parameter)
                {
                    return IsConstantParameter(scope, ParametersOf(scope).IndexOf(parameter));
                }

                if (scope is AnonymousFunctionExpressionSyntax lambda && LambdaDeclares(lambda, name))
                {
                    return IsConstantElement(lambda);
                }

                if (scope is MemberDeclarationSyntax)
                {
                    var values = LocalValues(scope, name);
                    return values is { Count: > 0 } && values.All(IsConstant);
                }
            }

            return false;
        }

        /// <summary>
        /// The parameter of a lambda that <c>Select</c> hands the elements of a list held in a member, <c>plan.Capture.Select(t =&gt; …)</c>:
        /// constant when every <c>….Capture.Add(x)</c> of the project adds a constant.
        /// </summary>
        private bool IsConstantElement(AnonymousFunctionExpressionSyntax lambda)
        {
            if (lambda.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax select } }
                || select.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Select", Expression: var list }
                || list is not (IdentifierNameSyntax or MemberAccessExpressionSyntax) || RightmostName(list) is not { } member)
            {
                return false;
            }

            var adds = Calls("Add")
                .Where(call => call.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax or MemberAccessExpressionSyntax } access
                    && RightmostName(access.Expression) == member)
                .ToList();
            return adds.Count > 0 && adds.All(add => add.ArgumentList.Arguments.Count == 1 && IsConstant(add.ArgumentList.Arguments[0].Expression));
        }

        /// <summary>Every value the local <paramref name="name"/> of <paramref name="member"/> is given, or null when one is not an expression this reading follows.</summary>
        private static List<ExpressionSyntax>? LocalValues(SyntaxNode member, string name)
        {
            var values = new List<ExpressionSyntax>();
            foreach (var node in member.DescendantNodes())
            {
                switch (node)
                {
                    case VariableDeclaratorSyntax declarator when declarator.Identifier.ValueText == name:
                        if (declarator.Initializer is null)
                        {
                            break;
                        }

                        values.Add(declarator.Initializer.Value);
                        break;
                    case AssignmentExpressionSyntax { Left: IdentifierNameSyntax left } assignment when left.Identifier.ValueText == name:
                        if (!assignment.IsKind(SyntaxKind.SimpleAssignmentExpression))
                        {
                            return null;
                        }

                        values.Add(assignment.Right);
                        break;
                    case SingleVariableDesignationSyntax designation when designation.Identifier.ValueText == name:
                        if (TupleElement(designation) is not { } element)
                        {
                            return null;
                        }

                        values.AddRange(element);
                        break;
                    case ForEachStatementSyntax forEach when forEach.Identifier.ValueText == name:
                        return null;
                }
            }

            return values;
        }

        /// <summary>The values a deconstruction <c>var (a, b) = c ? ("x", 1) : ("y", 2)</c> gives the designated local.</summary>
        private static List<ExpressionSyntax>? TupleElement(SingleVariableDesignationSyntax designation)
        {
            if (designation.Parent is not ParenthesizedVariableDesignationSyntax tuple
                || tuple.Parent is not DeclarationExpressionSyntax { Parent: AssignmentExpressionSyntax assignment })
            {
                return null;
            }

            var index = tuple.Variables.IndexOf(designation);
            var values = new List<ExpressionSyntax>();
            return Elements(assignment.Right, index, values) ? values : null;
        }

        private static bool Elements(ExpressionSyntax value, int index, List<ExpressionSyntax> values)
        {
            switch (value)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    return Elements(parenthesized.Expression, index, values);
                case ConditionalExpressionSyntax conditional:
                    return Elements(conditional.WhenTrue, index, values) && Elements(conditional.WhenFalse, index, values);
                case SwitchExpressionSyntax switchExpression:
                    return switchExpression.Arms.All(arm => Elements(arm.Expression, index, values));
                case TupleExpressionSyntax tuple when index < tuple.Arguments.Count:
                    values.Add(tuple.Arguments[index].Expression);
                    return true;
                default:
                    return false;
            }
        }

        private static bool LambdaDeclares(AnonymousFunctionExpressionSyntax lambda, string name)
            => lambda switch
            {
                SimpleLambdaExpressionSyntax simple => simple.Parameter.Identifier.ValueText == name,
                ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized.ParameterList.Parameters.Any(p => p.Identifier.ValueText == name),
                AnonymousMethodExpressionSyntax anonymous => anonymous.ParameterList?.Parameters.Any(p => p.Identifier.ValueText == name) == true,
                _ => false,
            };

        private static SeparatedSyntaxList<ParameterSyntax> ParametersOf(SyntaxNode method)
            => method switch
            {
                BaseMethodDeclarationSyntax declaration => declaration.ParameterList.Parameters,
                LocalFunctionStatementSyntax local => local.ParameterList.Parameters,
                _ => default,
            };

        private static string? NameOf(SyntaxNode method)
            => method switch
            {
                MethodDeclarationSyntax declaration => declaration.Identifier.ValueText,
                LocalFunctionStatementSyntax local => local.Identifier.ValueText,
                _ => null,
            };

        /// <summary>Every call of the method (by name, in the project) passes a constant for its parameter #<paramref name="index"/>; there is at least one call.</summary>
        private bool IsConstantParameter(SyntaxNode method, int index)
        {
            if (NameOf(method) is not { } name)
            {
                return false;
            }

            var parameter = ParametersOf(method)[index];
            var calls = Calls(name).ToList();
            return calls.Count > 0 && calls.All(call =>
            {
                var arguments = call.ArgumentList.Arguments;
                var argument = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameter.Identifier.ValueText)
                    ?? (index < arguments.Count && arguments[index].NameColon is null ? arguments[index] : null);
                return argument is not null && IsConstant(argument.Expression);
            });
        }

        /// <summary>A call of a method or local function of the project (by name) whose every <c>return</c> (or expression body) is constant.</summary>
        private bool IsConstantCall(InvocationExpressionSyntax invocation)
        {
            var name = invocation.Expression switch
            {
                IdentifierNameSyntax simple => simple.Identifier.ValueText,
                MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax or ThisExpressionSyntax } access => access.Name.Identifier.ValueText,
                _ => null,
            };
            if (name is null)
            {
                return false;
            }

            var methods = _trees.SelectMany(t => t.Tree.GetRoot().DescendantNodes())
                .Where(n => n is MethodDeclarationSyntax or LocalFunctionStatementSyntax && NameOf(n) == name)
                .ToList();
            return methods.Count > 0 && methods.All(method =>
            {
                var (arrow, body) = method switch
                {
                    MethodDeclarationSyntax m => (m.ExpressionBody, (SyntaxNode?)m.Body),
                    LocalFunctionStatementSyntax l => (l.ExpressionBody, l.Body),
                    _ => (null, null),
                };
                if (arrow is not null)
                {
                    return IsConstant(arrow.Expression);
                }

                var returns = body?.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                    .OfType<ReturnStatementSyntax>().ToList();
                return returns is { Count: > 0 } && returns.All(r => r.Expression is null || r.Expression.IsKind(SyntaxKind.NullLiteralExpression) || IsConstant(r.Expression));
            });
        }

        private IEnumerable<InvocationExpressionSyntax> Calls(string name)
            => _trees.SelectMany(t => t.Tree.GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>())
                .Where(call => call.Expression switch
                {
                    IdentifierNameSyntax simple => simple.Identifier.ValueText == name,
                    MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText == name,
                    _ => false,
                });
    }

    /// <summary>
    /// Inside the kit, a template method handing its own <c>text</c> parameter on (its callers are checked), or
    /// <c>CodeTemplate.Statements</c> wrapping it in a block's braces: <c>"{\n" + text + "\n}"</c>.
    /// </summary>
    private static bool IsKitForwarding(ExpressionSyntax text, InvocationExpressionSyntax call, string file)
    {
        var method = call.FirstAncestorOrSelf<MethodDeclarationSyntax>();
        var isKitMethod = file switch
        {
            "Shared/CodeTemplate.cs" => method is not null && TemplateMethods.Contains(method.Identifier.ValueText),
            "Termination/TerminationSyntax.cs" => method?.Identifier.ValueText == "Statement",
            _ => false,
        };
        if (!isKitMethod || method!.ParameterList.Parameters.FirstOrDefault() is not { Identifier.ValueText: "text" })
        {
            return false;
        }

        static bool IsTextParameter(ExpressionSyntax e) => e is IdentifierNameSyntax { Identifier.ValueText: "text" };
        if (IsTextParameter(text))
        {
            return true;
        }

        return file == "Shared/CodeTemplate.cs" && method.Identifier.ValueText == "Statements"
            && text is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression, Left: BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } inner } outer
            && inner.Left is LiteralExpressionSyntax { Token.ValueText: "{\n" } && IsTextParameter(inner.Right)
            && outer.Right is LiteralExpressionSyntax { Token.ValueText: "\n}" };
    }

    private sealed record Offence(string File, int Line, string Call)
    {
        public override string ToString() => File + ":" + Line + ": " + Call;
    }
}
