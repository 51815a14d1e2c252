/** The values substituted into a command template. */
export interface CommandTemplateValues {
  /** Replaces `{prompt}`. */
  prompt: string;
  /** Replaces `{files}`: one argument each when the whole argument is `{files}`, else joined by spaces. */
  files: readonly string[];
  /** Replaces `{model}` (empty when no model was asked for). */
  model: string;
  /** Replaces `{workingDirectory}`. */
  workingDirectory: string;
}

/** What to spawn: a program and its arguments, never through a shell unless the template was a string. */
export interface ExpandedCommand {
  /** The program to run. */
  program: string;
  /** Its arguments. */
  arguments: string[];
}

const PLACEHOLDER = /\{(prompt|files|model|workingDirectory)\}/g;

/**
 * Expands a command template. An argv template is spawned directly; a string template runs
 * with `sh -c`, every substituted value single-quoted so it cannot inject shell syntax.
 */
export function expandCommandTemplate(
  template: readonly string[] | string,
  values: CommandTemplateValues,
): ExpandedCommand {
  if (typeof template === 'string') {
    const script = template.replace(PLACEHOLDER, (_match, name: keyof CommandTemplateValues) =>
      name === 'files' ? values.files.map(quoteForShell).join(' ') : quoteForShell(values[name]),
    );
    return { program: 'sh', arguments: ['-c', script] };
  }
  const expanded = template.flatMap((argument) =>
    argument === '{files}'
      ? [...values.files]
      : [
          argument.replace(PLACEHOLDER, (_match, name: keyof CommandTemplateValues) =>
            name === 'files' ? values.files.join(' ') : values[name],
          ),
        ],
  );
  const [program, ...rest] = expanded;
  return { program: program ?? '', arguments: rest };
}

/** `value` as one single-quoted POSIX shell word. */
export function quoteForShell(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
