using System.Globalization;
using LlmStreaming.Analyzers.Recognition;
using LlmStreaming.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmStreaming.Analyzers.Tests.Timeouts;

/// <summary>The recognition core's constant timeout evaluation (<see cref="TimeoutValues"/>).</summary>
public class TimeoutValuesTests
{
    [Theory]
    [InlineData("TimeSpan.FromSeconds(30)", "30")]
    [InlineData("TimeSpan.FromMinutes(2)", "120")]
    [InlineData("TimeSpan.FromMinutes(1.5)", "90")]
    [InlineData("TimeSpan.FromHours(1)", "3600")]
    [InlineData("TimeSpan.FromMilliseconds(2500)", "2.5")]
    [InlineData("TimeSpan.FromMinutes(1, 30)", "90")]
    [InlineData("TimeSpan.FromTicks(50_000_000)", "5")]
    [InlineData("new TimeSpan(0, 1, 30)", "90")]
    [InlineData("new TimeSpan(1, 0, 0, 0)", "86400")]
    [InlineData("TimeSpan.Zero", "0")]
    [InlineData("Timeout.InfiniteTimeSpan", "infinite")]
    [InlineData("TimeSpan.MaxValue", "infinite")]
    [InlineData("Short", "20")]
    [InlineData("local", "45")]
    [InlineData("Milliseconds", "1.5")]
    [InlineData("TimeSpan.FromSeconds(seconds)", null)]
    [InlineData("configured", null)]
    [InlineData("reassigned", null)]
    [InlineData("Mutable", null)]
    public void Evaluates(string expression, string? expected)
    {
        var source = $$"""
            using System;
            using System.Threading;

            class C
            {
                static readonly TimeSpan Short = TimeSpan.FromSeconds(20);
                static TimeSpan Mutable = TimeSpan.FromSeconds(20);
                const int Milliseconds = 1500;

                void M(int seconds, TimeSpan configured)
                {
                    var local = TimeSpan.FromSeconds(45);
                    var reassigned = TimeSpan.FromSeconds(45);
                    reassigned = configured;
                    Use({{expression}});
                }

                void Use(TimeSpan value) { }
                void Use(int milliseconds) { }
            }
            """;
        var tree = CSharpSyntaxTree.ParseText(source);
        var compilation = CSharpCompilation.Create("T", new[] { tree }, References.Framework, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var model = compilation.GetSemanticModel(tree);
        var argument = tree.GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>().Last(i => i.Expression.ToString() == "Use").ArgumentList.Arguments[0].Expression;
        var operation = model.GetOperation(argument);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var value = TimeoutValues.TryEvaluate(operation, System.Threading.CancellationToken.None);

        var actual = value is null ? null : value.IsInfinite ? "infinite" : value.Seconds.ToString("0.###", CultureInfo.InvariantCulture);
        Assert.Equal(expected, actual);
    }
}
