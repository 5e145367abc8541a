using Microsoft.Extensions.DependencyInjection;

namespace Probe;

// 150 s attempt and total timeouts pass the default minimum (120 s); llm_streaming.LLM403.min_timeout_seconds = 300
// reports them (LLM403). The sampling duration is twice the attempt, so the options validate (no LLM405).
public static class ResilienceProbe
{
    public static void Register(IServiceCollection services)
        => services.AddHttpClient("model", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
            .AddStandardResilienceHandler(o =>
            {
                o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(150);
                o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(150);
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(300);
            });
}
