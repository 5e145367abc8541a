using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace LlmStreaming.Analyzers.Tests.Conformance;

/// <summary>A parsed HTTP/1.1 request (what the fake server needs of it).</summary>
internal sealed record HttpRequestHead(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// One accepted socket, read and written by hand so that the server can misbehave at the byte level:
/// reset (linger 0), a chunk cut in the middle, silence.
/// </summary>
internal sealed class HttpConnection : IDisposable
{
    private const int MaxHeadBytes = 64 * 1024;
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    private readonly Socket socket;
    private readonly NetworkStream stream;
    private readonly byte[] buffer = new byte[8192];
    private int start;
    private int end;
    private int disposed;

    public HttpConnection(Socket socket)
    {
        this.socket = socket;
        socket.NoDelay = true;
        stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>Reads one request; null if the client closed before sending a whole one.</summary>
    public async Task<HttpRequestHead?> ReadRequestAsync(CancellationToken ct)
    {
        var requestLine = await ReadLineAsync(ct).ConfigureAwait(false);
        if (requestLine is null)
        {
            return null;
        }

        var parts = requestLine.Split(' ');
        if (parts.Length < 3)
        {
            throw new InvalidDataException("Bad request line: " + requestLine);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var headBytes = requestLine.Length;
        while (true)
        {
            var line = await ReadLineAsync(ct).ConfigureAwait(false) ?? throw new InvalidDataException("The head ended early.");
            if (line.Length == 0)
            {
                break;
            }

            headBytes += line.Length;
            if (headBytes > MaxHeadBytes)
            {
                throw new InvalidDataException("The head is too long.");
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new InvalidDataException("Bad header line: " + line);
            }

            var name = line.Substring(0, colon).Trim();
            var value = line.Substring(colon + 1).Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
        }

        if (headers.TryGetValue("Expect", out var expect) && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await WriteAsync("HTTP/1.1 100 Continue\r\n\r\n", ct).ConfigureAwait(false);
        }

        byte[] body;
        if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunkedBodyAsync(ct).ConfigureAwait(false);
        }
        else if (headers.TryGetValue("Content-Length", out var cl))
        {
            var length = int.Parse(cl, NumberStyles.None, CultureInfo.InvariantCulture);
            if (length > MaxBodyBytes)
            {
                throw new InvalidDataException("The body is too long.");
            }

            body = await ReadExactAsync(length, ct).ConfigureAwait(false);
        }
        else
        {
            body = [];
        }

        return new HttpRequestHead(parts[0], parts[1], headers, Encoding.UTF8.GetString(body));
    }

    private async Task<byte[]> ReadChunkedBodyAsync(CancellationToken ct)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(ct).ConfigureAwait(false) ?? throw new InvalidDataException("The chunked body ended early.");
            var semicolon = sizeLine.IndexOf(';');
            var size = int.Parse(semicolon >= 0 ? sizeLine.Substring(0, semicolon) : sizeLine, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailers, then the empty line.
                while (!string.IsNullOrEmpty(await ReadLineAsync(ct).ConfigureAwait(false)))
                {
                }

                return body.ToArray();
            }

            if (body.Length + size > MaxBodyBytes)
            {
                throw new InvalidDataException("The body is too long.");
            }

            var chunk = await ReadExactAsync(size, ct).ConfigureAwait(false);
            body.Write(chunk, 0, chunk.Length);
            if (await ReadLineAsync(ct).ConfigureAwait(false) != string.Empty)
            {
                throw new InvalidDataException("A chunk did not end with CRLF.");
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (start > 0 && start == end)
        {
            start = end = 0;
        }
        else if (end == buffer.Length)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }

        var read = await stream.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
        end += read;
        return read > 0;
    }

    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        var line = new StringBuilder();
        while (true)
        {
            for (var i = start; i < end; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    line.Append(Encoding.ASCII.GetString(buffer, start, i - start));
                    start = i + 1;
                    if (line.Length > 0 && line[line.Length - 1] == '\r')
                    {
                        line.Length--;
                    }

                    return line.ToString();
                }
            }

            line.Append(Encoding.ASCII.GetString(buffer, start, end - start));
            start = end;
            if (line.Length > MaxHeadBytes)
            {
                throw new InvalidDataException("A line is too long.");
            }

            if (!await FillAsync(ct).ConfigureAwait(false))
            {
                return line.Length == 0 ? null : throw new InvalidDataException("The connection closed mid-line.");
            }
        }
    }

    private async Task<byte[]> ReadExactAsync(int count, CancellationToken ct)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (start == end && !await FillAsync(ct).ConfigureAwait(false))
            {
                throw new InvalidDataException("The body ended early.");
            }

            var take = Math.Min(count - filled, end - start);
            Buffer.BlockCopy(buffer, start, result, filled, take);
            start += take;
            filled += take;
        }

        return result;
    }

    /// <summary>
    /// Completes when the client closes its side (read of 0 bytes) or the connection breaks. The client sends nothing
    /// after its request (no pipelining), so any read completing means it went away.
    /// </summary>
    public async Task WatchForCloseAsync(CancellationToken ct)
    {
        var scratch = new byte[256];
        try
        {
            while (await stream.ReadAsync(scratch, ct).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    public Task WriteAsync(string text, CancellationToken ct) => WriteAsync(Encoding.UTF8.GetBytes(text), ct);

    public async Task WriteAsync(byte[] bytes, CancellationToken ct)
        => await stream.WriteAsync(bytes, ct).ConfigureAwait(false);

    /// <summary>The status line and headers; ends with the blank line.</summary>
    public Task WriteHeadAsync(int status, string contentType, long? contentLength, IEnumerable<KeyValuePair<string, string>> extraHeaders, CancellationToken ct)
    {
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(ReasonPhrase(status)).Append("\r\n");
        head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        if (contentLength is { } length)
        {
            head.Append("Content-Length: ").Append(length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }
        else
        {
            head.Append("Transfer-Encoding: chunked\r\n");
        }

        head.Append("Connection: close\r\n");
        head.Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var header in extraHeaders)
        {
            head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }

        head.Append("\r\n");
        return WriteAsync(head.ToString(), ct);
    }

    public Task WriteChunkAsync(string text, CancellationToken ct)
    {
        var data = Encoding.UTF8.GetBytes(text);
        var prefix = Encoding.ASCII.GetBytes(data.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
        var frame = new byte[prefix.Length + data.Length + 2];
        prefix.CopyTo(frame, 0);
        data.CopyTo(frame, prefix.Length);
        frame[frame.Length - 2] = (byte)'\r';
        frame[frame.Length - 1] = (byte)'\n';
        return WriteAsync(frame, ct);
    }

    /// <summary>A chunk whose size line promises all of <paramref name="text"/> but only the first half follows.</summary>
    public async Task WriteHalfChunkAsync(string text, CancellationToken ct)
    {
        var data = Encoding.UTF8.GetBytes(text);
        await WriteAsync(data.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n", ct).ConfigureAwait(false);
        await WriteAsync(data.AsSpan(0, data.Length / 2).ToArray(), ct).ConfigureAwait(false);
    }

    public Task WriteLastChunkAsync(CancellationToken ct) => WriteAsync("0\r\n\r\n", ct);

    /// <summary>A graceful close: FIN after everything written.</summary>
    public void CloseGracefully()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        Dispose();
    }

    /// <summary>An abortive close: linger 0 makes the kernel send RST instead of FIN.</summary>
    public void Reset()
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            stream.Dispose();
            socket.Close();
        }
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => "Status",
    };
}
