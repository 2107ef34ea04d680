/**
 * Pre-flight (core/jobs/preflight.ts): before a provisioning job touches a device, the station checks the
 * CA, the org's authorisation, the customer Account/Contact and the product map in one pass, and refuses
 * the start with every problem listed — nothing is done to the device. An org outage is not a pre-flight
 * problem (the line keeps running). Embedded station: simulated devices on PTYs, org emulator, real CA.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isStationError, StationError } from '../../../shared/errors';
import type { OrgPort } from '../../../core/bays/ports';
import { DEMO_ADMIN_PIN, startEmbedded, type Embedded } from '../../../dev/embedded';
import { Preflight, preflightError } from '../../../core/jobs/preflight';
import { defaultConfig } from '../../../core/config';
import { issuedCount } from './db-counts';

const envs: Embedded[] = [];
const dirs: string[] = [];

async function embedded(): Promise<Embedded> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'station-preflight-'));
  dirs.push(home);
  const env = await startEmbedded({
    home,
    devices: 1,
    keygenDelayMs: 50,
    watch: false,
    reconnectWindowMs: 4000,
  });
  envs.push(env);
  return env;
}

afterEach(async () => {
  while (envs.length) await envs.pop()!.stop();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function refused(p: Promise<unknown>): Promise<StationError> {
  try {
    await p;
  } catch (e) {
    if (isStationError(e)) return e;
    throw e;
  }
  throw new Error('expected the start to be refused');
}

type Problem = { check: string; code: string; message: string; remedy: string };

describe('pre-flight before a job touches the device', () => {
  it('no Account or Contact for the job: refused before the device is touched, with what to do', async () => {
    const env = await embedded();
    const [bay] = await env.station.listBays({});
    const config = await env.station.getConfig({});
    await env.station.setConfig({
      config: {
        ...config,
        salesforce: {
          ...config.salesforce,
          accountId: '',
          contactId: '',
          // this station maps the device's model, so only the customer is missing
          productByModel: {
            'AS-SIM-1': config.salesforce.productByModel['AS-SIM-1']!,
            'OTHER-MODEL': '01t000000000001AAA',
          },
        },
      },
      adminPin: DEMO_ADMIN_PIN,
    });
    const e = await refused(env.station.startJob({ bayId: bay!.id, kind: 'provision' }));
    const problems = e.details?.problems as Problem[];
    expect(problems.map((p) => p.check)).toEqual(['customer']);
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.message).toMatch(/nothing was done to the device\): No customer Account/);
    expect(e.remedy).toMatch(/Scan or enter the customer Account/);
    // The remedy names the real settings file of this station home, not a bare key.
    expect(e.remedy).toContain(
      `set salesforce.accountId in the station settings file ${path.join(env.station.home, 'config.json')}`,
    );
    expect(problems[0]!.remedy).toContain(path.join(env.station.home, 'config.json'));
    expect(issuedCount(env.station.home, bay!.device!.uid)).toBe(0);
    expect(env.sim.device(bay!.device!.uid).snapshot()).toMatchObject({
      keyPresent: false,
      certInstalled: false,
    });
  });

  it('an Account given for the job that the org does not have is refused; the right one starts the job', async () => {
    const env = await embedded();
    const [bay] = await env.station.listBays({});
    const e = await refused(
      env.station.startJob({
        bayId: bay!.id,
        kind: 'provision',
        inputs: { accountId: '001000000000000AAA' },
      }),
    );
    expect((e.details?.problems as Problem[]).map((p) => p.check)).toEqual(['customer']);
    expect(e.message).toContain('001000000000000AAA');
    expect(issuedCount(env.station.home, bay!.device!.uid)).toBe(0);
    const job = await env.station.startJob({
      bayId: bay!.id,
      kind: 'provision',
      inputs: { accountId: env.org.defaultAccountId },
    });
    const done = await env.station.waitForJob(job.id);
    expect(done.state).toBe('succeeded');
    expect(env.org.assets()[0]!.AccountId).toBe(env.org.defaultAccountId);
  });
});

describe('the product map check', () => {
  it('the embedded defaults map every simulated model; a model missing from the map is refused naming the setting, before the device is touched', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'station-preflight-products-'));
    dirs.push(home);
    const env = await startEmbedded({ home, devices: 1, modems: 1, keygenDelayMs: 50, watch: false });
    envs.push(env);
    const bays = await env.station.listBays({});
    const config = await env.station.getConfig({});
    const products = config.salesforce.productByModel;
    expect(bays.map((b) => b.device!.model).sort()).toEqual(['AS-SIM-1', 'nRF9160-SICA']);
    for (const b of bays) expect(products[b.device!.model]).toMatch(/^01t/);
    expect(products['nRF9160-SICA']).toBe(env.org.productIds['AS-GATEWAY-1']);

    // the map loses the sensor model: its job is refused before a single command reaches the device
    await env.station.setConfig({
      config: {
        ...config,
        salesforce: { ...config.salesforce, productByModel: { 'nRF9160-SICA': products['nRF9160-SICA']! } },
      },
      adminPin: DEMO_ADMIN_PIN,
    });
    const sensor = bays.find((b) => b.device!.model === 'AS-SIM-1')!;
    const device = env.sim.device(sensor.device!.uid);
    const requestsBefore = device.stats.requests;
    const e = await refused(env.station.startJob({ bayId: sensor.id, kind: 'provision' }));
    expect(e.code).toBe('ORG_CONFIG');
    expect((e.details?.problems as Problem[]).map((p) => p.check)).toEqual(['product']);
    expect(e.message).toMatch(
      /nothing was done to the device\): .*no Salesforce Product for device model AS-SIM-1/,
    );
    expect(e.remedy).toMatch(/Add AS-SIM-1 to the product map .*salesforce\.productByModel/);
    expect(e.remedy).toContain(path.join(env.station.home, 'config.json'));
    expect(device.stats.requests).toBe(requestsBefore); // no KEYGEN, nothing at all
    expect(device.snapshot().keyPresent).toBe(false);
    expect(issuedCount(env.station.home, sensor.device!.uid)).toBe(0);

    // the mapped model (the nRF91 modem) provisions, its Asset with the mapped Product
    const modem = bays.find((b) => b.device!.model === 'nRF9160-SICA')!;
    const job = await env.station.startJob({ bayId: modem.id, kind: 'provision' });
    expect((await env.station.waitForJob(job.id)).state).toBe('succeeded');
    expect(env.org.assets().map((a) => a.Product2Id)).toEqual([products['nRF9160-SICA']]);
  });
});

describe('Preflight checks', () => {
  const config = () => ({
    ...defaultConfig(),
    salesforce: { ...defaultConfig().salesforce, accountId: '001000000000001AAA', productByModel: {} },
  });

  it('a CA that is not ready is a problem, and so is a signed-out org; an outage is not; a confirmed Account is asked once per 5 minutes', async () => {
    let lookups = 0;
    let now = 0;
    let outage = false;
    let signedOut = false;
    const pf = new Preflight(
      {
        config,
        ports: {
          pki: async () => {
            throw new StationError('CA_NOT_INITIALISED', 'No CA.', 'Create the CA.');
          },
          org: async () => {
            if (signedOut)
              throw new StationError('ORG_AUTH', 'The refresh token was revoked.', 'Sign in again.');
            if (outage) throw new StationError('ORG_UNAVAILABLE', 'down', 'wait');
            return {
              findAccount: async (id: string) => (lookups++, { id, name: 'Acme' }),
            } as unknown as OrgPort;
          },
        },
      },
      () => now,
    );
    const withProducts = new Preflight({
      config: () => ({
        ...config(),
        salesforce: {
          ...config().salesforce,
          accountId: '',
          productByModel: { OTHER: '01t000000000001AAA' },
        },
      }),
      ports: { pki: async () => ({}) as never, org: async () => ({}) as OrgPort },
    });
    const both = await withProducts.problems({ model: 'M', inputs: {} });
    expect(both.map((p) => p.check)).toEqual(['customer', 'product']);
    const err = preflightError(both);
    expect(err.message).toMatch(
      /2 problems\. 1\) No customer Account.* 2\) .*no Salesforce Product for device model M/,
    );
    expect(err.remedy).toMatch(/^1\) .* 2\) Add M to the product map/);
    expect(
      (await withProducts.problems({ model: 'M', inputs: { accountId: '001000000000001AAA' } })).map(
        (p) => p.check,
      ),
    ).toEqual(['product']);
    // a batch of bays starting together shares one look-up
    const batch = await Promise.all([1, 2, 3].map(() => pf.problems({ model: 'M', inputs: {} })));
    expect(lookups).toBe(1);
    expect(batch[2]!.map((p) => [p.check, p.code])).toEqual([['ca', 'CA_NOT_INITIALISED']]);
    await pf.problems({ model: 'M', inputs: {} });
    expect(lookups).toBe(1);
    now += 5 * 60_000 + 1;
    await pf.problems({ model: 'M', inputs: {} });
    expect(lookups).toBe(2);
    outage = true;
    expect((await pf.problems({ model: 'M', inputs: {} })).map((p) => p.check)).toEqual(['ca']);
    signedOut = true;
    const p = await pf.problems({ model: 'M', inputs: {} });
    expect(p.map((x) => [x.check, x.code])).toEqual([
      ['ca', 'CA_NOT_INITIALISED'],
      ['org', 'ORG_AUTH'],
    ]);
    expect(p[1]!.remedy).toBe('Sign in again.');
  });
});
