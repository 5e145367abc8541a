namespace Probe;

// llm_streaming.model_hosts = llm.probe.internal: this is a model client, and its 30 s timeout is LLM401.
public static class HostProbe
{
    public static HttpClient Create()
        => new() { BaseAddress = new Uri("https://llm.probe.internal/"), Timeout = TimeSpan.FromSeconds(30) };
}
