using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>
/// A headless Chromium driven over the DevTools protocol: started with a fresh profile in a temp folder and
/// <c>--remote-debugging-port=0</c>, its port read from the profile's <c>DevToolsActivePort</c> file, one page target
/// reached over a WebSocket (<see cref="NavigateAsync"/>, <see cref="EvaluateAsync"/>). Every wait is bounded; everything
/// it is pointed at is on 127.0.0.1, and its own background traffic finds no host. Disposing kills the process tree
/// and deletes the profile.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>The environment variable that names the browser to use (a path, or a name on PATH).</summary>
    public const string Variable = "LLM_CHROMIUM";

    /// <summary>The names tried on PATH when <see cref="Variable"/> is not set.</summary>
    public static readonly IReadOnlyList<string> Names = ["chromium", "chromium-browser", "google-chrome"];

    /// <summary>The longest one DevTools command may take.</summary>
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ConcurrentQueue<string> _log;
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private HeadlessChromium(Process process, DirectoryInfo profile, ConcurrentQueue<string> log, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _log = log;
        _socket = socket;
    }

    /// <summary>
    /// The browser to run: <see cref="Variable"/> when set (it must then name a file or a program on PATH), else the
    /// first of <see cref="Names"/> on PATH; null when there is none.
    /// </summary>
    public static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? Path.GetFullPath(configured)
                : OnPath(configured) ?? throw new InvalidOperationException($"{Variable}={configured} is neither a file nor a program on PATH");
        }

        return Names.Select(OnPath).FirstOrDefault(path => path is not null);
    }

    private static string? OnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Starts <paramref name="executable"/> on <c>about:blank</c> and connects to its page, within <paramref name="bound"/>.</summary>
    public static async Task<HeadlessChromium> StartAsync(string executable, TimeSpan bound)
    {
        var profile = Directory.CreateTempSubdirectory("llm-chromium-");
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=" + profile.FullName, "--remote-debugging-port=0",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--mute-audio",
            // 127.0.0.1 only: no proxy, and no host name resolves (the pages are addressed by IP).
            "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var log = new ConcurrentQueue<string>();
        void Keep(object sender, DataReceivedEventArgs line)
        {
            if (line.Data is { } data)
            {
                log.Enqueue(data);
                while (log.Count > 40 && log.TryDequeue(out _))
                {
                }
            }
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        ClientWebSocket? socket = null;
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var cut = new CancellationTokenSource(bound);
            var port = await ReadPortAsync(process, profile, log, cut.Token);
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            using var targets = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list"), cut.Token));
            var page = targets.RootElement.EnumerateArray().FirstOrDefault(t => t.GetProperty("type").GetString() == "page");
            if (page.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidOperationException("Chromium's DevTools list no page: " + targets.RootElement);
            }

            socket = new ClientWebSocket();
            socket.Options.Proxy = null;
            await socket.ConnectAsync(new Uri(page.GetProperty("webSocketDebuggerUrl").GetString()!), cut.Token);
            return new HeadlessChromium(process, profile, log, socket);
        }
        catch (Exception exception) when (exception is not InvalidOperationException)
        {
            socket?.Dispose();
            await StopAsync(process, profile);
            throw new InvalidOperationException($"Chromium ({executable}) did not start within {bound.TotalSeconds:0} s: {exception.Message}{Environment.NewLine}{string.Join(Environment.NewLine, log)}", exception);
        }
        catch
        {
            socket?.Dispose();
            await StopAsync(process, profile);
            throw;
        }
    }

    /// <summary>Waits for Chromium to write its DevTools port (the first line of <c>DevToolsActivePort</c>).</summary>
    private static async Task<int> ReadPortAsync(Process process, DirectoryInfo profile, ConcurrentQueue<string> log, CancellationToken cancellationToken)
    {
        var file = Path.Combine(profile.FullName, "DevToolsActivePort");
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Chromium exited with {process.ExitCode} before listening:{Environment.NewLine}{string.Join(Environment.NewLine, log)}");
            }

            if (File.Exists(file))
            {
                // Two lines (the port, the browser's path) once the file is whole.
                var lines = await File.ReadAllLinesAsync(file, cancellationToken);
                if (lines.Length >= 2 && int.TryParse(lines[0], out var port) && port > 0)
                {
                    return port;
                }
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Loads <paramref name="url"/> in the page.</summary>
    public async Task NavigateAsync(Uri url)
    {
        var result = await SendAsync("Page.navigate", new { url = url.AbsoluteUri });
        if (result.TryGetProperty("errorText", out var error))
        {
            throw new InvalidOperationException($"Chromium could not load {url}: {error.GetString()}");
        }
    }

    /// <summary>The value of <paramref name="expression"/> in the page, when it is a string; null otherwise.</summary>
    public async Task<string?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new InvalidOperationException("The page's script threw: " + exception);
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
    }

    /// <summary>Evaluates <paramref name="expression"/> every 50 ms until it gives a string, for <paramref name="bound"/> at most.</summary>
    public async Task<string> WaitForAsync(string expression, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await EvaluateAsync(expression) is { } value)
            {
                return value;
            }

            if (clock.Elapsed > bound)
            {
                throw new TimeoutException($"The page did not give a value for {expression} within {bound.TotalSeconds:0} s");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends one DevTools command and returns its result, skipping the events that come in between.</summary>
    private async Task<JsonElement> SendAsync(string method, object parameters)
    {
        using var cut = new CancellationTokenSource(CommandBound);
        var id = ++_nextId;
        var command = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters });
        await _socket.SendAsync(command, WebSocketMessageType.Text, endOfMessage: true, cut.Token);
        var buffer = new byte[16 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, cut.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException("Chromium closed the DevTools connection:" + Environment.NewLine + string.Join(Environment.NewLine, _log));
                }

                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            using var reply = JsonDocument.Parse(message.ToArray());
            if (!reply.RootElement.TryGetProperty("id", out var replyId) || replyId.GetInt32() != id)
            {
                continue;
            }

            if (reply.RootElement.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"DevTools {method}: {error}");
            }

            return reply.RootElement.GetProperty("result").Clone();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        await StopAsync(_process, _profile);
    }

    /// <summary>Kills the browser and its child processes, waits for them (bounded) and deletes the profile.</summary>
    private static async Task StopAsync(Process process, DirectoryInfo profile)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var cut = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await process.WaitForExitAsync(cut.Token);
        }
        catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Not started, or already gone; a process that outlives the bound is left to the OS.
        }
        finally
        {
            process.Dispose();
        }

        try
        {
            profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A child still writing into it: the temp folder is cleaned with the machine.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
