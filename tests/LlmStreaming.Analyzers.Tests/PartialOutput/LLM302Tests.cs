using LlmStreaming.Analyzers.PartialOutput;
using LlmStreaming.Analyzers.Tests.Infrastructure;

namespace LlmStreaming.Analyzers.Tests.PartialOutput;

public class LLM302Tests
{
    [Fact]
    public Task Reports_OpenAI_ContentPartTextAssignedToOuterLocal()
        => Verify<DeltaOverwriteAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using OpenAI.Chat;

            class Chat
            {
                async Task<string> AskAsync(ChatClient client)
                {
                    string answer = "";
                    await foreach (var update in client.CompleteChatStreamingAsync(new UserChatMessage("hi")))
                    {
                        foreach (var part in update.ContentUpdate)
                        {
                            {|LLM302:answer = part.Text|};
                        }
                    }

                    return answer;
                }
            }
            """);

    [Fact]
    public Task Reports_ExtensionsAI_UpdateTextAssignedToField()
        => Verify<DeltaOverwriteAnalyzer>.AnalyzerAsync("""
            using System.Threading.Tasks;
            using Microsoft.Extensions.AI;

            class Chat
            {
                private string _last = "";

                async Task AskAsync(IChatClient client)
                {
                    await foreach (var update in client.GetStreamingResponseAsync("hi"))
                    {
                        {|LLM302:_last = update.Text|};
                    }
                }
            }
            """);
}
