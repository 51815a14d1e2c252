import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { stripAnsi } from './strip-ansi.js';

/** An in-memory terminal for {@link startDashboard} tests: a TTY-like stdout and a raw stdin. */
export interface FakeTerminal {
  /** Pass as `stdout`. */
  stdout: NodeJS.WriteStream;
  /** Pass as `stdin`. */
  stdin: NodeJS.ReadStream;
  /** Everything written so far, escape sequences removed. */
  output(): string;
  /** Types keys. */
  press(keys: string): void;
}

/** Creates a {@link FakeTerminal} of `columns` × `rows`. */
export function createFakeTerminal(columns: number, rows: number): FakeTerminal {
  const chunks: string[] = [];
  const stdout = Object.assign(new EventEmitter(), {
    columns,
    rows,
    isTTY: true,
    write(chunk: string | Uint8Array) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
  });
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: () => stdin,
    ref: () => stdin,
    unref: () => stdin,
  });
  stdin.setEncoding('utf8');
  return {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    output: () => stripAnsi(chunks.join('')),
    press: (keys) => {
      stdin.write(keys);
    },
  };
}
