import { describe, expect, it } from 'vitest';
import { ClaudeCodeHarness } from '../claude/claude-code-harness.js';
import { CommandHarness } from '../command/command-harness.js';
import { CopilotCliHarness } from '../copilot/copilot-cli-harness.js';
import { StubHarness } from '../stub/stub-harness.js';
import { RecordingMockHarness } from '../testing/recording-mock-harness.js';
import { createDefaultHarnessRegistry } from './default-harness-registry.js';
import { createHarnessRegistry } from './harness-registry.js';
import { resolveHarnessId } from './resolve-harness-id.js';

describe('harness registry', () => {
  it('holds stub, command, copilot and claude by default', () => {
    const registry = createDefaultHarnessRegistry();
    expect(registry.list()).toEqual(['stub', 'command', 'copilot', 'claude']);
    expect(registry.create('copilot', { binary: '/opt/copilot', model: 'gpt-x' })).toBeInstanceOf(
      CopilotCliHarness,
    );
    expect(registry.create('claude')).toBeInstanceOf(ClaudeCodeHarness);
    expect(() => registry.create('claude', { timeoutMs: -1 })).toThrow(
      /^invalid options for the claude agent: timeoutMs: /,
    );
    expect(registry.create('stub')).toBeInstanceOf(StubHarness);
    expect(registry.create('command', { command: ['aider', '--message', '{prompt}'] })).toBeInstanceOf(
      CommandHarness,
    );
    expect(() => registry.create('command')).toThrow(
      'the command agent needs a command template (options.command)',
    );
  });

  it('lets a third party add a harness, and refuses a taken id unless asked to replace it', () => {
    const registry = createDefaultHarnessRegistry();
    registry.register(
      'mock',
      (options) => new RecordingMockHarness({ harnessId: String(options?.['name']) }),
    );
    expect(registry.create('mock', { name: 'in-house' }).harnessId).toBe('in-house');
    expect(() => registry.register('stub', () => new StubHarness())).toThrow(
      'a harness is already registered as "stub"',
    );
    registry.register('stub', () => new RecordingMockHarness(), { replace: true });
    expect(registry.create('stub')).toBeInstanceOf(RecordingMockHarness);
    expect(registry.has('mock')).toBe(true);
  });

  it('names the known agents when the id is unknown', () => {
    expect(() => createDefaultHarnessRegistry().create('copilto')).toThrow(
      'unknown agent "copilto": known agents are stub, command, copilot, claude',
    );
  });

  it('refuses a factory that makes a harness of an unknown version', () => {
    const registry = createHarnessRegistry();
    registry.register('future', () => ({ specificationVersion: 'harness-v9', harnessId: 'future' }) as never);
    expect(() => registry.create('future')).toThrow(/unsupported harness specificationVersion "harness-v9"/);
  });
});

describe('resolveHarnessId', () => {
  it('prefers the flag, then the environment, then the configuration, then stub', () => {
    expect(resolveHarnessId({ flag: 'claude', environment: 'copilot', config: 'command' })).toBe('claude');
    expect(resolveHarnessId({ environment: 'copilot', config: 'command' })).toBe('copilot');
    expect(resolveHarnessId({ flag: '  ', environment: '', config: 'command' })).toBe('command');
    expect(resolveHarnessId({})).toBe('stub');
  });
});
