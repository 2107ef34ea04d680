/**
 * Salesforce's own `sf` CLI (unmodified, @salesforce/cli 2.150.6 on Node 22) against the org emulator over
 * real HTTP: if the sf CLI accepts the emulator, the emulator speaks the org's wire. Installs the CLI into
 * its cache folder when missing (sf.ts); each command below is one an admin runs against a real org.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { ensureSfCli, sfRunner, type SfRunner } from './sf';

let emu: OrgEmulator;
let sf: SfRunner;

beforeAll(async () => {
  const sfPath = await ensureSfCli();
  emu = await startOrgEmulator();
  // Bulk API 2.0 jobs answer two polls InProgress before they end (docs/salesforce-wire.md §8.3): the CLI must
  // poll through the documented states to see JobComplete
  emu.faults.bulkInProgressPolls = 2;
  sf = sfRunner(sfPath);
}, 900_000);

afterAll(async () => {
  await emu?.stop();
  if (sf) fs.rmSync(sf.home, { recursive: true, force: true });
});

describe('the sf CLI against the org emulator', { timeout: 180_000 }, () => {
  it('org login access-token, then org display shows the org, its user and the newest API version', async () => {
    const login = await sf.json<{ username: string; orgId: string; instanceUrl: string }>(
      ['org', 'login', 'access-token', '--instance-url', emu.baseUrl, '--no-prompt', '--alias', 'emu'],
      { SF_ACCESS_TOKEN: emu.accessToken },
    );
    expect(login.username).toBe(emu.adminUsername);
    expect(login.orgId).toBe(emu.orgId);
    const shown = await sf.json<Record<string, string>>(['org', 'display', '-o', 'emu']);
    expect(shown).toMatchObject({
      id: emu.orgId,
      username: emu.adminUsername,
      apiVersion: '62.0',
      connectedStatus: 'Connected',
    });
  });

  it('data create / get / update / delete record', async () => {
    const created = await sf.json<{ id: string; success: boolean }>([
      ...['data', 'create', 'record', '-o', 'emu', '-s', 'Asset'],
      ...['-v', `Name='sf cli asset' AccountId=${emu.defaultAccountId} Device_UID__c=SFCLI-CRUD-1`],
    ]);
    expect(created.success).toBe(true);
    expect(created.id).toMatch(/^02i[A-Za-z0-9]{15}$/);
    const got = await sf.json<Record<string, unknown>>([
      ...['data', 'get', 'record', '-o', 'emu', '-s', 'Asset', '-i', created.id],
    ]);
    expect(got).toMatchObject({ Id: created.id, Name: 'sf cli asset', Device_UID__c: 'SFCLI-CRUD-1' });
    await sf.json([
      'data',
      'update',
      'record',
      '-o',
      'emu',
      '-s',
      'Asset',
      '-i',
      created.id,
      '-v',
      'Status=Installed',
    ]);
    expect(emu.assets().find((a) => a.Id === created.id)?.Status).toBe('Installed');
    await sf.json(['data', 'delete', 'record', '-o', 'emu', '-s', 'Asset', '-i', created.id]);
    expect(emu.assets().some((a) => a.Id === created.id)).toBe(false);
  });

  it('data query with a relationship field, as JSON and as CSV', async () => {
    await sf.json([
      ...['data', 'create', 'record', '-o', 'emu', '-s', 'Asset'],
      ...['-v', `Name='queried' AccountId=${emu.defaultAccountId} Device_UID__c=SFCLI-Q-1`],
    ]);
    const soql = "SELECT Id, Name, Account.Name FROM Asset WHERE Device_UID__c = 'SFCLI-Q-1'";
    const json = await sf.json<{ totalSize: number; records: Array<Record<string, unknown>> }>([
      ...['data', 'query', '-o', 'emu', '-q', soql],
    ]);
    expect(json.totalSize).toBe(1);
    expect(json.records[0]).toMatchObject({ Name: 'queried', Account: { Name: 'Acme Devices Ltd' } });
    const csv = await sf.sf(['data', 'query', '-o', 'emu', '-q', soql, '-r', 'csv']);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('Id,Name,Account.Name');
    expect(lines[1]).toMatch(/^02i[A-Za-z0-9]{15},queried,Acme Devices Ltd$/);
  });

  it('api request rest …/limits reports the same daily counter as Sforce-Limit-Info', async () => {
    const r = await sf.sf(['api', 'request', 'rest', '/services/data/v62.0/limits', '-o', 'emu']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { DailyApiRequests: { Max: number; Remaining: number } };
    const { apiUsed, dailyLimit } = emu.stats();
    expect(body.DailyApiRequests.Max).toBe(dailyLimit);
    // the limits call itself was counted before it answered
    expect(body.DailyApiRequests.Remaining).toBe(dailyLimit - apiUsed);
  });

  it('sobject describe Asset lists the station fields with the external ID', async () => {
    const d = await sf.json<{ name: string; fields: Array<{ name: string; externalId: boolean }> }>([
      ...['sobject', 'describe', '-s', 'Asset', '-o', 'emu'],
    ]);
    expect(d.name).toBe('Asset');
    expect(d.fields.find((f) => f.name === 'Device_UID__c')?.externalId).toBe(true);
  });

  it('data upsert bulk of Assets keyed on Device_UID__c (Bulk API 2.0), twice: creates, then updates', async () => {
    const file = path.join(sf.home, 'assets.csv');
    const acct = emu.defaultAccountId;
    fs.writeFileSync(
      file,
      `Device_UID__c,Name,AccountId\nSFCLI-BULK-1,Bulk one,${acct}\nSFCLI-BULK-2,"Bulk, two",${acct}\n`,
    );
    const args = ['data', 'upsert', 'bulk', '-o', 'emu', '--sobject', 'Asset', '--file', file];
    type Upserted = {
      jobInfo: { state: string; numberRecordsProcessed: number; numberRecordsFailed: number };
      records: { successfulResults: Array<Record<string, string>>; failedResults: unknown[] };
    };
    const ext = ['--external-id', 'Device_UID__c', '--wait', '1'];
    const first = await sf.json<Upserted>([...args, ...ext]);
    expect(first.jobInfo).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 2,
      numberRecordsFailed: 0,
    });
    expect(first.records.successfulResults.map((r) => [r.Device_UID__c, r.sf__Created])).toEqual([
      ['SFCLI-BULK-1', 'true'],
      ['SFCLI-BULK-2', 'true'],
    ]);
    fs.writeFileSync(file, `Device_UID__c,Status\nSFCLI-BULK-1,Installed\n`);
    const second = await sf.json<Upserted>([...args, ...ext]);
    expect(second.records.successfulResults).toMatchObject([
      { sf__Id: first.records.successfulResults[0]!.sf__Id, sf__Created: 'false' },
    ]);
    const bulk = emu.assets().filter((a) => String(a.Device_UID__c).startsWith('SFCLI-BULK-'));
    expect(bulk.map((a) => [a.Name, a.Status ?? null]).sort()).toEqual([
      ['Bulk one', 'Installed'],
      ['Bulk, two', null],
    ]);
  });

  it('data export bulk (a Bulk API 2.0 query job) writes the Assets to a CSV file', async () => {
    const out = path.join(sf.home, 'export.csv');
    const soql =
      "SELECT Device_UID__c, Name, Account.Name FROM Asset WHERE Device_UID__c LIKE 'SFCLI-BULK-%' ORDER BY Device_UID__c";
    const r = await sf.json<{ totalSize: number; filePath: string }>([
      ...['data', 'export', 'bulk', '-o', 'emu', '--query', soql],
      ...['--output-file', out, '--result-format', 'csv', '--wait', '1'],
    ]);
    expect(r.totalSize).toBe(2);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toEqual([
      '"Device_UID__c","Name","Account.Name"',
      '"SFCLI-BULK-1","Bulk one","Acme Devices Ltd"',
      '"SFCLI-BULK-2","Bulk, two","Acme Devices Ltd"',
    ]);
  });
});
