import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes an executable stand-in for an agent CLI into `directory`: it prints the JSON records of
 * `FAKE_RECORDS` (a JSON array) one per line, `FAKE_STDERR` to stderr, then hangs when
 * `FAKE_HANG` is set, else exits with `FAKE_EXIT` (0 by default). Its argv goes to `argv.json`.
 */
export function writeFakeAgentCli(directory: string, name: string): string {
  const path = join(directory, name);
  writeFileSync(
    path,
    `#!${process.execPath}
const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(join(directory, 'argv.json'))}, JSON.stringify(process.argv.slice(2)));
for (const record of JSON.parse(process.env.FAKE_RECORDS || '[]')) console.log(typeof record === 'string' ? record : JSON.stringify(record));
if (process.env.FAKE_STDERR) console.error(process.env.FAKE_STDERR);
if (process.env.FAKE_HANG) setInterval(() => {}, 1000);
else process.exitCode = Number(process.env.FAKE_EXIT || 0);
`,
  );
  chmodSync(path, 0o755);
  return path;
}
