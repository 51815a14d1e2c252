import { controlCharacterReason } from './control-characters.js';

/**
 * Why `name` cannot be the git remote Hyperion lands through, or `undefined` when it can. The name
 * reaches git's command line and refspecs, so it must not look like an option (a leading `-`),
 * hold a control character, whitespace or a character git's refspecs give a meaning (`:` `^` `~`
 * `?` `*` `[` `\`), or contain `..`; it must be a name a `git remote add` could have made.
 */
export function remoteNameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.startsWith('-')) return 'must not start with "-" (it would read as an option of git)';
  const control = controlCharacterReason(name);
  if (control !== undefined) return control;
  if (/\s/u.test(name)) return 'must not contain whitespace';
  if (/[:^~?*[\\]/u.test(name)) return 'must not contain any of : ^ ~ ? * [ \\';
  if (name.includes('..') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) {
    return 'must be a git remote name (no "..", no leading or trailing "/", no trailing ".")';
  }
  return undefined;
}
