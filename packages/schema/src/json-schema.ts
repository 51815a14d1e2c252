import * as z from 'zod';
import { ChangeRequestSchema } from './change-request.js';
import { HyperionConfigSchema } from './config.js';
import { QueueEntrySchema } from './queue-entry.js';
import { QueueEventSchema } from './queue-event.js';
import { TaskAssignmentSchema } from './task-assignment.js';
import { TaskRequestSchema } from './task-request.js';

/** Every exported wire format, by the name `hyperion schema <name>` takes. */
export const WIRE_SCHEMAS = {
  'task-request': TaskRequestSchema,
  'task-assignment': TaskAssignmentSchema,
  'change-request': ChangeRequestSchema,
  'queue-entry': QueueEntrySchema,
  'queue-event': QueueEventSchema,
  config: HyperionConfigSchema,
} as const;

/** A name accepted by {@link toJsonSchema}. */
export type WireSchemaName = keyof typeof WIRE_SCHEMAS;

/** The names accepted by {@link toJsonSchema}. */
export const WIRE_SCHEMA_NAMES = Object.keys(WIRE_SCHEMAS) as WireSchemaName[];

/** True when `name` is a known wire format name. */
export function isWireSchemaName(name: string): name is WireSchemaName {
  return Object.hasOwn(WIRE_SCHEMAS, name);
}

/**
 * JSON Schema (draft 2020-12) of a wire format, describing the input as written in a file
 * (fields with defaults are optional).
 */
export function toJsonSchema(name: WireSchemaName): Record<string, unknown> {
  const schema = z.toJSONSchema(WIRE_SCHEMAS[name], { io: 'input', unrepresentable: 'any' });
  return { ...schema, $id: `urn:hyperion:schema:${name}`, title: name };
}
