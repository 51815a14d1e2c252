/** A person recorded as author and committer of a commit. */
export interface CommitIdentity {
  /** Display name, e.g. `Hyperion`. */
  name: string;
  /** E-mail address, e.g. `hyperion@localhost`. */
  email: string;
}

/** The identity Hyperion commits as when the caller names none. */
export const DEFAULT_COMMIT_IDENTITY: CommitIdentity = { name: 'Hyperion', email: 'hyperion@localhost' };

/**
 * Environment variables that make git record `identity` as both author and committer, at `date`
 * when given (fixed dates make commit ids reproducible).
 */
export function commitEnvironment(identity: CommitIdentity, date?: Date): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
  };
  if (date !== undefined) {
    const gitDate = `@${Math.floor(date.getTime() / 1000)} +0000`;
    environment.GIT_AUTHOR_DATE = gitDate;
    environment.GIT_COMMITTER_DATE = gitDate;
  }
  return environment;
}
