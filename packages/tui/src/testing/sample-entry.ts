import { createHash } from 'node:crypto';
import type { NewQueueEntry } from '@hyperion/store';

/** A minimal valid queue entry for tests and fixtures; `overrides` replace any field. */
export function sampleEntry(id: string, overrides: Partial<NewQueueEntry> = {}): NewQueueEntry {
  const patch = `--- a/${id}.txt\n+++ b/${id}.txt\n@@ -0,0 +1 @@\n+${id}\n`;
  return {
    id,
    task_id: `task-${id}`,
    request_id: null,
    agent: 'stub',
    summary: `change ${id}`,
    priority: 0,
    max_attempts: 3,
    target_branch: 'main',
    paths: [`${id}.txt`],
    patch,
    patch_hash: createHash('sha256').update(patch).digest('hex'),
    base_commit: null,
    checks: [],
    change_request: { id },
    ...overrides,
  };
}
