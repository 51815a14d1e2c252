import { readFileSync } from 'node:fs';
import {
  HyperionError,
  TaskRequestSchema,
  parseJsonText,
  parseWithSchema,
  type TaskRequest,
} from '@hyperion/schema';

/** Reads and validates a TaskRequest file; errors name the file and the field (or line). */
export function loadTaskRequest(file: string): TaskRequest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new HyperionError(
      'invalid_input',
      `cannot read request file ${file}: ${(error as Error).message}`,
      {
        cause: error,
        details: { file },
      },
    );
  }
  return parseWithSchema(TaskRequestSchema, parseJsonText(text, file), file);
}
