import type { Command } from 'commander';
import { HyperionError, printable } from '@hyperion/schema';
import { shortCommit, type CommandOutput } from '../output.js';

/** `hyperion demo`: the self-contained end-to-end run. */
export function registerDemo(program: Command, output: CommandOutput): void {
  program
    .command('demo')
    .description(
      'make a temporary git repo with a real test suite, submit a request with four changes (one failing), run the workers, print the outcome (always on its own SQLite store, whatever HYPERION_DATABASE_URL says)',
    )
    .option('--dir <path>', 'keep the demo repository at this (new or empty) directory')
    .option('--json', 'print JSON')
    .action(async (options: { dir?: string; json?: boolean }) => {
      const json = options.json === true;
      const { runDemo } = await import('../demo/run-demo.js');
      const result = await runDemo({
        directory: options.dir,
        onProgress: json ? undefined : (line) => output.line(printable(line)),
      });
      if (json) output.json(result);
      else {
        output.line('');
        output.line(`Landed on main (${result.landed.length}):`);
        for (const landed of result.landed) {
          output.line(
            `  ${shortCommit(landed.commit)} ${printable(`${landed.task_id} ${landed.paths.join(', ')}`)}`,
          );
          for (const [key, value] of Object.entries(landed.trailers))
            output.line(`      ${printable(`${key}: ${value}`)}`);
        }
        output.line(`Quarantined (${result.quarantined.length}):`);
        for (const entry of result.quarantined) {
          output.line(`  ${printable(`${entry.change_id} ${entry.task_id} ${entry.paths.join(', ')}`)}`);
          output.line(`      ${printable(entry.reason)}`);
          const lines = entry.check_output.trim().split('\n');
          const failures = lines.filter((line) => /^\s*not ok\b/.test(line)).slice(0, 3);
          for (const line of [...failures, ...lines.slice(-4)]) output.line(`      | ${printable(line)}`);
        }
        output.line('');
        output.line(
          `main is at ${shortCommit(result.tip)}; every commit Hyperion put there passed 'node --test' on its exact tree.`,
        );
        output.line(
          result.kept
            ? `The demo repository is kept at ${printable(result.repository)}`
            : 'The demo repository was removed (keep it with --dir <path>).',
        );
      }
      if (result.landed.length !== 3 || result.quarantined.length !== 1 || result.other.length > 0) {
        throw new HyperionError(
          'internal',
          `the demo did not end as expected: ${result.landed.length} landed, ${result.quarantined.length} quarantined, ${result.other.length} other`,
        );
      }
    });
}
