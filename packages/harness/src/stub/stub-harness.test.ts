import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryRepository } from '../test-support/temporary-repository.js';
import type { AgentEvent } from '../v1/agent-event.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import { STUB_CANNOT_RESOLVE, StubHarness } from './stub-harness.js';

function developerRequest(repository: string, filesInScope: string[], edits: unknown[]): AgentRunRequest {
  return {
    role: 'developer',
    prompt: 'edit',
    workingDirectory: repository,
    filesInScope,
    metadata: { edits },
  };
}

describe('StubHarness', () => {
  const harness = new StubHarness();

  it('creates, updates and deletes files by explicit content, and reports no usage', async () => {
    const { repository } = temporaryRepository({ 'src/old.ts': 'old\n', 'src/keep.ts': 'keep\n' });
    const events: AgentEvent[] = [];
    const result = await harness.run({
      ...developerRequest(
        repository,
        ['src/new.ts', 'src/keep.ts', 'src/old.ts'],
        [
          { path: 'src/new.ts', operation: 'create', content: 'new\n' },
          { path: 'src/keep.ts', content: 'kept and changed\n' },
          { path: 'src/old.ts', operation: 'delete' },
        ],
      ),
      onEvent: (event) => events.push(event),
    });
    expect(result).toMatchObject({ status: 'ok', text: 'ok', usage: { reported: false } });
    expect(readFileSync(join(repository, 'src/new.ts'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(repository, 'src/keep.ts'), 'utf8')).toBe('kept and changed\n');
    expect(existsSync(join(repository, 'src/old.ts'))).toBe(false);
    expect(events.map((event) => [event.sequence, event.type])).toEqual([
      [0, 'run:started'],
      [1, 'edit:applied'],
      [2, 'edit:applied'],
      [3, 'edit:applied'],
      [4, 'run:finished'],
    ]);
  });

  it('resolves nothing in a resolver run and says so, even when given edits', async () => {
    const marked = 'one\n<<<<<<< tip\nzwei\n=======\nTWO\n>>>>>>> change\nthree\n';
    const { repository } = temporaryRepository({ 'a.txt': marked });
    const result = await harness.run({
      role: 'resolver',
      prompt: 'resolve the markers',
      workingDirectory: repository,
      filesInScope: ['a.txt'],
      metadata: { edits: [{ path: 'a.txt', content: 'one\nTWO\nthree\n' }] },
    });
    expect(result).toMatchObject({
      status: 'failed',
      error: STUB_CANNOT_RESOLVE,
      usage: { reported: false },
    });
    expect(readFileSync(join(repository, 'a.txt'), 'utf8')).toBe(marked);
  });

  it('applies a unified diff with git apply', async () => {
    const { repository } = temporaryRepository({ 'notes.txt': 'one\ntwo\n' });
    const diff = ['--- a/notes.txt', '+++ b/notes.txt', '@@ -1,2 +1,2 @@', ' one', '-two', '+three', ''].join(
      '\n',
    );
    const result = await harness.run(
      developerRequest(repository, ['notes.txt'], [{ path: 'notes.txt', diff }]),
    );
    expect(result.status).toBe('ok');
    expect(readFileSync(join(repository, 'notes.txt'), 'utf8')).toBe('one\nthree\n');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repository, encoding: 'utf8' })).toBe(
      ' M notes.txt\n',
    );
  });

  it('fails with git’s reason when a diff does not apply', async () => {
    const { repository } = temporaryRepository({ 'notes.txt': 'one\n' });
    const diff = ['--- a/notes.txt', '+++ b/notes.txt', '@@ -1 +1 @@', '-absent', '+three', ''].join('\n');
    const result = await harness.run(
      developerRequest(repository, ['notes.txt'], [{ path: 'notes.txt', diff }]),
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^the diff for "notes.txt" does not apply: error: patch failed/);
  });

  it('refuses a diff that touches a file outside the scope named by the edit', async () => {
    const { repository } = temporaryRepository({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const diff = ['--- a/b.txt', '+++ b/b.txt', '@@ -1 +1 @@', '-b', '+c', ''].join('\n');
    const result = await harness.run(developerRequest(repository, ['a.txt'], [{ path: 'a.txt', diff }]));
    expect(result).toMatchObject({ status: 'failed', error: '"b.txt" is outside the files in scope' });
    expect(readFileSync(join(repository, 'b.txt'), 'utf8')).toBe('b\n');
  });

  it('refuses paths outside the working directory or the scope, and writes nothing at all', async () => {
    const { root, repository } = temporaryRepository();
    const cases: Array<[string, string[], string]> = [
      ['../outside/x.txt', ['../outside/x.txt'], `unsafe path "../outside/x.txt": contains a '..' segment`],
      [join(root, 'outside/x.txt'), [join(root, 'outside/x.txt')], 'is absolute'],
      ['.git/config', ['.git/config'], 'is under .git/'],
      ['src/other.ts', ['src/mine.ts'], '"src/other.ts" is outside the files in scope'],
    ];
    for (const [path, scope, reason] of cases) {
      const result = await harness.run(
        developerRequest(
          repository,
          ['first.txt', ...scope],
          [
            { path: 'first.txt', content: 'would be written first\n' },
            { path, content: 'escaped\n' },
          ],
        ),
      );
      expect(result.status).toBe('failed');
      expect(result.error).toContain(reason);
    }
    expect(existsSync(join(repository, 'first.txt'))).toBe(false);
    expect(existsSync(join(root, 'outside/x.txt'))).toBe(false);
  });

  it('refuses to write through a symbolic link that leaves the working directory', async () => {
    const { root, repository } = temporaryRepository();
    symlinkSync(join(root, 'outside'), join(repository, 'linked'));
    const result = await harness.run(
      developerRequest(repository, ['linked/x.txt'], [{ path: 'linked/x.txt', content: 'escaped\n' }]),
    );
    expect(result).toMatchObject({
      status: 'failed',
      error: '"linked/x.txt" leaves the working directory through a symbolic link',
    });
    expect(existsSync(join(root, 'outside/x.txt'))).toBe(false);
  });

  it('accepts a directory entry of the scope that ends with a slash', async () => {
    const { repository } = temporaryRepository();
    const result = await harness.run(
      developerRequest(repository, ['src/'], [{ path: 'src/deep/a.ts', content: 'a\n' }]),
    );
    expect(result.status).toBe('ok');
  });

  it('says it cannot write an edit that has neither content nor a diff', async () => {
    const { repository } = temporaryRepository();
    const withSummary = await harness.run(
      developerRequest(repository, ['a.ts'], [{ path: 'a.ts', summary: 'add a greeting' }]),
    );
    expect(withSummary).toMatchObject({
      status: 'failed',
      error: 'the stub agent cannot write "add a greeting": give an explicit diff or content',
    });
    const withoutSummary = await harness.run(developerRequest(repository, ['a.ts'], [{ path: 'a.ts' }]));
    expect(withoutSummary.error).toBe('the stub agent cannot write "a.ts": give an explicit diff or content');
  });

  it('names the field of malformed edits', async () => {
    const { repository } = temporaryRepository();
    const result = await harness.run(
      developerRequest(repository, ['a.ts'], [{ path: 'a.ts', content: 'a' }, { path: 3 }]),
    );
    expect(result).toMatchObject({ status: 'failed', error: 'metadata.edits[1].path must be a string' });
  });

  it('returns the given structured output for engineer and orchestrator runs, else the text ok', async () => {
    const { repository } = temporaryRepository();
    const base = { prompt: 'plan', workingDirectory: repository, filesInScope: [] };
    const structuredOutput = { classification: 'feature', files: ['a.ts'] };
    const engineer = await harness.run({ ...base, role: 'engineer', metadata: { structuredOutput } });
    expect(engineer).toMatchObject({
      status: 'ok',
      structuredOutput,
      text: JSON.stringify(structuredOutput),
    });
    const orchestrator = await harness.run({ ...base, role: 'orchestrator' });
    expect(orchestrator).toMatchObject({ status: 'ok', text: 'ok' });
    expect(orchestrator.structuredOutput).toBeUndefined();
  });

  it('fails when the given structured output breaks the output schema', async () => {
    const { repository } = temporaryRepository();
    const result = await harness.run({
      role: 'engineer',
      prompt: 'plan',
      workingDirectory: repository,
      filesInScope: [],
      outputSchema: { type: 'object', properties: { risk: { enum: ['low', 'high'] } }, required: ['risk'] },
      metadata: { structuredOutput: { risk: 'medium' } },
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^the structured output does not match the output schema: risk: /);
  });

  it('refuses edits in a run that is not a developer run', async () => {
    const { repository } = temporaryRepository();
    const result = await harness.run({
      ...developerRequest(repository, ['a.ts'], [{ path: 'a.ts', content: 'a' }]),
      role: 'engineer',
    });
    expect(result).toMatchObject({
      status: 'failed',
      error: 'the stub agent edits files only for developer runs, not engineer runs',
    });
    expect(existsSync(join(repository, 'a.ts'))).toBe(false);
  });

  it('does not edit when the signal was aborted before the run', async () => {
    const { repository } = temporaryRepository();
    const result = await harness.run({
      ...developerRequest(repository, ['a.ts'], [{ path: 'a.ts', content: 'a' }]),
      abortSignal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ status: 'cancelled', error: 'the run was cancelled' });
    expect(existsSync(join(repository, 'a.ts'))).toBe(false);
  });
});
