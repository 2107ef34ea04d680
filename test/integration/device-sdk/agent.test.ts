/**
 * as-agent (device-sdk/, built with ASan + UBSan) as the station meets it: on a real PTY, keys in
 * SoftHSM2 through PKCS#11 (token in a temporary folder via SOFTHSM2_CONF), state in a file.
 *  - `asset-station conformance --allow-write --allow-lock` passes every requirement;
 *  - `asset-station provision` provisions it end to end against the org emulator (RSA-2048 key,
 *    certificate, Asset, asset token written back), and `verify` passes after an agent restart;
 *  - pkcs11-tool shows the private key sensitive and never extractable, refuses to read it out,
 *    and its public key is the one the station certified;
 *  - the same agent with PSA Crypto keys and the small-MCU profile (maxFrame 512, 2560-byte message
 *    buffer, the footprint test's figures) also passes every conformance requirement.
 */
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, prepareHome } from '../../../dev/embedded';
import { FileVault } from '../../../core/secrets';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import {
  built,
  make,
  requireTools,
  SOFTHSM_MODULE,
  startAgent,
  stationCli,
  softhsmToken,
  TOKEN_PIN,
  type Agent,
} from './sdk';

const BUILD = 'vitest-agent';
const PASS = 'device-sdk-agent-test-vault';
let tmp: string;
let agentBin: string;
const agents: Agent[] = [];

beforeAll(() => {
  requireTools();
  const b = make(BUILD, [`build/${BUILD}/as-agent`, `build/${BUILD}/p11_probe`]);
  if (!b.ok) throw new Error(`as-agent does not build:\n${b.output}`);
  agentBin = built(BUILD, 'as-agent');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-agent-'));
}, 180_000);

afterAll(async () => {
  for (const a of agents) await a.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** An agent with its own token, state file and PTY link under tmp/<name>. */
async function pkcs11Agent(name: string, uid: string, extra: string[] = []) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const env = softhsmToken(dir, name);
  const args = [
    '--state',
    path.join(dir, 'state.bin'),
    '--uid',
    uid,
    '--pkcs11-module',
    SOFTHSM_MODULE,
    '--token-label',
    name,
    ...extra,
  ];
  const agent = await startAgent(agentBin, path.join(dir, 'tty'), args, { ...env, AS_AGENT_PIN: TOKEN_PIN });
  agents.push(agent);
  return { dir, env, args, agent };
}

interface ConformanceJson {
  passed: number;
  failed: number;
  skipped: number;
  results: Array<{ id: string; status: string; detail: string }>;
}

async function conformance(link: string, home: string): Promise<ConformanceJson> {
  const r = await stationCli([
    '--home',
    home,
    '--json',
    'conformance',
    '--port',
    `serial:${link}`,
    '--allow-write',
    '--allow-lock',
  ]);
  let parsed: ConformanceJson;
  try {
    parsed = JSON.parse(r.stdout) as ConformanceJson;
  } catch {
    throw new Error(`conformance printed no result (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
  const failures = parsed.results.filter((x) => x.status !== 'pass').map((x) => `${x.id}: ${x.detail}`);
  expect(failures, r.stderr).toEqual([]);
  expect(r.code).toBe(0);
  return parsed;
}

function pkcs11Tool(env: NodeJS.ProcessEnv, label: string, args: string[]) {
  return spawnSync(
    'pkcs11-tool',
    ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', TOKEN_PIN, ...args],
    { env, encoding: 'buffer' },
  );
}

describe('as-agent with PKCS#11 keys (SoftHSM2) on a PTY', () => {
  it('passes every requirement of `asset-station conformance --allow-write --allow-lock`', async () => {
    const { agent } = await pkcs11Agent('conformance', 'AGENT-CONF-01');
    const r = await conformance(agent.link, path.join(tmp, 'conformance', 'home'));
    expect(r.results.map((x) => x.id)).toContain('LOCK-1');
    expect(r).toMatchObject({ passed: 19, failed: 0, skipped: 0 });
    process.stdout.write(`device-sdk agent (PKCS#11) conformance: ${r.passed} passed, ${r.failed} failed\n`);
  }, 90_000);

  describe('provisioned end to end by the station against the org emulator', () => {
    let org: OrgEmulator;
    let home: string;
    let dev: Awaited<ReturnType<typeof pkcs11Agent>>;
    const UID = 'AGENT-E2E-0001';
    let record: { assetId: string; keyFingerprint: string; certSerial: string; assetToken?: string };

    beforeAll(async () => {
      home = path.join(tmp, 'station');
      fs.mkdirSync(home, { recursive: true });
      const vault = FileVault.inHome(home, PASS);
      org = await startOrgEmulator({
        home: path.join(home, 'org'),
        jwtBearerCertPem: await jwtPublicKeyPem(vault),
        assetAudience: DEMO_ASSET_AUDIENCE,
      });
      await prepareHome(home, vault, org);
      dev = await pkcs11Agent('e2e', UID);
    }, 60_000);

    afterAll(async () => {
      await org?.stop();
    });

    const env = () => ({ ...process.env, ASSET_STATION_VAULT_PASSPHRASE: PASS });

    it('`asset-station provision` succeeds: one Asset, certificate installed, asset token written', async () => {
      const r = await stationCli(
        ['--home', home, '--json', 'provision', '--port', `serial:${dev.agent.link}`],
        env(),
      );
      expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
      const result = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type?: string; records?: Array<Record<string, string>> })
        .find((l) => l.type === 'result');
      const rec = result!.records![0]!;
      expect(rec).toMatchObject({ deviceUid: UID, outcome: 'succeeded', assetToken: 'issued' });
      record = rec as unknown as typeof record;
      const assets = org.assets().filter((a) => a.Device_UID__c === UID);
      expect(assets).toHaveLength(1);
      expect(assets[0]!.Id).toBe(record.assetId);
    }, 90_000);

    it('keeps its identity across a restart: `asset-station verify` passes', async () => {
      expect(await dev.agent.stop()).toBe(0);
      const again = await startAgent(agentBin, dev.agent.link, dev.args, {
        ...dev.env,
        AS_AGENT_PIN: TOKEN_PIN,
      });
      agents.push(again);
      const r = await stationCli(
        ['--home', home, '--json', 'verify', '--port', `serial:${again.link}`],
        env(),
      );
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(/"passed":\s*true/);
      const twice = await stationCli(
        ['--home', home, '--json', 'provision', '--port', `serial:${again.link}`],
        env(),
      );
      expect(twice.code, twice.stderr).toBe(0);
      expect(twice.stdout).toMatch(new RegExp(`"alreadyProvisioned":\\["${UID}"\\]`));
      expect(org.assets().filter((a) => a.Device_UID__c === UID)).toHaveLength(1);
    }, 90_000);

    it('its private key is sensitive and never extractable in the token (pkcs11-tool)', () => {
      const list = pkcs11Tool(dev.env, 'e2e', ['--list-objects', '--type', 'privkey']);
      const text = list.stdout.toString();
      expect(list.status, list.stderr.toString()).toBe(0);
      expect(text).toMatch(/label:\s+as-agent slot 0/);
      // pkcs11-tool prints "extractable" only when CKA_EXTRACTABLE is true.
      expect(text).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
      expect(text).not.toMatch(/Access:.*(^|, )extractable/m);
    });

    it('reading the private key out through PKCS#11 fails with CKR_ATTRIBUTE_SENSITIVE', () => {
      const r = spawnSync(built(BUILD, 'p11_probe'), [SOFTHSM_MODULE, 'e2e', 'as-agent slot 0'], {
        env: { ...dev.env, AS_AGENT_PIN: TOKEN_PIN },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const out = r.stdout;
      // Control: the same probe reads the value of a key made without protection.
      // (a P-256 private value is up to 32 bytes: SoftHSM2 drops leading zero bytes, so 1 key in 256 gives 31)
      const control = /control read CKA_VALUE: rv=0x0 len=(\d+)/.exec(out);
      expect(control, out).not.toBeNull();
      expect(Number(control![1])).toBeGreaterThanOrEqual(28);
      expect(Number(control![1])).toBeLessThanOrEqual(32);
      expect(out).toMatch(/key type=RSA/);
      expect(out).toMatch(/CKA_TOKEN=1\nCKA_PRIVATE=1\nCKA_SENSITIVE=1\nCKA_EXTRACTABLE=0/);
      expect(out).toMatch(/CKA_NEVER_EXTRACTABLE=1/);
      expect(out).toMatch(/read CKA_PRIVATE_EXPONENT: rv=0x11 /);
      expect(out).toMatch(/read CKA_PRIME_1: rv=0x11 /);
    });

    it('the token holds the key the station certified (SPKI fingerprint matches the record)', () => {
      const out = path.join(dev.dir, 'pub.der');
      const r = pkcs11Tool(dev.env, 'e2e', [
        '--read-object',
        '--type',
        'pubkey',
        '--label',
        'as-agent slot 0',
        '-o',
        out,
      ]);
      expect(r.status, r.stderr.toString()).toBe(0);
      const spki = fs.readFileSync(out);
      expect(crypto.createHash('sha256').update(spki).digest('hex')).toBe(record.keyFingerprint);
      expect(
        crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' }).asymmetricKeyDetails
          ?.modulusLength,
      ).toBe(2048);
    });
  });
});

describe('as-agent with PSA Crypto keys (Mbed TLS) and the small-MCU profile', () => {
  it('passes every conformance requirement with maxFrame 512 and a 2560-byte message buffer', async () => {
    const dir = path.join(tmp, 'psa');
    fs.mkdirSync(dir, { recursive: true });
    const agent = await startAgent(
      agentBin,
      path.join(dir, 'tty'),
      [
        '--psa',
        '--psa-dir',
        dir,
        '--state',
        path.join(dir, 'state.bin'),
        '--uid',
        'AGENT-PSA-01',
        '--max-frame',
        '512',
        '--msg-size',
        '2560',
        '--model',
        'AS-AGENT-PSA',
      ],
      process.env,
    );
    agents.push(agent);
    const r = await conformance(agent.link, path.join(dir, 'home'));
    expect(r).toMatchObject({ passed: 19, failed: 0, skipped: 0 });
    expect(r.results.find((x) => x.id === 'HELLO-1')!.detail).toMatch(/maxFrame 512/);
    expect(fs.readdirSync(dir).some((f) => f.endsWith('.psa_its'))).toBe(true);
    process.stdout.write(
      `device-sdk agent (PSA, maxFrame 512) conformance: ${r.passed} passed, ${r.failed} failed\n`,
    );
  }, 90_000);
});

describe('as-agent shutdown', () => {
  it('every agent stops on SIGTERM with exit 0 (no sanitizer report) and removes its PTY link', async () => {
    const codes: Array<number | null> = [];
    for (const a of agents) codes.push(await a.stop());
    agents.forEach((a, i) => {
      expect(codes[i], a.output()).toBe(0);
      expect(a.output()).not.toMatch(/AddressSanitizer|runtime error|LeakSanitizer/);
      expect(a.output()).toMatch(/as-agent stopped: \d+ frames/);
      expect(fs.existsSync(a.link)).toBe(false);
    });
  });
});
