/**
 * Issue 16: the compact bench's pure logic — the tile state a technician reads from a metre, and the
 * production counters that only grow.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/domain';
import { bayView } from '../../../renderer/src/lib/bayView';
import { activeMs, countJob, figures, newProduction } from '../../../renderer/src/lib/production';
import { routeScan } from '../../../renderer/src/lib/scanner';
import { tileState } from '../../../renderer/src/lib/tileState';
import { bay, job } from './fakeStation';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function finished(
  id: string,
  uid: string,
  state: 'succeeded' | 'failed',
  endMs: number,
  extra: Partial<Job> = {},
) {
  return job(id, 'b1', {
    deviceUid: uid,
    state,
    startedAt: iso(endMs - 10_000),
    endedAt: iso(endMs),
    steps: [
      { name: 'identify', state: 'done', startedAt: iso(endMs - 10_000), endedAt: iso(endMs - 9_000) },
      // 6 s idle between the two steps (a retry later): not active time.
      { name: 'keygen', state: 'done', startedAt: iso(endMs - 3_000), endedAt: iso(endMs) },
    ],
    ...extra,
  });
}

describe('tileState', () => {
  it('a device pulled mid-job is RECONNECT (amber) with the whole seconds left, never below 0', () => {
    const b = bay('b1', 'U1', { status: 'offline', since: iso(T0) });
    const j = job('j1', 'b1', { deviceUid: 'U1' });
    expect(tileState(b, j, T0 + 2_500, 20_000)).toMatchObject({
      word: 'RECONNECT',
      tone: 'warn',
      secondsLeft: 18,
    });
    expect(tileState(b, j, T0 + 60_000, 20_000).secondsLeft).toBe(0);
    // The card says so too, instead of a blue WORKING.
    expect(bayView(b, j)).toMatchObject({ headline: 'RECONNECT', tone: 'warn' });
  });

  it('the saga waiting for the device (bay not yet offline) is RECONNECT as well', () => {
    const j = job('j1', 'b1', {
      deviceUid: 'U1',
      steps: [{ name: 'csr', state: 'running', detail: 'device went away; waiting for it to come back…' }],
    });
    expect(tileState(bay('b1', 'U1', { status: 'busy' }), j, T0).word).toBe('RECONNECT');
    expect(tileState(bay('b1', 'U1', { status: 'busy' }), job('j2', 'b1'), T0).word).toBe('WORKING');
    // WORKING names the step in the screen's words, and keeps the UID apart.
    const working = job('j3', 'b1', { deviceUid: 'U1', steps: [{ name: 'csr', state: 'running' }] });
    expect(tileState(bay('b1', 'U1', { status: 'busy' }), working, T0)).toMatchObject({
      word: 'WORKING',
      uid: 'U1',
      line: 'Certificate request',
    });
  });

  it('removing a passed device frees the bay: EMPTY, calm, not an alarm', () => {
    const j = finished('j1', 'U1', 'succeeded', T0 + 5_000);
    const t = tileState(bay('b1', 'U1', { status: 'offline' }), j, T0 + 9_000, 20_000, T0);
    expect(t).toMatchObject({ word: 'EMPTY', tone: 'idle', uid: '', line: 'plug in the next device' });
    expect(tileState(bay('b1', undefined), undefined, T0).word).toBe('EMPTY');
  });

  it('a pass from before this session is ALREADY PROVISIONED; one from now is PASSED', () => {
    const old = finished('j1', 'U1', 'succeeded', T0 - 60_000);
    expect(tileState(bay('b1', 'U1', { status: 'passed' }), old, T0, 20_000, T0)).toMatchObject({
      word: 'ALREADY PROVISIONED',
      uid: 'U1',
      line: 'nothing created',
    });
    const now = finished('j2', 'U1', 'succeeded', T0 + 1_000);
    expect(tileState(bay('b1', 'U1', { status: 'passed' }), now, T0 + 2_000, 20_000, T0).word).toBe('PASSED');
  });

  it('failed, interrupted and not-yet-started bays', () => {
    expect(tileState(bay('b1', 'U1'), finished('j', 'U1', 'failed', T0), T0).word).toBe('FAILED');
    const silent = { code: 'DEVICE_TIMEOUT' as const, message: 'm', remedy: 'r' };
    expect(
      tileState(bay('b1', 'U1'), finished('j', 'U1', 'failed', T0, { error: silent }), T0),
    ).toMatchObject({
      word: 'FAILED',
      // A failed tile keeps its device UID besides the failure class.
      uid: 'U1',
      line: 'NOT RESPONDING',
    });
    expect(tileState(bay('b1', 'U1'), job('j', 'b1', { state: 'interrupted' }), T0).word).toBe('NEEDS YOU');
    expect(tileState(bay('b1', 'U1'), undefined, T0)).toMatchObject({
      word: 'NEEDS YOU',
      uid: 'U1',
      line: 'press Start',
    });
  });
});

describe('production counters', () => {
  it('count each finished attempt once, never drop, and keep FPY and median active time', () => {
    let p = newProduction(T0);
    const a = finished('ja', 'A', 'succeeded', T0 + 20_000, { inputs: { workOrder: 'WO-1' } });
    const bFail = finished('jb', 'B', 'failed', T0 + 21_000, { inputs: { workOrder: 'WO-1' } });
    p = countJob(countJob(p, a), bFail);
    // The same events again (a reload, a bay update) change nothing.
    expect(countJob(countJob(p, a), bFail)).toBe(p);
    // The retry resumes the same job id and passes later.
    const bPass = finished('jb', 'B', 'succeeded', T0 + 90_000, { inputs: { workOrder: 'WO-1' } });
    p = countJob(p, bPass);
    expect(p.session).toMatchObject({ units: 2, passed: 2, failed: 1, firstPass: 1, attempts: 3 });
    expect(p.byWorkOrder['WO-1']).toMatchObject({ units: 2, passed: 2, failed: 1 });
    const f = figures(p.session, T0, T0 + 3_600_000);
    expect(f.fpy).toBe(0.5);
    expect(f.perHour).toBe(2);
    // A figure as soon as a unit passed, even seconds into the shift (time counted as at least 1 min).
    expect(figures(p.session, T0, T0 + 20_000).perHour).toBe(120);
    // Active time only: 1 s + 3 s per passed job, not the 10 s wall time.
    expect(activeMs(a)).toBe(4_000);
    expect(f.medianCycleMs).toBe(4_000);
  });

  it('ignore jobs that ended before the session (already provisioned), verify jobs and running jobs', () => {
    const p = newProduction(T0);
    expect(countJob(p, finished('j1', 'A', 'succeeded', T0 - 1))).toBe(p);
    expect(countJob(p, finished('j2', 'A', 'succeeded', T0 + 1, { kind: 'verify' }))).toBe(p);
    expect(countJob(p, job('j3', 'b1', { deviceUid: 'A' }))).toBe(p);
    expect(figures(p.session, T0, T0 + 1_000)).toEqual({ passed: 0, failed: 0, attempts: 0 });
  });
});

describe('routeScan', () => {
  it('a UID of this station picks its device; Account Ids and pattern-matched work orders fill fields; the rest is unknown', () => {
    expect(routeScan(' SIM-0003 ', ['SIM-0003'])).toEqual({ kind: 'device', uid: 'SIM-0003' });
    expect(routeScan('001000000000001AAA', [])).toEqual({ kind: 'accountId', code: '001000000000001AAA' });
    expect(routeScan('WO-2026-0042', [])).toEqual({ kind: 'workOrder', code: 'WO-2026-0042' });
    expect(routeScan('SIM-0099', ['SIM-0003']).kind).toBe('unknown');
    // The pattern is configurable; a broken one falls back to the default.
    expect(routeScan('PO7781', [], '^PO\\d+$').kind).toBe('workOrder');
    expect(routeScan('WO-1', [], '([').kind).toBe('workOrder');
  });
});
