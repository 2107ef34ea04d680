/**
 * `asset-station ca …` with the issuing key in a SoftHSM2 token, as an operator runs it: init in the
 * token (PIN from ASSET_STATION_TOKEN_PIN, never an argument), the subject template, sign, request and
 * install under an openssl root, revoke, print and serve the CRL, store the PIN in the vault, and the
 * errors for a wrong PIN and a missing token.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crlText, makeOfflineRoot, opensslEcCsr, opensslVerify } from './openssl';
import { makeSoftHsm, pkcs11ToolLoggedIn } from './softhsm';
import { decodePemAll } from '../../../core/pki/pem';

const root = path.resolve(__dirname, '../../..');
const PIN = '24680';
const hsm = makeSoftHsm('cli-ca', PIN);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pki-cli-hsm-'));
afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  hsm.remove();
});

const baseEnv = () => ({
  ...process.env,
  ...hsm.env,
  ASSET_STATION_VAULT_PASSPHRASE: 'vault-pass-123',
  ASSET_STATION_CA_PASSPHRASE: '',
  ASSET_STATION_TOKEN_PIN: PIN,
});

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/asset-station.js'), '--home', home, ...args], {
    encoding: 'utf8',
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function csr(name: string, subj: string): string {
  return opensslEcCsr(path.join(home, `${name}.key`), subj, path.join(home, `${name}.csr`));
}

const ders = (file: string) => decodePemAll(fs.readFileSync(file, 'utf8')).map((b) => b.der);

// Each test runs several CLI processes (about 2 s each on the shared 2-core box).
describe('asset-station ca with an HSM token', { timeout: 120_000 }, () => {
  it('init --pkcs11 generates the key in the token; the PIN is never an argument', () => {
    const init = cli([
      '--json',
      'ca',
      'init',
      '--pkcs11',
      hsm.module,
      '--token',
      'cli-ca',
      '--key-label',
      'cli-key',
      '--algorithm',
      'ec-p256',
      '--org',
      'Acme',
    ]);
    // The first command on a fresh home creates the vault (the PIN is kept there) and says so; nothing else.
    expect(init.err).toBe(`No station vault at ${path.join(home, 'secrets.vault')} yet: creating one.\n`);
    expect(init.code).toBe(0);
    const info = JSON.parse(init.out);
    expect(info.signer).toMatch(/^PKCS#11 key 'cli-key' \(id [0-9a-f]{16}\) on token 'cli-ca'/);
    expect(info.chain[0].keyAlgorithm).toBe('ECDSA-P256');
    expect(fs.existsSync(path.join(home, 'ca', 'issuing.key'))).toBe(false);
    expect(pkcs11ToolLoggedIn(hsm, 'cli-ca', PIN, ['--list-objects', '--type', 'privkey'])).toMatch(
      /label:\s+cli-key[\s\S]*Access:\s+sensitive, always sensitive, never extractable/,
    );
    const show = cli(['ca', 'show']);
    expect(show.out).toMatch(/issuing key in PKCS#11 key 'cli-key' .* on HSM token 'cli-ca'/);
    // There is no option that takes a PIN.
    const help = cli(['ca', 'init', '--help']);
    expect(help.out).not.toMatch(/--pin/);
  });

  it('subject sets the template; sign issues a certificate with C and serialNumber from it', () => {
    const set = cli(['ca', 'subject', '/C=DE/ST=Bayern/O=Acme/OU=Line 2/CN={uid}/serialNumber={uid}']);
    expect(set.code).toBe(0);
    expect(set.out).toMatch(
      /Device subject template set: \/C=DE\/ST=Bayern\/O=Acme\/OU=Line 2\/CN=\{uid\}\/serialNumber=\{uid\}/,
    );
    expect(cli(['ca', 'subject']).out.trim()).toBe(
      '/C=DE/ST=Bayern/O=Acme/OU=Line 2/CN={uid}/serialNumber={uid}',
    );
    const bad = cli(['ca', 'subject', '/C=Germany/CN={uid}']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/C must be a two-letter ISO 3166 country code/);
    const file = csr('d1', '/C=DE/ST=Bayern/O=Acme/OU=Line 2/CN=SN-1/serialNumber=SN-1');
    const out = path.join(home, 'd1.pem');
    const sign = cli(['--json', 'ca', 'sign', '--csr', file, '--uid', 'SN-1', '--out', out]);
    expect(sign.err).toBe('');
    expect(JSON.parse(sign.out).subject).toBe(
      'serialNumber=SN-1, CN=SN-1, OU=Line 2, O=Acme, ST=Bayern, C=DE',
    );
    const [leaf, issuing, rootDer] = ders(out);
    const rootPath = path.join(home, 'dev-root.pem');
    fs.writeFileSync(rootPath, fs.readFileSync(out, 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/)[2]!);
    expect(rootDer).toBeDefined();
    expect(opensslVerify(home, leaf!, [issuing!], rootPath).ok).toBe(true);
  });

  it('request + install put the station under an openssl root; sign then chains to it', () => {
    const offline = makeOfflineRoot(path.join(home, 'root'));
    const req = path.join(home, 'station.csr');
    const r = cli(['ca', 'request', '--out', req, '--subject', '/C=DE/O=Acme/CN=Acme Station 2 Issuing CA']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/CSR for the issuing CA key \(PKCS#11 key 'cli-key'/);
    const signed = offline.sign(req, path.join(home, 'station-ca.pem'));
    const inst = cli(['ca', 'install', signed, '--chain', offline.cert]);
    expect(inst.err).toBe('');
    expect(inst.out).toMatch(/Issuing CA certificate installed/);
    expect(inst.out).toMatch(/root CA\s+CN=Acme Offline Root CA/);
    const out = path.join(home, 'd2.pem');
    expect(
      cli([
        'ca',
        'sign',
        '--csr',
        csr('d2', '/C=DE/ST=Bayern/O=Acme/OU=Line 2/CN=SN-2/serialNumber=SN-2'),
        '--uid',
        'SN-2',
        '--out',
        out,
      ]).code,
    ).toBe(0);
    const [leaf, issuing] = ders(out);
    expect(opensslVerify(home, leaf!, [issuing!], offline.cert).ok).toBe(true);
    const refused = cli(['ca', 'install', path.join(home, 'd2.pem'), '--chain', offline.cert]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/more than one certificate|another key/);
  });

  it('revoke records the revocation and publishes a CRL; ca crl prints it; openssl shows the entry', () => {
    const rev = cli([
      '--json',
      'ca',
      'revoke',
      'SN-2',
      '--reason',
      'keyCompromise',
      '--note',
      'clone found on line 2',
    ]);
    expect(rev.err).toBe('');
    const out = JSON.parse(rev.out);
    expect(out.revoked).toHaveLength(1);
    const serial: string = out.revoked[0].serial;
    expect(out.crl.entries).toBe(1);
    const crlFile = path.join(home, 'printed.crl');
    const printed = cli(['ca', 'crl']);
    expect(printed.code).toBe(0);
    expect(printed.out).toMatch(/^-----BEGIN X509 CRL-----/);
    fs.writeFileSync(crlFile, printed.out);
    const text = crlText(crlFile);
    expect(text).toMatch(new RegExp(`Serial Number: ${serial.toUpperCase()}[\\s\\S]*Key Compromise`));
    expect(text).toMatch(/Issuer: C = DE, O = Acme, CN = Acme Station 2 Issuing CA/);
    expect(text).toMatch(new RegExp(`X509v3 CRL Number:\\s+${out.crl.number + 1}\\b`));
    // The audit log records who revoked what, and still verifies.
    const audit = cli(['--json', 'audit', 'list']);
    expect(audit.out).toContain('ca.revoke');
    expect(cli(['audit', 'verify']).code).toBe(0);
    // Revoking by serial (with colons) finds the same certificate: already revoked.
    const again = cli([
      '--json',
      'ca',
      'revoke',
      serial.replace(/(..)(?!$)/g, '$1:'),
      '--reason',
      'keyCompromise',
    ]);
    expect(JSON.parse(again.out).alreadyRevoked).toHaveLength(1);
    const badReason = cli(['ca', 'revoke', 'SN-1', '--reason', 'stolen']);
    expect(badReason.code).toBe(1);
    expect(badReason.err).toMatch(/'stolen' is not a revocation reason/);
    const unknown = cli(['ca', 'revoke', 'NO-SUCH-DEVICE', '--reason', 'superseded']);
    expect(unknown.err).toMatch(/has not issued a certificate for device NO-SUCH-DEVICE/);
  });

  it('ca crl --serve publishes the CRL on loopback HTTP until stopped', async () => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'bin/asset-station.js'), '--home', home, 'ca', 'crl', '--serve', '--port', '0'],
      {
        env: baseEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const m = /Serving the CRL at (\S+)/.exec(buf);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
        setTimeout(() => reject(new Error('no URL printed')), 30_000);
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/crl\.der$/);
      const res = await fetch(url);
      expect(res.headers.get('content-type')).toBe('application/pkix-crl');
      const file = path.join(home, 'served.crl');
      fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      expect(crlText(file, true)).toMatch(/Key Compromise/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('a wrong PIN or a missing token fails with what happened and what to do; ca pin stores a working PIN', () => {
    const wrong = cli(['ca', 'crl'], { ASSET_STATION_TOKEN_PIN: '99999' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/error: CONFIGURATION: The PIN for HSM token 'cli-ca' .* is wrong\./);
    expect(wrong.err).toMatch(/what to do: Set the token's user PIN in ASSET_STATION_TOKEN_PIN/);
    const noToken = cli(['ca', 'init', '--force', '--pkcs11', hsm.module, '--token', 'absent']);
    expect(noToken.code).toBe(1);
    expect(noToken.err).toMatch(/No token labelled 'absent' is present/);
    expect(cli(['ca', 'show']).out).toMatch(/on HSM token 'cli-ca'/); // the CA is untouched
    // Store the PIN in the vault; then the CA opens without the environment variable.
    expect(cli(['ca', 'pin']).code).toBe(0);
    const fromVault = cli(['ca', 'crl', '--out', path.join(home, 'v.crl')], { ASSET_STATION_TOKEN_PIN: '' });
    expect(fromVault.err).toBe('');
    expect(fromVault.out).toMatch(/written to/);
    const wrongPinStore = cli(['ca', 'pin'], { ASSET_STATION_TOKEN_PIN: '11111' });
    expect(wrongPinStore.code).toBe(1);
    expect(wrongPinStore.err).toMatch(/is wrong/);
  });
});
