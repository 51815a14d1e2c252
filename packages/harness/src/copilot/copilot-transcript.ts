import type { AgentCliTranscript } from '../agent-cli/agent-cli-transcript.js';
import { numberField, objectField, stringField } from '../agent-cli/record-fields.js';
import type { AgentUsage } from '../v1/agent-usage.js';

/**
 * Reads the JSONL events of `copilot --output-format json`: `assistant.message` (the answer),
 * `assistant.usage` (tokens and cost per model call), `session.error`, and the final
 * `{"type":"result","sessionId","exitCode","usage":{"premiumRequests",…}}`.
 */
export class CopilotTranscript implements AgentCliTranscript {
  private lastText = '';
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  private cachedInputTokens: number | undefined;
  private credits: number | undefined;
  private session: string | undefined;
  private exitCode: number | undefined;
  private error: string | undefined;
  private done = false;

  read(record: Record<string, unknown>): void {
    const data = objectField(record, 'data');
    switch (record['type']) {
      case 'assistant.message': {
        const content = stringField(data, 'content');
        if (content !== undefined && content.trim() !== '') this.lastText = content;
        break;
      }
      case 'assistant.usage':
        this.inputTokens = add(this.inputTokens, numberField(data, 'inputTokens'));
        this.outputTokens = add(this.outputTokens, numberField(data, 'outputTokens'));
        this.cachedInputTokens = add(this.cachedInputTokens, numberField(data, 'cacheReadTokens'));
        this.credits = add(this.credits, numberField(data, 'cost'));
        break;
      case 'session.error':
        this.error = stringField(data, 'message') ?? stringField(data, 'errorType') ?? 'session error';
        break;
      case 'result': {
        this.done = true;
        this.session = stringField(record, 'sessionId') ?? this.session;
        this.exitCode = numberField(record, 'exitCode');
        const premiumRequests = numberField(objectField(record, 'usage'), 'premiumRequests');
        if (premiumRequests !== undefined) this.credits = Math.max(this.credits ?? 0, premiumRequests);
        break;
      }
      default:
        this.session ??= stringField(data, 'sessionId');
    }
  }

  usage(): AgentUsage {
    const numbers = {
      ...(this.inputTokens === undefined ? {} : { inputTokens: this.inputTokens }),
      ...(this.outputTokens === undefined ? {} : { outputTokens: this.outputTokens }),
      ...(this.cachedInputTokens === undefined ? {} : { cachedInputTokens: this.cachedInputTokens }),
      ...(this.credits === undefined ? {} : { credits: this.credits }),
    };
    return { ...numbers, reported: Object.keys(numbers).length > 0 };
  }

  text = () => this.lastText;
  sessionId = () => this.session;
  finished = () => this.done;
  reportedExitCode = () => this.exitCode;
  reportedError = () => this.error;
  notSignedIn = () => false;
}

function add(total: number | undefined, value: number | undefined): number | undefined {
  return value === undefined ? total : (total ?? 0) + value;
}
