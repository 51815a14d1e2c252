/** One explicit edit the stub harness applies for a developer run (`request.metadata.edits`). */
export interface StubEdit {
  /** Repository-relative path of the file, inside the working directory and the files in scope. */
  path: string;
  /** What to do; `delete` removes the file, the others write `content` or apply `diff`. */
  operation?: 'create' | 'update' | 'delete';
  /** The file's whole new content. */
  content?: string;
  /** A unified diff applied with `git apply` in the working directory. */
  diff?: string;
  /** A one-line description, used in error messages. */
  summary?: string;
}

const OPERATIONS = ['create', 'update', 'delete'];

/**
 * Reads `metadata.edits` as a list of {@link StubEdit}s.
 * Returns an error naming the field path when it is malformed.
 */
export function readStubEdits(
  metadata: Record<string, unknown> | undefined,
): { edits: StubEdit[] } | { error: string } {
  const raw = metadata?.['edits'];
  if (raw === undefined) return { edits: [] };
  if (!Array.isArray(raw)) return { error: 'metadata.edits must be an array' };
  const edits: StubEdit[] = [];
  for (const [index, item] of raw.entries()) {
    const field = `metadata.edits[${index}]`;
    if (typeof item !== 'object' || item === null) return { error: `${field} must be an object` };
    const edit = item as Record<string, unknown>;
    if (typeof edit['path'] !== 'string') return { error: `${field}.path must be a string` };
    for (const key of ['content', 'diff', 'summary']) {
      if (edit[key] !== undefined && typeof edit[key] !== 'string') {
        return { error: `${field}.${key} must be a string` };
      }
    }
    if (edit['operation'] !== undefined && !OPERATIONS.includes(edit['operation'] as string)) {
      return { error: `${field}.operation must be one of ${OPERATIONS.join(', ')}` };
    }
    edits.push(edit as unknown as StubEdit);
  }
  return { edits };
}
