/**
 * The Salesforce CLI commands: `sim org --json` (one JSON line once listening, a working admin token,
 * clean exit on SIGTERM, data kept in the home) and `org login --jwt-key-file / status / logout`.
 */
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startOrgEmulator } from '../../../sim/org';

const bin = path.resolve(__dirname, '../../../bin/asset-station.js');
const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true });
});

function run(home: string): Promise<{ line: Record<string, string>; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, '--home', home, '--json', 'sim', 'org', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no JSON line within 20 s: ${out} ${err}`));
    }, 20_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({
          line: JSON.parse(out.slice(0, nl)) as Record<string, string>,
          stop: () =>
            new Promise((res) => {
              child.once('exit', (code) => res(code));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

it('prints {baseUrl, clientId, accessToken}, serves REST with that token, stops on SIGTERM, persists', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-org-cli-'));
  homes.push(home);
  const a = await run(home);
  expect(a.line.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(a.line.clientId).toBeTruthy();
  const r = await fetch(`${a.line.baseUrl}/services/data/v62.0/sobjects/Asset/Device_UID__c/CLI-1`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${a.line.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Name: 'cli', AccountId: a.line.defaultAccountId }),
  });
  expect(r.status).toBe(201);
  expect(await a.stop()).toBe(0);
  const b = await run(home);
  expect(b.line.clientId).toBe(a.line.clientId);
  const assets = (await (await fetch(`${b.line.baseUrl}/emulator/assets`)).json()) as Array<{
    Device_UID__c: string;
  }>;
  expect(assets.map((x) => x.Device_UID__c)).toContain('CLI-1');
  expect(await b.stop()).toBe(0);
}, 60_000);

function cli(home: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, '--home', home, '--json', ...args],
      { env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: 'cli test passphrase' }, timeout: 30_000 },
      (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

it('org login (JWT bearer, key from a file into the vault) → status with API usage → logout', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'org-cli-'));
  homes.push(home);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const emu = await startOrgEmulator({
    jwtBearerCertPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  try {
    fs.writeFileSync(
      path.join(home, 'config.json'),
      JSON.stringify({
        salesforce: {
          loginUrl: emu.baseUrl,
          clientId: emu.clientId,
          authFlow: 'jwt',
          username: emu.adminUsername,
          accountId: emu.defaultAccountId,
        },
      }),
    );
    const keyFile = path.join(home, 'station.key');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
      mode: 0o600,
    });
    const login = await cli(home, ['org', 'login', '--jwt-key-file', keyFile]);
    expect(login.code, login.err).toBe(0);
    expect(JSON.parse(login.out)).toMatchObject({
      connected: true,
      username: emu.adminUsername,
      orgId: emu.orgId,
    });
    expect(fs.readFileSync(path.join(home, 'secrets.vault'), 'utf8')).not.toContain('PRIVATE KEY');
    const status = await cli(home, ['org', 'status']);
    expect(status.code, status.err).toBe(0);
    expect(JSON.parse(status.out).apiUsage.limit).toBe(100000);
    const out = await cli(home, ['org', 'logout']);
    expect(out.code, out.err).toBe(0);
    expect(JSON.parse(out.out)).toEqual({ connected: false });
  } finally {
    await emu.stop();
  }
}, 90_000);
