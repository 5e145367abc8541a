using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

// A tiny chat console. Each class in this project shows one family of flaws the analyzers report;
// see docs/rules/ for what each warning means and how to fix it.
var apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY") ?? "sk-not-set";
var openAI = new OpenAIClient(apiKey);
ChatClient chatClient = openAI.GetChatClient("gpt-4o-mini");
IChatClient chat = chatClient.AsIChatClient();

var question = args.Length > 0 ? string.Join(' ', args) : "Tell me a story.";
Console.WriteLine(await PartialOutputFlaws.AskAsync(chat, question));
