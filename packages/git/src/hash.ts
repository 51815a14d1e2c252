import { createHash } from 'node:crypto';

/** sha256 of `text` (encoded as UTF-8), as lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
