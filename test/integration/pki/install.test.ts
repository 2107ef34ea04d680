/**
 * A common root for many stations, with a file-key station CA: `request` writes a CSR openssl
 * verifies, an offline root made with openssl signs it, `install` checks and installs it, and devices
 * then verify up to that root. Every check of `install` is provoked: another key, no path length
 * constraint, an end-entity certificate, another root, a root whose pathlen is too short, stray
 * certificates in the chain file. A refused install leaves the station's chain as it was.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationCa, parseCsr } from '../../../core/pki';
import { buildCsr, genKey } from '../../unit/pki/csr-builder';
import { memoryStore, tempDirs } from './helpers';
import { makeOfflineRoot, opensslEcCsr, opensslVerify, pemFile, type OfflineRoot } from './openssl';

const tmp = tempDirs('pki-install-');

describe('ca request / ca install with an offline root', () => {
  let home: string;
  let work: string;
  let ca: StationCa;
  let root: OfflineRoot;
  let csrPath: string;

  beforeAll(async () => {
    home = tmp();
    work = tmp();
    ca = await StationCa.init(home, memoryStore(), { subjectO: 'Acme Devices', env: {} });
    root = makeOfflineRoot(path.join(work, 'root'));
    csrPath = pemFile(
      work,
      'station.csr',
      await ca.request('/C=DE/O=Acme Devices/CN=Acme Station 3 Issuing CA'),
      'CERTIFICATE REQUEST',
    );
  });
  afterAll(() => ca.close());

  const chainPem = () => fs.readFileSync(path.join(home, 'ca', 'chain.pem'), 'utf8');
  function refused(cert: string, chain: string, code: string, why: RegExp): void {
    const before = chainPem();
    expect(() => ca.install(fs.readFileSync(cert), fs.readFileSync(chain))).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(why) }),
    );
    expect(chainPem()).toBe(before);
  }

  it('the CSR asks for a CA certificate (CA:TRUE, pathlen 0, keyCertSign + cRLSign) and openssl verifies it', () => {
    const text = execFileSync('openssl', ['req', '-in', csrPath, '-noout', '-text', '-verify'], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(text).toMatch(/Subject: C = DE, O = Acme Devices, CN = Acme Station 3 Issuing CA/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
  });

  it('refuses a certificate for another key', () => {
    const other = opensslEcCsr(path.join(work, 'other.key'), '/CN=Other', path.join(work, 'other.csr'));
    refused(
      root.sign(other, path.join(work, 'other.pem')),
      root.cert,
      'CA_KEY_MISMATCH',
      /is for another key than this station's issuing key/,
    );
  });

  it('refuses a CA certificate without pathlen 0, and an end-entity certificate', () => {
    refused(
      root.sign(csrPath, path.join(work, 'nopath.pem'), 'no_pathlen_ext'),
      root.cert,
      'CA_IMPORT_INVALID',
      /no path length constraint; a station issuing CA must have pathlen 0/,
    );
    refused(
      root.sign(csrPath, path.join(work, 'leaf.pem'), 'leaf_ext'),
      root.cert,
      'CA_IMPORT_INVALID',
      /is not a CA certificate/,
    );
  });

  it('refuses a certificate the given root did not sign (same name, another key)', () => {
    const impostor = makeOfflineRoot(path.join(work, 'impostor'));
    refused(
      root.sign(csrPath, path.join(work, 'a.pem')),
      impostor.cert,
      'CA_IMPORT_INVALID',
      /holds no certificate that issued CN=Acme Station 3 Issuing CA/,
    );
  });

  it('refuses a root whose pathlen 0 forbids a CA under it, and stray certificates in the chain file', () => {
    const short = makeOfflineRoot(path.join(work, 'short'), 'Short Root', 'root0_ext');
    refused(
      short.sign(csrPath, path.join(work, 's.pem')),
      short.cert,
      'CA_IMPORT_INVALID',
      /allows pathlen 0, too short/,
    );
    const stray = path.join(work, 'stray.pem');
    fs.writeFileSync(stray, fs.readFileSync(root.cert, 'utf8') + fs.readFileSync(short.cert, 'utf8'));
    refused(root.sign(csrPath, path.join(work, 'b.pem')), stray, 'CA_IMPORT_INVALID', /not on the path/);
  });

  it('installs the certificate the root signed; devices get leaf, issuing CA, root and verify to the root', async () => {
    const info = ca.install(
      fs.readFileSync(root.sign(csrPath, path.join(work, 'good.pem'))),
      fs.readFileSync(root.cert),
    );
    expect(info.chain.map((c) => c.subject)).toEqual([
      'CN=Acme Station 3 Issuing CA, O=Acme Devices, C=DE',
      'CN=Acme Offline Root CA, O=Acme Devices, C=DE',
    ]);
    const cert = await ca.issue(
      await parseCsr(buildCsr({ keys: genKey('p256'), subject: [['CN', 'dev-9']] })),
      { deviceUid: 'dev-9' },
    );
    expect(cert.chain).toHaveLength(3);
    const v = opensslVerify(work, cert.chain[0]!, [cert.chain[1]!], root.cert);
    expect(v.out).toMatch(/: OK/);
    expect(ca.verifyDeviceChain(cert.chain).ok).toBe(true);
    // A reopened CA serves the installed chain.
    expect(StationCa.describe(home).chain[0]!.subject).toBe(
      'CN=Acme Station 3 Issuing CA, O=Acme Devices, C=DE',
    );
    // The CRL is issued under the installed name.
    await ca.revoke({ deviceUid: 'dev-9' }, { reason: 'superseded' });
    const crl = path.join(home, 'ca', 'crl.pem');
    expect(opensslVerify(work, cert.chain[0]!, [cert.chain[1]!], root.cert, crl).out).toMatch(
      /certificate revoked/,
    );
  });
});
