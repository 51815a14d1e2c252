import type { Command } from 'commander';
import { HyperionError, WIRE_SCHEMA_NAMES, isWireSchemaName, toJsonSchema } from '@hyperion/schema';
import type { CommandOutput } from '../output.js';

/** `hyperion schema [name]`: prints the JSON Schema of a wire format. */
export function registerSchema(program: Command, output: CommandOutput): void {
  program
    .command('schema [name]')
    .description(`print the JSON Schema of a wire format (${WIRE_SCHEMA_NAMES.join(', ')})`)
    .action((name: string | undefined) => {
      if (name === undefined) {
        for (const known of WIRE_SCHEMA_NAMES) output.line(known);
        return;
      }
      if (!isWireSchemaName(name)) {
        throw new HyperionError(
          'invalid_input',
          `unknown schema '${name}': expected one of ${WIRE_SCHEMA_NAMES.join(', ')}`,
        );
      }
      output.json(toJsonSchema(name));
    });
}
