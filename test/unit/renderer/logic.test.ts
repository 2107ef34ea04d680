import { describe, expect, it } from 'vitest';
import { bayView, jobForBay } from '../../../renderer/src/lib/bayView';
import { toPlainError } from '../../../renderer/src/lib/errors';
import { elapsedMs, formatElapsed, shortFingerprint, stepLabel } from '../../../renderer/src/lib/format';
import { classifyScan, ScanDetector } from '../../../renderer/src/lib/scanner';
import { initialLiveState, liveReducer, LOG_LIMIT } from '../../../renderer/src/state/liveState';
import {
  localDateToIso,
  refineRecords,
  toRecordFilter,
  emptyFilterForm,
} from '../../../renderer/src/screens/history/filters';
import { formatProductMap, parseProductMap } from '../../../renderer/src/screens/settings/productMap';
import { caExpiryWarning } from '../../../renderer/src/screens/settings/CaPanel';
import { verifyReportFilename } from '../../../renderer/src/screens/verify/VerifyScreen';
import { StationError } from '../../../shared/errors';
import { bay, job } from './fakeStation';

describe('ScanDetector', () => {
  const feed = (d: ScanDetector, s: string, start: number, gap: number) => {
    let t = start;
    let out: string | undefined;
    for (const k of s) out = d.feed(k, (t += gap)) ?? out;
    return { out: d.feed('Enter', t + gap) ?? out, t };
  };

  it('returns a fast burst ending with Enter', () => {
    expect(feed(new ScanDetector(), 'WO-12345', 0, 8).out).toBe('WO-12345');
  });

  it('keeps a scan whole across one late key event (busy UI thread)', () => {
    const d = new ScanDetector();
    let t = 0;
    for (const [i, k] of [...'001RnOTbakZ6Huolxw'].entries()) d.feed(k, (t += i === 9 ? 220 : 4));
    expect(d.feed('Enter', t + 4)).toBe('001RnOTbakZ6Huolxw');
  });

  it('ignores human-speed typing and short bursts', () => {
    expect(feed(new ScanDetector(), 'WO-12345', 0, 150).out).toBeUndefined();
    expect(feed(new ScanDetector(), 'ab', 0, 5).out).toBeUndefined();
  });

  it('restarts the buffer after a pause, keeps Shift inside a scan, and drops it on other keys', () => {
    const d = new ScanDetector();
    d.feed('x', 0);
    d.feed('y', 5);
    // Pause, then a real scan: the stale "xy" must not prefix it.
    expect(feed(d, 'ABCD', 1000, 5).out).toBe('ABCD');
    const d2 = new ScanDetector();
    d2.feed('A', 0);
    d2.feed('Shift', 3);
    d2.feed('B', 6);
    d2.feed('C', 9);
    expect(d2.feed('D', 12)).toBeUndefined();
    expect(d2.feed('Enter', 15)).toBe('ABCD');
    const d3 = new ScanDetector();
    for (const [i, k] of ['A', 'B', 'ArrowLeft', 'C', 'D'].entries()) d3.feed(k, i * 5);
    expect(d3.feed('Enter', 30)).toBeUndefined();
  });

  it('classifies Account Ids (001 prefix, 15 or 18 chars) and work orders', () => {
    expect(classifyScan('001000000000001')).toBe('accountId');
    expect(classifyScan('001000000000001AAA')).toBe('accountId');
    expect(classifyScan('0010000000000')).toBe('workOrder');
    expect(classifyScan('WO-778')).toBe('workOrder');
  });
});

describe('bayView', () => {
  it('shows WORKING with the running step, its position and partial progress', () => {
    const v = bayView(bay('b1', 'UID1', { status: 'busy', jobId: 'j1' }), job('j1', 'b1'));
    expect(v.tone).toBe('busy');
    expect(v.headline).toBe('WORKING');
    expect(v.currentStep?.name).toBe('keygen');
    expect(v.stepNumber).toBe(2);
    expect(v.stepCount).toBe(4);
    expect(v.progress).toBeCloseTo(1.5 / 4);
    expect(v.canCancel).toBe(true);
    expect(v.canStart || v.canRetry).toBe(false);
  });

  it('shows FAILED with the error and Retry, never Start', () => {
    const error = { code: 'DEVICE_PORT_VANISHED' as const, message: 'Gone.', remedy: 'Plug it back in.' };
    const v = bayView(
      bay('b1', 'UID1', { status: 'failed', jobId: 'j1' }),
      job('j1', 'b1', {
        state: 'failed',
        error,
        steps: [
          { name: 'identify', state: 'done' },
          { name: 'keygen', state: 'failed', error },
        ],
      }),
    );
    expect(v).toMatchObject({ tone: 'fail', headline: 'FAILED', canRetry: true, canStart: false, error });
    expect(v.currentStep?.name).toBe('keygen');
  });

  it('shows PASSED at full progress; a verify job says VERIFIED', () => {
    const done = job('j1', 'b1', { state: 'succeeded', steps: [{ name: 'identify', state: 'done' }] });
    expect(bayView(bay('b1', 'U', { status: 'passed' }), done)).toMatchObject({
      tone: 'pass',
      progress: 1,
      canStart: false,
    });
    expect(bayView(bay('b1', 'U'), { ...done, kind: 'verify' }).headline).toBe('VERIFIED');
  });

  it('READY allows Start; no device or offline does not', () => {
    expect(bayView(bay('b1', 'U'), undefined)).toMatchObject({ headline: 'READY', canStart: true });
    expect(bayView(bay('b1', undefined), undefined)).toMatchObject({
      headline: 'NO DEVICE',
      canStart: false,
    });
    expect(bayView(bay('b1', 'U', { status: 'offline' }), undefined)).toMatchObject({
      headline: 'OFFLINE',
      canStart: false,
    });
  });

  it('ignores a finished job of a previous device on the same bay', () => {
    const b = bay('b1', 'NEW', { jobId: 'j1' });
    expect(jobForBay(b, { j1: job('j1', 'b1', { deviceUid: 'OLD' }) })).toBeUndefined();
    expect(jobForBay(b, { j1: job('j1', 'b1', { deviceUid: 'NEW' }) })?.id).toBe('j1');
  });
});

describe('liveReducer', () => {
  it('applies bays, jobs and step events; a call reply never overwrites a newer event', () => {
    let s = liveReducer(initialLiveState, { type: 'bays', bays: [bay('b1', 'U1'), bay('b2', 'U2')] });
    s = liveReducer(s, {
      type: 'step',
      payload: { jobId: 'j1', bayId: 'b1', step: { name: 'identify', state: 'running' } },
    });
    expect(s.jobs.j1?.steps).toEqual([{ name: 'identify', state: 'running' }]);
    s = liveReducer(s, { type: 'job', job: job('j1', 'b1') });
    expect(s.bays[0]?.jobId).toBe('j1');
    s = liveReducer(s, {
      type: 'step',
      payload: { jobId: 'j1', bayId: 'b1', step: { name: 'keygen', state: 'done' } },
    });
    expect(s.jobs.j1?.steps.find((x) => x.name === 'keygen')?.state).toBe('done');
    const after = liveReducer(s, { type: 'jobIfNew', job: job('j1', 'b1', { steps: [] }) });
    expect(after).toBe(s);
    s = liveReducer(s, { type: 'bay', bay: bay('b2', 'U2', { status: 'busy' }) });
    expect(s.bays.map((b) => b.status)).toEqual(['ready', 'busy']);
  });

  it('keeps at most LOG_LIMIT log lines and can dismiss the batch banner', () => {
    let s = initialLiveState;
    for (let i = 0; i < LOG_LIMIT + 5; i++)
      s = liveReducer(s, { type: 'log', entry: { at: 'x', level: 'info', message: `m${i}` } });
    expect(s.logs).toHaveLength(LOG_LIMIT);
    expect(s.logs.at(-1)?.message).toBe(`m${LOG_LIMIT + 4}`);
    s = liveReducer(s, { type: 'batch', payload: { succeeded: 4, failed: 0 }, receivedAt: 1 });
    expect(s.batch?.succeeded).toBe(4);
    expect(liveReducer(s, { type: 'dismissBatch' }).batch).toBeUndefined();
  });
});

describe('formatting and small parsers', () => {
  it('formats elapsed time and steps', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(65_400)).toBe('1:05');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
    expect(formatElapsed(Number.NaN)).toBe('0:00');
    expect(elapsedMs('2026-01-01T00:00:00Z', '2026-01-01T00:00:02.500Z')).toBe(2500);
    expect(stepLabel('proof-of-possession')).toBe('Proof of possession');
    expect(stepLabel('mystery')).toBe('mystery');
    expect(shortFingerprint('ab'.repeat(32))).toBe('abababab…abab');
  });

  it('turns station errors and plain throws into message + remedy', () => {
    expect(toPlainError(new StationError('DEVICE_TIMEOUT', 'No answer.', 'Check the cable.'))).toEqual({
      code: 'DEVICE_TIMEOUT',
      message: 'No answer.',
      remedy: 'Check the cable.',
    });
    const p = toPlainError(new Error('boom'));
    expect(p.code).toBe('UNEXPECTED');
    expect(p.message).toBe('boom');
    expect(p.remedy.length).toBeGreaterThan(10);
  });

  it('builds the record filter and refines by UID and Asset ID', () => {
    const f = {
      ...emptyFilterForm,
      uid: 'abc',
      outcome: 'failed' as const,
      from: '2026-11-01',
      to: '2026-11-02',
    };
    const rf = toRecordFilter(f);
    expect(rf).toMatchObject({ text: 'abc', outcome: 'failed', limit: 500 });
    expect(Date.parse(rf.to!) - Date.parse(rf.from!)).toBe(2 * 86_400_000 - 1);
    expect(localDateToIso('nope')).toBeUndefined();
    const rec = (deviceUid: string, assetId?: string) => ({
      jobId: deviceUid,
      kind: 'provision' as const,
      deviceUid,
      outcome: 'succeeded' as const,
      startedAt: 'x',
      stationId: 's',
      ...(assetId ? { assetId } : {}),
    });
    const got = refineRecords([rec('ABC1', '02i1'), rec('ABC2'), rec('XYZ', '02i1')], {
      ...emptyFilterForm,
      uid: 'abc',
      assetId: '02I',
    });
    expect(got.map((r) => r.deviceUid)).toEqual(['ABC1']);
  });

  it('round-trips the product map and names a bad line', () => {
    const text = formatProductMap({ B: '01tB', A: '01tA' });
    expect(text).toBe('A = 01tA\nB = 01tB');
    expect(parseProductMap(`${text}\n\n# note`)).toEqual({ map: { A: '01tA', B: '01tB' } });
    expect(parseProductMap('A = 01tA\nbroken')).toEqual({
      error: 'Line 2 is not "model = productId": broken',
    });
  });

  it('warns about CA expiry only near or past it', () => {
    expect(caExpiryWarning(400)).toBeUndefined();
    expect(caExpiryWarning(12)?.tone).toBe('warn');
    expect(caExpiryWarning(-3)?.text).toContain('expired 3 days ago');
  });

  it('names verify exports safely', () => {
    expect(
      verifyReportFilename({
        jobId: 'j',
        deviceUid: 'A/B',
        passed: true,
        checks: [],
        at: '2026-11-29T10:00:00.000Z',
      }),
    ).toBe('verify-A_B-2026-11-29T100000000Z.json');
  });
});
