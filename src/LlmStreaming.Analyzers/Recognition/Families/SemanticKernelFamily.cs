using LlmStreaming.Analyzers.Termination;

namespace LlmStreaming.Analyzers.Recognition.Families;

/// <summary>Semantic Kernel: chat and text-generation services, and kernel functions invoked as streams.</summary>
internal sealed class SemanticKernelFamily : SdkFamily
{
    public override LlmFamily Id => LlmFamily.SemanticKernel;

    public override string DisplayName => "Semantic Kernel";

    public override ImmutableArray<string> AssemblyNamePrefixes { get; } = List("Microsoft.SemanticKernel");

    public override ImmutableArray<string> Namespaces { get; } = List("Microsoft.SemanticKernel");

    public override ImmutableArray<MethodRef> StreamingMethods { get; } = List(
        M("Microsoft.SemanticKernel.ChatCompletion.IChatCompletionService", "GetStreamingChatMessageContentsAsync"),
        M("Microsoft.SemanticKernel.ChatCompletion.ChatCompletionServiceExtensions", "GetStreamingChatMessageContentsAsync"),
        M("Microsoft.SemanticKernel.TextGeneration.ITextGenerationService", "GetStreamingTextContentsAsync"),
        M("Microsoft.SemanticKernel.TextGeneration.TextGenerationExtensions", "GetStreamingTextContentsAsync"),
        M("Microsoft.SemanticKernel.Kernel", "InvokeStreamingAsync"),
        M("Microsoft.SemanticKernel.KernelFunction", "InvokeStreamingAsync"),
        M("Microsoft.SemanticKernel.KernelExtensions", "InvokePromptStreamingAsync"),
        M("Microsoft.SemanticKernel.KernelExtensions", "InvokeStreamingAsync"));

    public override ImmutableArray<string> UpdateTypes { get; } = List("Microsoft.SemanticKernel.StreamingKernelContent");

    public override ImmutableArray<string> TextDeltaMembers { get; } = List("Content", "Text");

    // ToolCallUpdates of its OpenAI connector's updates is the OpenAI family's name too.
    public override ImmutableArray<string> ContentLists { get; } = List("Items");

    public override ImmutableArray<FinishSignalSpec> FinishSignals { get; } = List(
        new FinishSignalSpec(
            FinishSignalKind.SemanticKernel,
            List("Microsoft.SemanticKernel.StreamingKernelContent"),
            "the finish reason (Metadata[\"FinishReason\"])",
            Members: List("FinishReason", "StopReason", "Metadata"),
            UpdateMembers: ImmutableArray<string>.Empty,
            UpdateMethods: ImmutableArray<string>.Empty,
            Literals: ImmutableArray<string>.Empty,
            TerminalTypes: ImmutableArray<string>.Empty));

    public override ImmutableArray<TransientException> TransientExceptions { get; } = List(
        HttpRequestFailure,
        new TransientException("Microsoft.SemanticKernel.HttpOperationException", "StatusCode", WholeWithoutStatus: false));

    public override ImmutableArray<string> ErrorExceptions { get; } = List("Microsoft.SemanticKernel.HttpOperationException", "Microsoft.SemanticKernel.KernelException");

    public override ImmutableArray<SdkOption> Options { get; } = List(
        new SdkOption(SdkOptionKind.Timeout, "NetworkTimeout", "Microsoft.SemanticKernel", "System.ClientModel.Primitives.ClientPipelineOptions", Via: null, "Semantic Kernel", Effect: OpenAIFamily.ReadEffect));

    public override ImmutableDictionary<string, string> NotApplicable { get; } = Reasons(
        (nameof(HttpClientReceiversWithOwnTimeout), "Semantic Kernel turns the network timeout off when it is given an HttpClient: the client's timeout is then the only one"),
        (nameof(NonStreamingTwins), "the twins return a list of messages whose finish reason sits in each message's metadata, under a connector-specific key: the fallback cannot test it for every connector"),
        (nameof(Aggregators), "Semantic Kernel has no method that collects a stream into one result"),
        (nameof(InStreamErrors), "Semantic Kernel throws a failed call (HttpOperationException, KernelException) instead of yielding it as an update"),
        (nameof(StreamingSwitches), "streaming and one-answer calls are separate methods (GetStreamingChatMessageContentsAsync, GetChatMessageContentsAsync): no option turns a stream off"),
        (nameof(CannedClients), "a fake IChatCompletionService of the user's code is not recognised as canned: its streams are taken as the model's"));
}
