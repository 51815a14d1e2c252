import { HyperionError, type RequestedChange, type TaskRequest } from '@hyperion/schema';
import type { BaseFiles, NearMiss } from './base-files.js';

/** The kinds of work a request can be. */
export type RequestClassification = 'feature' | 'bugfix' | 'refactor' | 'docs';

/** How risky a request is: high-risk work is worth a human's look before it lands. */
export type RequestRisk = 'low' | 'medium' | 'high';

/** An essential the request is missing, as a question a human can answer. */
export interface OpenQuestion {
  /**
   * `files`: no file to change; `create`: a named file does not exist and the request cannot be
   * read as creating it (it resembles an existing file, or its operation needs one); `path`: the
   * path cannot be a file (a directory, or a file in the way).
   */
  kind: 'files' | 'create' | 'path';
  /** The file the question is about (`create`, `path`). */
  path?: string;
  /** The existing file the missing path resembles (`create`). */
  resembles?: NearMiss;
  /** The question, one line. */
  question: string;
}

/** A request whose scope the engineer has clarified. */
export interface ScopedRequest {
  /** The request id (generated when the request had none). */
  requestId: string;
  /**
   * The request, with any files the engineer inferred added to its requested changes, and every
   * requested change to a path missing at the base that resembles no existing file marked `create`.
   */
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

/** True when the change says it makes a new file: operation `create`, or whole `content` without an operation. */
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

function resemblance(nearMiss: NearMiss): string {
  if (nearMiss.kind === 'case') return 'the same path in another letter case';
  if (nearMiss.kind === 'moved') return 'the same file name in another directory: was it moved?';
  return `${nearMiss.edits ?? 1} edit${nearMiss.edits === 1 ? '' : 's'} away`;
}

function missingPathQuestion(
  path: string,
  operation: RequestedChange['operation'],
  baseFiles: BaseFiles,
): OpenQuestion | undefined {
  const nearMiss = baseFiles.nearMiss(path);
  const missing = `'${path}' does not exist at the base commit`;
  if (nearMiss !== undefined) {
    return {
      kind: 'create',
      path,
      resembles: nearMiss,
      question:
        `${missing}, but '${nearMiss.path}' does (${resemblance(nearMiss)}): did you mean '${nearMiss.path}'? ` +
        `Name that path, or set operation "create" to make '${path}' a new file.`,
    };
  }
  if (operation === 'update' || operation === 'delete') {
    return {
      kind: 'create',
      path,
      question: `${missing}: should it be created (operation "create")? Its operation "${operation}" needs an existing file.`,
    };
  }
  return undefined;
}

function pathProblem(path: string, baseFiles: BaseFiles): OpenQuestion | undefined {
  if (baseFiles.isDirectory(path)) {
    return {
      kind: 'path',
      path,
      question: `'${path}' is a directory at the base commit, not a file: which file in it should change?`,
    };
  }
  const inTheWay = baseFiles.fileInTheWay(path);
  if (inTheWay !== undefined) {
    return {
      kind: 'path',
      path,
      question: `'${path}' cannot be a file: '${inTheWay}' is a file at the base commit, not a directory.`,
    };
  }
  return undefined;
}

/**
 * The essentials a request is missing, as questions. A path that does not exist at the base is a
 * file to create, unless it is a near miss of an existing file (another letter case, a typo of at
 * most two edits, the same file name in another directory; see {@link BaseFiles.nearMiss}) and the
 * request did not say to create it, or its operation (`update`, `delete`) needs an existing file.
 */
export function essentialQuestions(request: TaskRequest, baseFiles: BaseFiles): OpenQuestion[] {
  const paths = requestPaths(request);
  const questions: OpenQuestion[] = [];
  if (paths.length === 0) {
    questions.push({
      kind: 'files',
      question: 'Which files should change? The request lists no requested_changes and no assignments.',
    });
  }
  // The first change on a path says whether it creates the file (later phases build on it).
  const changes = new Map<string, RequestedChange>();
  for (const change of request.requested_changes)
    if (!changes.has(change.path)) changes.set(change.path, change);
  for (const path of paths) {
    if (baseFiles.has(path)) continue;
    const problem = pathProblem(path, baseFiles);
    if (problem !== undefined) {
      questions.push(problem);
      continue;
    }
    const change = changes.get(path);
    if (change !== undefined && createsFile(change)) continue;
    const question = missingPathQuestion(path, change?.operation, baseFiles);
    if (question !== undefined) questions.push(question);
  }
  return questions;
}

/**
 * The request with `operation: "create"` on every requested change whose path is missing at the
 * base, that gives no operation and that raises no question: it names a file to create.
 */
function markNewFiles(request: TaskRequest, baseFiles: BaseFiles, questions: OpenQuestion[]): TaskRequest {
  const asked = new Set(questions.map((question) => question.path));
  let marked = false;
  const seen = new Set<string>();
  const changes = request.requested_changes.map((change) => {
    const first = !seen.has(change.path);
    seen.add(change.path);
    // Only the first change on a new file creates it; a later one (a later phase) edits the result.
    if (!first || change.operation !== undefined || baseFiles.has(change.path) || asked.has(change.path))
      return change;
    marked = true;
    return { ...change, operation: 'create' as const };
  });
  return marked ? { ...request, requested_changes: changes } : request;
}

/** The deterministic scope of a request, open questions included (nothing is thrown). */
export function scopeByRules(request: TaskRequest, requestId: string, baseFiles: BaseFiles): ScopedRequest {
  const paths = requestPaths(request);
  const questions = essentialQuestions(request, baseFiles);
  const scopedRequest = markNewFiles(request, baseFiles, questions);
  return {
    requestId,
    request: scopedRequest,
    classification: classify(scopedRequest, paths),
    targetFiles: paths.map((path) => ({ path, exists: baseFiles.has(path) })),
    acceptanceCriteria:
      scopedRequest.requested_changes.length > 0
        ? scopedRequest.requested_changes.map(
            (change) => `${change.path}: ${change.summary ?? request.summary}`,
          )
        : [request.summary],
    risk: assessRisk(scopedRequest, paths),
    openQuestions: questions.map((question) => question.question),
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
 * requested changes and any pre-made assignments; a target missing at the base commit is a file to
 * create, unless it is a near miss of an existing file (see {@link essentialQuestions}). Missing
 * essentials stop the request with the open questions listed.
 */
export function clarifyScope(request: TaskRequest, requestId: string, baseFiles: BaseFiles): ScopedRequest {
  return requireNoOpenQuestions(scopeByRules(request, requestId, baseFiles));
}

/**
 * Applies a human's answers to open questions: a `files` answer lists paths (comma or space
 * separated) that become requested changes; a `create` answer of yes marks the file as created,
 * naming the existing file it resembles moves the change there, any other answer drops that
 * change; a `path` answer naming another path moves the change there, any other drops it. Paths
 * are checked by the caller's schema parse.
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
      const asked = question.path;
      const yes = question.kind === 'create' && /^(y|yes|create|true)$/i.test(text);
      const moveTo =
        question.kind === 'path'
          ? /^(n|no|)$/i.test(text)
            ? undefined
            : text
          : text === question.resembles?.path
            ? text
            : undefined;
      if (yes) {
        changes = changes.map((change) =>
          change.path === asked ? { ...change, operation: 'create' as const } : change,
        );
      } else if (moveTo !== undefined && !changes.some((change) => change.path === moveTo)) {
        changes = changes.map((change) => {
          if (change.path !== asked) return change;
          const { operation: _operation, ...rest } = change;
          return { ...rest, path: moveTo };
        });
      } else {
        changes = changes.filter((change) => change.path !== asked);
      }
    }
  }
  return { ...request, requested_changes: changes };
}
