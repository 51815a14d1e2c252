/** One tool call the scripted model makes. */
export interface ScriptedToolCall {
  /** The tool's name as the CLI declares it (`create`, `edit` for Copilot; `Write`, `Read`, `Edit` for Claude Code). */
  name: string;
  /** The tool's input. `{workingDirectory}` in any string is replaced by the CLI's working directory. */
  input: Record<string, unknown>;
}

/** Token counts the scripted model reports for one answer. */
export interface ScriptedUsage {
  /** Input (prompt) tokens the server reports for the turn. */
  inputTokens: number;
  /** Output (completion) tokens the server reports for the turn. */
  outputTokens: number;
  /**
   * Of the input tokens, how many the server read from its prompt cache (OpenAI's
   * `prompt_tokens_details.cached_tokens`, Anthropic's `cache_read_input_tokens`); none by default.
   */
  cachedInputTokens?: number;
}

/** One answer of the scripted model. */
export interface ScriptedTurn {
  /** Text the model says (before its tool calls, if it makes any). */
  text?: string;
  /** Tool calls to make; the CLI runs them and sends the results in its next request. */
  toolCalls?: ScriptedToolCall[];
  /** Never answer: keep the response open until the server closes (to test timeouts). */
  hang?: boolean;
  /** Answer with a stream that is not valid JSON (to test malformed model output). */
  malformed?: boolean;
  /** Token counts to report; 10 input and 5 output by default. */
  usage?: ScriptedUsage;
}

/** A request the server received, as recorded. */
export interface RecordedModelRequest {
  /** `openai` for chat completions, `anthropic` for messages, `other` for anything else. */
  api: 'openai' | 'anthropic' | 'other';
  /** The HTTP method. */
  method: string;
  /** Path and query. */
  path: string;
  /** The request headers, as Node received them. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it is not JSON (empty for none). */
  body: unknown;
  /** Which scripted turn answered it (the number of assistant messages in the conversation), if any. */
  turnIndex?: number;
  /** The working directory the CLI announced in its system prompt, when found. */
  workingDirectory?: string;
}

/** A turn, or a function choosing it from the request (to react to tool results). */
export type ScriptedTurnSource = ScriptedTurn | ((request: RecordedModelRequest) => ScriptedTurn);
