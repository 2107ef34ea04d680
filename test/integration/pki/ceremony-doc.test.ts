/**
 * The offline-root ceremony of docs/pki.md §8, run exactly as the page shows it: the first `sh` block of
 * that section is taken from the file and run with bash (`-euo pipefail`), with `asset-station` on the
 * PATH pointing at this checkout's CLI and a station home whose issuing key is in a SoftHSM2 token.
 * If the page and the product drift apart, this test fails. Skipped, saying why, only when SoftHSM2 is
 * not installed (`.ci/run` installs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers';
import { makeSoftHsm, softHsmModule, type SoftHsm } from './softhsm';

const ROOT_DIR = path.resolve(__dirname, '../../..');
const PIN = '86420';

const missing = (() => {
  try {
    softHsmModule();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
})();

const tmp = tempDirs('pki-ceremony-');

/** The first ```sh block after the "## 8." heading of docs/pki.md. */
function ceremonyBlock(): string {
  const page = fs.readFileSync(path.join(ROOT_DIR, 'docs/pki.md'), 'utf8');
  const section = page.slice(page.indexOf('\n## 8.'));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('docs/pki.md §8 has no sh block');
  return m[1]!;
}

/** Runs `cmd` with `args` (not spawnSync for bash: the CLI it starts may take a while); resolves at exit. */
function run(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(cmd, args, { ...o, timeout: 180_000 });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise<{ status: number | null; out: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, out })),
  );
}

describe.skipIf(missing !== undefined)(
  `docs/pki.md §8 offline-root ceremony, run as written${missing ? ` — skipped: ${missing}` : ''}`,
  { timeout: 200_000 },
  () => {
    let hsm: SoftHsm | undefined;
    afterAll(() => hsm?.remove());

    it('certifies the HSM-held issuing key under an openssl root; a device certificate verifies -x509_strict', async () => {
      hsm = makeSoftHsm('factory-ca', PIN);
      const home = tmp();
      const work = tmp();
      const bin = tmp();
      fs.writeFileSync(
        path.join(bin, 'asset-station'),
        `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT_DIR, 'bin/asset-station.js')}" --home "${home}" "$@"\n`,
        { mode: 0o755 },
      );
      const env = {
        ...process.env,
        ...hsm.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        ASSET_STATION_VAULT_PASSPHRASE: 'ceremony-vault-pass',
        ASSET_STATION_TOKEN_PIN: PIN,
        ROOT_PASS: 'offline-root-passphrase',
      };
      const init = await run(
        'asset-station',
        ['ca', 'init', '--pkcs11', hsm.module, '--token', 'factory-ca', '--org', 'Acme Devices'],
        { cwd: work, env },
      );
      expect(init.out).toMatch(/token|HSM/i);
      expect(init.status).toBe(0);

      const r = await run('bash', ['-euo', 'pipefail', '-c', ceremonyBlock()], { cwd: work, env });
      expect(r.out).not.toMatch(/error/i);
      expect(r.status).toBe(0);
      // Both openssl verify steps of the block said OK.
      expect(r.out).toMatch(/^station7-ca\.pem: OK$/m);
      expect(r.out).toMatch(/^device\.pem: OK$/m);
      // The root key was written encrypted; the station's chain now ends at the offline root.
      expect(fs.readFileSync(path.join(work, 'root.key'), 'utf8')).toMatch(
        /^-----BEGIN ENCRYPTED PRIVATE KEY-----/,
      );
      const show = spawnSync('asset-station', ['--json', 'ca', 'show'], { cwd: work, env, encoding: 'utf8' });
      const chain = (JSON.parse(show.stdout) as { chain: Array<{ subject: string }> }).chain;
      expect(chain.map((c) => c.subject)).toEqual([
        'CN=Acme Station 7 Issuing CA, O=Acme Devices, C=DE',
        'CN=Acme Offline Root CA, O=Acme Devices, C=DE',
      ]);
      // The device certificate's issuer is the HSM-held issuing CA.
      const issuer = spawnSync('openssl', ['x509', '-in', 'device.pem', '-noout', '-issuer'], {
        cwd: work,
        encoding: 'utf8',
      });
      expect(issuer.stdout.trim()).toBe('issuer=C = DE, O = Acme Devices, CN = Acme Station 7 Issuing CA');
    });
  },
);
