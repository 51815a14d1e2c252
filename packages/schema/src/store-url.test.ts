import { describe, expect, it } from 'vitest';
import { storeUrlLocation, storeUrlProblem } from './store-url.js';

describe('storeUrlProblem', () => {
  it('accepts postgres:// and postgresql:// URLs that name a host and a database', () => {
    expect(storeUrlProblem('postgres://hyperion@db.internal:5432/hyperion')).toBeUndefined();
    expect(storeUrlProblem('postgresql://u:p%40ss@127.0.0.1/queue')).toBeUndefined();
  });

  it('names what is wrong, and never repeats the URL (it may carry a password)', () => {
    const cases: Array<[string, RegExp]> = [
      ['not a url', /it is not a URL/],
      ['mysql://u:secret@host/db', /must be a postgres:\/\/ or postgresql:\/\/ URL/],
      ['postgres://u:secret@host', /must name a database/],
      ['postgres://u:sec%zzret@host/db', /malformed %-escape/],
      ['postgres://u:secret@host/d%b', /malformed %-escape/],
    ];
    for (const [url, expected] of cases) {
      const problem = storeUrlProblem(url);
      expect(problem, url).toMatch(expected);
      expect(problem, url).not.toContain('secret');
      expect(problem, url).not.toContain('sec%zzret');
    }
  });
});

describe('storeUrlLocation', () => {
  it('shows the user, host, port and database, without the password or parameters', () => {
    expect(storeUrlLocation('postgres://hyperion:hunter2@db.internal:5432/queue?sslmode=require')).toBe(
      'postgres://hyperion@db.internal:5432/queue',
    );
  });
});
