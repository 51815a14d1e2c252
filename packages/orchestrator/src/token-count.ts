import { countTokens } from 'gpt-tokenizer';

/**
 * Tokens of `text` under the o200k_base encoding (GPT-4o and later), counted by `gpt-tokenizer`,
 * a pure JavaScript BPE tokenizer: a real count, not characters divided by four.
 */
export function tokenCount(text: string): number {
  return text === '' ? 0 : countTokens(text);
}
