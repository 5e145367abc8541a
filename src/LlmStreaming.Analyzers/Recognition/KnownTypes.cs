namespace LlmStreaming.Analyzers.Recognition;

/// <summary>The framework and library types the rules need, resolved once per compilation (<see cref="TypeResolver"/>). Any of them may be absent (null).</summary>
internal sealed class KnownTypes
{
    public KnownTypes(TypeResolver resolver)
    {
        INamedTypeSymbol? T(string metadataName) => resolver.Type(metadataName);

        IAsyncEnumerableOfT = T("System.Collections.Generic.IAsyncEnumerable`1");
        IEnumerableOfT = T("System.Collections.Generic.IEnumerable`1");
        ConfiguredCancelableAsyncEnumerableOfT = T("System.Runtime.CompilerServices.ConfiguredCancelableAsyncEnumerable`1");
        TaskOfT = T("System.Threading.Tasks.Task`1");
        ValueTaskOfT = T("System.Threading.Tasks.ValueTask`1");
        AsyncCollectionResultOfT = T("System.ClientModel.AsyncCollectionResult`1");
        CollectionResultOfT = T("System.ClientModel.CollectionResult`1");
        AsyncStreamingResultOfT = T("System.ClientModel.AsyncStreamingResult`1");

        Exception = T("System.Exception");
        IOException = T("System.IO.IOException");
        OperationCanceledException = T("System.OperationCanceledException");
        TaskCanceledException = T("System.Threading.Tasks.TaskCanceledException");
        TextReader = T("System.IO.TextReader");
        StringBuilder = T("System.Text.StringBuilder");
        String = resolver.String;

        HttpClient = T("System.Net.Http.HttpClient");
        HttpContent = T("System.Net.Http.HttpContent");
        HttpResponseMessage = T("System.Net.Http.HttpResponseMessage");
        HttpRequestMessage = T("System.Net.Http.HttpRequestMessage");
        HttpIOException = T("System.Net.Http.HttpIOException");
        HttpRequestException = T("System.Net.Http.HttpRequestException");
        SseParser = T("System.Net.ServerSentEvents.SseParser");
        SseParserOfT = T("System.Net.ServerSentEvents.SseParser`1");

        JsonSerializer = T("System.Text.Json.JsonSerializer");
        JsonDocument = T("System.Text.Json.JsonDocument");
        JsonNode = T("System.Text.Json.Nodes.JsonNode");
        JsonElement = T("System.Text.Json.JsonElement");
        NewtonsoftJsonConvert = T("Newtonsoft.Json.JsonConvert");
        NewtonsoftJObject = T("Newtonsoft.Json.Linq.JObject");
        NewtonsoftJToken = T("Newtonsoft.Json.Linq.JToken");

        PollyResiliencePipeline = T("Polly.ResiliencePipeline");
        PollyResiliencePipelineOfT = T("Polly.ResiliencePipeline`1");
        PollyIAsyncPolicy = T("Polly.IAsyncPolicy");
        PollyIAsyncPolicyOfT = T("Polly.IAsyncPolicy`1");
        PollyISyncPolicy = T("Polly.ISyncPolicy");
        PollyISyncPolicyOfT = T("Polly.ISyncPolicy`1");

        HttpClientPipelineTransport = T("System.ClientModel.Primitives.HttpClientPipelineTransport");

        // Timeouts (LLM4xx)
        CancellationToken = T("System.Threading.CancellationToken");
        CancellationTokenSource = T("System.Threading.CancellationTokenSource");
        HttpCompletionOption = T("System.Net.Http.HttpCompletionOption");
        IServiceCollection = T("Microsoft.Extensions.DependencyInjection.IServiceCollection");
        IHttpClientBuilder = T("Microsoft.Extensions.DependencyInjection.IHttpClientBuilder");
        IHttpClientFactory = T("System.Net.Http.IHttpClientFactory");
        HttpStandardResilienceOptions = T("Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions");
        IHttpStandardResiliencePipelineBuilder = T("Microsoft.Extensions.Http.Resilience.IHttpStandardResiliencePipelineBuilder");
        ResilienceHttpClientBuilderExtensions = T("Microsoft.Extensions.DependencyInjection.ResilienceHttpClientBuilderExtensions");
        IHostApplicationBuilder = T("Microsoft.Extensions.Hosting.IHostApplicationBuilder");
        IHostBuilder = T("Microsoft.Extensions.Hosting.IHostBuilder");
    }

    public INamedTypeSymbol? IAsyncEnumerableOfT { get; }
    public INamedTypeSymbol? IEnumerableOfT { get; }
    public INamedTypeSymbol? ConfiguredCancelableAsyncEnumerableOfT { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? AsyncCollectionResultOfT { get; }
    public INamedTypeSymbol? CollectionResultOfT { get; }
    public INamedTypeSymbol? AsyncStreamingResultOfT { get; }

    public INamedTypeSymbol? Exception { get; }
    public INamedTypeSymbol? IOException { get; }
    public INamedTypeSymbol? OperationCanceledException { get; }
    public INamedTypeSymbol? TaskCanceledException { get; }
    public INamedTypeSymbol? TextReader { get; }
    public INamedTypeSymbol? StringBuilder { get; }
    public INamedTypeSymbol String { get; }

    public INamedTypeSymbol? HttpClient { get; }
    public INamedTypeSymbol? HttpContent { get; }
    public INamedTypeSymbol? HttpResponseMessage { get; }
    public INamedTypeSymbol? HttpRequestMessage { get; }
    public INamedTypeSymbol? HttpIOException { get; }
    public INamedTypeSymbol? HttpRequestException { get; }
    public INamedTypeSymbol? SseParser { get; }
    public INamedTypeSymbol? SseParserOfT { get; }

    public INamedTypeSymbol? JsonSerializer { get; }
    public INamedTypeSymbol? JsonDocument { get; }
    public INamedTypeSymbol? JsonNode { get; }
    public INamedTypeSymbol? JsonElement { get; }
    public INamedTypeSymbol? NewtonsoftJsonConvert { get; }
    public INamedTypeSymbol? NewtonsoftJObject { get; }
    public INamedTypeSymbol? NewtonsoftJToken { get; }

    public INamedTypeSymbol? PollyResiliencePipeline { get; }
    public INamedTypeSymbol? PollyResiliencePipelineOfT { get; }
    public INamedTypeSymbol? PollyIAsyncPolicy { get; }
    public INamedTypeSymbol? PollyIAsyncPolicyOfT { get; }
    public INamedTypeSymbol? PollyISyncPolicy { get; }
    public INamedTypeSymbol? PollyISyncPolicyOfT { get; }

    public INamedTypeSymbol? HttpClientPipelineTransport { get; }

    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? CancellationTokenSource { get; }
    public INamedTypeSymbol? HttpCompletionOption { get; }
    public INamedTypeSymbol? IServiceCollection { get; }
    public INamedTypeSymbol? IHttpClientBuilder { get; }
    public INamedTypeSymbol? IHttpClientFactory { get; }
    public INamedTypeSymbol? HttpStandardResilienceOptions { get; }
    public INamedTypeSymbol? IHttpStandardResiliencePipelineBuilder { get; }
    public INamedTypeSymbol? ResilienceHttpClientBuilderExtensions { get; }

    /// <summary>The receivers of service-defaults extensions (LLM403): the host builders and <see cref="IServiceCollection"/>.</summary>
    public INamedTypeSymbol? IHostApplicationBuilder { get; }
    public INamedTypeSymbol? IHostBuilder { get; }
}
