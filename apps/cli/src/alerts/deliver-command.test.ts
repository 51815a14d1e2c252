import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { temporaryDirectory } from '../../../../test-support/temporary-directory.js';
import { deliverToCommand } from './deliver-command.js';

/** Kills the process whose id a test's command wrote to `pidFile`, if it is still there. */
function killLeftover(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  } catch {
    // Already gone: what the fix should make of it.
  }
}

/** A shell command starting a process that never ends, holding the command's stderr open. */
function backgroundForever(pidFile: string): string {
  const program = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1e6)`;
  return `'${process.execPath}' -e "${program.replace(/"/g, '\\"')}" &`;
}

describe('deliverToCommand', () => {
  it('times out a command whose own child holds its output open', async () => {
    const directory = temporaryDirectory('hyperion-alert-command');
    const pidFile = join(directory, 'pid');
    onTestFinished(() => killLeftover(pidFile));
    const delivery = deliverToCommand(['/bin/sh', '-c', `${backgroundForever(pidFile)} wait`], '{}', {
      timeoutMs: 300,
      passed: [],
      eventName: 'quarantined',
    });
    await expect(delivery).rejects.toThrow('timed out after 300 ms');
  });

  it('counts a command that exits 0 as delivered, though a child it left behind holds its output', async () => {
    const directory = temporaryDirectory('hyperion-alert-command');
    const pidFile = join(directory, 'pid');
    onTestFinished(() => killLeftover(pidFile));
    // The timeout is far beyond the test's own: the delivery must not wait for it.
    const delivery = deliverToCommand(
      ['/bin/sh', '-c', `${backgroundForever(pidFile)} while [ ! -s '${pidFile}' ]; do :; done; exit 0`],
      '{}',
      { timeoutMs: 600_000, passed: [], eventName: 'quarantined' },
    );
    await expect(delivery).resolves.toBeUndefined();
  });

  it('still reports the exit code and the end of stderr of a failing command', async () => {
    await expect(
      deliverToCommand(
        [process.execPath, '-e', 'process.stderr.write("pager down"); process.exit(4)'],
        '{}',
        { timeoutMs: 60_000, passed: [], eventName: 'quarantined' },
      ),
    ).rejects.toThrow('exited with 4: pager down');
  });
});
