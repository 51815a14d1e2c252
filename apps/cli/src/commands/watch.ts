import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { InboxResult } from '@hyperion/orchestrator';
import { HyperionError, printable } from '@hyperion/schema';
import { withRepository, type RepositoryContext } from '../context.js';
import { agentOption, checkAgentOption } from '../agent-option.js';
import { jsonText, type CommandOutput } from '../output.js';

interface WatchOptions {
  repo?: string;
  once?: boolean;
  agent?: string;
  json?: boolean;
}

/**
 * Ingests one inbox file. A request without an id gets one from its content, so a file that a
 * crash left half-processed is recognised when it is read again, and not enqueued twice.
 */
async function ingest(context: RepositoryContext, agent: string | undefined, file: string, text: string) {
  const [{ loadTaskRequest, runRequestPipeline }, { sha256Hex }, { selectHarness }] = await Promise.all([
    import('@hyperion/orchestrator'),
    import('@hyperion/git'),
    import('../harness-selection.js'),
  ]);
  const request = loadTaskRequest(file);
  const requestId = request.request_id ?? `REQ-${sha256Hex(text).slice(0, 12)}`;
  const existing = await context.store.getRequest(requestId);
  if (existing !== undefined && existing.status !== 'failed') {
    return { request_id: requestId, already: existing.status };
  }
  const outcome = await runRequestPipeline(
    { ...request, request_id: requestId },
    {
      repository: context.repository,
      store: context.store,
      queue: context.queue,
      harness: selectHarness(agent, context.config),
      worktreesDirectory: context.paths.worktreesDirectory,
      config: context.config,
    },
  );
  return { request_id: outcome.request_id, enqueued: outcome.enqueued.map((item) => item.change_id) };
}

function describeError(error: unknown): string {
  if (HyperionError.isInstance(error)) {
    return `error[${error.code}]: ${error.message}\n\n${JSON.stringify(error.toJSON(), null, 2)}\n`;
  }
  return `${error instanceof Error ? error.message : String(error)}\n`;
}

/** `hyperion watch`: ingests request files dropped into the inbox directory. */
export function registerWatch(program: Command, output: CommandOutput): void {
  program
    .command('watch')
    .description('watch the inbox directory (inbox.directory) and ingest each request file dropped there')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--once', 'process the files already there, then exit')
    .addOption(agentOption())
    .option('--json', 'print one JSON line per file')
    .hook('preAction', (_command, actionCommand) => checkAgentOption(actionCommand))
    .action(async (options: WatchOptions) => {
      const { InboxWatcher } = await import('@hyperion/orchestrator');
      await withRepository(options, async (context) => {
        const directory = resolve(context.repository.root, context.config.inbox.directory);
        const report = (result: InboxResult) => {
          if (options.json === true) output.line(jsonText(result));
          else
            output.line(
              `${result.outcome} ${printable(result.name)}${result.error === undefined ? '' : `: ${printable(result.error)}`}`,
            );
        };
        const watcher = new InboxWatcher({
          directory,
          ingest: (file, text) => ingest(context, options.agent, file, text),
          onResult: report,
          describeError,
        });
        if (options.once === true) {
          await watcher.processPending();
          return;
        }
        if (options.json !== true) output.line(`Watching ${printable(directory)} (Ctrl-C to stop)`);
        await watcher.start();
        await new Promise<void>((resolveStop) => {
          const stop = () => resolveStop();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await watcher.close();
      });
    });
}
