using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Net.ServerSentEvents;
using System.Text;
using System.Threading;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>One event as a browser's <c>EventSource</c> dispatches it: its type (<c>message</c> unless named) and data.</summary>
internal sealed record RelayEvent(string Type, string Data, TimeSpan At)
{
    public override string ToString() => $"{At.TotalMilliseconds:0} ms {Type}: {Data}";
}

/// <summary>What the client received from one relay response, and when.</summary>
/// <param name="Status">The response's status code.</param>
/// <param name="Events">The events, in order.</param>
/// <param name="Comments">The comment lines (<c>: keep-alive</c>), which <c>EventSource</c> never dispatches but which keep the connection busy.</param>
/// <param name="Ended">The server ended the response normally (the client did not leave, the read was not cut by the bound, the connection did not break).</param>
/// <param name="TimedOut">The read was cut by its bound.</param>
/// <param name="Broken">The connection broke before the end of the response (a reset, a body cut short): what the client was told.</param>
/// <param name="LeftAt">When the client closed the connection on its own, or null.</param>
/// <param name="LeftAtUtc">The same, as a clock time (to compare with the fake server's).</param>
/// <param name="Elapsed">From the request to the end of the read.</param>
internal sealed record RelayRead(int Status, IReadOnlyList<RelayEvent> Events, IReadOnlyList<RelayEvent> Comments, bool Ended, bool TimedOut, string? Broken, TimeSpan? LeftAt, DateTimeOffset? LeftAtUtc, TimeSpan Elapsed)
{
    public const string Done = "[DONE]";

    /// <summary>The <c>message</c> events before a <c>[DONE]</c>, their data decoded by <paramref name="decode"/> and concatenated.</summary>
    public string Text(Func<string, string> decode)
        => string.Concat(Events.TakeWhile(e => e.Data != Done).Where(e => e.Type == "message").Select(e => decode(e.Data)));

    public override string ToString()
        => $"status {Status}, {Events.Count} events, {Comments.Count} comments, "
            + (Ended ? "ended by the server" : TimedOut ? "cut by the bound" : Broken is not null ? "broken (" + Broken + ")" : "left by the client")
            + $" after {Elapsed.TotalMilliseconds:0} ms";
}

/// <summary>
/// Reads a relay as a browser's <c>EventSource</c> does: a GET with <c>Accept: text/event-stream</c>, the body parsed by
/// <see cref="SseParser"/> (the framing rules of the HTML standard: a line break ends a field, a blank line dispatches
/// the event, a line without a colon is a field with no value, a line starting with a colon is a comment). The client
/// can leave (close the connection) as a user closes the tab; every read is bounded in time.
/// </summary>
internal static class BrowserClient
{
    /// <param name="url">The relay endpoint.</param>
    /// <param name="bound">How long the read may take at most.</param>
    /// <param name="leaveWhen">Asked after each event: true closes the connection there.</param>
    public static async Task<RelayRead> ReadAsync(Uri url, TimeSpan bound, Func<IReadOnlyList<RelayEvent>, bool>? leaveWhen = null)
    {
        // No draining of an unread body on close (the handler would otherwise read on to reuse the connection): a
        // client that leaves closes its connection, as a closed tab does.
        var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { Timeout = Timeout.InfiniteTimeSpan };
        using var cut = new CancellationTokenSource(bound);
        var clock = Stopwatch.StartNew();
        var events = new List<RelayEvent>();
        var comments = new List<RelayEvent>();
        var status = 0;
        var ended = false;
        var timedOut = false;
        string? broken = null;
        TimeSpan? leftAt = null;
        DateTimeOffset? leftAtUtc = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoCache = true };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cut.Token);
            status = (int)response.StatusCode;
            using var body = new CommentRecorder(await response.Content.ReadAsStreamAsync(cut.Token), comments, clock);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(cut.Token))
            {
                events.Add(new RelayEvent(item.EventType, item.Data, clock.Elapsed));
                if (leaveWhen?.Invoke(events) == true)
                {
                    body.Dispose();
                    response.Dispose();
                    http.Dispose();
                    leftAt = clock.Elapsed;
                    leftAtUtc = DateTimeOffset.UtcNow;
                    break;
                }
            }

            ended = leftAt is null;
        }
        catch (OperationCanceledException) when (cut.IsCancellationRequested)
        {
            timedOut = true;
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            broken = exception.GetType().Name + ": " + exception.Message;
        }
        finally
        {
            http.Dispose();
        }

        return new RelayRead(status, events, comments, ended, timedOut, broken, leftAt, leftAtUtc, clock.Elapsed);
    }

    /// <summary>Passes the body through and records its comment lines as they arrive (<see cref="SseParser"/> drops them).</summary>
    private sealed class CommentRecorder : Stream
    {
        private readonly Stream _inner;
        private readonly List<RelayEvent> _comments;
        private readonly Stopwatch _clock;
        private readonly StringBuilder _line = new();
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public CommentRecorder(Stream inner, List<RelayEvent> comments, Stopwatch clock)
        {
            _inner = inner;
            _comments = comments;
            _clock = clock;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Record(buffer.AsSpan(offset, _inner.Read(buffer, offset, count)));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await _inner.ReadAsync(buffer, cancellationToken);
            return Record(buffer.Span.Slice(0, read));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Record(ReadOnlySpan<byte> bytes)
        {
            var chars = new char[_decoder.GetCharCount(bytes, flush: false)];
            _decoder.GetChars(bytes, chars, flush: false);
            foreach (var c in chars)
            {
                if (c is '\n' or '\r')
                {
                    if (_line.Length > 0 && _line[0] == ':')
                    {
                        _comments.Add(new RelayEvent("comment", _line.ToString(1, _line.Length - 1).Trim(), _clock.Elapsed));
                    }

                    _line.Clear();
                }
                else
                {
                    _line.Append(c);
                }
            }

            return bytes.Length;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
