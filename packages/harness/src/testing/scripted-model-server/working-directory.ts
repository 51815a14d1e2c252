const ANNOUNCEMENTS = [
  /Current working directory: (\S+)/,
  /Primary working directory: (\S+)/,
  /Working directory: (\S+)/,
];

/** The working directory an agent CLI announces in its system prompt (Copilot, Claude Code), if any. */
export function findWorkingDirectory(body: unknown): string | undefined {
  const text = JSON.stringify(body ?? '');
  for (const pattern of ANNOUNCEMENTS) {
    const match = pattern.exec(text);
    // JSON escapes end at a backslash: the path is what comes before it.
    if (match?.[1] !== undefined) return match[1].split('\\')[0];
  }
  return undefined;
}

/** `value` with `{workingDirectory}` replaced in every string, deeply. */
export function substituteWorkingDirectory(value: unknown, workingDirectory: string): unknown {
  if (typeof value === 'string') return value.split('{workingDirectory}').join(workingDirectory);
  if (Array.isArray(value)) return value.map((item) => substituteWorkingDirectory(item, workingDirectory));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteWorkingDirectory(item, workingDirectory)]),
    );
  }
  return value;
}
