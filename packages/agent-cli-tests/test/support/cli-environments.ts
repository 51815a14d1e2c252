import type { ScriptedModelServer } from '@hyperion/harness/testing';

/** The environment that points the Copilot CLI at the scripted server, offline, with its state in `home`. */
export function copilotEnvironment(server: ScriptedModelServer, home: string): Record<string, string> {
  return {
    HOME: home,
    COPILOT_HOME: `${home}/.copilot`,
    COPILOT_OFFLINE: 'true',
    COPILOT_PROVIDER_BASE_URL: server.openAiBaseUrl,
    COPILOT_MODEL: server.model,
  };
}

/** The environment that points Claude Code at the scripted server, with its state in `home`. */
export function claudeEnvironment(server: ScriptedModelServer, home: string): Record<string, string> {
  return {
    HOME: home,
    CLAUDE_CONFIG_DIR: `${home}/.claude`,
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: 'scripted-key',
  };
}
