// Correct OpenAI .NET streaming: parts iterated (never indexed blindly), deltas appended, finish reason observed,
// and the pass-through iterator leaves recovery to its caller.
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using OpenAI.Chat;

namespace Corpus.Valid;

public sealed class GuardedOpenAIChat
{
    private readonly ChatClient _client;

    public GuardedOpenAIChat(ChatClient client) => _client = client;

    /// <summary>Hands every update on: the caller enumerates, retries and checks the end.</summary>
    public async IAsyncEnumerable<StreamingChatCompletionUpdate> StreamAsync(string question, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in _client.CompleteChatStreamingAsync(new ChatMessage[] { new UserChatMessage(question) }, cancellationToken: cancellationToken))
        {
            yield return update;
        }
    }

    public static string Render(IEnumerable<StreamingChatCompletionUpdate> updates)
    {
        var text = new StringBuilder();
        foreach (var update in updates)
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            if (update.ContentUpdate.Count > 0 && update.ContentUpdate[0].Kind == ChatMessageContentPartKind.Text)
            {
                Console.Write(update.ContentUpdate[0].Text);
            }
        }

        return text.ToString();
    }
}
