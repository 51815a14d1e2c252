/** One ref's line of `git push --porcelain`: `<flag>\t<from>:<to>\t<summary>`. */
export interface PushStatus {
  /**
   * git's flag: `' '` fast-forward, `'+'` forced update, `'-'` deleted, `'*'` new ref, `'='` up to
   * date, `'!'` rejected or refused by the remote.
   */
  flag: string;
  /** What git says about it: `93e1681..b8e3f8b`, `[rejected] (stale info)`, `[remote rejected] (…)`. */
  summary: string;
}

/** The `git push --porcelain` status of the remote ref `ref` (`refs/heads/main`), or undefined. */
export function parsePushStatus(stdout: string, ref: string): PushStatus | undefined {
  for (const line of stdout.split('\n')) {
    const [flag, refs, summary] = line.split('\t');
    if (flag === undefined || refs === undefined || summary === undefined || flag.length !== 1) continue;
    if (refs.endsWith(`:${ref}`)) return { flag, summary: summary.trim() };
  }
  return undefined;
}

/** `text` with the user and password of every URL in it replaced by `***` (`https://***@host/`). */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}
