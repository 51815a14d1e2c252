import type { AgentUsage } from '../v1/agent-usage.js';

/**
 * What an agent CLI has reported so far, read from the JSON records it prints one per line.
 * One implementation per CLI (`CopilotTranscript`, `ClaudeTranscript`).
 */
export interface AgentCliTranscript {
  /** Takes one JSON record the CLI printed. */
  read(record: Record<string, unknown>): void;
  /** Usage reported so far (`{ reported: false }` while there is none). */
  usage(): AgentUsage;
  /** The agent's final text answer so far. */
  text(): string;
  /** The session id, once the CLI named it. */
  sessionId(): string | undefined;
  /** True once the CLI printed its final result record. */
  finished(): boolean;
  /** The exit code the final result record states, if it states one. */
  reportedExitCode(): number | undefined;
  /** The error the CLI reported in its records, if any. */
  reportedError(): string | undefined;
  /** True when the CLI's records say it has no valid credentials. */
  notSignedIn(): boolean;
}
