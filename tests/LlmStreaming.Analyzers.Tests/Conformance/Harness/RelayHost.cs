using System.IO;
using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using System.Threading;
using LlmStreaming.Analyzers.Tests.Conformance.Programs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmStreaming.Analyzers.Tests.Conformance.Harness;

/// <summary>
/// A compiled relay program (<see cref="RelayProgram"/>) served by a real Kestrel on 127.0.0.1 (ephemeral port), its
/// model client pointed at a fake model server. The program is loaded into a collectible load context (the SDKs and
/// ASP.NET Core come from the test process) and unloaded when the host is disposed.
/// </summary>
internal sealed class RelayHost : IAsyncDisposable
{
    private readonly AssemblyLoadContext _context;
    private readonly WebApplication _app;

    private RelayHost(AssemblyLoadContext context, WebApplication app, Uri baseAddress)
    {
        _context = context;
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseAddress { get; }

    /// <summary>Serves <paramref name="image"/> with its model client pointed at <paramref name="modelBaseUrl"/>.</summary>
    /// <param name="image">The compiled relay program.</param>
    /// <param name="modelBaseUrl">The fake model server's base URL.</param>
    /// <param name="extra">
    /// What one test adds to the app before the program maps its endpoints (the browser check's page and request count,
    /// <see cref="BrowserRelayTests"/>); null for the others, which see the program's endpoints alone.
    /// </param>
    public static async Task<RelayHost> StartAsync(byte[] image, string modelBaseUrl, Action<WebApplication>? extra = null)
    {
        var context = new AssemblyLoadContext("relay-program", isCollectible: true);
        try
        {
            var entry = context.LoadFromStream(new MemoryStream(image)).GetType(RelayProgram.EntryType)
                ?? throw new InvalidOperationException("The relay program has no type " + RelayProgram.EntryType);
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "RelayProgram", ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            // A relay that ignores its client keeps its handler running: stopping waits for it this long at most.
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(1));
            Invoke(entry, "AddModel", builder.Services, modelBaseUrl);
            var app = builder.Build();
            extra?.Invoke(app);
            Invoke(entry, "Map", app);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new RelayHost(context, app, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            context.Unload();
            throw;
        }
    }

    private static void Invoke(Type entry, string name, params object[] arguments)
    {
        var method = entry.GetMethod(name, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException("The relay program has no public static " + RelayProgram.EntryType + "." + name);
        try
        {
            method.Invoke(null, arguments);
        }
        catch (TargetInvocationException invocation) when (invocation.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Capture(inner).Throw();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _app.StopAsync(stopping.Token);
            await _app.DisposeAsync();
        }
        finally
        {
            _context.Unload();
        }
    }
}
