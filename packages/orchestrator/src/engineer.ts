import { HyperionError, type TaskRequest } from '@hyperion/schema';

/** The kinds of work a request can be. */
export type RequestClassification = 'feature' | 'bugfix' | 'refactor' | 'docs';

/** A request whose scope the engineer has clarified. */
export interface ScopedRequest {
  /** The request id (generated when the request had none). */
  requestId: string;
  /** The request as given. */
  request: TaskRequest;
  /** What kind of work it is. */
  classification: RequestClassification;
  /** Every file the request touches, each marked existing or new. */
  targetFiles: Array<{ path: string; exists: boolean }>;
  /** Acceptance criteria, one per requested change. */
  acceptanceCriteria: string[];
  /** Questions left open (empty when the request can go ahead). */
  openQuestions: string[];
}

const DOCUMENTATION_FILE = /\.(md|mdx|txt|rst|adoc)$/i;

function classify(request: TaskRequest, paths: string[]): RequestClassification {
  const text = `${request.summary} ${request.description ?? ''}`.toLowerCase();
  if (paths.length > 0 && paths.every((path) => DOCUMENTATION_FILE.test(path))) return 'docs';
  if (/\b(fix|bug|crash|broken|regression|error)\b/.test(text)) return 'bugfix';
  if (/\b(refactor|rename|extract|clean ?up|simplify)\b/.test(text)) return 'refactor';
  return 'feature';
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
  const newFiles = new Set(
    request.requested_changes
      .filter(
        (change) =>
          change.operation === 'create' || (change.operation === undefined && change.content !== undefined),
      )
      .map((change) => change.path),
  );
  const paths = [
    ...new Set([
      ...request.requested_changes.map((change) => change.path),
      ...(request.assignments ?? []).flatMap((assignment) => assignment.file_targets),
    ]),
  ];
  const openQuestions: string[] = [];
  if (paths.length === 0) {
    openQuestions.push(
      'Which files should change? The request lists no requested_changes and no assignments.',
    );
  }
  const targetFiles = paths.map((path) => ({ path, exists: fileExists(path) }));
  for (const file of targetFiles) {
    if (!file.exists && !newFiles.has(file.path)) {
      openQuestions.push(
        `'${file.path}' does not exist at the base commit: should it be created (operation "create")?`,
      );
    }
  }
  if (openQuestions.length > 0) {
    throw new HyperionError(
      'invalid_input',
      `request ${requestId} cannot go ahead: ${openQuestions.join(' ')}`,
      {
        details: { requestId, openQuestions },
      },
    );
  }
  return {
    requestId,
    request,
    classification: classify(request, paths),
    targetFiles,
    acceptanceCriteria: request.requested_changes.map(
      (change) => `${change.path}: ${change.summary ?? request.summary}`,
    ),
    openQuestions,
  };
}
