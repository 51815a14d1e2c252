import type { ServerResponse } from 'node:http';
import type { ScriptedToolCall, ScriptedTurn, ScriptedUsage } from './scripted-turn.js';
import type { UniqueIds } from './unique-ids.js';

/**
 * Answers an OpenAI `POST /v1/chat/completions` request with `stream: true`: SSE `data:` chunks
 * (role, content, tool call name then arguments), a usage chunk, then `data: [DONE]`.
 */
export function writeOpenAiChatStream(
  response: ServerResponse,
  turn: ScriptedTurn,
  toolCalls: ScriptedToolCall[],
  model: string,
  ids: UniqueIds,
): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const id = ids.next('chatcmpl-scripted-');
  const created = Math.floor(Date.now() / 1_000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    response.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`,
    );
  const delta = (value: Record<string, unknown>, finishReason: string | null = null) =>
    chunk([{ index: 0, delta: value, finish_reason: finishReason }]);
  delta({ role: 'assistant', content: '' });
  if (turn.text !== undefined && turn.text !== '') delta({ content: turn.text });
  toolCalls.forEach((call, index) => {
    delta({
      tool_calls: [
        {
          index,
          id: ids.next('call_scripted_'),
          type: 'function',
          function: { name: call.name, arguments: '' },
        },
      ],
    });
    delta({ tool_calls: [{ index, function: { arguments: JSON.stringify(call.input) } }] });
  });
  delta({}, toolCalls.length > 0 ? 'tool_calls' : 'stop');
  const usage = turn.usage ?? { inputTokens: 10, outputTokens: 5 };
  chunk([], {
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      ...cachedTokenDetails(usage),
    },
  });
  response.end('data: [DONE]\n\n');
}

/** A plain (non-streaming) chat completion, for clients that do not ask for a stream. */
export function writeOpenAiChatCompletion(
  response: ServerResponse,
  turn: ScriptedTurn,
  toolCalls: ScriptedToolCall[],
  model: string,
  ids: UniqueIds,
): void {
  const usage = turn.usage ?? { inputTokens: 10, outputTokens: 5 };
  const message = {
    role: 'assistant',
    content: turn.text ?? '',
    ...(toolCalls.length === 0
      ? {}
      : {
          tool_calls: toolCalls.map((call) => ({
            id: ids.next('call_scripted_'),
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.input) },
          })),
        }),
  };
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      id: ids.next('chatcmpl-scripted-'),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1_000),
      model,
      choices: [{ index: 0, message, finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
      usage: {
        prompt_tokens: usage.inputTokens,
        completion_tokens: usage.outputTokens,
        total_tokens: usage.inputTokens + usage.outputTokens,
        ...cachedTokenDetails(usage),
      },
    }),
  );
}

/** OpenAI's cached-prompt detail, when the turn reports cached input tokens. */
function cachedTokenDetails(usage: ScriptedUsage): { prompt_tokens_details?: { cached_tokens: number } } {
  return usage.cachedInputTokens === undefined
    ? {}
    : { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } };
}
