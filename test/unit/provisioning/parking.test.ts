/**
 * The outage classifier (core/jobs/parking.ts): which org failures park a job at its org step and which
 * fail it — fed with what the Salesforce client really maps (connection refused, 5xx, a maintenance page,
 * a cut-off answer, 429, an expired session, a validation rule, a bad login) — and the drainer's bounded
 * probe backoff over a real journal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROVISION_STEPS, type Job } from '../../../shared/domain';
import { StationError, type ErrorCode } from '../../../shared/errors';
import { openStationDb, type Db } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';
import {
  ParkedDrainer,
  absentDevice,
  isOrgOutage,
  parkedFor,
  parkedShape,
  parksAt,
} from '../../../core/jobs/parking';
import { fromJsforceError, fromSfError } from '../../../core/salesforce/errors';
import { mapTokenError } from '../../../core/salesforce/auth';

const doing = 'upsert Asset SIM-0001';
/** What jsforce throws for a token-endpoint error: an Error named after the OAuth `error`. */
const oauthError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('which org failures park a job', () => {
  const parks: Array<[string, StationError]> = [
    [
      'connection refused',
      fromJsforceError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), doing),
    ],
    [
      'connection reset',
      fromJsforceError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), doing),
    ],
    ['a timeout', fromJsforceError(Object.assign(new Error('aborted'), { name: 'AbortError' }), doing)],
    ['HTTP 503 SERVER_UNAVAILABLE', fromSfError({ errorCode: 'SERVER_UNAVAILABLE' }, doing, 503)],
    ['HTTP 502', fromJsforceError({ errorCode: 'ERROR_HTTP_502', message: 'Bad Gateway' }, doing)],
    [
      'a 503 maintenance page',
      fromJsforceError(
        { errorCode: 'ERROR_HTTP_503', data: '<!DOCTYPE html><html>Maintenance</html>' },
        doing,
      ),
    ],
    [
      'the token endpoint down (503)',
      mapTokenError(oauthError('ERROR_HTTP_503', '<html>down</html>'), 'log in'),
    ],
    ['HTTP 429', fromSfError({ errorCode: 'ERROR_HTTP_429' }, doing, 429)],
    ['the daily API limit', fromSfError({ errorCode: 'REQUEST_LIMIT_EXCEEDED' }, doing)],
  ];
  it.each(parks)('%s parks at the Asset step and at the asset-token step', (_what, e) => {
    expect(isOrgOutage(e)).toBe(true);
    expect(parksAt('upsert-asset', e)).toBe(true);
    expect(parksAt('asset-token', e)).toBe(true);
  });

  const fails: Array<[string, StationError]> = [
    [
      'an expired session that cannot be renewed',
      fromSfError({ errorCode: 'INVALID_SESSION_ID' }, doing, 401),
    ],
    [
      'a revoked login (invalid_grant)',
      mapTokenError(oauthError('invalid_grant', 'expired access/refresh token'), 'refresh'),
    ],
    [
      'a validation rule',
      fromSfError({ errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'no' }, doing, 400),
    ],
    ['a missing field', fromSfError({ errorCode: 'INVALID_FIELD' }, doing, 400)],
    ['a duplicate', fromSfError({ errorCode: 'DUPLICATE_VALUE' }, doing, 400)],
    ['a 404', fromSfError({ errorCode: 'ERROR_HTTP_404' }, doing, 404)],
  ];
  it.each(fails)('%s fails the job', (_what, e) => {
    expect(isOrgOutage(e)).toBe(false);
    expect(parksAt('upsert-asset', e)).toBe(false);
  });

  it.each<ErrorCode>([
    'ORG_NOT_CONNECTED',
    'CLONE_SUSPECTED',
    'REPROVISION_REQUIRED',
    'DEVICE_TIMEOUT',
    'ORG_AUTH',
  ])('%s fails the job', (code) => expect(parksAt('upsert-asset', { code })).toBe(false));

  it('an outage parks only at the org steps: not at a device step, not after the Asset exists', () => {
    for (const step of PROVISION_STEPS.filter((s) => s !== 'upsert-asset' && s !== 'asset-token'))
      expect(parksAt(step, { code: 'ORG_UNAVAILABLE' })).toBe(false);
  });

  it('the parked explanations say what happened and what to do, and what the job waits for', () => {
    const waiting = parkedShape('salesforce');
    expect(waiting.message).toMatch(/^Waiting for Salesforce/);
    // issue 18: the certificate waits on the station until the org accepts the identity
    expect(waiting.message).toMatch(/waits on the station/);
    expect(waiting.remedy).toMatch(/Unplug the device and go on/);
    expect(waiting.remedy).toMatch(/install its certificate/);
    expect(parkedFor({ state: 'parked', error: waiting })).toBe('salesforce');
    const registered = parkedShape('device', '02i000000000001AAA');
    expect(registered.message).toBe(
      'Registered in Salesforce (Asset 02i000000000001AAA), certificate and Asset ID not yet on the device: plug it in again.',
    );
    expect(parkedFor({ state: 'parked', error: registered })).toBe('device');
    expect(parkedFor({ state: 'failed', error: registered })).toBeUndefined();
  });

  it('the absent device refuses any use (a device step can never run while parked)', async () => {
    const d = absentDevice();
    expect(() => d.identify).toThrow(/not attached/);
  });
});

describe('the parked-job drainer', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function parkedJournal(n: number): { journal: Journal; ids: string[] } {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parking-'));
    db = openStationDb(dir);
    const journal = new Journal(db);
    const ids = Array.from({ length: n }, (_, i) => {
      const id = journal.createJob({
        kind: 'provision',
        bayId: 'bay-1',
        locator: 'sim:a',
        deviceUid: `SIM-000${i + 1}`,
        stationId: 'st',
        steps: PROVISION_STEPS,
      });
      journal.setJobState(id, 'parked', parkedShape('salesforce'));
      return id;
    });
    return { journal, ids };
  }

  it('backs off, doubling up to its bound, while the org is out of reach; then drains every waiting job once', async () => {
    const { journal, ids } = parkedJournal(3);
    let down = 5;
    const pauses: string[] = [];
    const drained: string[] = [];
    const drainer = new ParkedDrainer({
      journal,
      probe: async () => {
        if (down-- > 0) throw new StationError('ORG_UNAVAILABLE', 'connection refused', 'retry');
      },
      drain: async (jobId): Promise<Job> => {
        drained.push(jobId);
        journal.setJobState(jobId, 'parked', parkedShape('device', '02i'));
        return journal.toApiJob(journal.getJob(jobId)!);
      },
      log: (_l, m) => {
        const next = /next try in ([\d.]+) s/.exec(m);
        if (next) pauses.push(next[1]!);
      },
      backoff: { firstMs: 2, maxMs: 10 },
    });
    drainer.wake();
    drainer.wake(); // one loop at a time
    await drainer.idle();
    expect(pauses).toEqual(['0.004', '0.008', '0.01', '0.01', '0.01']);
    expect(drained.sort()).toEqual([...ids].sort());
    expect(drainer.waiting()).toEqual([]);
    await drainer.close();
  });

  it('a job the drain leaves waiting for Salesforce (the org went away again) is tried again later', async () => {
    const { journal, ids } = parkedJournal(1);
    let attempts = 0;
    const drainer = new ParkedDrainer({
      journal,
      probe: async () => undefined,
      drain: async (jobId): Promise<Job> => {
        attempts++;
        journal.setJobState(
          jobId,
          'parked',
          attempts < 3 ? parkedShape('salesforce') : parkedShape('device'),
        );
        return journal.toApiJob(journal.getJob(jobId)!);
      },
      log: () => undefined,
      backoff: { firstMs: 1, maxMs: 4 },
    });
    drainer.wake();
    await drainer.idle();
    expect(attempts).toBe(3);
    expect(parkedFor(journal.getJob(ids[0]!)!)).toBe('device');
    await drainer.close();
  });
});
