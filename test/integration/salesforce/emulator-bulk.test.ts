/**
 * Contract tests of the emulator's Bulk API 2.0 over raw HTTP (docs/salesforce-wire.md §8.3):
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0.htm
 */
import { describe, expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { parseCsv } from '../../../sim/org/bulk-csv';
import { useOrgEmulator } from './helpers';
import { rawHttp } from './raw-http';

let emu: OrgEmulator;
useOrgEmulator({}, (e) => (emu = e));
const { call } = rawHttp(() => emu);
const jobs = () => `${emu.baseUrl}/services/data/v62.0/jobs`;
const auth = () => ({ Authorization: `Bearer ${emu.accessToken}` });
type Info = Record<string, unknown> & { id: string; state: string };

async function csvOf(path: string) {
  const r = await fetch(`${jobs()}${path}`, { headers: auth() });
  expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
  return { rows: parseCsv(await r.text()), headers: r.headers };
}

/**
 * Polls a closed job until it ends (at most 10 polls), as sf and jsforce do; returns the last job info and
 * the state each poll answered.
 */
async function untilEnded(kind: 'ingest' | 'query', id: string): Promise<{ info: Info; states: string[] }> {
  const states: string[] = [];
  let info: Info | undefined;
  for (let i = 0; i < 10; i++) {
    info = (await call('GET', `/jobs/${kind}/${id}`)).body as Info;
    states.push(info.state);
    if (!['UploadComplete', 'InProgress'].includes(info.state)) break;
  }
  return { info: info!, states };
}

/**
 * Create → upload → UploadComplete → poll until the job ends; the polls see InProgress first (the emulator's
 * default: one poll), then JobComplete or Failed. Returns the job info of the last poll.
 */
async function ingest(job: Record<string, unknown>, csv: string): Promise<Info> {
  const created = await call('POST', '/jobs/ingest', { contentType: 'CSV', lineEnding: 'LF', ...job });
  expect(created.status).toBe(200);
  const info = created.body as Info;
  expect(info).toMatchObject({
    state: 'Open',
    contentUrl: `services/data/v62.0/jobs/ingest/${info.id}/batches`,
  });
  const put = await fetch(`${jobs()}/ingest/${info.id}/batches`, {
    method: 'PUT',
    headers: { ...auth(), 'Content-Type': 'text/csv' },
    body: csv,
  });
  expect(put.status).toBe(201);
  const closed = await call('PATCH', `/jobs/ingest/${info.id}`, { state: 'UploadComplete' });
  expect((closed.body as Info).state).toBe('UploadComplete');
  const { info: ended, states } = await untilEnded('ingest', info.id);
  expect(states).toEqual(['InProgress', ended.state]);
  return ended;
}

describe('org emulator: Bulk API 2.0 ingest', () => {
  // https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/walkthrough_upsert.htm
  it('upsert on an external ID: creates, then updates; successful and failed results as CSV', async () => {
    const acct = emu.defaultAccountId;
    const first = await ingest(
      { object: 'Asset', operation: 'upsert', externalIdFieldName: 'Device_UID__c' },
      `Device_UID__c,Name,AccountId\nBULK-1,"Sensor, one",${acct}\nBULK-2,Sensor two,${acct}\n`,
    );
    expect(first).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0 });
    const ok = await csvOf(`/ingest/${first.id}/successfulResults`);
    expect(ok.rows[0]).toEqual(['sf__Id', 'sf__Created', 'Device_UID__c', 'Name', 'AccountId']);
    expect(ok.rows.slice(1).map((r) => [r[1], r[2], r[3]])).toEqual([
      ['true', 'BULK-1', 'Sensor, one'],
      ['true', 'BULK-2', 'Sensor two'],
    ]);
    const id1 = ok.rows[1]![0]!;
    expect(emu.assets().find((a) => a.Id === id1)?.Name).toBe('Sensor, one');

    // BULK-1 again (update), a new one without Account or Contact (fails), an empty value leaves Name alone
    const second = await ingest(
      { object: 'Asset', operation: 'upsert', externalIdFieldName: 'device_uid__c' },
      `Device_UID__c,Name,Status\nBULK-1,,Installed\nBULK-3,No account,\n`,
    );
    expect(second).toMatchObject({
      numberRecordsProcessed: 2,
      numberRecordsFailed: 1,
      externalIdFieldName: 'Device_UID__c',
    });
    const ok2 = await csvOf(`/ingest/${second.id}/successfulResults`);
    expect(ok2.rows[1]!.slice(0, 3)).toEqual([id1, 'false', 'BULK-1']);
    const updated = emu.assets().find((a) => a.Id === id1)!;
    expect(updated).toMatchObject({ Name: 'Sensor, one', Status: 'Installed' });
    const failed = await csvOf(`/ingest/${second.id}/failedResults`);
    expect(failed.rows[0]!.slice(0, 2)).toEqual(['sf__Id', 'sf__Error']);
    expect(failed.rows[1]![1]).toMatch(/^FIELD_INTEGRITY_EXCEPTION:.*AccountId,ContactId --$/);
    expect(emu.assets().filter((a) => String(a.Device_UID__c).startsWith('BULK-'))).toHaveLength(2);
  });

  it('an unknown column fails the whole job, its rows left unprocessed', async () => {
    const info = await ingest({ object: 'Asset', operation: 'insert' }, 'Name,Widget__c\na,b\n');
    expect(info).toMatchObject({
      state: 'Failed',
      errorMessage: 'InvalidBatch : Field name not found : Widget__c',
    });
    expect((await csvOf(`/ingest/${info.id}/unprocessedrecords`)).rows).toEqual([
      ['Name', 'Widget__c'],
      ['a', 'b'],
    ]);
  });

  it('refuses an upsert job without an external ID field, an unknown object, and a second upload', async () => {
    const noExt = await call('POST', '/jobs/ingest', { object: 'Asset', operation: 'upsert' });
    expect(noExt.status).toBe(400);
    expect((noExt.body as Array<{ errorCode: string }>)[0]!.errorCode).toBe('INVALIDJOB');
    const notExt = await call('POST', '/jobs/ingest', {
      object: 'Asset',
      operation: 'upsert',
      externalIdFieldName: 'Name',
    });
    expect(notExt.status).toBe(400);
    expect((await call('POST', '/jobs/ingest', { object: 'Widget', operation: 'insert' })).status).toBe(400);
    const job = (await call('POST', '/jobs/ingest', { object: 'Asset', operation: 'insert' })).body as Info;
    const put = () =>
      fetch(`${jobs()}/ingest/${job.id}/batches`, {
        method: 'PUT',
        headers: { ...auth(), 'Content-Type': 'text/csv' },
        body: 'Name\nx\n',
      });
    expect((await put()).status).toBe(201);
    expect((await put()).status).toBe(400);
    expect((await call('PATCH', `/jobs/ingest/${job.id}`, { state: 'Aborted' })).body).toMatchObject({
      state: 'Aborted',
    });
    expect((await call('GET', `/jobs/ingest/000000000000000AAA`)).status).toBe(404);
  });
});

describe('org emulator: Bulk API 2.0 job states', () => {
  // https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm (state)
  it('a closed ingest job passes Open → UploadComplete → InProgress (as many polls as set) → JobComplete; no results before it ends', async () => {
    emu.faults.bulkInProgressPolls = 3;
    try {
      const created = (await call('POST', '/jobs/ingest', { object: 'Asset', operation: 'insert' }))
        .body as Info;
      expect(created.state).toBe('Open');
      await fetch(`${jobs()}/ingest/${created.id}/batches`, {
        method: 'PUT',
        headers: { ...auth(), 'Content-Type': 'text/csv' },
        body: `Name,AccountId\nStates,${emu.defaultAccountId}\n`,
      });
      const closed = await call('PATCH', `/jobs/ingest/${created.id}`, { state: 'UploadComplete' });
      expect((closed.body as Info).state).toBe('UploadComplete');
      expect((await call('GET', `/jobs/ingest/${created.id}`)).body).toMatchObject({ state: 'InProgress' });
      const early = await fetch(`${jobs()}/ingest/${created.id}/successfulResults`, { headers: auth() });
      expect(early.status).toBe(400);
      expect(JSON.stringify(await early.json())).toContain('Job is InProgress');
      const { info, states } = await untilEnded('ingest', created.id);
      expect(states).toEqual(['InProgress', 'InProgress', 'JobComplete']);
      expect(info).toMatchObject({ numberRecordsProcessed: 1, numberRecordsFailed: 0 });
      expect((await csvOf(`/ingest/${created.id}/successfulResults`)).rows).toHaveLength(2);
      // a job that has ended stays so
      expect((await call('GET', `/jobs/ingest/${created.id}`)).body).toMatchObject({ state: 'JobComplete' });
    } finally {
      emu.faults.bulkInProgressPolls = 1;
    }
  });
});

describe('org emulator: Bulk API 2.0 query', () => {
  // https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm
  it('a query job completes; results page with Sforce-Locator until it says null', async () => {
    for (let i = 0; i < 5; i++) {
      await call('POST', '/sobjects/Asset', {
        Name: `Q${i}`,
        AccountId: emu.defaultAccountId,
        Device_UID__c: `BQ-${i}`,
      });
    }
    const soql =
      "SELECT Device_UID__c, Account.Name FROM Asset WHERE Device_UID__c LIKE 'BQ-%' ORDER BY Device_UID__c";
    const created = await call('POST', '/jobs/query', { operation: 'query', query: soql });
    expect(created.status).toBe(200);
    const id = (created.body as Info).id;
    expect((created.body as Info).state).toBe('UploadComplete');
    // no results while the job runs
    expect((await call('GET', `/jobs/query/${id}`)).body).toMatchObject({ state: 'InProgress' });
    const early = await fetch(`${jobs()}/query/${id}/results`, { headers: auth() });
    expect(early.status).toBe(400);
    const { info, states } = await untilEnded('query', id);
    expect(states).toEqual(['JobComplete']);
    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 5, jobType: 'V2Query' });
    const seen: string[][] = [];
    let locator = '';
    for (let page = 0; page < 10 && locator !== 'null'; page++) {
      const r = await csvOf(`/query/${id}/results?maxRecords=2${locator ? `&locator=${locator}` : ''}`);
      expect(r.rows[0]).toEqual(['Device_UID__c', 'Account.Name']);
      expect(r.headers.get('sforce-numberofrecords')).toBe(String(r.rows.length - 1));
      seen.push(...r.rows.slice(1));
      locator = r.headers.get('sforce-locator')!;
    }
    expect(locator).toBe('null');
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => [`BQ-${i}`, 'Acme Devices Ltd']));
  });

  it('refuses a malformed query and a nested one', async () => {
    expect((await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT FROM' })).status).toBe(
      400,
    );
    const nested = await call('POST', '/jobs/query', {
      operation: 'query',
      query: 'SELECT Name, (SELECT Id FROM Assets) FROM Account',
    });
    expect(nested.status).toBe(400);
  });
});
