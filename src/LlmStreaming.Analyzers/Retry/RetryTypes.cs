using System.Runtime.CompilerServices;
using LlmStreaming.Analyzers.Recognition.Families;

namespace LlmStreaming.Analyzers.Retry;

/// <summary>
/// The types the retry rules (and their fixes) need beyond <see cref="KnownTypes"/>: the exception types of HTTP (the
/// SDKs' own come from their families), the output sinks and Polly's builder. Resolved once per compilation; any may be null.
/// </summary>
internal sealed class RetryTypes
{
    private static readonly ConditionalWeakTable<Compilation, RetryTypes> Instances = new();

    private readonly TypeResolver _resolver;

    private RetryTypes(Compilation compilation)
    {
        _resolver = TypeResolver.Get(compilation);
        INamedTypeSymbol? T(string metadataName) => _resolver.Type(metadataName);

        Exception = T("System.Exception");
        SystemException = T("System.SystemException");
        IOException = T("System.IO.IOException");
        HttpIOException = T("System.Net.Http.HttpIOException");
        HttpRequestException = T("System.Net.Http.HttpRequestException");
        WebException = T("System.Net.WebException");
        OperationCanceledException = T("System.OperationCanceledException");
        HttpStatusCode = T("System.Net.HttpStatusCode");

        CancellationToken = T("System.Threading.CancellationToken");
        Task = T("System.Threading.Tasks.Task");
        Thread = T("System.Threading.Thread");
        Random = T("System.Random");
        RandomNumberGenerator = T("System.Security.Cryptography.RandomNumberGenerator");
        TimeSpan = T("System.TimeSpan");
        Math = T("System.Math");
        Console = T("System.Console");
        TextWriter = T("System.IO.TextWriter");
        Stream = T("System.IO.Stream");
        PipeWriter = T("System.IO.Pipelines.PipeWriter");
        ChannelWriterOfT = T("System.Threading.Channels.ChannelWriter`1");
        IProgressOfT = T("System.IProgress`1");
        IObserverOfT = T("System.IObserver`1");

        PollyResiliencePipelineBuilder = T("Polly.ResiliencePipelineBuilder");
        PollyRetryStrategyOptions = T("Polly.Retry.RetryStrategyOptions");
        PollyPredicateBuilder = T("Polly.PredicateBuilder");

        HasRandomShared = Random is not null && !Random.GetMembers("Shared").IsEmpty;
        HasTooManyRequests = HttpStatusCode is not null && !HttpStatusCode.GetMembers("TooManyRequests").IsEmpty;

        // The framework's HTTP exceptions, and each family's own (SdkFamily.ErrorExceptions).
        TransportExceptions = new[] { HttpRequestException, WebException }
            .Concat(SdkFamilies.All.SelectMany(f => f.ErrorExceptions).Distinct().Select(T))
            .Where(t => t is not null)
            .Select(t => t!)
            .ToImmutableArray();
    }

    public static RetryTypes Get(Compilation compilation) => Instances.GetValue(compilation, static c => new RetryTypes(c));

    /// <summary>A type named by a family (<see cref="Recognition.Families.SdkFamily"/>), looked up once per compilation; null when absent or ambiguous.</summary>
    public INamedTypeSymbol? Resolve(string metadataName) => _resolver.Type(metadataName);

    public INamedTypeSymbol? Exception { get; }
    public INamedTypeSymbol? SystemException { get; }
    public INamedTypeSymbol? IOException { get; }
    public INamedTypeSymbol? HttpIOException { get; }
    public INamedTypeSymbol? HttpRequestException { get; }
    public INamedTypeSymbol? WebException { get; }
    public INamedTypeSymbol? OperationCanceledException { get; }
    public INamedTypeSymbol? HttpStatusCode { get; }

    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? Thread { get; }
    public INamedTypeSymbol? Random { get; }
    public INamedTypeSymbol? RandomNumberGenerator { get; }
    public INamedTypeSymbol? TimeSpan { get; }
    public INamedTypeSymbol? Math { get; }
    public INamedTypeSymbol? Console { get; }
    public INamedTypeSymbol? TextWriter { get; }
    public INamedTypeSymbol? Stream { get; }
    public INamedTypeSymbol? PipeWriter { get; }
    public INamedTypeSymbol? ChannelWriterOfT { get; }
    public INamedTypeSymbol? IProgressOfT { get; }
    public INamedTypeSymbol? IObserverOfT { get; }

    public INamedTypeSymbol? PollyResiliencePipelineBuilder { get; }
    public INamedTypeSymbol? PollyRetryStrategyOptions { get; }
    public INamedTypeSymbol? PollyPredicateBuilder { get; }

    /// <summary><c>Random.Shared</c> exists (.NET 6+).</summary>
    public bool HasRandomShared { get; }

    /// <summary><c>HttpStatusCode.TooManyRequests</c> exists (not on .NET Framework).</summary>
    public bool HasTooManyRequests { get; }

    /// <summary>Polly v8's retry strategy can be built (the Polly variant of the LLM101 fix is offered).</summary>
    public bool HasPollyRetry => PollyResiliencePipelineBuilder is not null && PollyRetryStrategyOptions is not null && PollyPredicateBuilder is not null;

    /// <summary>The SDK and HTTP exception types: a catch of only these misses a mid-stream <c>IOException</c>.</summary>
    public ImmutableArray<INamedTypeSymbol> TransportExceptions { get; }

    /// <summary>True when a clause of type <paramref name="caught"/> catches a mid-stream transport failure.</summary>
    public bool CatchesMidStream(ITypeSymbol caught)
        => caught.SpecialType == SpecialType.System_Object
            || IOException is not null && IOException.IsOrInheritsFrom(caught as INamedTypeSymbol)
            || HttpIOException is not null && caught.IsOrInheritsFrom(HttpIOException);

    /// <summary>True when <paramref name="caught"/> is an SDK or HTTP exception type.</summary>
    public bool IsTransportException(ITypeSymbol caught)
    {
        foreach (var transport in TransportExceptions)
        {
            if (caught.IsOrInheritsFrom(transport))
            {
                return true;
            }
        }

        return false;
    }
}
