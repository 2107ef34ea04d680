/** `asset-station ca …` as an operator runs it: init, show, sign (success, idempotent, refusals), import. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { opensslEcCsr } from './openssl';

const root = path.resolve(__dirname, '../../..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pki-cli-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/asset-station.js'), '--home', home, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      ASSET_STATION_VAULT_PASSPHRASE: 'vault-pass-123',
      ASSET_STATION_CA_PASSPHRASE: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function csr(name: string, subj: string): string {
  return opensslEcCsr(path.join(home, `${name}.key`), subj, path.join(home, `${name}.csr`));
}

describe('asset-station ca', () => {
  it('show before init exits non-zero; init creates the CA; show prints the chain', () => {
    expect(cli(['ca', 'show']).code).toBe(1);
    const init = cli(['--json', 'ca', 'init', '--org', 'Acme']);
    expect(init.code).toBe(0);
    const info = JSON.parse(init.out);
    expect(info.chain).toHaveLength(2);
    expect(info.chain[0].keyAlgorithm).toBe('ECDSA-P256');
    const show = cli(['ca', 'show']);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/issuing CA\s+CN=Acme Issuing CA/);
  });

  it('sign issues a chain openssl verifies, is idempotent, and refuses clones and subject mismatches with the reason', () => {
    const file = csr('d1', '/O=Acme/CN=dev-1');
    const out = path.join(home, 'd1.pem');
    const first = cli(['--json', 'ca', 'sign', '--csr', file, '--uid', 'dev-1', '--out', out]);
    expect(first.code).toBe(0);
    const issued = JSON.parse(first.out);
    const pems = fs.readFileSync(out, 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/);
    expect(pems).toHaveLength(3);
    const [leaf, issuing, rootPem] = pems.map((p, i) => {
      const f = path.join(home, `c${i}.pem`);
      fs.writeFileSync(f, p);
      return f;
    });
    const v = spawnSync(
      'openssl',
      ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', rootPem!, '-untrusted', issuing!, leaf!],
      { encoding: 'utf8' },
    );
    expect(v.stdout).toMatch(/: OK/);
    const again = cli(['--json', 'ca', 'sign', '--csr', file, '--uid', 'dev-1', '--out', out]);
    expect(JSON.parse(again.out)).toMatchObject({ serial: issued.serial, reused: true });

    const mismatch = cli(['ca', 'sign', '--csr', file, '--uid', 'dev-2', '--out', path.join(home, 'x.pem')]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toMatch(/CN is "dev-1"; the station asked for "dev-2"/);

    const clone = cli([
      '--json',
      'ca',
      'sign',
      '--csr',
      csr('d1b', '/O=Acme/CN=dev-1'),
      '--uid',
      'dev-1',
      '--out',
      path.join(home, 'x.pem'),
    ]);
    expect(clone.code).toBe(1);
    expect(JSON.parse(clone.out).error.code).toBe('REPROVISION_REQUIRED');
  });

  it('refuses to sign with a wrong CA passphrase from the environment', () => {
    const r = cli(
      ['ca', 'sign', '--csr', path.join(home, 'd1.csr'), '--uid', 'dev-1', '--out', path.join(home, 'x.pem')],
      {
        ASSET_STATION_CA_PASSPHRASE: 'not-the-passphrase',
      },
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/could not be decrypted/);
  });
});
