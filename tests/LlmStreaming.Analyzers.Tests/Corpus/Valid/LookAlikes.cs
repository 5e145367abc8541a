// Code that looks like streaming LLM code but is not a model stream: no rule may fire here.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Corpus.Valid;

public sealed record Quote(string Symbol, decimal Price);

/// <summary>A stock-ticker SSE client: server-sent events, but no model behind them.</summary>
public sealed class StockTicker
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10), BaseAddress = new Uri("https://quotes.example.com") };
    private string _lastSymbol = "";

    public async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("/stream/quotes", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? line;
        while ((line = await reader.ReadLineAsync(cancellationToken)) != null)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var quote = JsonSerializer.Deserialize<Quote>(line.Substring(5));
            if (quote is not null)
            {
                _lastSymbol = quote.Symbol;
            }
        }
    }

    public string LastSymbol => _lastSymbol;
}

/// <summary>Async streams and lists that are not model streams.</summary>
public static class Feeds
{
    public static async Task<string> LastLineAsync(IAsyncEnumerable<string> lines)
    {
        var last = "";
        var all = new StringBuilder();
        try
        {
            await foreach (var line in lines)
            {
                last = line;
                all.Append(line);
            }
        }
        catch (IOException)
        {
            return "";
        }

        return last + all.Length;
    }

    public static string FirstItem(List<List<string>> batches)
    {
        foreach (var batch in batches)
        {
            return batch[0];
        }

        return "";
    }
}
