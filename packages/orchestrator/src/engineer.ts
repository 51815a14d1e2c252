import { HyperionError, type RequestedChange, type TaskRequest } from '@hyperion/schema';

/** The kinds of work a request can be. */
export type RequestClassification = 'feature' | 'bugfix' | 'refactor' | 'docs';

/** How risky a request is: high-risk work is worth a human's look before it lands. */
export type RequestRisk = 'low' | 'medium' | 'high';

/** An essential the request is missing, as a question a human can answer. */
export interface OpenQuestion {
  /** `files`: no file to change; `create`: a named file does not exist. */
  kind: 'files' | 'create';
  /** The file the question is about (`create`). */
  path?: string;
  /** The question, one line. */
  question: string;
}

/** A request whose scope the engineer has clarified. */
export interface ScopedRequest {
  /** The request id (generated when the request had none). */
  requestId: string;
  /** The request, with any files the engineer inferred added to its requested changes. */
  request: TaskRequest;
  /** What kind of work it is. */
  classification: RequestClassification;
  /** Every file the request touches, each marked existing or new. */
  targetFiles: Array<{ path: string; exists: boolean }>;
  /** Acceptance criteria. */
  acceptanceCriteria: string[];
  /** How risky the work is. */
  risk: RequestRisk;
  /** Essentials left open (empty when the request can go ahead). */
  openQuestions: string[];
  /** Questions a model engineer raised that do not block the request. */
  advisoryQuestions: string[];
  /** Who scoped it: the rules, a model, or the rules after the model's output did not parse. */
  source: 'deterministic' | 'model' | 'fallback';
  /** Why the model's output was not used, when `source` is `fallback`. */
  fallbackReason?: string;
}

const DOCUMENTATION_FILE = /\.(md|mdx|txt|rst|adoc)$/i;
const RISKY_PATH =
  /(^|\/)(\.github|migrations)\/|(^|\/)\.gitlab-ci\.yml$|\.lock$|(^|\/)(pnpm-lock\.yaml|package-lock\.json)$/;

function classify(request: TaskRequest, paths: string[]): RequestClassification {
  const text = `${request.summary} ${request.description ?? ''}`.toLowerCase();
  if (paths.length > 0 && paths.every((path) => DOCUMENTATION_FILE.test(path))) return 'docs';
  if (/\b(fix|bug|crash|broken|regression|error)\b/.test(text)) return 'bugfix';
  if (/\b(refactor|rename|extract|clean ?up|simplify)\b/.test(text)) return 'refactor';
  return 'feature';
}

function assessRisk(request: TaskRequest, paths: string[]): RequestRisk {
  if (paths.some((path) => RISKY_PATH.test(path))) return 'high';
  if (request.requested_changes.some((change) => change.operation === 'delete')) return 'high';
  if (paths.length > 10) return 'medium';
  return 'low';
}

function createsFile(change: RequestedChange): boolean {
  return change.operation === 'create' || (change.operation === undefined && change.content !== undefined);
}

/** Every path a request names, in order, without repeats. */
export function requestPaths(request: TaskRequest): string[] {
  return [
    ...new Set([
      ...request.requested_changes.map((change) => change.path),
      ...(request.assignments ?? []).flatMap((assignment) => assignment.file_targets),
    ]),
  ];
}

/** The essentials a request is missing, as questions. */
export function essentialQuestions(
  request: TaskRequest,
  fileExists: (path: string) => boolean,
): OpenQuestion[] {
  const newFiles = new Set(request.requested_changes.filter(createsFile).map((change) => change.path));
  const paths = requestPaths(request);
  const questions: OpenQuestion[] = [];
  if (paths.length === 0) {
    questions.push({
      kind: 'files',
      question: 'Which files should change? The request lists no requested_changes and no assignments.',
    });
  }
  for (const path of paths) {
    if (!fileExists(path) && !newFiles.has(path)) {
      questions.push({
        kind: 'create',
        path,
        question: `'${path}' does not exist at the base commit: should it be created (operation "create")?`,
      });
    }
  }
  return questions;
}

/** The deterministic scope of a request, open questions included (nothing is thrown). */
export function scopeByRules(
  request: TaskRequest,
  requestId: string,
  fileExists: (path: string) => boolean,
): ScopedRequest {
  const paths = requestPaths(request);
  return {
    requestId,
    request,
    classification: classify(request, paths),
    targetFiles: paths.map((path) => ({ path, exists: fileExists(path) })),
    acceptanceCriteria:
      request.requested_changes.length > 0
        ? request.requested_changes.map((change) => `${change.path}: ${change.summary ?? request.summary}`)
        : [request.summary],
    risk: assessRisk(request, paths),
    openQuestions: essentialQuestions(request, fileExists).map((question) => question.question),
    advisoryQuestions: [],
    source: 'deterministic',
  };
}

/** Throws `invalid_input` listing the open questions when the scope has any. */
export function requireNoOpenQuestions(scoped: ScopedRequest): ScopedRequest {
  if (scoped.openQuestions.length > 0) {
    throw new HyperionError(
      'invalid_input',
      `request ${scoped.requestId} cannot go ahead: ${scoped.openQuestions.join(' ')}`,
      { details: { requestId: scoped.requestId, openQuestions: scoped.openQuestions } },
    );
  }
  return scoped;
}

/**
 * The deterministic engineer: clarifies a request's scope by rules. Target files come from the
 * requested changes and any pre-made assignments; each must exist at the base commit unless the
 * change creates it. Missing essentials stop the request with the open questions listed.
 */
export function clarifyScope(
  request: TaskRequest,
  requestId: string,
  fileExists: (path: string) => boolean,
): ScopedRequest {
  return requireNoOpenQuestions(scopeByRules(request, requestId, fileExists));
}

/**
 * Applies a human's answers to open questions: a `files` answer lists paths (comma or space
 * separated) that become requested changes; a `create` answer of yes marks the file as created,
 * any other answer drops that change. Paths are checked by the caller's schema parse.
 */
export function applyAnswers(
  request: TaskRequest,
  answers: Array<{ question: OpenQuestion; answer: string }>,
): TaskRequest {
  let changes = [...request.requested_changes];
  for (const { question, answer } of answers) {
    const text = answer.trim();
    if (question.kind === 'files') {
      for (const path of text.split(/[\s,]+/).filter((item) => item !== '')) {
        if (!changes.some((change) => change.path === path)) {
          changes.push({ path, summary: request.summary });
        }
      }
    } else if (question.path !== undefined) {
      const yes = /^(y|yes|create|true)$/i.test(text);
      changes = yes
        ? changes.map((change) =>
            change.path === question.path ? { ...change, operation: 'create' as const } : change,
          )
        : changes.filter((change) => change.path !== question.path);
    }
  }
  return { ...request, requested_changes: changes };
}
