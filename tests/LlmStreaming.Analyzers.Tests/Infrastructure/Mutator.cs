using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmStreaming.Analyzers.Tests.Infrastructure;

/// <summary>
/// Breaks sources the way an editor sees them mid-typing: truncation at statement boundaries, deleted and duplicated
/// tokens, unbalanced braces. Seeded, so every run produces the same mutants.
/// </summary>
internal static class Mutator
{
    public static IEnumerable<(string Name, string Text)> Mutate(string name, string text, Random random, int truncations, int tokenEdits)
    {
        var tokens = CSharpSyntaxTree.ParseText(text).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToArray();
        if (tokens.Length == 0)
        {
            yield break;
        }

        // Truncation at statement boundaries (after ';', '{' or '}'), spread over the file.
        var boundaries = tokens.Where(t => t.IsKind(SyntaxKind.SemicolonToken) || t.IsKind(SyntaxKind.OpenBraceToken) || t.IsKind(SyntaxKind.CloseBraceToken)).ToArray();
        for (var i = 0; i < truncations && boundaries.Length > 0; i++)
        {
            var cut = boundaries[(int)((long)boundaries.Length * (i + 1) / (truncations + 1)) % boundaries.Length];
            yield return ($"{name}/truncate@{cut.Span.End}", text.Substring(0, cut.Span.End));
        }

        for (var i = 0; i < tokenEdits; i++)
        {
            var token = tokens[random.Next(tokens.Length)];
            switch (random.Next(4))
            {
                case 0:
                    yield return ($"{name}/delete@{token.SpanStart}", text.Remove(token.SpanStart, token.Span.Length));
                    break;
                case 1:
                    yield return ($"{name}/duplicate@{token.SpanStart}", text.Insert(token.Span.End, " " + token.Text));
                    break;
                case 2:
                    var close = Array.FindIndex(tokens, random.Next(tokens.Length), t => t.IsKind(SyntaxKind.CloseBraceToken));
                    if (close >= 0)
                    {
                        yield return ($"{name}/unbalance@{tokens[close].SpanStart}", text.Remove(tokens[close].SpanStart, 1));
                    }

                    break;
                default:
                    var a = tokens[random.Next(tokens.Length)];
                    var b = tokens[random.Next(tokens.Length)];
                    var (first, second) = a.SpanStart <= b.SpanStart ? (a, b) : (b, a);
                    yield return ($"{name}/cut@{first.SpanStart}-{second.Span.End}", text.Remove(first.SpanStart, second.Span.End - first.SpanStart));
                    break;
            }
        }
    }
}
