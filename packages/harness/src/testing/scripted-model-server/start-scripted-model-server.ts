import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { writeAnthropicMessageStream } from './anthropic-messages-stream.js';
import { writeOpenAiChatCompletion, writeOpenAiChatStream } from './openai-chat-stream.js';
import type {
  RecordedModelRequest,
  ScriptedToolCall,
  ScriptedTurn,
  ScriptedTurnSource,
} from './scripted-turn.js';
import { findScriptedTurns } from './prompt-directed-script.js';
import { UniqueIds } from './unique-ids.js';
import { findWorkingDirectory, substituteWorkingDirectory } from './working-directory.js';

/** What the scripted model answers. */
export interface ScriptedModelServerOptions {
  /**
   * The answers, in conversation order: a request whose conversation already holds N assistant
   * messages gets turn N (so a CLI's retry of a request gets the same turn again). A conversation
   * whose prompt was made with `scriptedTurnsPrompt` follows its own turns instead.
   */
  script?: ScriptedTurnSource[];
  /** The answer once the script is used up; `{ text: 'Done.' }` by default. */
  afterScript?: ScriptedTurn;
  /** The model name reported in answers and model lists; `scripted-model` by default. */
  model?: string;
}

/** A running scripted model server on 127.0.0.1. */
export interface ScriptedModelServer {
  /** `http://127.0.0.1:<port>`: the Anthropic base URL (`ANTHROPIC_BASE_URL`). */
  readonly url: string;
  /** `http://127.0.0.1:<port>/v1`: the OpenAI base URL (`COPILOT_PROVIDER_BASE_URL`). */
  readonly openAiBaseUrl: string;
  /** The port it listens on. */
  readonly port: number;
  /** The model name it reports. */
  readonly model: string;
  /** Every request received, in order. */
  readonly requests: RecordedModelRequest[];
  /** The requests that were answered from the script (chat completions and messages). */
  modelRequests(): RecordedModelRequest[];
  /** Replaces the script (and resets nothing else), for the next conversation. */
  setScript(script: ScriptedTurnSource[]): void;
  /** Stops listening and ends every open connection, hanging answers included. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 (a random free port) that plays a model for the real agent
 * CLIs: OpenAI chat completions (`POST /v1/chat/completions`, streamed as SSE `data:` chunks
 * ending in `[DONE]`) and Anthropic messages (`POST /v1/messages`, SSE events). It answers from
 * `script`, records every request, and gives every message and tool call an id never used before.
 * It also answers what the CLIs ask at startup: `GET /v1/models`, `HEAD /api/hello`,
 * `POST /v1/messages/count_tokens`.
 */
export async function startScriptedModelServer(
  options: ScriptedModelServerOptions = {},
): Promise<ScriptedModelServer> {
  const model = options.model ?? 'scripted-model';
  const requests: RecordedModelRequest[] = [];
  const ids = new UniqueIds();
  const sockets = new Set<Socket>();
  let script = options.script ?? [];
  const afterScript = options.afterScript ?? { text: 'Done.' };

  const server = createServer((request, response) => {
    void readBody(request).then((rawBody) => {
      const recorded = record(request, rawBody);
      requests.push(recorded);
      answer(recorded, response);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const answer = (recorded: RecordedModelRequest, response: ServerResponse) => {
    const path = recorded.path.split('?')[0] ?? '';
    if (recorded.method === 'HEAD' || (recorded.method === 'GET' && path === '/')) {
      response.writeHead(200).end();
    } else if (recorded.method === 'GET' && /\/models\/?$/.test(path)) {
      json(response, 200, {
        object: 'list',
        data: [
          {
            id: model,
            object: 'model',
            created: 0,
            owned_by: 'scripted',
            type: 'model',
            display_name: model,
          },
        ],
        has_more: false,
      });
    } else if (recorded.method === 'POST' && path.endsWith('/messages/count_tokens')) {
      json(response, 200, { input_tokens: 10 });
    } else if (recorded.method === 'POST' && (recorded.api === 'openai' || recorded.api === 'anthropic')) {
      answerFromScript(recorded, response);
    } else {
      json(response, 404, {
        error: { type: 'not_found_error', message: `no scripted answer for ${recorded.method} ${path}` },
      });
    }
  };

  const answerFromScript = (recorded: RecordedModelRequest, response: ServerResponse) => {
    const body = (recorded.body ?? {}) as { stream?: boolean; tools?: unknown[]; messages?: unknown[] };
    const turn = chooseTurn(recorded, body);
    if (turn.hang === true) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.flushHeaders();
      return;
    }
    if (turn.malformed === true) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end('data: {this is not json\n\nevent: message_start\ndata: [[[\n\n');
      return;
    }
    const workingDirectory = recorded.workingDirectory ?? '';
    const toolCalls = (turn.toolCalls ?? []).map((call): ScriptedToolCall => ({
      name: call.name,
      input: substituteWorkingDirectory(call.input, workingDirectory) as Record<string, unknown>,
    }));
    if (recorded.api === 'anthropic') writeAnthropicMessageStream(response, turn, toolCalls, model, ids);
    else if (body.stream === true) writeOpenAiChatStream(response, turn, toolCalls, model, ids);
    else writeOpenAiChatCompletion(response, turn, toolCalls, model, ids);
  };

  const chooseTurn = (
    recorded: RecordedModelRequest,
    body: { tools?: unknown[]; messages?: unknown[] },
  ): ScriptedTurn => {
    // A request without tools is a side question (a title, a summary), not the conversation.
    if (!Array.isArray(body.tools) || body.tools.length === 0) return { text: 'ok' };
    const turnIndex = (body.messages ?? []).filter(
      (message) => (message as { role?: string } | null)?.role === 'assistant',
    ).length;
    recorded.turnIndex = turnIndex;
    const directed = findScriptedTurns(body);
    const source = (directed ?? script)[turnIndex];
    if (source === undefined) return afterScript;
    return typeof source === 'function' ? source(recorded) : source;
  };

  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openAiBaseUrl: `${url}/v1`,
    port,
    model,
    requests,
    modelRequests: () => requests.filter((request) => request.turnIndex !== undefined),
    setScript(next) {
      script = next;
    },
    close: () =>
      new Promise<void>((resolvePromise) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolvePromise());
      }),
  };
}

function record(request: IncomingMessage, rawBody: string): RecordedModelRequest {
  const path = request.url ?? '/';
  const bare = path.split('?')[0] ?? '';
  const api = bare.endsWith('/chat/completions')
    ? 'openai'
    : bare.endsWith('/v1/messages')
      ? 'anthropic'
      : 'other';
  let body: unknown = rawBody;
  try {
    body = rawBody === '' ? '' : (JSON.parse(rawBody) as unknown);
  } catch {
    // Keep the raw text.
  }
  const workingDirectory = api === 'other' ? undefined : findWorkingDirectory(body);
  return {
    api,
    method: request.method ?? 'GET',
    path,
    headers: request.headers,
    body,
    ...(workingDirectory === undefined ? {} : { workingDirectory }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolvePromise(text));
    request.on('error', () => resolvePromise(text));
  });
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
}
