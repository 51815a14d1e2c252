import { z } from 'zod';

/** Identifier shape shared by requests, tasks and changes: letters, digits, `.`, `_`, `-`. */
export const IdentifierSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must start with a letter or digit and use only letters, digits, . _ -',
  );

/** A full 40-character git commit id. */
export const CommitIdSchema = z.string().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character commit id');

/** What to do with a file. */
export const FileOperationSchema = z.enum(['create', 'update', 'delete']);
/** What to do with a file. */
export type FileOperation = z.infer<typeof FileOperationSchema>;
