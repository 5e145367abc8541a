namespace LlmStreaming.Benchmarks.Generation;

/// <summary>
/// Ordinary application code: what most files of a real project are. Every shape the rules register on appears here
/// in a form that is not a model stream (loops, LINQ, string work, HttpClient calls to non-model APIs with timeouts and
/// retries, async streams, try/catch, indexers, object creation), so the files cost the analyzers what real code does.
/// </summary>
internal static class OrdinaryCode
{
    public const int Kinds = 6;

    /// <summary>The source of ordinary file <paramref name="index"/> (its kind cycles through <see cref="Kinds"/> shapes).</summary>
    public static string File(int index) => (index % Kinds) switch
    {
        0 => Orders(index),
        1 => RestClient(index),
        2 => EventPipeline(index),
        3 => TextTools(index),
        4 => Caches(index),
        _ => Reports(index),
    };

    private static string Orders(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Text;

        namespace Bench.Orders{{i}};

        public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

        public sealed record Order(int Id, string Customer, DateTime Placed, IReadOnlyList<OrderLine> Lines)
        {
            public decimal Total => Lines.Sum(l => l.Quantity * l.UnitPrice);
        }

        public enum OrderState { New, Paid, Shipped, Cancelled }

        public sealed class OrderService{{i}}
        {
            private readonly List<Order> _orders = new();
            private readonly Dictionary<int, OrderState> _states = new();

            public void Add(Order order)
            {
                _orders.Add(order);
                _states[order.Id] = OrderState.New;
            }

            public IEnumerable<(string Customer, decimal Total)> TopCustomers(int count)
                => _orders
                    .GroupBy(o => o.Customer)
                    .Select(g => (Customer: g.Key, Total: g.Sum(o => o.Total)))
                    .OrderByDescending(x => x.Total)
                    .Take(count);

            public decimal Revenue(DateTime from, DateTime to)
            {
                decimal sum = 0;
                foreach (var order in _orders)
                {
                    if (order.Placed < from || order.Placed >= to || _states[order.Id] == OrderState.Cancelled)
                    {
                        continue;
                    }

                    for (var k = 0; k < order.Lines.Count; k++)
                    {
                        sum += order.Lines[k].Quantity * order.Lines[k].UnitPrice;
                    }
                }

                return sum;
            }

            public string Describe(int id)
            {
                var order = _orders.FirstOrDefault(o => o.Id == id);
                if (order is null)
                {
                    return "unknown order " + id;
                }

                var text = new StringBuilder();
                text.Append($"Order {order.Id} for {order.Customer}: ");
                foreach (var line in order.Lines.OrderBy(l => l.Sku))
                {
                    text.Append(line.Sku).Append(" x").Append(line.Quantity).Append("; ");
                }

                text.Append(_states[id] switch
                {
                    OrderState.New => "new",
                    OrderState.Paid => "paid",
                    OrderState.Shipped => "shipped",
                    _ => "cancelled",
                });
                return text.ToString();
            }

            public bool TryAdvance(int id)
            {
                if (!_states.TryGetValue(id, out var state))
                {
                    return false;
                }

                _states[id] = state switch
                {
                    OrderState.New => OrderState.Paid,
                    OrderState.Paid => OrderState.Shipped,
                    _ => state,
                };
                return true;
            }

            public int Parse(string csv)
            {
                var added = 0;
                var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                for (var r = 1; r < rows.Length; r++)
                {
                    var cells = rows[r].Split(',');
                    try
                    {
                        var lines = new List<OrderLine> { new(cells[2], int.Parse(cells[3]), decimal.Parse(cells[4])) };
                        Add(new Order(int.Parse(cells[0]), cells[1], DateTime.UtcNow, lines));
                        added++;
                    }
                    catch (FormatException)
                    {
                        Console.Error.WriteLine($"row {r} skipped");
                    }
                }

                return added;
            }
        }
        """;

    private static string RestClient(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.Http;
        using System.Net.Http.Json;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Bench.Rest{{i}};

        public sealed record Forecast(string City, double TemperatureC, string Summary);

        public sealed record Repository(string Name, int Stars);

        /// <summary>A client of ordinary web APIs (weather, code hosting, CSV exports): no model behind them.</summary>
        public sealed class WeatherClient{{i}} : IDisposable
        {
            private readonly HttpClient _http = new() { BaseAddress = new Uri("https://weather.example.com/api/"), Timeout = TimeSpan.FromSeconds(20) };

            public async Task<Forecast?> GetForecastAsync(string city, CancellationToken cancellationToken)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(5));
                return await _http.GetFromJsonAsync<Forecast>($"forecast/{Uri.EscapeDataString(city)}", cts.Token);
            }

            public async Task<IReadOnlyList<Repository>> GetRepositoriesAsync(string owner, CancellationToken cancellationToken)
            {
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        var list = await _http.GetFromJsonAsync<List<Repository>>($"https://code.example.org/users/{owner}/repos", cancellationToken);
                        return list ?? new List<Repository>();
                    }
                    catch (HttpRequestException) when (attempt < 3)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200 << attempt), cancellationToken);
                    }
                }
            }

            public async Task<int> CountCsvRowsAsync(string path, CancellationToken cancellationToken)
            {
                using var response = await _http.GetAsync("exports/" + path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                var rows = 0;
                string? line;
                while ((line = await reader.ReadLineAsync(cancellationToken)) != null)
                {
                    if (line.Length == 0 || line.StartsWith('#'))
                    {
                        continue;
                    }

                    rows++;
                }

                return rows;
            }

            public async Task<string> PostAsync(object payload, CancellationToken cancellationToken)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "events") { Content = JsonContent.Create(payload) };
                request.Headers.Add("X-Request-Id", Guid.NewGuid().ToString("N"));
                using var response = await _http.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                using var document = JsonDocument.Parse(body);
                return document.RootElement.GetProperty("id").GetString() ?? "";
            }

            public void Dispose() => _http.Dispose();
        }
        """;

    private static string EventPipeline(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;

        namespace Bench.Events{{i}};

        public sealed record SensorReading(string Sensor, DateTimeOffset At, double Value);

        /// <summary>Async streams of sensor readings: await foreach, iterators, channels, cancellation.</summary>
        public sealed class ReadingPipeline{{i}}
        {
            private readonly Channel<SensorReading> _channel = Channel.CreateBounded<SensorReading>(256);

            public async IAsyncEnumerable<SensorReading> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                while (await _channel.Reader.WaitToReadAsync(cancellationToken))
                {
                    while (_channel.Reader.TryRead(out var reading))
                    {
                        yield return reading;
                    }
                }
            }

            public ValueTask PublishAsync(SensorReading reading, CancellationToken cancellationToken) => _channel.Writer.WriteAsync(reading, cancellationToken);

            public async Task<Dictionary<string, double>> AveragesAsync(IAsyncEnumerable<SensorReading> readings, CancellationToken cancellationToken)
            {
                var sums = new Dictionary<string, (double Sum, int Count)>();
                try
                {
                    await foreach (var reading in readings.WithCancellation(cancellationToken))
                    {
                        sums.TryGetValue(reading.Sensor, out var current);
                        sums[reading.Sensor] = (current.Sum + reading.Value, current.Count + 1);
                    }
                }
                catch (OperationCanceledException)
                {
                    Console.WriteLine("stopped");
                }

                return sums.ToDictionary(p => p.Key, p => p.Value.Sum / p.Value.Count);
            }

            public async Task<string> LatestAsync(IAsyncEnumerable<SensorReading> readings)
            {
                var latest = "";
                await foreach (var reading in readings)
                {
                    latest = reading.Sensor + "=" + reading.Value;
                }

                return latest;
            }

            public static async IAsyncEnumerable<int> CountUpAsync(int to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                for (var n = 0; n < to; n++)
                {
                    await Task.Delay(1, cancellationToken);
                    yield return n;
                }
            }

            public void Complete() => _channel.Writer.TryComplete();
        }
        """;

    private static string TextTools(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.Globalization;
        using System.Linq;
        using System.Text;

        namespace Bench.Text{{i}};

        /// <summary>String work: splitting, indexing, building, formatting.</summary>
        public static class TextTools{{i}}
        {
            public static string Slug(string title)
            {
                var builder = new StringBuilder(title.Length);
                var lastDash = false;
                foreach (var c in title.Trim().ToLowerInvariant())
                {
                    if (char.IsLetterOrDigit(c))
                    {
                        builder.Append(c);
                        lastDash = false;
                    }
                    else if (!lastDash && builder.Length > 0)
                    {
                        builder.Append('-');
                        lastDash = true;
                    }
                }

                return builder.ToString().TrimEnd('-');
            }

            public static string Initials(string name)
            {
                var parts = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0)
                {
                    return "";
                }

                var text = "";
                for (var k = 0; k < parts.Length; k++)
                {
                    text += char.ToUpperInvariant(parts[k][0]);
                }

                return text;
            }

            public static IReadOnlyList<string> Wrap(string text, int width)
            {
                var lines = new List<string>();
                var current = new StringBuilder();
                foreach (var word in text.Split(' '))
                {
                    if (current.Length + word.Length + 1 > width && current.Length > 0)
                    {
                        lines.Add(current.ToString());
                        current.Clear();
                    }

                    if (current.Length > 0)
                    {
                        current.Append(' ');
                    }

                    current.Append(word);
                }

                if (current.Length > 0)
                {
                    lines.Add(current.ToString());
                }

                return lines;
            }

            public static Dictionary<string, int> WordCounts(IEnumerable<string> documents)
                => documents
                    .SelectMany(d => d.Split(new[] { ' ', '\t', '\n' }, StringSplitOptions.RemoveEmptyEntries))
                    .Select(w => w.Trim('.', ',', ';').ToLowerInvariant())
                    .Where(w => w.Length > 2)
                    .GroupBy(w => w)
                    .ToDictionary(g => g.Key, g => g.Count());

            public static string Money(decimal amount, string culture)
                => amount.ToString("C", CultureInfo.GetCultureInfo(culture));

            public static string FirstWord(string text)
            {
                var words = text.Split(' ');
                return words.Length > 0 ? words[0] : "";
            }

            public static string Last(IList<string> items) => items.Count == 0 ? "" : items[items.Count - 1];
        }
        """;

    private static string Caches(int i) => $$"""
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Bench.Caching{{i}};

        public sealed class CacheOptions
        {
            public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
            public int Capacity { get; set; } = 1000;
            public int MaxRetries { get; set; } = 3;
        }

        /// <summary>Caches and repositories: object creation, property assignments (a Timeout too), locks, retries.</summary>
        public sealed class ProductCache{{i}}
        {
            private readonly ConcurrentDictionary<string, (DateTime At, string Value)> _entries = new();
            private readonly CacheOptions _options;
            private readonly object _gate = new();
            private int _hits;
            private int _misses;

            public ProductCache{{i}}(CacheOptions? options = null)
            {
                _options = options ?? new CacheOptions { Timeout = TimeSpan.FromMinutes(5), Capacity = 500 };
                _options.MaxRetries = 2;
            }

            public string? Get(string key)
            {
                if (_entries.TryGetValue(key, out var entry) && DateTime.UtcNow - entry.At < _options.Timeout)
                {
                    Interlocked.Increment(ref _hits);
                    return entry.Value;
                }

                Interlocked.Increment(ref _misses);
                return null;
            }

            public void Set(string key, string value)
            {
                lock (_gate)
                {
                    if (_entries.Count >= _options.Capacity)
                    {
                        foreach (var old in _entries)
                        {
                            _entries.TryRemove(old.Key, out _);
                            break;
                        }
                    }

                    _entries[key] = (DateTime.UtcNow, value);
                }
            }

            public async Task<string> GetOrLoadAsync(string key, Func<string, CancellationToken, Task<string>> load, CancellationToken cancellationToken)
            {
                var cached = Get(key);
                if (cached is not null)
                {
                    return cached;
                }

                Exception? last = null;
                for (var attempt = 0; attempt <= _options.MaxRetries; attempt++)
                {
                    try
                    {
                        var value = await load(key, cancellationToken);
                        Set(key, value);
                        return value;
                    }
                    catch (TimeoutException ex)
                    {
                        last = ex;
                        await Task.Delay(100 * (attempt + 1), cancellationToken);
                    }
                }

                throw new InvalidOperationException("load failed for " + key, last);
            }

            public string Stats() => $"hits={_hits} misses={_misses} size={_entries.Count}";
        }
        """;

    private static string Reports(int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Text;
        using System.Text.Json;
        using System.Threading.Tasks;

        namespace Bench.Reports{{i}};

        public sealed class Measurement
        {
            public string Name { get; set; } = "";
            public double[] Values { get; set; } = Array.Empty<double>();
        }

        /// <summary>Reports: nested loops, JSON documents indexed by position, files, LINQ aggregates.</summary>
        public sealed class ReportBuilder{{i}}
        {
            public string Table(IReadOnlyList<Measurement> measurements)
            {
                var text = new StringBuilder();
                text.AppendLine("name,min,max,mean");
                foreach (var m in measurements)
                {
                    if (m.Values.Length == 0)
                    {
                        continue;
                    }

                    var min = double.MaxValue;
                    var max = double.MinValue;
                    for (var k = 0; k < m.Values.Length; k++)
                    {
                        min = Math.Min(min, m.Values[k]);
                        max = Math.Max(max, m.Values[k]);
                    }

                    text.AppendLine($"{m.Name},{min},{max},{m.Values.Average():F2}");
                }

                return text.ToString();
            }

            public static string FirstTitle(string json)
            {
                using var document = JsonDocument.Parse(json);
                var items = document.RootElement.GetProperty("items");
                return items.GetArrayLength() == 0 ? "" : items[0].GetProperty("title").GetString() ?? "";
            }

            public static IEnumerable<string> Titles(string json)
            {
                using var document = JsonDocument.Parse(json);
                foreach (var item in document.RootElement.GetProperty("items").EnumerateArray())
                {
                    yield return item.GetProperty("title").GetString() ?? "";
                }
            }

            public async Task SaveAsync(string path, IEnumerable<Measurement> measurements)
            {
                await using var stream = File.Create(path);
                await JsonSerializer.SerializeAsync(stream, measurements.ToList());
            }

            public async Task<List<Measurement>> LoadAsync(string path)
            {
                using var reader = new StreamReader(path);
                var result = new List<Measurement>();
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    var m = JsonSerializer.Deserialize<Measurement>(line);
                    if (m is not null)
                    {
                        result.Add(m);
                    }
                }

                return result;
            }

            public static double[,] Matrix(int size)
            {
                var matrix = new double[size, size];
                for (var row = 0; row < size; row++)
                {
                    for (var col = 0; col < size; col++)
                    {
                        matrix[row, col] = row == col ? 1 : (row + col) / (double)size;
                    }
                }

                return matrix;
            }
        }
        """;
}
