import type { AgentRunRequest } from '../v1/agent-run-request.js';

/**
 * The prompt given to an agent CLI: the request's prompt, plus — when structured output is asked
 * for — the instruction to end with one JSON value that satisfies the schema.
 */
export function composePrompt(request: AgentRunRequest): string {
  if (request.outputSchema === undefined) return request.prompt;
  return [
    request.prompt,
    '',
    'End your answer with one line holding only a JSON value that satisfies this JSON Schema:',
    JSON.stringify(request.outputSchema),
  ].join('\n');
}
