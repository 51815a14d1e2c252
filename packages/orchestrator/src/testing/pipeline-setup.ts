import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import {
  HARNESS_SPECIFICATION_VERSION,
  type AgentHarnessV1,
  type AgentRunRequest,
  type AgentRunResult,
} from '@hyperion/harness';
import { MergeQueue } from '@hyperion/queue';
import { HyperionConfigSchema, type HyperionConfig, type HyperionConfigInput } from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';

/** A real repository, store and queue in a temporary directory. */
export interface PipelineSetup {
  temporary: TemporaryRepository;
  store: SqliteStore;
  queue: MergeQueue;
  config: HyperionConfig;
  worktreesDirectory: string;
  cleanup: () => Promise<void>;
}

/** Creates a {@link PipelineSetup} with `files` committed on `main` and fast queue timings. */
export async function createPipelineSetup(
  files: Record<string, string>,
  config: HyperionConfigInput = {},
): Promise<PipelineSetup> {
  const temporary = await createTemporaryRepository({ files });
  const store = SqliteStore.open(join(temporary.root, '.hyperion', 'hyperion.db'), { create: true });
  const worktreesDirectory = join(temporary.root, '.hyperion', 'worktrees');
  const parsed = HyperionConfigSchema.parse({ queue: { backoff_base_ms: 10, poll_ms: 20 }, ...config });
  const queue = new MergeQueue({
    store,
    repository: temporary.repository,
    config: parsed,
    worktreesDirectory,
  });
  return {
    temporary,
    store,
    queue,
    config: parsed,
    worktreesDirectory,
    cleanup: async () => {
      await store.close();
      await temporary.cleanup();
    },
  };
}

/** How a {@link ScriptedAgent} answers each role. */
export interface ScriptedAgentScript {
  engineer?: (request: AgentRunRequest) => Partial<AgentRunResult>;
  orchestrator?: (request: AgentRunRequest) => Partial<AgentRunResult>;
  /** Default: appends one line naming the file to every file in scope. */
  developer?: (request: AgentRunRequest) => Partial<AgentRunResult> | Promise<Partial<AgentRunResult>>;
  /** Resolver runs (conflict tiers); default: the text `no structured answer`, no edit. */
  resolver?: (request: AgentRunRequest) => Partial<AgentRunResult>;
}

/** Appends `// edited by <agent>` to every file in scope, creating missing ones. */
export function appendToFilesInScope(request: AgentRunRequest): Partial<AgentRunResult> {
  for (const path of request.filesInScope) {
    const file = join(request.workingDirectory, path);
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `// edited: ${path}\n`);
  }
  return { text: 'done', usage: { reported: true, inputTokens: 1_000, outputTokens: 200, costUsd: 0.01 } };
}

/**
 * A deterministic model-like harness for tests: answers engineer and orchestrator runs with
 * scripted structured output, and developer runs with real edits in the worktree. Records every
 * request.
 */
export class ScriptedAgent implements AgentHarnessV1 {
  readonly specificationVersion = HARNESS_SPECIFICATION_VERSION;
  readonly harnessId = 'scripted';
  readonly requests: AgentRunRequest[] = [];

  constructor(private readonly script: ScriptedAgentScript = {}) {}

  async run(request: AgentRunRequest): Promise<AgentRunResult> {
    this.requests.push(request);
    const answer =
      request.role === 'developer'
        ? await (this.script.developer ?? appendToFilesInScope)(request)
        : (this.script[request.role]?.(request) ?? { text: 'no structured answer' });
    return { status: 'ok', text: '', usage: { reported: false }, durationMs: 5, ...answer };
  }
}

/** Writes `files` into the repository's main worktree and commits them (a person's own commit). */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}
