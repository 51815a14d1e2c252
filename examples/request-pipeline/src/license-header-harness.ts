import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import {
  HARNESS_SPECIFICATION_VERSION,
  createRunEventEmitter,
  type AgentHarnessV1,
  type AgentRunRequest,
  type AgentRunResult,
  type AgentRole,
} from '@hyperion/harness';

/** One run the harness was asked to do, for the example's printout. */
export interface HarnessRunRecord {
  role: AgentRole;
  filesInScope: string[];
}

/**
 * A tiny "agent" behind the versioned harness interface (`harness-v1`): as a developer it puts a
 * license header at the top of every file in its assignment that lacks one. It stands for any
 * code generator or codemod; the pipeline neither knows nor cares what it is, only that it edits
 * files in the worktree it is given and reports how the run ended.
 */
export class LicenseHeaderHarness implements AgentHarnessV1 {
  readonly specificationVersion = HARNESS_SPECIFICATION_VERSION;
  readonly harnessId = 'license-header';
  /** Every run, in the order they started. */
  readonly runs: HarnessRunRecord[] = [];

  constructor(private readonly header: string) {}

  async run(request: AgentRunRequest): Promise<AgentRunResult> {
    const startedAt = Date.now();
    const events = createRunEventEmitter(request.onEvent);
    this.runs.push({ role: request.role, filesInScope: [...request.filesInScope] });
    const finish = (outcome: Pick<AgentRunResult, 'status' | 'text' | 'error'>): AgentRunResult => {
      events.emit('run:finished', { status: outcome.status });
      events.close();
      return { ...outcome, usage: { reported: false }, durationMs: Date.now() - startedAt };
    };
    events.emit('run:started', { harnessId: this.harnessId, role: request.role });
    if (request.abortSignal?.aborted === true) {
      return finish({ status: 'cancelled', text: '', error: 'the run was cancelled' });
    }
    // `run` reports an agent's failure in its result; it does not throw.
    if (request.role !== 'developer') {
      return finish({ status: 'failed', text: '', error: `${this.harnessId} only does developer work` });
    }
    let changed = 0;
    for (const path of request.filesInScope) {
      const file = join(request.workingDirectory, path);
      const inside = relative(request.workingDirectory, file);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        return finish({ status: 'failed', text: '', error: `refused a path outside the worktree: ${path}` });
      }
      const content = await readFile(file, 'utf8').catch(() => '');
      if (content.startsWith(this.header)) continue;
      await writeFile(file, `${this.header}${content}`);
      events.emit('file:written', { path: inside });
      changed += 1;
    }
    return finish({ status: 'ok', text: `added the header to ${changed} file(s)` });
  }
}
