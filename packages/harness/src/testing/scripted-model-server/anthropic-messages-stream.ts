import type { ServerResponse } from 'node:http';
import type { ScriptedToolCall, ScriptedTurn } from './scripted-turn.js';
import type { UniqueIds } from './unique-ids.js';

/**
 * Answers an Anthropic `POST /v1/messages` request with `stream: true`: `message_start`, one
 * `content_block_start` / `content_block_delta` (`text_delta` or `input_json_delta`) /
 * `content_block_stop` per block, `message_delta` with the stop reason and usage, `message_stop`.
 */
export function writeAnthropicMessageStream(
  response: ServerResponse,
  turn: ScriptedTurn,
  toolCalls: ScriptedToolCall[],
  model: string,
  ids: UniqueIds,
): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: Record<string, unknown>) =>
    response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const usage = turn.usage ?? { inputTokens: 10, outputTokens: 5 };
  event('message_start', {
    message: {
      id: ids.next('msg_scripted_'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.inputTokens,
        output_tokens: 1,
        ...(usage.cachedInputTokens === undefined
          ? {}
          : { cache_read_input_tokens: usage.cachedInputTokens }),
      },
    },
  });
  let index = 0;
  if (turn.text !== undefined && turn.text !== '') {
    event('content_block_start', { index, content_block: { type: 'text', text: '' } });
    event('content_block_delta', { index, delta: { type: 'text_delta', text: turn.text } });
    event('content_block_stop', { index });
    index += 1;
  }
  for (const call of toolCalls) {
    event('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: ids.next('toolu_scripted_'), name: call.name, input: {} },
    });
    event('content_block_delta', {
      index,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) },
    });
    event('content_block_stop', { index });
    index += 1;
  }
  event('message_delta', {
    delta: { stop_reason: toolCalls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: usage.outputTokens },
  });
  event('message_stop', {});
  response.end();
}
