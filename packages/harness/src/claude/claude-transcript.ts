import type { AgentCliTranscript } from '../agent-cli/agent-cli-transcript.js';
import { numberField, objectField, stringField } from '../agent-cli/record-fields.js';
import type { AgentUsage } from '../v1/agent-usage.js';

/**
 * Reads the records of `claude -p --output-format stream-json --verbose`: `system` (`init` names
 * the session), `assistant` messages (text, per-message usage, `error` for API failures) and the
 * final `result` (`session_id`, `usage`, `total_cost_usd`, `is_error`, `result`).
 */
export class ClaudeTranscript implements AgentCliTranscript {
  private lastText = '';
  private session: string | undefined;
  /** Usage by message id: a message may be printed once per content block, with the same usage. */
  private readonly messageUsage = new Map<string, { input: number; output: number }>();
  private finalUsage: AgentUsage | undefined;
  private error: string | undefined;
  private authenticationFailed = false;
  private done = false;

  read(record: Record<string, unknown>): void {
    this.session = stringField(record, 'session_id') ?? this.session;
    if (record['type'] === 'assistant') this.readAssistant(record);
    if (record['type'] === 'result') this.readResult(record);
  }

  private readAssistant(record: Record<string, unknown>): void {
    const message = objectField(record, 'message');
    if (stringField(record, 'error') === 'authentication_failed') this.authenticationFailed = true;
    const content = message?.['content'];
    const text = Array.isArray(content)
      ? content
          .map((block) => (stringField(block, 'type') === 'text' ? (stringField(block, 'text') ?? '') : ''))
          .join('')
      : '';
    if (text.trim() !== '') this.lastText = text;
    const usage = objectField(message, 'usage');
    const id = stringField(message, 'id');
    if (usage !== undefined && id !== undefined) {
      this.messageUsage.set(id, {
        input: numberField(usage, 'input_tokens') ?? 0,
        output: numberField(usage, 'output_tokens') ?? 0,
      });
    }
  }

  private readResult(record: Record<string, unknown>): void {
    this.done = true;
    const result = stringField(record, 'result');
    if (result !== undefined) this.lastText = result;
    const usage = objectField(record, 'usage');
    const costUsd = numberField(record, 'total_cost_usd');
    const inputTokens = numberField(usage, 'input_tokens');
    const outputTokens = numberField(usage, 'output_tokens');
    const cachedInputTokens = numberField(usage, 'cache_read_input_tokens');
    this.finalUsage = {
      ...(inputTokens === undefined ? {} : { inputTokens }),
      ...(cachedInputTokens === undefined ? {} : { cachedInputTokens }),
      ...(outputTokens === undefined ? {} : { outputTokens }),
      ...(costUsd === undefined ? {} : { costUsd }),
      reported: inputTokens !== undefined || outputTokens !== undefined || costUsd !== undefined,
    };
    if (record['is_error'] === true) {
      this.error = result ?? stringField(record, 'subtype') ?? 'the result record says is_error';
      if (/Not logged in|Invalid API key|\/login/i.test(this.error)) this.authenticationFailed = true;
    }
  }

  usage(): AgentUsage {
    if (this.finalUsage !== undefined) return this.finalUsage;
    if (this.messageUsage.size === 0) return { reported: false };
    let inputTokens = 0;
    let outputTokens = 0;
    for (const usage of this.messageUsage.values()) {
      inputTokens += usage.input;
      outputTokens += usage.output;
    }
    return { inputTokens, outputTokens, reported: true };
  }

  notSignedIn = () => this.authenticationFailed;
  text = () => this.lastText;
  sessionId = () => this.session;
  finished = () => this.done;
  reportedExitCode = () => undefined;
  reportedError = () => this.error;
}
