/**
 * Station CA end to end: init (EC and RSA), issue for every supported device key type, and check each
 * certificate with `openssl verify -x509_strict -purpose sslclient` and node:crypto X509Certificate;
 * the clone, re-provision and idempotency rules; CA load refusals; import from PEM and PKCS#12.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStationDb, walSyncCount, type Db } from '../../../core/records/db';
import { FileVault } from '../../../core/secrets';
import {
  FileKeySigner,
  StationCa,
  parseCsr,
  type CaImportFiles,
  type CaSigner,
  type VerifiedCsr,
} from '../../../core/pki';
import { readTlv, children } from '../../../core/pki/der';
import { encodePem } from '../../../core/pki/pem';
import { buildCsr, genKey, type KeySpec } from '../../unit/pki/csr-builder';
import { memoryStore, tempDirs } from './helpers';
import { opensslVerifyChain } from './openssl';

const tmp = tempDirs('pki-it-');

const noEnv = {} as NodeJS.ProcessEnv;

function nodeChecks(chain: Uint8Array[]): void {
  const [leaf, issuing, root] = chain.map((d) => new crypto.X509Certificate(Buffer.from(d)));
  expect(leaf!.checkIssued(issuing!)).toBe(true);
  expect(leaf!.verify(issuing!.publicKey)).toBe(true);
  expect(issuing!.checkIssued(root!)).toBe(true);
  expect(issuing!.verify(root!.publicKey)).toBe(true);
  expect(root!.verify(root!.publicKey)).toBe(true);
  expect(leaf!.ca).toBe(false);
  expect(leaf!.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
}

async function csrFor(spec: KeySpec, uid: string, keys = genKey(spec)): Promise<VerifiedCsr> {
  return parseCsr(buildCsr({ keys, subject: [['CN', uid]] }));
}

describe('StationCa with an ECDSA P-256 CA', () => {
  let home: string;
  let secrets: ReturnType<typeof memoryStore>;
  let ca: StationCa;
  let db: Db;

  beforeAll(async () => {
    home = tmp();
    secrets = memoryStore();
    db = openStationDb(home);
    ca = await StationCa.init(home, secrets, {
      subjectO: 'Acme Devices',
      subjectOU: 'Line 1',
      db,
      env: noEnv,
    });
  });
  afterAll(() => {
    ca.close();
    db.close();
  });

  it('keeps the key encrypted on disk and the random passphrase in the SecretStore', () => {
    const key = fs.readFileSync(path.join(home, 'ca', 'issuing.key'), 'utf8');
    expect(key).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(fs.statSync(path.join(home, 'ca', 'issuing.key')).mode & 0o077).toBe(0);
    expect(secrets.map.get('ca.passphrase')?.length).toBeGreaterThanOrEqual(40);
    expect(fs.readdirSync(path.join(home, 'ca')).sort()).toEqual(['ca.json', 'chain.pem', 'issuing.key']);
  });

  it('reports its chain: issuing CA then root, ECDSA-P256', () => {
    const info = ca.info();
    expect(info.initialised).toBe(true);
    expect(info.chain).toHaveLength(2);
    expect(info.chain[0]!.subject).toContain('CN=Acme Devices Issuing CA');
    expect(info.chain[1]!.subject).toContain('Development Root CA');
    expect(info.chain[0]!.keyAlgorithm).toBe('ECDSA-P256');
    expect(info.expiresInDays).toBeGreaterThan(9000);
    expect(StationCa.describe(home)).toEqual(info);
  });

  for (const spec of ['p256', 'p384', 'rsa2048', 'ed25519'] as const) {
    it(`issues a ${spec} device certificate that openssl -x509_strict and node accept`, async () => {
      const uid = `dev-${spec}-${crypto.randomBytes(3).toString('hex')}`;
      const cert = await ca.issue(await csrFor(spec, uid), { deviceUid: uid });
      expect(cert.chain).toHaveLength(3);
      const v = opensslVerifyChain(tmp(), cert.chain);
      expect(v.out).toMatch(/OK/);
      expect(v.ok).toBe(true);
      nodeChecks(cert.chain);
      expect(ca.verifyDeviceChain(cert.chain.slice(0, 1)).ok).toBe(true);
      expect(ca.verifyDeviceChain(cert.chain.slice(0, 2))).toMatchObject({ ok: true });
    });
  }

  it('applies the profile: 16-byte positive serial, backdated notBefore, subject template, SAN URI, critical extensions', async () => {
    const uid = 'ÄÖ-unicode-01';
    const before = Date.now();
    const cert = await ca.issue(await csrFor('p256', uid), { deviceUid: uid });
    const leaf = new crypto.X509Certificate(Buffer.from(cert.chain[0]!));
    expect(cert.serial).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(leaf.subject).toBe(`O=Acme Devices\nOU=Line 1\nCN=${uid}`);
    expect(leaf.subjectAltName).toBe(`URI:urn:dev:uid:%C3%84%C3%96-unicode-01`);
    const nb = new Date(leaf.validFrom).getTime();
    expect(before - nb).toBeGreaterThanOrEqual(299_000);
    expect(before - nb).toBeLessThan(302_000);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], {
      input: encodePem('CERTIFICATE', cert.chain[0]!),
    }).toString();
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(text).toMatch(/Subject Key Identifier/);
    expect(text).toMatch(/Authority Key Identifier/);
    expect(cert.subject).toBe(`CN=${uid}, OU=Line 1, O=Acme Devices`);
  });

  it('encodes notAfter past 2049 as GeneralizedTime and openssl still verifies', async () => {
    const uid = 'dev-gt';
    const cert = await ca.issue(await csrFor('p256', uid), {
      deviceUid: uid,
      profile: { notAfter: '2050-06-01T00:00:00Z', ecKeyAgreement: true },
    });
    const tbs = children(readTlv(cert.chain[0]!))[0]!;
    const validity = children(tbs)[4]!;
    const [nb, na] = children(validity);
    expect(nb!.tag).toBe(0x17); // UTCTime
    expect(na!.tag).toBe(0x18); // GeneralizedTime
    expect(Buffer.from(na!.value).toString()).toBe('20500601000000Z');
    expect(opensslVerifyChain(tmp(), cert.chain).ok).toBe(true);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], {
      input: encodePem('CERTIFICATE', cert.chain[0]!),
    }).toString();
    expect(text).toMatch(/Digital Signature, Key Agreement/);
  });

  it('clamps notAfter to the issuing CA', async () => {
    const uid = 'dev-clamp';
    const cert = await ca.issue(await csrFor('p256', uid), {
      deviceUid: uid,
      profile: { notAfter: '9999-12-31T23:59:59Z' },
    });
    expect(cert.notAfter).toBe(ca.info().chain[0]!.notAfter);
    expect(opensslVerifyChain(tmp(), cert.chain).ok).toBe(true);
  });

  it('is idempotent: the same UID and key return the existing certificate', async () => {
    const uid = 'dev-idem';
    const keys = genKey('p256');
    const first = await ca.issue(await csrFor('p256', uid, keys), { deviceUid: uid });
    const second = await ca.issue(await csrFor('p256', uid, keys), { deviceUid: uid });
    expect(first.reused).toBe(false);
    expect(second.reused).toBe(true);
    expect(second.serial).toBe(first.serial);
    expect(Buffer.from(second.chain[0]!).equals(Buffer.from(first.chain[0]!))).toBe(true);
    // Concurrent calls also yield one certificate.
    const uid2 = 'dev-idem-2';
    const csr2 = await csrFor('p256', uid2);
    const both = await Promise.all([
      ca.issue(csr2, { deviceUid: uid2 }),
      ca.issue(csr2, { deviceUid: uid2 }),
    ]);
    expect(both[0].serial).toBe(both[1].serial);
    expect(ca.listIssued(uid2)).toHaveLength(1);
    expect(ca.findIssued(uid)?.serial).toBe(first.serial);
    expect(ca.findByKey(first.keyFingerprint)?.deviceUid).toBe(uid);
    expect(ca.findIssued(uid)?.certDer?.length).toBeGreaterThan(100);
  });

  it('a revocation is on disk (WAL fsync) before revoke reports it, like a job step (power-loss window)', async () => {
    const uid = 'dev-revoke-durable';
    await ca.issue(await csrFor('p256', uid), { deviceUid: uid });
    const before = walSyncCount(db);
    const out = await ca.revoke({ deviceUid: uid }, { reason: 'keyCompromise' });
    expect(out.revoked).toHaveLength(1);
    expect(walSyncCount(db)).toBeGreaterThan(before);
  });

  it('refuses a key already certified for another device as a clone', async () => {
    const keys = genKey('p256');
    await ca.issue(await csrFor('p256', 'dev-orig', keys), { deviceUid: 'dev-orig' });
    const err = await ca
      .issue(await csrFor('p256', 'dev-rogue', keys), { deviceUid: 'dev-rogue' })
      .catch((e) => e);
    expect(err.code).toBe('CLONE_SUSPECTED');
    expect(err.message).toContain('dev-orig');
    // Even with the re-provision flag.
    const err2 = await ca
      .issue(await csrFor('p256', 'dev-rogue', keys), { deviceUid: 'dev-rogue', reprovision: true })
      .catch((e) => e);
    expect(err2.code).toBe('CLONE_SUSPECTED');
    expect(ca.findIssued('dev-rogue')).toBeUndefined();
  });

  it('needs the re-provision flag for a new key on a known UID, and records it', async () => {
    const uid = 'dev-reprov';
    const first = await ca.issue(await csrFor('p256', uid), { deviceUid: uid });
    const newCsr = await csrFor('p256', uid);
    const err = await ca.issue(newCsr, { deviceUid: uid }).catch((e) => e);
    expect(err.code).toBe('REPROVISION_REQUIRED');
    const second = await ca.issue(newCsr, { deviceUid: uid, reprovision: true });
    expect(second.serial).not.toBe(first.serial);
    const rows = ca.listIssued(uid);
    expect(rows.map((r) => r.reprovision)).toEqual([true, false]);
    expect(ca.findIssued(uid)?.serial).toBe(second.serial);
  });

  it('survives a reload (crash-resume): the index and idempotency persist across processes', async () => {
    const uid = 'dev-resume';
    const csr = await csrFor('p256', uid);
    const first = await ca.issue(csr, { deviceUid: uid });
    const again = await StationCa.load(home, secrets, { env: noEnv });
    try {
      const second = await again.issue(csr, { deviceUid: uid });
      expect(second).toMatchObject({ serial: first.serial, reused: true });
      const stored = again.findIssued(uid)!;
      expect(stored.certFingerprint).toBe(first.fingerprint);
      expect(Buffer.from(stored.certDer!).equals(Buffer.from(first.chain[0]!))).toBe(true);
    } finally {
      again.close();
    }
  });

  it('verifyDeviceChain refuses foreign, expired and wrong-chain certificates', async () => {
    const otherHome = tmp();
    const other = await StationCa.init(otherHome, memoryStore(), { env: noEnv });
    try {
      const foreign = await other.issue(await csrFor('p256', 'dev-x'), { deviceUid: 'dev-x' });
      const v1 = ca.verifyDeviceChain([foreign.chain[0]!]);
      expect(v1.ok).toBe(false);
      expect(v1.detail).toMatch(/not issued by this station's CA/);
      const v2 = ca.verifyDeviceChain(foreign.chain);
      expect(v2.ok).toBe(false);
      const own = await ca.issue(await csrFor('p256', 'dev-exp'), {
        deviceUid: 'dev-exp',
        profile: { validityDays: 1 },
      });
      const v3 = ca.verifyDeviceChain(own.chain, new Date(Date.now() + 3 * 86_400_000));
      expect(v3).toMatchObject({ ok: false });
      expect(v3.detail).toMatch(/expired/);
      expect(ca.verifyDeviceChain([new Uint8Array([1, 2, 3])]).ok).toBe(false);
      expect(ca.verifyDeviceChain([]).ok).toBe(false);
    } finally {
      other.close();
    }
  });
});

describe('the CaSigner seam (HSM / remote CA)', () => {
  it('issues through another signer holding the issuing key, and never stores a certificate a broken signer made', async () => {
    const home = tmp();
    const secrets = memoryStore();
    (await StationCa.init(home, secrets, { env: noEnv })).close();
    const key = crypto.createPrivateKey({
      key: fs.readFileSync(path.join(home, 'ca', 'issuing.key'), 'utf8'),
      passphrase: secrets.map.get('ca.passphrase')!,
    });
    // A "remote" signer: only the CaSigner members, signing calls counted.
    const inner = new FileKeySigner(key, 'remote');
    let calls = 0;
    const remote: CaSigner = {
      description: 'remote CA (test)',
      publicKeySpki: inner.publicKeySpki,
      signatureAlgorithm: inner.signatureAlgorithm,
      sign: async (tbs) => {
        calls++;
        return inner.sign(tbs);
      },
    };
    const ca = await StationCa.fromSigner(home, remote);
    try {
      const cert = await ca.issue(await csrFor('p256', 'hsm-1'), { deviceUid: 'hsm-1' });
      expect(calls).toBe(1);
      expect(opensslVerifyChain(tmp(), cert.chain).ok).toBe(true);
    } finally {
      ca.close();
    }
    const broken: CaSigner = {
      ...remote,
      sign: async (tbs) => (await inner.sign(tbs)).map((b, i) => (i === 10 ? b ^ 1 : b)),
    };
    const bad = await StationCa.fromSigner(home, broken);
    try {
      await expect(bad.issue(await csrFor('p256', 'hsm-2'), { deviceUid: 'hsm-2' })).rejects.toMatchObject({
        code: 'INTERNAL',
      });
      expect(bad.findIssued('hsm-2')).toBeUndefined();
    } finally {
      bad.close();
    }
    const otherKey = new FileKeySigner(
      crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      'wrong slot',
    );
    await expect(StationCa.fromSigner(home, otherKey)).rejects.toMatchObject({ code: 'CA_KEY_MISMATCH' });
  });
});

describe('StationCa with an RSA-2048 CA', () => {
  it('issues certificates openssl accepts', async () => {
    const home = tmp();
    const ca = await StationCa.init(home, memoryStore(), { algorithm: 'RSA-2048', env: noEnv });
    try {
      expect(ca.info().chain[0]!.keyAlgorithm).toBe('RSA-2048');
      for (const spec of ['p256', 'rsa2048'] as const) {
        const cert = await ca.issue(await csrFor(spec, `r-${spec}`), { deviceUid: `r-${spec}` });
        expect(opensslVerifyChain(tmp(), cert.chain).ok).toBe(true);
        nodeChecks(cert.chain);
      }
    } finally {
      ca.close();
    }
  });
});

describe('StationCa.load refusals', () => {
  it('CA_NOT_INITIALISED on an empty home', async () => {
    await expect(StationCa.load(tmp(), memoryStore(), { env: noEnv })).rejects.toMatchObject({
      code: 'CA_NOT_INITIALISED',
    });
    expect(StationCa.describe(tmp())).toEqual({ initialised: false, chain: [] });
  });

  it('CA_PASSPHRASE with a wrong or missing passphrase; env overrides the store; FileVault round trip', async () => {
    const home = tmp();
    const vault = FileVault.inHome(home, 'vault-passphrase-1');
    const ca = await StationCa.init(home, vault, { env: noEnv });
    ca.close();
    // A fresh vault object (new process) opens the CA with the stored passphrase.
    const reopened = await StationCa.load(home, FileVault.inHome(home, 'vault-passphrase-1'), { env: noEnv });
    reopened.close();
    await expect(StationCa.load(home, memoryStore(), { env: noEnv })).rejects.toMatchObject({
      code: 'CA_PASSPHRASE',
      message: expect.stringMatching(/No passphrase is available/),
    });
    await expect(
      StationCa.load(home, vault, { env: { ASSET_STATION_CA_PASSPHRASE: 'wrong-passphrase-123' } }),
    ).rejects.toMatchObject({ code: 'CA_PASSPHRASE' });
  });

  it('CA_KEY_UNPROTECTED when the key file is plain text (PEM or DER)', async () => {
    const home = tmp();
    const secrets = memoryStore();
    (await StationCa.init(home, secrets, { env: noEnv })).close();
    const keyPath = path.join(home, 'ca', 'issuing.key');
    const key = crypto.createPrivateKey({
      key: fs.readFileSync(keyPath, 'utf8'),
      passphrase: secrets.map.get('ca.passphrase')!,
    });
    fs.writeFileSync(keyPath, key.export({ format: 'pem', type: 'pkcs8' }));
    await expect(StationCa.load(home, secrets, { env: noEnv })).rejects.toMatchObject({
      code: 'CA_KEY_UNPROTECTED',
    });
    await expect(StationCa.load(home, memoryStore(), { env: noEnv })).rejects.toMatchObject({
      code: 'CA_KEY_UNPROTECTED',
    });
    fs.writeFileSync(keyPath, key.export({ format: 'pem', type: 'sec1' }));
    await expect(StationCa.load(home, secrets, { env: noEnv })).rejects.toMatchObject({
      code: 'CA_KEY_UNPROTECTED',
    });
    fs.writeFileSync(keyPath, key.export({ format: 'der', type: 'pkcs8' }));
    await expect(StationCa.load(home, secrets, { env: noEnv })).rejects.toMatchObject({
      code: 'CA_KEY_UNPROTECTED',
    });
  });

  it('after init --force, the same UID and key get a new certificate under the new CA (not the old one)', async () => {
    const home = tmp();
    const secrets = memoryStore();
    const csr = await csrFor('p256', 'dev-reinit');
    const old = await StationCa.init(home, secrets, { env: noEnv });
    const first = await old.issue(csr, { deviceUid: 'dev-reinit' });
    old.close();
    const fresh = await StationCa.init(home, secrets, { env: noEnv, force: true });
    try {
      const second = await fresh.issue(csr, { deviceUid: 'dev-reinit' });
      expect(second.reused).toBe(false);
      expect(second.serial).not.toBe(first.serial);
      expect(opensslVerifyChain(tmp(), second.chain).ok).toBe(true);
      expect((await fresh.issue(csr, { deviceUid: 'dev-reinit' })).serial).toBe(second.serial);
    } finally {
      fresh.close();
    }
  });

  it('CA_KEY_MISMATCH when the key belongs to another certificate; CONFLICT on a second init', async () => {
    const home = tmp();
    const secrets = memoryStore();
    (await StationCa.init(home, secrets, { env: noEnv })).close();
    await expect(StationCa.init(home, secrets, { env: noEnv })).rejects.toMatchObject({ code: 'CONFLICT' });
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    fs.writeFileSync(
      path.join(home, 'ca', 'issuing.key'),
      other.export({
        format: 'pem',
        type: 'pkcs8',
        cipher: 'aes-256-cbc',
        passphrase: secrets.map.get('ca.passphrase')!,
      }),
    );
    await expect(StationCa.load(home, secrets, { env: noEnv })).rejects.toMatchObject({
      code: 'CA_KEY_MISMATCH',
    });
  });
});

describe('StationCa.import', () => {
  /** An openssl-made two-level CA: root + issuing, issuing key encrypted PKCS#8. */
  function opensslCa(
    dir: string,
    keyAlg: string[],
  ): { chainPem: string; keyEnc: string; keyPlain: string; p12: Buffer } {
    const run = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
    fs.writeFileSync(
      path.join(dir, 'ca.ext'),
      'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
    );
    run(
      'req',
      '-x509',
      '-newkey',
      ...keyAlg,
      '-nodes',
      '-keyout',
      'root.key',
      '-out',
      'root.pem',
      '-subj',
      '/O=Ext/CN=Ext Root',
      '-days',
      '3650',
      '-addext',
      'basicConstraints=critical,CA:true',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    run(
      'req',
      '-new',
      '-newkey',
      ...keyAlg,
      '-nodes',
      '-keyout',
      'iss.key',
      '-out',
      'iss.csr',
      '-subj',
      '/O=Ext/CN=Ext Issuing',
    );
    run(
      'x509',
      '-req',
      '-in',
      'iss.csr',
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-out',
      'iss.pem',
      '-days',
      '1825',
      '-extfile',
      'ca.ext',
    );
    run(
      'pkcs8',
      '-topk8',
      '-v2',
      'aes-256-cbc',
      '-in',
      'iss.key',
      '-out',
      'iss.enc',
      '-passout',
      'pass:import-pass-1',
    );
    run(
      'pkcs12',
      '-export',
      '-inkey',
      'iss.key',
      '-in',
      'iss.pem',
      '-certfile',
      'root.pem',
      '-out',
      'iss.p12',
      '-passout',
      'pass:import-pass-1',
    );
    return {
      chainPem:
        fs.readFileSync(path.join(dir, 'iss.pem'), 'utf8') +
        fs.readFileSync(path.join(dir, 'root.pem'), 'utf8'),
      keyEnc: fs.readFileSync(path.join(dir, 'iss.enc'), 'utf8'),
      keyPlain: fs.readFileSync(path.join(dir, 'iss.key'), 'utf8'),
      p12: fs.readFileSync(path.join(dir, 'iss.p12')),
    };
  }

  it('imports PEM chain + encrypted PKCS#8 and issues verifiable certificates; refuses a plain key', async () => {
    const ext = opensslCa(tmp(), ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const home = tmp();
    const secrets = memoryStore();
    const importFiles = (files: CaImportFiles) => StationCa.import(home, secrets, files, { env: noEnv });
    await expect(
      importFiles({ certPem: ext.chainPem, keyPem: ext.keyPlain, keyPassphrase: 'x' }),
    ).rejects.toMatchObject({ code: 'CA_KEY_UNPROTECTED' });
    await expect(
      importFiles({ certPem: ext.chainPem, keyPem: ext.keyEnc, keyPassphrase: 'wrong' }),
    ).rejects.toMatchObject({ code: 'CA_PASSPHRASE' });
    await expect(
      importFiles({
        certPem: ext.chainPem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n',
        keyPem: ext.keyEnc,
        keyPassphrase: 'import-pass-1',
      }),
    ).rejects.toMatchObject({ code: 'CA_IMPORT_INVALID' });
    const ca = await StationCa.import(
      home,
      secrets,
      { certPem: ext.chainPem, keyPem: ext.keyEnc, keyPassphrase: 'import-pass-1' },
      { subjectO: 'Ext', env: noEnv },
    );
    try {
      expect(ca.info().chain.map((c) => c.subject)).toEqual(
        ['O=Ext, CN=Ext Issuing', 'O=Ext, CN=Ext Root'].map((s) => s.split(', ').reverse().join(', ')),
      );
      const cert = await ca.issue(await csrFor('p256', 'imp-1'), { deviceUid: 'imp-1' });
      expect(opensslVerifyChain(tmp(), cert.chain).ok).toBe(true);
      expect(fs.readFileSync(path.join(home, 'ca', 'issuing.key'), 'utf8')).toContain(
        'ENCRYPTED PRIVATE KEY',
      );
    } finally {
      ca.close();
    }
  });

  for (const [name, alg] of [
    ['EC', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['RSA', ['rsa:2048']],
  ] as const) {
    it(`imports a PKCS#12 (${name}) via node-forge`, async () => {
      const ext = opensslCa(tmp(), [...alg]);
      const home = tmp();
      const secrets = memoryStore();
      await expect(
        StationCa.import(home, secrets, { p12: ext.p12, p12Passphrase: 'nope' }, { env: noEnv }),
      ).rejects.toMatchObject({ code: 'CA_PASSPHRASE' });
      const ca = await StationCa.import(
        home,
        secrets,
        { p12: ext.p12, p12Passphrase: 'import-pass-1' },
        { env: noEnv },
      );
      try {
        expect(ca.chain()).toHaveLength(2);
        const cert = await ca.issue(await csrFor('p256', `p12-${name}`), { deviceUid: `p12-${name}` });
        expect(opensslVerifyChain(tmp(), cert.chain).ok).toBe(true);
      } finally {
        ca.close();
      }
    });
  }
});
