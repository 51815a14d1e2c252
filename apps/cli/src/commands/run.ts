import type { Command } from 'commander';
import { printable } from '@hyperion/schema';
import type * as Tui from '@hyperion/tui';
import { withRepository } from '../context.js';
import { parseWorkerCount } from '../option-parsers.js';
import type { CommandOutput } from '../output.js';
import { printQueueEvents, stopOnSignals } from '../worker-loop.js';

/**
 * Loads the dashboard so that it renders live in a terminal even when CI is set: ink decides once,
 * when it is loaded, to draw only the last frame under CI. The environment is restored at once,
 * so checks still see the real CI variables.
 */
async function loadDashboard(): Promise<typeof Tui> {
  if (process.stdout.isTTY !== true) return import('@hyperion/tui');
  const saved = { CI: process.env['CI'], CONTINUOUS_INTEGRATION: process.env['CONTINUOUS_INTEGRATION'] };
  process.env['CI'] = 'false';
  process.env['CONTINUOUS_INTEGRATION'] = 'false';
  try {
    return await import('@hyperion/tui');
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

interface RunOptions {
  repo?: string;
  tui: boolean;
  workers?: number;
  dryRun?: boolean;
}

/** `hyperion run`: workers plus the live dashboard (or event lines with --no-tui). */
export function registerRun(program: Command, output: CommandOutput): void {
  program
    .command('run')
    .description('run the workers with the live dashboard (--no-tui: print events instead)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--no-tui', 'print events as lines instead of the dashboard')
    .option('--workers <count>', 'concurrent workers, 1 to 32 (default: config)', parseWorkerCount)
    .option('--dry-run', 'check everything, land nothing')
    .action(async (options: RunOptions) => {
      await withRepository(options, async (context) => {
        const stop = stopOnSignals();
        const workers = options.workers;
        if (!options.tui) {
          printQueueEvents(context.queue, output);
          output.line(
            `Running ${workers ?? context.config.workers} workers on ${printable(context.config.target_branch)}; Ctrl-C stops after in-flight entries.`,
          );
          await context.queue.runWorkers({ mode: 'forever', workers, signal: stop.signal });
          stop.dispose();
          return;
        }
        const controller = new AbortController();
        stop.signal.addEventListener('abort', () => controller.abort(), { once: true });
        const running = context.queue.runWorkers({ mode: 'forever', workers, signal: controller.signal });
        const { startDashboard } = await loadDashboard();
        const dashboard = await startDashboard({
          store: context.store,
          title: `hyperion · ${context.repository.root}`,
        });
        await dashboard.waitUntilExit();
        controller.abort();
        await running;
        stop.dispose();
      });
    });
}
