import { HyperionError } from '@hyperion/schema';
import type { AgentHarnessV1 } from './agent-harness-v1.js';
import type { AgentRunRequest } from './agent-run-request.js';
import type { AgentRunResult } from './agent-run-result.js';

/**
 * Resumes session `sessionId` on `harness`.
 *
 * @throws HyperionError with code `unsupported` when the harness does not implement `resume`.
 */
export function callResume(
  harness: AgentHarnessV1,
  sessionId: string,
  request: AgentRunRequest,
): Promise<AgentRunResult> {
  if (harness.resume === undefined) {
    throw new HyperionError('unsupported', `the ${harness.harnessId} harness cannot resume a session`, {
      details: { harnessId: harness.harnessId, capability: 'resume' },
    });
  }
  return harness.resume(sessionId, request);
}
