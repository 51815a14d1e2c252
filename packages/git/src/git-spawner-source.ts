/**
 * The program of the git spawner process (see `git-spawner.ts`), as CommonJS source run with
 * `node -e`. It is a string, not a file beside this module, because the CLI bundles this package
 * into chunks of its own (a file next to the module would not be there), and not a function's
 * `toString()` because a bundler or a coverage tool may rewrite a function's body with references
 * to helpers outside it.
 *
 * Protocol, over the Node IPC channel with `serialization: 'advanced'` (Buffers stay Buffers):
 * the spawner sends `{ type: 'ready' }` first; then for each `{ type: 'run', id, args, cwd, env,
 * input, detached, timeoutMs }` it starts git and reports `spawned` (with its pid), at most one of
 * `thrown` (spawn threw) or `error` (the `error` event: git could not start), `timeout` (it killed
 * git's process group after `timeoutMs`), and `close` (exit code, whole stdout and stderr).
 *
 * Lifetime: it ignores SIGINT, SIGTERM and SIGHUP (git, in the same process group, gets those
 * itself; the parent decides what they mean). Once the parent is gone (the channel ends, also when
 * the parent was killed with SIGKILL) it starts nothing more and exits as soon as the git commands
 * it runs have ended: they are not killed, since a git killed halfway leaves its `index.lock`
 * behind, and a repository lock names the spawner, so it stays held while they run. A command's
 * `timeoutMs` still applies after the parent is gone.
 */
export const GIT_SPAWNER_SOURCE = String.raw`'use strict';
const { spawn } = require('node:child_process');
const running = new Map();
let parentGone = false;
try { process.title = 'hyperion-git-spawner'; } catch {}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);
process.on('error', () => undefined);
function send(message) {
  if (!process.connected) return;
  try { process.send(message, undefined, undefined, () => undefined); } catch {}
}
function exitWhenIdle() {
  if (parentGone && running.size === 0) process.exit(0);
}
function describe(error) {
  const value = error instanceof Error ? error : new Error(String(error));
  const info = { name: value.name, message: value.message };
  for (const key of ['code', 'errno', 'syscall', 'path', 'spawnargs']) {
    if (value[key] !== undefined) info[key] = value[key];
  }
  return info;
}
function stopGroup(child) {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
function run(request) {
  const id = request.id;
  let child;
  try {
    child = spawn('git', request.args, {
      cwd: request.cwd,
      env: request.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: request.detached === true,
    });
  } catch (error) {
    send({ type: 'thrown', id, error: describe(error) });
    return;
  }
  running.set(id, child);
  send({ type: 'spawned', id, pid: child.pid });
  const stdout = [];
  const stderr = [];
  const timer = typeof request.timeoutMs === 'number'
    ? setTimeout(() => {
        stopGroup(child);
        child.stdout.destroy();
        child.stderr.destroy();
        send({ type: 'timeout', id });
      }, request.timeoutMs)
    : undefined;
  child.stdout.on('data', (chunk) => stdout.push(chunk));
  child.stderr.on('data', (chunk) => stderr.push(chunk));
  child.on('error', (error) => {
    if (timer !== undefined) clearTimeout(timer);
    send({ type: 'error', id, error: describe(error) });
  });
  child.on('close', (code) => {
    if (timer !== undefined) clearTimeout(timer);
    running.delete(id);
    send({ type: 'close', id, code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
    exitWhenIdle();
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(typeof request.input === 'string' ? request.input : '');
}
process.on('message', (message) => {
  if (parentGone || message === null || typeof message !== 'object' || message.type !== 'run') return;
  try {
    run(message);
  } catch (error) {
    send({ type: 'thrown', id: message.id, error: describe(error) });
  }
});
process.on('disconnect', () => {
  parentGone = true;
  exitWhenIdle();
});
send({ type: 'ready' });
`;
