import { describe, expect, it } from 'vitest';
import { nodeAgentOptions, nodeAgentPrompt } from '../test-support/node-agent.js';
import { temporaryRepository } from '../test-support/temporary-repository.js';
import { CommandHarness } from './command-harness.js';
import { UsageLines } from './usage-lines.js';

describe('CommandHarness reportsUsage', () => {
  it('reads the usage a command agent prints, and declares none without the option', async () => {
    const { repository } = temporaryRepository();
    const task = {
      print: { usage: { input_tokens: 120, cached_input_tokens: 20, output_tokens: 30, credits: 1 } },
    };
    const run = (reportsUsage: boolean) =>
      new CommandHarness({ ...nodeAgentOptions, reportsUsage }).run({
        role: 'developer',
        prompt: nodeAgentPrompt(task),
        workingDirectory: repository,
        filesInScope: [],
      });
    expect((await run(true)).usage).toEqual({
      inputTokens: 120,
      cachedInputTokens: 20,
      outputTokens: 30,
      credits: 1,
      reported: true,
    });
    expect((await run(false)).usage).toEqual({ reported: false });
  });

  it('stops a hanging agent once the tokens it reports pass the budget', async () => {
    const { repository } = temporaryRepository();
    const result = await new CommandHarness({ ...nodeAgentOptions, reportsUsage: true }).run({
      role: 'developer',
      prompt: nodeAgentPrompt({
        // It hangs after its usage line: only the budget stops it.
        hang: true,
        print: { usage: { input_tokens: 900, output_tokens: 200 } },
      }),
      workingDirectory: repository,
      filesInScope: [],
      budget: { maxTokens: 1000 },
    });
    expect(result).toMatchObject({
      status: 'budget-exceeded',
      error: 'the run used 1100 tokens, over its budget of 1000',
      usage: { inputTokens: 900, outputTokens: 200, reported: true },
    });
  });

  it('ignores lines that are not usage, and numbers that are not counts', () => {
    const lines = new UsageLines();
    expect(lines.read('plain text')).toBe(false);
    expect(lines.read('{"usage": "lots"}')).toBe(false);
    expect(lines.read('{"usage": {"input_tokens": -5, "output_tokens": "7"}}')).toBe(false);
    expect(lines.read('{not json')).toBe(false);
    expect(lines.usage()).toEqual({ reported: false });
    expect(lines.read('{"usage": {"input_tokens": 5}}')).toBe(true);
    expect(lines.read('{"usage": {"input_tokens": 6, "output_tokens": 1}}')).toBe(true);
    expect(lines.usage()).toEqual({ inputTokens: 11, outputTokens: 1, reported: true });
  });
});
