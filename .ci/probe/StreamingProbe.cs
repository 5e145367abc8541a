namespace Probe;

// llm_streaming.streaming_methods = Probe.Gateway.StreamAsync: the loop is a model stream, and 'last = token' is LLM302.
public static class Gateway
{
    public static async IAsyncEnumerable<string> StreamAsync(string question)
    {
        await Task.Yield();
        yield return question;
    }
}

public static class StreamingProbe
{
    public static async Task<string> LastTokenAsync(string question)
    {
        var last = "";
        await foreach (var token in Gateway.StreamAsync(question))
        {
            last = token;
        }

        return last;
    }
}
