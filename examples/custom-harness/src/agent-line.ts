/**
 * What the agent process prints on stdout, one JSON object a line. Any other line becomes an
 * `output:line` event.
 *
 * - `{"type":"event","event":"file:written","data":{"path":"a.txt"}}`: an event of the run.
 * - `{"type":"usage","inputTokens":120,"outputTokens":40}`: what the run consumed (any of the numbers).
 * - `{"type":"answer","text":"…"}`: the final answer (JSON text when an output schema was given).
 */
export type AgentLine =
  | { type: 'event'; event: string; data?: Record<string, unknown> }
  | { type: 'usage'; inputTokens?: number; outputTokens?: number; costUsd?: number; credits?: number }
  | { type: 'answer'; text: string };

/** Reads one stdout line as an {@link AgentLine}, or undefined when it is not one. */
export function parseAgentLine(line: string): AgentLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record['type'] === 'event' && typeof record['event'] === 'string') {
    const data = typeof record['data'] === 'object' && record['data'] !== null ? record['data'] : {};
    return { type: 'event', event: record['event'], data: data as Record<string, unknown> };
  }
  if (record['type'] === 'answer' && typeof record['text'] === 'string') {
    return { type: 'answer', text: record['text'] };
  }
  if (record['type'] === 'usage') {
    const number = (key: string) => {
      const item = record[key];
      return typeof item === 'number' && Number.isFinite(item) && item >= 0 ? item : undefined;
    };
    return {
      type: 'usage',
      inputTokens: number('inputTokens'),
      outputTokens: number('outputTokens'),
      costUsd: number('costUsd'),
      credits: number('credits'),
    };
  }
  return undefined;
}
