import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildTurnLine, NewCandidate } from '../speculation-interface.js';
import type { HyperionStore } from '../store-interface.js';
import { SpeculationChildren } from './speculation-processes.js';
import type { ConformanceContext } from './store-conformance.js';

const LINE: BuildTurnLine = { targetBranch: 'main', location: 'objects-1' };

function candidate(
  commit: string,
  parent: string,
  entryIds: string[],
  extra: Partial<NewCandidate> = {},
): NewCandidate {
  return {
    targetBranch: 'main',
    commit,
    parent,
    entryIds,
    owner: 'w1',
    location: 'objects-1',
    atRisk: false,
    ...extra,
  };
}

/** The chain of candidates from `tip`, as a board's `baseFor` walks it (first published first). */
async function chainFrom(store: HyperionStore, tip: string): Promise<string[]> {
  const candidates = await store.listCandidates('main');
  const chain: string[] = [];
  let base = tip;
  for (;;) {
    const next = candidates.find((item) => item.parent === base);
    if (next === undefined || chain.includes(next.commit)) return chain;
    chain.push(next.commit);
    base = next.commit;
  }
}

/** Resolves `woke` when `waiting` resolves first, `timeout` after `ms` (a liveness bound, not a timing). */
async function wokeWithin(waiting: Promise<void>, ms: number): Promise<'woke' | 'timeout'> {
  const stop = new AbortController();
  const result = await Promise.race([
    waiting.then(() => 'woke' as const),
    sleep(ms, 'timeout' as const, { signal: stop.signal }).catch(() => 'timeout' as const),
  ]);
  stop.abort();
  return result;
}

/** Speculation shared by worker processes: candidates and build turns, each with an expiry. */
export function describeSpeculationCases(context: ConformanceContext): void {
  describe('speculation: candidates', () => {
    it('publishes, lists in publication order with every field, and withdraws', async () => {
      const { store } = context;
      await store.publishCandidate(candidate('c1', 'tip', ['E1', 'E2']), 30_000);
      await store.publishCandidate(
        candidate('c2', 'c1', ['E3'], { owner: 'w2', location: 'objects-2' }),
        30_000,
      );
      await store.publishCandidate(candidate('other', 'x', ['E9'], { targetBranch: 'release' }), 30_000);
      const other = await context.another();
      expect(await other.listCandidates('main')).toEqual([
        { ...candidate('c1', 'tip', ['E1', 'E2']), expiresAt: context.now + 30_000 },
        {
          ...candidate('c2', 'c1', ['E3'], { owner: 'w2', location: 'objects-2' }),
          expiresAt: context.now + 30_000,
        },
      ]);
      expect(await other.withdrawCandidate('main', 'c1')).toBe(true);
      expect(await store.withdrawCandidate('main', 'c1')).toBe(false);
      expect((await store.listCandidates('main')).map((item) => item.commit)).toEqual(['c2']);
      expect((await store.listCandidates('release')).map((item) => item.commit)).toEqual(['other']);
    });

    it('keeps the at-risk flag, and publishing the same commit again sets or clears it', async () => {
      const { store } = context;
      const other = await context.another();
      await store.publishCandidate(candidate('c1', 'tip', ['E1', 'E2']), 30_000);
      await store.publishCandidate(candidate('p1', 'tip', ['E1'], { atRisk: true }), 30_000);
      const flags = async () =>
        (await other.listCandidates('main')).map((item) => [item.commit, item.atRisk]);
      expect(await flags()).toEqual([
        ['c1', false],
        ['p1', true],
      ]);
      // Its check came out red: published again, at risk, with its entries and parent unchanged.
      await other.publishCandidate(candidate('c1', 'tip', ['E1', 'E2'], { atRisk: true }), 30_000);
      expect(await flags()).toEqual([
        ['p1', true],
        ['c1', true],
      ]);
      expect((await store.listCandidates('main')).find((item) => item.commit === 'c1')).toEqual({
        ...candidate('c1', 'tip', ['E1', 'E2'], { atRisk: true }),
        expiresAt: context.now + 30_000,
      });
      await store.publishCandidate(candidate('p1', 'tip', ['E1']), 30_000);
      expect(await flags()).toEqual([
        ['c1', true],
        ['p1', false],
      ]);
      // A candidate published without the flag (a caller that predates it) is not at risk.
      const { atRisk: _unset, ...plain } = candidate('c2', 'c1', ['E3']);
      await store.publishCandidate(plain, 30_000);
      expect((await store.listCandidates('main')).find((item) => item.commit === 'c2')?.atRisk).toBe(false);
    });

    it('forms the chain a board stacks on, across connections', async () => {
      const { store } = context;
      const other = await context.another();
      await store.publishCandidate(candidate('c1', 'tip', ['E1']), 30_000);
      await other.publishCandidate(candidate('c2', 'c1', ['E2'], { owner: 'w2' }), 30_000);
      await store.publishCandidate(candidate('c3', 'c2', ['E3']), 30_000);
      expect(await chainFrom(other, 'tip')).toEqual(['c1', 'c2', 'c3']);
      await other.withdrawCandidate('main', 'c2');
      expect(await chainFrom(store, 'tip')).toEqual(['c1']);
      // Publishing the same commit again replaces it (it moves to the end of the order).
      await store.publishCandidate(candidate('c1', 'tip', ['E1', 'E4']), 30_000);
      expect((await store.listCandidates('main')).map((item) => [item.commit, item.entryIds])).toEqual([
        ['c3', ['E3']],
        ['c1', ['E1', 'E4']],
      ]);
    });

    it('expires a candidate that is not renewed, and renews only live ones', async () => {
      const { store } = context;
      await store.publishCandidate(candidate('kept', 'tip', ['E1']), 10_000);
      await store.publishCandidate(candidate('dropped', 'kept', ['E2']), 10_000);
      context.now += 6_000;
      expect(await store.renewCandidates('main', ['kept', 'unknown'], 10_000)).toBe(1);
      context.now += 6_000;
      expect((await store.listCandidates('main')).map((item) => item.commit)).toEqual(['kept']);
      // An expired one is gone for good: renewing finds nothing.
      expect(await store.renewCandidates('main', ['dropped'], 10_000)).toBe(0);
      // Publishing removes the branch's expired rows; the list never shows them either way.
      await store.publishCandidate(candidate('fresh', 'tip', ['E3']), 10_000);
      expect((await store.listCandidates('main')).map((item) => item.commit)).toEqual(['kept', 'fresh']);
      expect(await store.withdrawCandidate('main', 'dropped')).toBe(false);
    });
  });

  describe('speculation: build turns', () => {
    let children: SpeculationChildren | undefined;
    afterEach(async () => {
      await children?.cleanUp();
      children = undefined;
    });

    it('serves tickets first come, first served, per line', async () => {
      const { store } = context;
      const other = await context.another();
      const first = await store.enterBuildTurn(LINE, 'w1', 10_000);
      const second = await other.enterBuildTurn(LINE, 'w2', 10_000);
      const third = await store.enterBuildTurn(LINE, 'w3', 10_000);
      const elsewhere = await other.enterBuildTurn({ ...LINE, location: 'objects-2' }, 'w4', 10_000);
      expect([first.granted, second.granted, third.granted, elsewhere.granted]).toEqual([
        true,
        false,
        false,
        true,
      ]);
      expect(second.ticket).toBeGreaterThan(first.ticket);
      expect(third.ticket).toBeGreaterThan(second.ticket);
      expect(await store.checkBuildTurn(LINE, third.ticket, 10_000)).toBe('waiting');
      await store.leaveBuildTurn(LINE, first.ticket);
      await store.leaveBuildTurn(LINE, first.ticket);
      expect(await other.checkBuildTurn(LINE, second.ticket, 10_000)).toBe('granted');
      expect(await store.checkBuildTurn(LINE, third.ticket, 10_000)).toBe('waiting');
      await other.leaveBuildTurn(LINE, second.ticket);
      expect(await store.checkBuildTurn(LINE, third.ticket, 10_000)).toBe('granted');
    });

    it('passes the turn on when its holder stops renewing it, and says lost to the late holder', async () => {
      const { store } = context;
      const other = await context.another();
      const holder = await store.enterBuildTurn(LINE, 'w1', 10_000);
      const waiter = await other.enterBuildTurn(LINE, 'w2', 10_000);
      context.now += 6_000;
      expect(await other.checkBuildTurn(LINE, waiter.ticket, 10_000)).toBe('waiting');
      context.now += 6_000;
      expect(await other.checkBuildTurn(LINE, waiter.ticket, 10_000)).toBe('granted');
      expect(await store.checkBuildTurn(LINE, holder.ticket, 10_000)).toBe('lost');
      // A new ticket queues behind the live one.
      expect((await store.enterBuildTurn(LINE, 'w1', 10_000)).granted).toBe(false);
    });

    it('never lets two processes hold one line at once', async () => {
      children = new SpeculationChildren(context.handle.childProcess);
      await children.runTurns(4, 8, 10_000);
      const lines = children.logLines();
      expect(lines).toHaveLength(4 * 8 * 2);
      const problems: string[] = [];
      for (let index = 0; index < lines.length; index += 2) {
        const [start, end] = [lines[index]!, lines[index + 1]!];
        if (!start.startsWith('start ') || end !== `end ${start.slice('start '.length)}`) {
          problems.push(`lines ${index + 1}-${index + 2}: ${start} / ${end}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('frees the line and drops the candidates of a holder killed with SIGKILL, once they expire', async () => {
      children = new SpeculationChildren(context.handle.childProcess);
      // Long enough that nothing expires before the kill, however slow the machine; then the clock moves.
      const ttlMs = 60_000;
      const holder = await children.startHolder('killed', ttlMs);
      const { store } = context;
      context.now = Date.now();
      const waiter = await store.enterBuildTurn(
        { targetBranch: 'main', location: 'conformance-objects' },
        'w2',
        ttlMs,
      );
      expect(waiter.granted).toBe(false);
      expect((await store.listCandidates('main')).map((item) => item.commit)).toEqual(['c-killed']);
      await children.kill(holder);
      const line = { targetBranch: 'main', location: 'conformance-objects' };
      // Nothing was released: the dead holder's ticket stands until it expires (the waiter renews).
      context.now = Date.now() + ttlMs / 2;
      expect(await store.checkBuildTurn(line, waiter.ticket, ttlMs)).toBe('waiting');
      context.now = Date.now() + ttlMs + 1;
      expect(
        await store.checkBuildTurn(
          { targetBranch: 'main', location: 'conformance-objects' },
          waiter.ticket,
          ttlMs,
        ),
      ).toBe('granted');
      expect(await store.listCandidates('main')).toEqual([]);
    });
  });

  describe('speculation: change notifications', () => {
    it('wake a waiter of another connection when a turn is left or a candidate published or withdrawn', async () => {
      const { store } = context;
      const other = await context.another();
      // A first wait may only set up the listening (and return at once).
      await other.waitForSpeculationChange(0);
      const ticket = await store.enterBuildTurn(LINE, 'w1', 10_000);
      const changes: Array<() => Promise<unknown>> = [
        () => store.leaveBuildTurn(LINE, ticket.ticket),
        () => store.publishCandidate(candidate('c1', 'tip', ['E1']), 30_000),
        () => store.withdrawCandidate('main', 'c1'),
      ];
      const woke: string[] = [];
      for (const change of changes) {
        const waiting = other.waitForSpeculationChange(120_000);
        await change();
        woke.push(await wokeWithin(waiting, 30_000));
      }
      expect(woke).toEqual(['woke', 'woke', 'woke']);
    });

    it('returns when the signal aborts', async () => {
      const stop = new AbortController();
      const waiting = context.store.waitForSpeculationChange(120_000, stop.signal);
      stop.abort();
      expect(await wokeWithin(waiting, 30_000)).toBe('woke');
    });
  });
}
