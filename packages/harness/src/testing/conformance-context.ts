import type { AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { ConformanceWorkspace } from './conformance-workspace.js';
import type { HarnessConformanceOptions } from './harness-conformance-options.js';

/** What one check gets: a fresh harness, a fresh workspace and the suite's settings. */
export interface ConformanceContext {
  /** The harness under test. */
  harness: AgentHarnessV1;
  /** The check's temporary directories. */
  workspace: ConformanceWorkspace;
  /** The suite's settings with defaults filled in. */
  options: Required<Omit<HarnessConformanceOptions, 'role'>> & Pick<HarnessConformanceOptions, 'role'>;
  /** The suite's base request merged with a scenario's part. */
  request(part: Partial<AgentRunRequest>, filesInScope?: string[]): AgentRunRequest;
}

/** A conformance check: resolves to the problems it found (none when the harness passed). */
export interface HarnessConformanceCheck {
  /** Short name, used in failures. */
  name: string;
  /** What a conforming harness does, used as the test's title. */
  description: string;
  /** Runs the check. */
  run(context: ConformanceContext): Promise<string[]>;
}
