import type { AgentUsage } from '../v1/agent-usage.js';

const NUMBER_FIELDS = {
  input_tokens: 'inputTokens',
  output_tokens: 'outputTokens',
  cached_input_tokens: 'cachedInputTokens',
  cost_usd: 'costUsd',
  credits: 'credits',
} as const;

/**
 * Sums the usage a command agent reports on its stdout: every line that is a JSON object with a
 * `usage` object adds its non-negative finite `input_tokens`, `output_tokens`,
 * `cached_input_tokens`, `cost_usd` and `credits` (one line per model call, like the agent CLIs'
 * own usage records). Other lines, and fields of any other type, are ignored.
 */
export class UsageLines {
  private readonly totals: Omit<AgentUsage, 'reported'> = {};

  /** Reads one stdout line; true when it reported usage. */
  read(line: string): boolean {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) return false;
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch {
      return false;
    }
    const usage =
      typeof record === 'object' && record !== null
        ? (record as Record<string, unknown>)['usage']
        : undefined;
    if (typeof usage !== 'object' || usage === null) return false;
    let counted = false;
    for (const [field, key] of Object.entries(NUMBER_FIELDS)) {
      const value = (usage as Record<string, unknown>)[field];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
      this.totals[key] = (this.totals[key] ?? 0) + value;
      counted = true;
    }
    return counted;
  }

  /** The usage read so far; `{ reported: false }` when no line reported any. */
  usage(): AgentUsage {
    return { ...this.totals, reported: Object.keys(this.totals).length > 0 };
  }
}
