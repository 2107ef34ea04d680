/** The Coalescer and the two Asset batchers built on it: windows, max sizes, keys, error fan-out. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Coalescer,
  DEFAULT_FIELD_MAP,
  lookupBatcher,
  upsertBatcher,
  type Outcome,
} from '../../../core/salesforce';
import { StationError } from '../../../shared/errors';
import { facts } from './fixtures';

/** A Coalescer of strings whose run records each call and echoes the items upper-cased. */
function echo(opts: { windowMs?: number; maxBatch?: number; key?: (s: string) => string } = {}) {
  const calls: string[][] = [];
  const c = new Coalescer<string, string>({
    ...opts,
    run: async (items) => {
      calls.push(items);
      return items.map((i): Outcome<string> => ({ ok: true, value: i.toUpperCase() }));
    },
  });
  return { c, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Coalescer', () => {
  it('sends as soon as every expected item is queued, without waiting for the window (issue 18)', async () => {
    vi.useFakeTimers();
    let bays = 1;
    const calls: string[][] = [];
    const c = new Coalescer<string, string>({
      windowMs: 60_000,
      expected: () => bays,
      run: async (items) => {
        calls.push(items);
        return items.map((i): Outcome<string> => ({ ok: true, value: i }));
      },
    });
    expect(await c.submit('alone')).toBe('alone');
    bays = 3;
    const first = [c.submit('a'), c.submit('b')];
    await Promise.resolve();
    expect(calls).toEqual([['alone']]);
    const third = c.submit('c');
    expect(await Promise.all([...first, third])).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual([['alone'], ['a', 'b', 'c']]);
    bays = 0;
    expect(await c.submit('none-expected-counts-as-one')).toBe('none-expected-counts-as-one');
  });

  it('asks expected() again while items wait: a bay that stops releases the batch (issue 18)', async () => {
    vi.useFakeTimers();
    let bays = 3;
    const calls: string[][] = [];
    const c = new Coalescer<string, string>({
      windowMs: 60_000,
      expected: () => bays,
      run: async (items) => {
        calls.push(items);
        return items.map((i): Outcome<string> => ({ ok: true, value: i }));
      },
    });
    const ps = [c.submit('a'), c.submit('b')];
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toEqual([]);
    bays = 2; // the third bay's job failed before this call
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([['a', 'b']]);
    expect(await Promise.all(ps)).toEqual(['a', 'b']);
  });

  it('counts items in flight as arrived: the last bay goes at once instead of waiting for its peers', async () => {
    vi.useFakeTimers();
    const calls: string[][] = [];
    let answer: (() => void) | undefined;
    const c = new Coalescer<string, string>({
      windowMs: 60_000,
      expected: () => 2,
      run: async (items) => {
        calls.push(items);
        if (items[0] === 'a') await new Promise<void>((r) => (answer = r));
        return items.map((i): Outcome<string> => ({ ok: true, value: i }));
      },
    });
    const a = c.submit('a');
    c.flush(); // 'a' went on its own (e.g. its window ran out) and waits for the org
    const b = c.submit('b'); // 'b' is the second of the two expected: nothing else will come
    expect(calls).toEqual([['a'], ['b']]);
    expect(await b).toBe('b');
    answer!();
    expect(await a).toBe('a');
  });

  it('items within the window share one call; a later item starts a new window', async () => {
    const { c, calls } = echo({ windowMs: 20 });
    expect(await Promise.all([c.submit('a'), c.submit('b'), c.submit('c')])).toEqual(['A', 'B', 'C']);
    expect(await c.submit('d')).toBe('D');
    expect(calls).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('sends at once when maxBatch items are queued, without waiting for the window', async () => {
    vi.useFakeTimers();
    const { c, calls } = echo({ windowMs: 60_000, maxBatch: 3 });
    const ps = ['a', 'b'].map((s) => c.submit(s));
    expect(calls).toEqual([]);
    ps.push(c.submit('c'));
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(await Promise.all(ps)).toEqual(['A', 'B', 'C']);
  });

  it('splits a flush into calls of at most maxBatch, in order; the default maxBatch is 40', async () => {
    vi.useFakeTimers();
    const { c, calls } = echo({ maxBatch: 2 });
    const ps = ['a', 'b', 'c', 'd', 'e'].map((s) => c.submit(s));
    c.flush();
    await Promise.all(ps);
    expect(calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    const d = echo();
    const many = Array.from({ length: 41 }, (_, i) => d.c.submit(`x${i}`));
    expect(d.calls.map((x) => x.length)).toEqual([40]);
    await vi.advanceTimersByTimeAsync(50);
    await Promise.all(many);
    expect(d.calls.map((x) => x.length)).toEqual([40, 1]);
  });

  it('items with the same key never share a call', async () => {
    const { c, calls } = echo({ windowMs: 10, key: (s) => s.toLowerCase() });
    await Promise.all(['a', 'A', 'b', 'a'].map((s) => c.submit(s)));
    expect(calls).toEqual([['a', 'b'], ['A'], ['a']]);
  });

  it('a failed call rejects each of its callers with the same error; per-item errors reach only their caller', async () => {
    const boom = new StationError('ORG_UNAVAILABLE', 'down', 'retry');
    let n = 0;
    const c = new Coalescer<string, string>({
      windowMs: 5,
      maxBatch: 2,
      run: async (items) => {
        if (n++ === 0) throw boom;
        return items.map((i) =>
          i === 'bad' ? { ok: false, error: new Error(`no ${i}`) } : { ok: true, value: i },
        );
      },
    });
    const [a, b, ok, bad] = await Promise.allSettled(['a', 'b', 'ok', 'bad'].map((s) => c.submit(s)));
    expect(a).toEqual({ status: 'rejected', reason: boom });
    expect(b).toEqual({ status: 'rejected', reason: boom });
    expect(ok).toEqual({ status: 'fulfilled', value: 'ok' });
    expect((bad as PromiseRejectedResult).reason.message).toBe('no bad');
  });

  it('a caller whose outcome is missing is rejected, not left waiting', async () => {
    const c = new Coalescer<string, string>({ windowMs: 5, run: async () => [{ ok: true, value: 'first' }] });
    const [first, second] = await Promise.allSettled([c.submit('1'), c.submit('2')]);
    expect(first).toEqual({ status: 'fulfilled', value: 'first' });
    expect(second.status).toBe('rejected');
  });
});

describe('upsertBatcher', () => {
  it('one call per window, each caller gets its own result or error, repeats of a UID go to the next call', async () => {
    const calls: string[][] = [];
    const b = upsertBatcher(
      async (fs) => {
        calls.push(fs.map((f) => f.deviceUid));
        return fs.map((f) =>
          f.deviceUid === 'BAD'
            ? { ok: false as const, error: new StationError('ORG_REJECTED', 'm', 'r') }
            : { ok: true as const, id: `id-${f.deviceUid}`, created: true },
        );
      },
      async (f) => ({ id: `single-${f.deviceUid}`, created: false }),
      { windowMs: 20 },
    );
    const ps = ['A', 'B', 'BAD', 'A'].map((u) => b.upsert(facts(u)));
    const settled = await Promise.allSettled(ps);
    expect(calls).toEqual([['A', 'B', 'BAD']]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: { id: 'id-A', created: true } });
    expect(settled[2]!.status).toBe('rejected');
    expect(settled[3]).toEqual({ status: 'fulfilled', value: { id: 'single-A', created: false } });
  });

  it('never puts more than 200 records in one Collections call, whatever maxBatch asks', async () => {
    vi.useFakeTimers();
    const sizes: number[] = [];
    const b = upsertBatcher(
      async (fs) => {
        sizes.push(fs.length);
        return fs.map((f) => ({ ok: true as const, id: f.deviceUid, created: true }));
      },
      async (f) => ({ id: f.deviceUid, created: true }),
      { maxBatch: 1000 },
    );
    const ps = Array.from({ length: 250 }, (_, i) => b.upsert(facts(`U${i}`)));
    expect(sizes).toEqual([200]);
    b.flush();
    await Promise.all(ps);
    expect(sizes).toEqual([200, 50]);
  });
});

describe('lookupBatcher', () => {
  it('one query for the window; each caller gets the records of its own UID or key fingerprint', async () => {
    const fields = { ext: 'Device_UID__c', map: DEFAULT_FIELD_MAP };
    const queries: string[][] = [];
    const recs = [
      { Id: '1', Device_UID__c: 'A', Key_Fingerprint__c: 'ka' },
      { Id: '2', Device_UID__c: 'B', Key_Fingerprint__c: 'kb' },
      { Id: '3', Device_UID__c: 'C', Key_Fingerprint__c: 'kx' },
    ];
    const b = lookupBatcher(
      async (ls) => {
        queries.push(ls.map((l) => l.uid));
        return recs;
      },
      fields,
      { windowMs: 10 },
    );
    const [a, newDevice, cloneOfB] = await Promise.all([
      b.lookup({ uid: 'A' }),
      b.lookup({ uid: 'N', keyFingerprint: 'none' }),
      b.lookup({ uid: 'Z', keyFingerprint: 'kb' }),
    ]);
    expect(queries).toEqual([['A', 'N', 'Z']]);
    expect(a.map((r) => r.Id)).toEqual(['1']);
    expect(newDevice).toEqual([]);
    expect(cloneOfB.map((r) => r.Id)).toEqual(['2']);
  });
});
