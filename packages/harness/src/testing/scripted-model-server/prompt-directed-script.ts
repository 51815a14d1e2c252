import type { ScriptedTurn } from './scripted-turn.js';

const DIRECTIVE = /scripted-model-turns:([A-Za-z0-9_-]+)/;

/**
 * A prompt that carries its own script: the scripted model server answers a conversation whose
 * prompt holds this directive with `turns` instead of its configured script. This lets one server
 * serve many different runs, such as those of the conformance suite.
 */
export function scriptedTurnsPrompt(
  turns: ScriptedTurn[],
  instructions = 'Follow the scripted turns.',
): string {
  return `${instructions}\nscripted-model-turns:${Buffer.from(JSON.stringify(turns)).toString('base64url')}`;
}

/** The turns a request's conversation carries in a {@link scriptedTurnsPrompt} directive, if any. */
export function findScriptedTurns(body: unknown): ScriptedTurn[] | undefined {
  const match = DIRECTIVE.exec(JSON.stringify(body ?? ''));
  if (match?.[1] === undefined) return undefined;
  try {
    const turns: unknown = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8'));
    return Array.isArray(turns) ? (turns as ScriptedTurn[]) : undefined;
  } catch {
    return undefined;
  }
}
