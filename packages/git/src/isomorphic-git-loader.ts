import type * as IsomorphicGit from 'isomorphic-git';

let loading: Promise<typeof IsomorphicGit> | undefined;

/**
 * isomorphic-git, loaded on first use: a program that opens a repository but reads no object
 * in-process (a CLI command that only reads the store) never pays for loading it. Every module of
 * this package that calls isomorphic-git takes it from here rather than importing it statically.
 */
export function isomorphicGit(): Promise<typeof IsomorphicGit> {
  loading ??= import('isomorphic-git');
  return loading;
}
