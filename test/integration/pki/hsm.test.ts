/**
 * The station CA with its issuing key in an HSM: a SoftHSM2 token in a temporary folder, driven
 * through PKCS#11 (pkcs11js) exactly as a hardware token would be. Init in the token (key attributes
 * read back through PKCS#11 and pkcs11-tool), the CSR for an offline root made with openssl and the
 * installed chain, a batch of device certificates each verified with `openssl verify -x509_strict` up
 * to that root, the subject string types (`openssl asn1parse`), revocation with a CRL the token signs
 * (`openssl crl -text`, `openssl verify -crl_check`), the CRL over loopback HTTP, and every failure an
 * operator can meet: wrong PIN, no PIN, token missing, module missing, key missing, extractable key,
 * token pulled out in the middle of a batch (nothing half-issued; the batch resumes once it is back).
 *
 * The whole file shares one SoftHSM2 configuration (SOFTHSM2_CONF is read when the module starts).
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/records/audit';
import { openStationDb, type Db } from '../../../core/records/db';
import {
  DEFAULT_CSR_POLICY,
  Pkcs11Signer,
  StationCa,
  checkCsrPolicy,
  csrExpectationFor,
  parseCsr,
  serveCrl,
  type VerifiedCsr,
} from '../../../core/pki';
import { TAG } from '../../../core/pki/der';
import { buildCsr, genKey, type KeySpec } from '../../unit/pki/csr-builder';
import { FULL_SUBJECT_TEMPLATE } from '../../unit/pki/subject-fixture';
import {
  crlText,
  makeOfflineRoot,
  nameStringTypes,
  opensslVerify,
  pemFile,
  type OfflineRoot,
} from './openssl';
import { memoryStore, tempDirs } from './helpers';
import { makeSoftHsm, pkcs11Tool, pkcs11ToolLoggedIn } from './softhsm';

const PIN = '4321';
const hsm = makeSoftHsm('ca-ec', PIN);
const tmp = tempDirs('pki-hsm-', [hsm.dir]);

const pinEnv = { ASSET_STATION_TOKEN_PIN: PIN } as NodeJS.ProcessEnv;
const SUBJECT = FULL_SUBJECT_TEMPLATE;

/** A CSR with the full subject template (C and serialNumber PrintableString, as devices send them). */
async function deviceCsr(spec: KeySpec, uid: string, keys = genKey(spec)): Promise<VerifiedCsr> {
  return parseCsr(
    buildCsr({
      keys,
      subject: [
        ['C', 'DE', TAG.PrintableString],
        ['ST', 'Bayern'],
        ['L', 'München'],
        ['O', 'Acme Devices'],
        ['OU', 'Sensors'],
        ['CN', uid],
        ['serialNumber', uid, TAG.PrintableString],
      ],
      sans: [`uri:urn:dev:uid:${uid}`],
    }),
  );
}

describe('station CA with its issuing key in a SoftHSM2 token', () => {
  let home: string;
  let work: string;
  let db: Db;
  let secrets: ReturnType<typeof memoryStore>;
  let ca: StationCa;
  let root: OfflineRoot;
  const issued: Array<{ uid: string; csr: VerifiedCsr; chain: Uint8Array[]; serial: string }> = [];

  beforeAll(async () => {
    home = tmp();
    work = tmp();
    db = openStationDb(home);
    secrets = memoryStore();
    ca = await StationCa.init(home, secrets, {
      subjectO: 'Acme Devices',
      pkcs11: { module: hsm.module, token: 'ca-ec', keyLabel: 'station-7-ca' },
      profile: { subject: SUBJECT },
      env: pinEnv,
      db,
    });
    root = makeOfflineRoot(path.join(work, 'root'));
  });
  afterAll(() => {
    ca.close();
    db.close();
  });

  it('generates the issuing key inside the token: private, sensitive, never extractable; no key on disk', () => {
    expect(ca.meta.signer).toMatchObject({ kind: 'pkcs11', token: 'ca-ec', keyLabel: 'station-7-ca' });
    expect(fs.readdirSync(path.join(home, 'ca')).sort()).toEqual(['ca.json', 'chain.pem']);
    expect(secrets.map.get('ca.tokenPin')).toBe(PIN);
    // Through the library (PKCS#11 C_GetAttributeValue on the private key object).
    const attrs = (ca.signer as Pkcs11Signer).keyAttributes();
    expect(attrs).toEqual({
      token: true,
      private: true,
      sensitive: true,
      extractable: false,
      alwaysSensitive: true,
      neverExtractable: true,
      sign: true,
    });
    // Through opensc's pkcs11-tool, independent of the station's code.
    const listing = pkcs11ToolLoggedIn(hsm, 'ca-ec', PIN, ['--list-objects', '--type', 'privkey']);
    expect(listing).toMatch(/Private Key Object; EC[\s\S]*label:\s+station-7-ca/);
    const access = /Access:\s+(.*)/.exec(listing)![1]!;
    expect(access).toContain('sensitive');
    expect(access).toContain('never extractable');
    expect(access.replace('never extractable', '')).not.toContain('extractable');
    // The public half matches the issuing CA certificate.
    const issuing = new crypto.X509Certificate(Buffer.from(ca.chain()[0]!));
    expect(Buffer.from(issuing.publicKey.export({ type: 'spki', format: 'der' }))).toEqual(
      Buffer.from(ca.signer.publicKeySpki),
    );
  });

  it('writes a CSR for the offline root, signed by the token key; installs the certificate the root signed', async () => {
    const csrDer = await ca.request('/C=DE/O=Acme Devices/CN=Acme Station 7 Issuing CA');
    const csrPath = pemFile(work, 'station.csr', csrDer, 'CERTIFICATE REQUEST');
    expect(
      execFileSync('openssl', ['req', '-in', csrPath, '-verify', '-noout'], {
        encoding: 'utf8',
        stdio: 'pipe',
      }).toString(),
    ).toBe('');
    const parsed = await parseCsr(csrDer);
    expect(Buffer.from(parsed.publicKeySpki)).toEqual(Buffer.from(ca.signer.publicKeySpki));
    expect(parsed.subject.map((a) => [a.type, a.value, a.stringType])).toEqual([
      ['C', 'DE', 'PrintableString'],
      ['O', 'Acme Devices', 'UTF8String'],
      ['CN', 'Acme Station 7 Issuing CA', 'UTF8String'],
    ]);
    const certPath = root.sign(csrPath, path.join(work, 'station-ca.pem'));
    const info = ca.install(fs.readFileSync(certPath), fs.readFileSync(root.cert));
    expect(info.chain.map((c) => c.subject)).toEqual([
      'CN=Acme Station 7 Issuing CA, O=Acme Devices, C=DE',
      'CN=Acme Offline Root CA, O=Acme Devices, C=DE',
    ]);
    expect(StationCa.describe(home).chain[1]!.subject).toContain('Acme Offline Root CA');
    expect(fs.existsSync(path.join(home, 'ca', 'chain.pem.previous'))).toBe(true);
  });

  it('issues a batch of device certificates with the token key; each verifies to the openssl root (-x509_strict)', async () => {
    const specs: KeySpec[] = ['p256', 'p384', 'rsa2048', 'ed25519', 'p256'];
    for (const [i, spec] of specs.entries()) {
      const uid = `SN-HSM-${i}`;
      const csr = await deviceCsr(spec, uid);
      checkCsrPolicy(csr, csrExpectationFor(ca.profile(), uid, [...DEFAULT_CSR_POLICY.allowedAlgorithms]));
      const cert = await ca.issue(csr, { deviceUid: uid });
      expect(cert.reused).toBe(false);
      expect(cert.chain).toHaveLength(3);
      expect(Buffer.from(cert.chain[2]!).toString('base64')).toBe(
        fs.readFileSync(root.cert, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''),
      );
      const v = opensslVerify(work, cert.chain[0]!, [cert.chain[1]!], root.cert);
      expect(v.out).toMatch(/: OK/);
      expect(v.ok).toBe(true);
      expect(ca.verifyDeviceChain(cert.chain)).toMatchObject({ ok: true });
      issued.push({ uid, csr, chain: cert.chain, serial: cert.serial });
    }
    expect(new Set(issued.map((d) => d.serial)).size).toBe(specs.length);
  });

  it('writes C and serialNumber as PrintableString and the other attributes as UTF8String (openssl asn1parse)', () => {
    const leafPath = pemFile(work, 'leaf0.pem', issued[0]!.chain[0]!);
    const types = nameStringTypes(leafPath);
    const subjectTypes = Object.fromEntries(types.slice(-7)); // issuer first, then the subject
    expect(subjectTypes).toEqual({
      countryName: 'PRINTABLESTRING',
      stateOrProvinceName: 'UTF8STRING',
      localityName: 'UTF8STRING',
      organizationName: 'UTF8STRING',
      organizationalUnitName: 'UTF8STRING',
      commonName: 'UTF8STRING',
      serialNumber: 'PRINTABLESTRING',
    });
    expect(types.filter(([a]) => a === 'countryName').every(([, t]) => t === 'PRINTABLESTRING')).toBe(true);
    const subject = execFileSync(
      'openssl',
      ['x509', '-in', leafPath, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'],
      {
        encoding: 'utf8',
      },
    );
    expect(subject.trim()).toBe(
      'subject=serialNumber=SN-HSM-0,CN=SN-HSM-0,OU=Sensors,O=Acme Devices,L=München,ST=Bayern,C=DE',
    );
  });

  it('revokes a device: recorded and audited, isRevoked, verify refuses it, and the CRL the token signs lists it', async () => {
    const audit = await AuditLog.open(db, secrets, 'station-7');
    const target = issued[0]!;
    const out = await ca.revoke(
      { deviceUid: target.uid },
      { reason: 'keyCompromise', actor: 'qa-lead', note: 'clone found', audit },
    );
    expect(out.revoked).toEqual([
      expect.objectContaining({
        serial: target.serial,
        deviceUid: target.uid,
        reason: 'keyCompromise',
        actor: 'qa-lead',
      }),
    ]);
    expect(ca.isRevoked(target.serial)).toBe(true);
    expect(ca.isRevoked(target.serial.toUpperCase().replace(/(..)(?!$)/g, '$1:'))).toBe(true);
    expect(ca.isRevoked(issued[1]!.serial)).toBe(false);
    expect(ca.revocationsFor(target.uid)).toHaveLength(1);
    const verdict = ca.verifyDeviceChain(target.chain);
    expect(verdict.ok).toBe(false);
    expect(verdict.detail).toMatch(/revoked on .* \(keyCompromise\)/);
    expect(ca.verifyDeviceChain(issued[1]!.chain).ok).toBe(true);
    const events = audit.entries(target.uid).filter((e) => e.action === 'ca.revoke');
    expect(events).toEqual([
      expect.objectContaining({
        actor: 'qa-lead',
        data: { serial: target.serial, reason: 'keyCompromise', note: 'clone found' },
      }),
    ]);
    expect(audit.verify().ok).toBe(true);

    const crlPath = path.join(home, 'ca', 'crl.pem');
    const text = crlText(crlPath);
    expect(text).toMatch(/Version 2/);
    expect(text).toMatch(/Issuer: C = DE, O = Acme Devices, CN = Acme Station 7 Issuing CA/);
    expect(text).toMatch(
      new RegExp(
        `Serial Number: ${target.serial.toUpperCase()}\\s+Revocation Date: .*\\s+CRL entry extensions:\\s+X509v3 CRL Reason Code:\\s+Key Compromise`,
      ),
    );
    expect(text).toMatch(new RegExp(`X509v3 CRL Number:\\s+${out.crl.number}\\b`));
    expect(text).toMatch(/X509v3 Authority Key Identifier/);
    // The CRL's signature verifies with the issuing CA (the token key).
    const caFile = path.join(work, 'ca-chain.pem');
    fs.writeFileSync(caFile, fs.readFileSync(path.join(home, 'ca', 'chain.pem')));
    const check = execFileSync('openssl', ['crl', '-in', crlPath, '-noout', '-CAfile', caFile], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(check).toBe('');
    // Relying parties see it: openssl refuses the revoked leaf and accepts the others with the CRL.
    const revokedCheck = opensslVerify(work, target.chain[0]!, [target.chain[1]!], root.cert, crlPath);
    expect(revokedCheck.ok).toBe(false);
    expect(revokedCheck.out).toMatch(/certificate revoked/);
    expect(opensslVerify(work, issued[1]!.chain[0]!, [issued[1]!.chain[1]!], root.cert, crlPath).ok).toBe(
      true,
    );

    // A second revocation (by serial, superseded): a new CRL number listing both.
    const second = await ca.revoke({ serial: issued[1]!.serial }, { reason: 'superseded' });
    expect(second.crl.number).toBe(out.crl.number + 1);
    expect(second.crl.entries).toBe(2);
    const text2 = crlText(path.join(home, 'ca', 'crl.der'), true);
    expect(text2).toMatch(/Superseded/);
    expect(text2).toMatch(/Key Compromise/);
    // Revoking again changes nothing.
    const again = await ca.revoke({ deviceUid: target.uid }, { reason: 'keyCompromise' });
    expect(again.revoked).toEqual([]);
    expect(again.alreadyRevoked.map((r) => r.serial)).toEqual([target.serial]);
  });

  it('never certifies a key revoked for key compromise again, and never hands back a revoked certificate', async () => {
    await expect(
      ca.issue(issued[0]!.csr, { deviceUid: issued[0]!.uid, reprovision: true }),
    ).rejects.toMatchObject({
      code: 'CERT_REVOKED',
      message: expect.stringMatching(/revoked for key compromise/),
    });
    // Superseded: the same UID and key are not handed the revoked certificate; re-provision issues anew.
    await expect(ca.issue(issued[1]!.csr, { deviceUid: issued[1]!.uid })).rejects.toMatchObject({
      code: 'REPROVISION_REQUIRED',
      message: expect.stringMatching(/revoked/),
    });
    const fresh = await ca.issue(issued[1]!.csr, { deviceUid: issued[1]!.uid, reprovision: true });
    expect(fresh.reused).toBe(false);
    expect(fresh.serial).not.toBe(issued[1]!.serial);
    expect(ca.isRevoked(fresh.serial)).toBe(false);
  });

  it('serves the CRL over HTTP on the loopback interface', async () => {
    const server = await serveCrl(async () => (await ca.currentCrl()).der);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/crl.der`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pkix-crl');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(fs.readFileSync(path.join(home, 'ca', 'crl.der')));
      expect(await (await fetch(`${server.url}/crl.pem`)).text()).toBe(
        fs.readFileSync(path.join(home, 'ca', 'crl.pem'), 'utf8'),
      );
      expect((await fetch(`${server.url}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(serveCrl(() => new Uint8Array(), { host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('token pulled out mid-batch: the issue fails saying so, nothing is recorded; once it is back the batch resumes', async () => {
    const plugBack = hsm.backupToken('ca-ec');
    const before = await ca.issue(await deviceCsr('p256', 'SN-BATCH-1'), { deviceUid: 'SN-BATCH-1' });
    expect(before.reused).toBe(false);
    hsm.removeToken('ca-ec');
    const csr = await deviceCsr('p256', 'SN-BATCH-2');
    const err = await ca.issue(csr, { deviceUid: 'SN-BATCH-2' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CA_SIGNER_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/HSM token 'ca-ec' .* stopped answering while signing/);
    expect((err as Error).message).toMatch(/Nothing was signed/);
    expect((err as { remedy: string }).remedy).toMatch(/Reconnect the HSM token/);
    expect(ca.findIssued('SN-BATCH-2')).toBeUndefined();
    expect(ca.findByKey(csr.keyFingerprint)).toBeUndefined();
    plugBack();
    const after = await ca.issue(csr, { deviceUid: 'SN-BATCH-2' });
    expect(after.reused).toBe(false);
    expect(opensslVerify(work, after.chain[0]!, [after.chain[1]!], root.cert).ok).toBe(true);
  });

  it('wrong PIN, no PIN: CA_PASSPHRASE naming the token, and no CA is created', async () => {
    const other = tmp();
    const init = StationCa.init(other, memoryStore(), {
      pkcs11: { module: hsm.module, token: 'ca-ec', keyLabel: 'x', pin: '0000' },
      env: {},
    });
    await expect(init).rejects.toMatchObject({
      code: 'CA_PASSPHRASE',
      message: "The PIN for HSM token 'ca-ec' (" + hsm.module + ') is wrong.',
      remedy: expect.stringMatching(/ASSET_STATION_TOKEN_PIN/),
    });
    expect(StationCa.exists(other)).toBe(false);
    await expect(
      StationCa.load(home, memoryStore(), { env: { ASSET_STATION_TOKEN_PIN: '0000' } }),
    ).rejects.toMatchObject({
      code: 'CA_PASSPHRASE',
      details: { pin: 'incorrect' },
    });
    await expect(StationCa.load(home, memoryStore(), { env: {} })).rejects.toMatchObject({
      code: 'CA_PASSPHRASE',
      message: "No PIN is available for HSM token 'ca-ec'.",
    });
    // The vault's PIN opens it.
    const reopened = await StationCa.load(home, secrets, { env: {} });
    reopened.close();
  });

  it('token or module missing: CA_SIGNER_UNAVAILABLE saying what is there and what to do', async () => {
    const other = tmp();
    await expect(
      StationCa.init(other, memoryStore(), {
        pkcs11: { module: hsm.module, token: 'no-such-token', pin: PIN },
        env: {},
      }),
    ).rejects.toMatchObject({
      code: 'CA_SIGNER_UNAVAILABLE',
      message: expect.stringMatching(/No token labelled 'no-such-token' is present .*'ca-ec'/),
      remedy: expect.stringMatching(/Connect the HSM token, or check its label/),
    });
    await expect(
      StationCa.init(other, memoryStore(), {
        pkcs11: { module: '/nonexistent/libpkcs11.so', token: 'ca-ec', pin: PIN },
        env: {},
      }),
    ).rejects.toMatchObject({
      code: 'CA_SIGNER_UNAVAILABLE',
      message: 'The PKCS#11 module /nonexistent/libpkcs11.so does not exist.',
    });
    const notALibrary = path.join(other, 'notes.so');
    fs.writeFileSync(notALibrary, 'not a shared library');
    await expect(
      StationCa.init(other, memoryStore(), {
        pkcs11: { module: notALibrary, token: 'ca-ec', pin: PIN },
        env: {},
      }),
    ).rejects.toMatchObject({
      code: 'CA_SIGNER_UNAVAILABLE',
      message: expect.stringMatching(/cannot be loaded as a PKCS#11 module/),
    });
    expect(StationCa.exists(other)).toBe(false);
  });
});

describe('HSM keys made outside the station', () => {
  it('uses an existing key pair made with pkcs11-tool, and reports a key deleted later as missing', async () => {
    hsm.addToken('ca-tool', PIN);
    pkcs11ToolLoggedIn(hsm, 'ca-tool', PIN, [
      '--keypairgen',
      '--key-type',
      'EC:prime256v1',
      '--label',
      'tool-key',
      '--id',
      '0a',
      '--usage-sign',
    ]);
    const home = tmp();
    const ca = await StationCa.init(home, memoryStore(), {
      pkcs11: { module: hsm.module, token: 'ca-tool', keyLabel: 'tool-key' },
      env: pinEnv,
    });
    try {
      expect(ca.meta.signer).toMatchObject({ kind: 'pkcs11', keyLabel: 'tool-key', keyId: '0a' });
      const cert = await ca.issue(
        await parseCsr(buildCsr({ keys: genKey('p256'), subject: [['CN', 'd-1']] })),
        { deviceUid: 'd-1' },
      );
      const dir = tmp();
      expect(
        opensslVerify(dir, cert.chain[0]!, [cert.chain[1]!], pemFile(dir, 'root.pem', cert.chain[2]!)).ok,
      ).toBe(true);
    } finally {
      ca.close();
    }
    // The same key found by its CKA_ID alone.
    const byId = await StationCa.init(tmp(), memoryStore(), {
      pkcs11: { module: hsm.module, token: 'ca-tool', keyId: '0a' },
      env: pinEnv,
    });
    try {
      expect(byId.meta.signer).toMatchObject({ kind: 'pkcs11', keyId: '0a' });
      expect(pkcs11Tool(hsm, ['--token-label', 'ca-tool', '--list-objects', '--type', 'pubkey'])).not.toMatch(
        /asset-station-ca/,
      ); // nothing new was generated
    } finally {
      byId.close();
    }
    pkcs11ToolLoggedIn(hsm, 'ca-tool', PIN, ['--delete-object', '--type', 'privkey', '--label', 'tool-key']);
    await expect(StationCa.load(home, memoryStore(), { env: pinEnv })).rejects.toMatchObject({
      code: 'CA_SIGNER_UNAVAILABLE',
      message: "HSM token 'ca-tool' holds no private key labelled 'tool-key' with id 0a.",
    });
  });

  it('refuses a CA key the token would let out (extractable, not sensitive)', async () => {
    hsm.addToken('ca-leaky', PIN);
    // Made in a separate process with pkcs11js directly, as a careless setup script would.
    const script = `
      const p11 = require('pkcs11js'); const p = new p11.PKCS11(); p.load(${JSON.stringify(hsm.module)}); p.C_Initialize();
      const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === 'ca-leaky');
      const s = p.C_OpenSession(slot, p11.CKF_SERIAL_SESSION | p11.CKF_RW_SESSION); p.C_Login(s, p11.CKU_USER, ${JSON.stringify(PIN)});
      const common = [{ type: p11.CKA_TOKEN, value: true }, { type: p11.CKA_LABEL, value: 'leaky' }, { type: p11.CKA_ID, value: Buffer.from([7]) }];
      p.C_GenerateKeyPair(s, { mechanism: p11.CKM_EC_KEY_PAIR_GEN },
        [...common, { type: p11.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') }, { type: p11.CKA_VERIFY, value: true }],
        [...common, { type: p11.CKA_PRIVATE, value: true }, { type: p11.CKA_SIGN, value: true },
         { type: p11.CKA_SENSITIVE, value: false }, { type: p11.CKA_EXTRACTABLE, value: true }]);
      p.C_Finalize();`;
    execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, ...hsm.env },
      cwd: path.resolve(__dirname, '../../..'),
    });
    const home = tmp();
    await expect(
      StationCa.init(home, memoryStore(), {
        pkcs11: { module: hsm.module, token: 'ca-leaky', keyLabel: 'leaky' },
        env: pinEnv,
      }),
    ).rejects.toMatchObject({
      code: 'CA_KEY_UNPROTECTED',
      message: expect.stringMatching(/can be exported from the token \(CKA_EXTRACTABLE is true\)/),
    });
    expect(StationCa.exists(home)).toBe(false);
  });

  it('an RSA-2048 issuing key in the token signs certificates and CRLs that openssl accepts', async () => {
    hsm.addToken('ca-rsa', PIN);
    const home = tmp();
    const ca = await StationCa.init(home, memoryStore(), {
      algorithm: 'RSA-2048',
      pkcs11: { module: hsm.module, token: 'ca-rsa' },
      env: pinEnv,
    });
    try {
      expect(ca.signer.signatureAlgorithm).toBe('sha256WithRSAEncryption');
      expect(ca.info().chain[0]!.keyAlgorithm).toBe('RSA-2048');
      expect((ca.signer as Pkcs11Signer).keyAttributes()).toMatchObject({
        extractable: false,
        sensitive: true,
      });
      const cert = await ca.issue(
        await parseCsr(buildCsr({ keys: genKey('p256'), subject: [['CN', 'r-1']] })),
        { deviceUid: 'r-1' },
      );
      const dir = tmp();
      const rootPath = pemFile(dir, 'root.pem', cert.chain[2]!);
      expect(opensslVerify(dir, cert.chain[0]!, [cert.chain[1]!], rootPath).ok).toBe(true);
      await ca.revoke({ serial: cert.serial }, { reason: 'cessationOfOperation' });
      const crlPath = path.join(home, 'ca', 'crl.pem');
      expect(crlText(crlPath)).toMatch(
        /Signature Algorithm: sha256WithRSAEncryption[\s\S]*Cessation Of Operation/,
      );
      const v = opensslVerify(dir, cert.chain[0]!, [cert.chain[1]!], rootPath, crlPath);
      expect(v.out).toMatch(/certificate revoked/);
    } finally {
      ca.close();
    }
  });
});
