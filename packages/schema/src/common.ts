import * as z from 'zod';

/**
 * Identifier shape shared by requests, tasks and changes: letters, digits, `.`, `_`, `-`, at most
 * 128 characters. Ids go into commit trailers, so nothing else (no line break, space, control
 * character or `:`) is accepted from a submitter.
 */
export const IdentifierSchema = z
  .string()
  .min(1, { message: 'must not be empty', abort: true })
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must start with a letter or digit and use only letters, digits, . _ -',
  );

/** A full 40-character git commit id. */
export const CommitIdSchema = z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character commit id');

/** The operations Hyperion uses: what to do with a file. */
export const FILE_OPERATIONS = ['create', 'update', 'delete'] as const;

/**
 * What to do with a file: `create`, `update` or `delete`. The original prototype's `add` (its
 * `OperationKind` is add, update, delete) is accepted as input and read as `create`, so nothing
 * after the parse ever sees `add`. The JSON Schema of the input lists all four.
 */
export const FileOperationSchema = z
  .enum([...FILE_OPERATIONS, 'add'])
  .transform((operation): FileOperation => (operation === 'add' ? 'create' : operation));
/** What to do with a file, after the parse (`add` is already `create`). */
export type FileOperation = (typeof FILE_OPERATIONS)[number];
