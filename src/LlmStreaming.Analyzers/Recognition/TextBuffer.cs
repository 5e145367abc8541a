using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis.Text;

namespace LlmStreaming.Analyzers.Recognition;

/// <summary>
/// A buffer kept per thread that a tree's text is copied into for the text scans (<see cref="ModelTrafficScan"/>,
/// <see cref="TimeoutParameterScan"/>): no string of the whole text is made. A string of each tree's text was most of
/// the garbage an ordinary project's build got from the package.
/// </summary>
internal static class TextBuffer
{
    /// <summary>
    /// MethodImplOptions.AggressiveOptimization (.NET Core 3.0 and later; not in netstandard2.0's enum), for the scans'
    /// loops over a buffer: compiled optimized at once, not first at tier 0.
    /// </summary>
    internal const MethodImplOptions AggressiveOptimization = (MethodImplOptions)512;

    [ThreadStatic]
    private static char[]? t_buffer;

    /// <summary>The first <c>text.Length</c> characters of the result are <paramref name="text"/>, until this thread's next call.</summary>
    public static char[] Copy(SourceText text)
    {
        var length = text.Length;
        var buffer = t_buffer;
        if (buffer is null || buffer.Length < length)
        {
            t_buffer = buffer = new char[Math.Max(length, 16 * 1024)];
        }

        text.CopyTo(0, buffer, 0, length);
        return buffer;
    }
}
