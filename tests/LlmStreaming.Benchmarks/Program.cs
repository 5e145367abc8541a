using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Running;
using LlmStreaming.Benchmarks.Generation;

namespace LlmStreaming.Benchmarks;

/// <summary>
/// <c>generate --out DIR --files N [--no-sdk] --repo ROOT</c> writes a generated project (build-benchmark.sh builds it);
/// <c>profile --files N [--no-sdk] [--relays] [--runs R]</c> prints each analyzer's time over a generated compilation;
/// anything else runs BenchmarkDotNet (<c>--filter '*'</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "generate")
        {
            string? Value(string name)
            {
                var index = Array.IndexOf(args, name);
                return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
            }

            var output = Value("--out") ?? throw new ArgumentException("--out DIR is required");
            var files = int.Parse(Value("--files") ?? "500");
            var withSdk = !args.Contains("--no-sdk");
            var repository = Value("--repo") ?? Directory.GetCurrentDirectory();
            Codebase.WriteProject(output, files, withSdk, repository);
            Console.WriteLine($"{output}: {files} files, {Codebase.LlmFiles(files, withSdk)} of them LLM code, {(withSdk ? "with the LLM SDKs" : "no LLM SDK")}");
            return 0;
        }

        if (args.Length > 0 && args[0] == "profile")
        {
            string? Option(string name)
            {
                var index = Array.IndexOf(args, name);
                return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
            }

            Benchmarks.Profile.Run(int.Parse(Option("--files") ?? "500"), !args.Contains("--no-sdk"), int.Parse(Option("--runs") ?? "3"), args.Contains("--relays"));
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
