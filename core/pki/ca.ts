/**
 * The station CA: a development root + issuing CA created by `ca init`, or an imported issuing CA; it
 * issues device certificates under the profile (profile.ts) and records each in the issued-certificates
 * index (issued-index.ts), enforcing the clone, re-provision and idempotency rules.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import type { CaInfo, CertSummary } from '../../shared/domain';
import { openStationDb, type Db } from '../records/db';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { caExists, newCaMeta, readCaFiles, resolveCaPassphrase, writeCaFiles, type CaMeta } from './ca-store';
import { importCa, type CaImportFiles } from './ca-import';
import { verifyChainAgainst, type ChainVerdict } from './chain-verify';
import { children, readTlv } from './der';
import { readSpki, sha256Hex } from './csr';
import { IssuedIndex, type StoredIssued } from './issued-index';
import { encodeName, nameToString } from './names';
import {
  caExtensions,
  deviceExtensions,
  fillTemplate,
  randomSerial,
  resolveProfile,
  sanUriFor,
  signCertificate,
  subjectFor,
} from './profile';
import {
  CA_PASSPHRASE_ENV,
  FileKeySigner,
  decryptKeyFile,
  assertKeyProtected,
  encryptKey,
  generateCaKey,
  type CaAlgorithm,
} from './signer';
import type { CaSigner, CertProfile, IssuedCertificate, IssuedIndexEntry, VerifiedCsr } from './types';

/** Options of {@link StationCa.init}. */
export interface CaInitOptions {
  /** CA key algorithm (default ECDSA-P256). */
  algorithm?: CaAlgorithm;
  /** O of the CA subjects and default O of device subjects (default `Asset Station`). */
  subjectO?: string;
  /** OU of device subjects. */
  subjectOU?: string;
  /** Root CN (default `<O> Development Root CA`); issuing CN (default `<O> Issuing CA`). */
  rootCN?: string;
  issuingCN?: string;
  /** Root validity in days (default 10957 ≈ 30 years) and issuing CA validity (default 9131 ≈ 25 years). */
  rootValidityDays?: number;
  issuingValidityDays?: number;
  /**
   * Key passphrase. Default: ASSET_STATION_CA_PASSPHRASE if set, else a random 256-bit one. Either way it
   * is stored in the SecretStore as `ca.passphrase`, so an operator only unlocks the vault.
   */
  passphrase?: string;
  /** Replace an existing CA (default false: refuse). */
  force?: boolean;
  /** Device profile overrides saved with the CA. */
  profile?: Partial<CertProfile>;
  /** Shared station DB connection (default: opens station.db in `home`, closed by {@link StationCa.close}). */
  db?: Db;
  env?: NodeJS.ProcessEnv;
}

/** Options of {@link StationCa.load}. */
export interface CaLoadOptions {
  db?: Db;
  env?: NodeJS.ProcessEnv;
}

/** Options of {@link StationCa.issue}. */
export interface IssueOptions {
  deviceUid: string;
  /** Allow a new key for a UID that already has a certificate (recorded in the index). */
  reprovision?: boolean;
  profile?: Partial<CertProfile>;
}

const DAY_MS = 86_400_000;

/** Summary of a certificate for status screens (CaInfo.chain). */
export function summarise(der: Uint8Array): CertSummary {
  const c = new crypto.X509Certificate(Buffer.from(der));
  const key = c.publicKey;
  const d = key.asymmetricKeyDetails ?? {};
  const keyAlgorithm =
    key.asymmetricKeyType === 'rsa'
      ? `RSA-${d.modulusLength}`
      : key.asymmetricKeyType === 'ec'
        ? d.namedCurve === 'secp384r1'
          ? 'ECDSA-P384'
          : 'ECDSA-P256'
        : String(key.asymmetricKeyType);
  return {
    subject: c.subject.split('\n').reverse().join(', '),
    issuer: c.issuer.split('\n').reverse().join(', '),
    serial: c.serialNumber.toLowerCase(),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    fingerprint: sha256Hex(der),
    keyAlgorithm,
  };
}

const badRequest = (m: string) =>
  new StationError('BAD_REQUEST', m, 'Pass the device hardware UID as read from the device.');

/** Checks a device UID (1–128 printable characters, no control characters). */
export function checkDeviceUid(uid: string): void {
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 128)
    throw badRequest('The device UID must be 1 to 128 characters.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(uid)) throw badRequest('The device UID contains control characters.');
}

/** The station CA. Create with {@link StationCa.init}, {@link StationCa.load} or {@link StationCa.import}. */
export class StationCa {
  private readonly index: IssuedIndex;
  private queue: Promise<unknown> = Promise.resolve();
  /** Facts about the issuing CA certificate, computed once. */
  private readonly issuing: {
    nameDer: Uint8Array;
    notAfterMs: number;
    fingerprint: string;
    publicKey: crypto.KeyObject;
  };

  private constructor(
    readonly home: string,
    readonly meta: CaMeta,
    /** Issuing CA first, root last (DER). */
    private readonly caChain: Uint8Array[],
    readonly signer: CaSigner,
    private readonly db: Db,
    private readonly ownsDb: boolean,
  ) {
    this.index = new IssuedIndex(db);
    const cert = new crypto.X509Certificate(Buffer.from(caChain[0]!));
    this.issuing = {
      nameDer: issuerNameDer(caChain[0]!),
      notAfterMs: new Date(cert.validTo).getTime(),
      fingerprint: sha256Hex(caChain[0]!),
      publicKey: cert.publicKey,
    };
  }

  /**
   * The CA status from the files alone (no key, no passphrase): for `ca show` and the station API.
   * `{ initialised: false, chain: [] }` when `home` has no CA.
   * @throws StationError CA_NOT_INITIALISED when the files exist but are unreadable.
   */
  static describe(home: string): CaInfo {
    if (!caExists(home)) return { initialised: false, chain: [] };
    const chain = readCaFiles(home).chain.map(summarise);
    return {
      initialised: true,
      chain,
      expiresInDays: Math.floor((Date.parse(chain[0]!.notAfter) - Date.now()) / DAY_MS),
    };
  }

  /** True when `home` holds a CA (does not check the key). */
  static exists(home: string): boolean {
    return caExists(home);
  }

  /**
   * Creates a development root CA and an issuing CA in `home`/ca, the issuing key encrypted under a
   * passphrase kept in `secrets` (`ca.passphrase`). The root private key is discarded after signing the
   * issuing CA (docs/pki.md). Default algorithm ECDSA-P256.
   * @throws StationError CONFLICT when a CA exists and `force` is not set.
   */
  static async init(home: string, secrets: SecretStore, opts: CaInitOptions = {}): Promise<StationCa> {
    if (caExists(home) && !opts.force) {
      throw new StationError(
        'CONFLICT',
        `A station CA already exists in ${home}/ca.`,
        'Use it (asset-station ca show), or re-create it with --force (devices issued under the old CA will no longer verify).',
      );
    }
    const algorithm = opts.algorithm ?? 'ECDSA-P256';
    const env = opts.env ?? process.env;
    const o = opts.subjectO ?? 'Asset Station';
    const passphrase =
      opts.passphrase ??
      (env[CA_PASSPHRASE_ENV] || undefined) ??
      crypto.randomBytes(32).toString('base64url');
    if (passphrase.length < 12) {
      throw new StationError(
        'CA_PASSPHRASE',
        'The CA passphrase is shorter than 12 characters.',
        `Choose a longer passphrase (${CA_PASSPHRASE_ENV}), or leave it unset to have a random one generated.`,
      );
    }
    const [rootKey, issuingKey] = await Promise.all([generateCaKey(algorithm), generateCaKey(algorithm)]);
    const rootSigner = new FileKeySigner(rootKey, 'development root key (memory only)');
    const issuingSpki = new FileKeySigner(issuingKey, 'issuing key').publicKeySpki;
    const now = Date.now();
    const rootName = encodeName([
      ['O', o],
      ['CN', opts.rootCN ?? `${o} Development Root CA`],
    ]);
    const issuingName = encodeName([
      ['O', o],
      ['CN', opts.issuingCN ?? `${o} Issuing CA`],
    ]);
    const rootDer = await signCertificate(
      {
        serial: randomSerial(),
        issuerDer: rootName,
        subjectDer: rootName,
        notBefore: new Date(now - 5 * 60_000),
        notAfter: new Date(now + (opts.rootValidityDays ?? 10957) * DAY_MS),
        spki: rootSigner.publicKeySpki,
        extensions: caExtensions({ spki: rootSigner.publicKeySpki, issuerSpki: rootSigner.publicKeySpki }),
      },
      rootSigner,
    );
    const issuingDer = await signCertificate(
      {
        serial: randomSerial(),
        issuerDer: rootName,
        subjectDer: issuingName,
        notBefore: new Date(now - 5 * 60_000),
        notAfter: new Date(now + (opts.issuingValidityDays ?? 9131) * DAY_MS),
        spki: issuingSpki,
        extensions: caExtensions({ spki: issuingSpki, issuerSpki: rootSigner.publicKeySpki, pathLength: 0 }),
      },
      rootSigner,
    );
    const meta = newCaMeta({
      algorithm,
      source: 'init',
      createdAt: new Date(now).toISOString(),
      subjectO: o,
      subjectOU: opts.subjectOU,
      profile: opts.profile,
    });
    await secrets.set(SECRET_NAMES.caPassphrase, passphrase);
    writeCaFiles(home, meta, [issuingDer, rootDer], encryptKey(issuingKey, passphrase));
    return StationCa.load(home, secrets, { db: opts.db, env: { ...env, [CA_PASSPHRASE_ENV]: passphrase } });
  }

  /**
   * Loads the CA of `home`: reads the files, refuses a plain-text key, decrypts it with the passphrase
   * (ASSET_STATION_CA_PASSPHRASE, else the SecretStore) and checks it belongs to the issuing certificate.
   * @throws StationError CA_NOT_INITIALISED, CA_KEY_UNPROTECTED, CA_PASSPHRASE, CA_KEY_MISMATCH.
   */
  static async load(home: string, secrets: SecretStore, opts: CaLoadOptions = {}): Promise<StationCa> {
    const files = readCaFiles(home);
    const passphrase = await resolveCaPassphrase(secrets, opts.env ?? process.env);
    // A plain-text key is refused before any passphrase question.
    assertKeyProtected(files.keyText, files.keyPath);
    if (passphrase === undefined) {
      throw new StationError(
        'CA_PASSPHRASE',
        `No passphrase is available for the CA key ${files.keyPath}.`,
        `Set ${CA_PASSPHRASE_ENV}, or store it in the station vault as '${SECRET_NAMES.caPassphrase}' (asset-station ca init does this).`,
      );
    }
    const key = decryptKeyFile(files.keyText, passphrase, files.keyPath);
    const signer = new FileKeySigner(key, `file key ${files.keyPath}`);
    const issuing = new crypto.X509Certificate(Buffer.from(files.chain[0]!));
    const certSpki = new Uint8Array(issuing.publicKey.export({ format: 'der', type: 'spki' }));
    if (Buffer.compare(Buffer.from(certSpki), Buffer.from(signer.publicKeySpki)) !== 0) {
      throw new StationError(
        'CA_KEY_MISMATCH',
        `The CA key ${files.keyPath} does not belong to the issuing CA certificate (${issuing.subject.replace(/\n/g, ', ')}).`,
        'Restore the matching key and chain.pem from backup, or import the CA again.',
      );
    }
    const db = opts.db ?? openStationDb(home);
    return new StationCa(home, files.meta, files.chain, signer, db, !opts.db);
  }

  /**
   * Opens the CA of `home` with another {@link CaSigner} — an HSM (PKCS#11) or a remote CA — instead of
   * the encrypted key file: the chain comes from `chain.pem`, the key never leaves the signer.
   * @throws StationError CA_NOT_INITIALISED (no chain), CA_KEY_MISMATCH (the signer's key is not the
   *   issuing CA's).
   */
  static async fromSigner(home: string, signer: CaSigner, opts: CaLoadOptions = {}): Promise<StationCa> {
    const files = readCaFiles(home, { withKey: false });
    const issuing = new crypto.X509Certificate(Buffer.from(files.chain[0]!));
    const certSpki = new Uint8Array(issuing.publicKey.export({ format: 'der', type: 'spki' }));
    if (Buffer.compare(Buffer.from(certSpki), Buffer.from(signer.publicKeySpki)) !== 0) {
      throw new StationError(
        'CA_KEY_MISMATCH',
        `The signer (${signer.description}) does not hold the key of the issuing CA certificate (${issuing.subject.replace(/\n/g, ', ')}).`,
        'Point the signer at the key that belongs to chain.pem (HSM slot and key label), or import the matching chain.',
      );
    }
    const db = opts.db ?? openStationDb(home);
    return new StationCa(home, files.meta, files.chain, signer, db, !opts.db);
  }

  /** Imports a CA from files (see ca-import.ts); same result as {@link StationCa.load} afterwards. */
  static async import(
    home: string,
    secrets: SecretStore,
    files: CaImportFiles,
    opts: CaInitOptions = {},
  ): Promise<StationCa> {
    await importCa(home, secrets, files, opts);
    return StationCa.load(home, secrets, { db: opts.db, env: opts.env });
  }

  /** Closes the DB connection if the CA opened it. */
  close(): void {
    if (this.ownsDb) this.db.close();
  }

  /** The CA chain: issuing CA first, root last (DER). */
  chain(): Uint8Array[] {
    return this.caChain.map((c) => new Uint8Array(c));
  }

  /** Status of the CA for the station API (`getCaInfo`). */
  info(): CaInfo {
    const chain = this.caChain.map(summarise);
    const expiresInDays = Math.floor((Date.parse(chain[0]!.notAfter) - Date.now()) / DAY_MS);
    return { initialised: true, chain, expiresInDays };
  }

  /** The device profile in force (defaults + the CA's saved overrides). */
  profile(): CertProfile {
    return resolveProfile(this.meta.profile);
  }

  /** Verifies a device chain (leaf first) against this CA: chaining, validity, end-entity, EKU clientAuth. */
  verifyDeviceChain(chain: Uint8Array[], at?: Date): ChainVerdict {
    return verifyChainAgainst(chain, this.caChain, at);
  }

  /** The newest certificate issued for a device UID, or undefined. */
  findIssued(deviceUid: string): IssuedIndexEntry | undefined {
    return this.index.byUid(deviceUid)[0];
  }

  /** The newest certificate issued for a public key (SHA-256 of the SPKI, hex), or undefined. */
  findByKey(keyFingerprint: string): IssuedIndexEntry | undefined {
    return this.index.byKey(keyFingerprint)[0];
  }

  /** Every certificate issued for a device UID, newest first (re-provisions included). */
  listIssued(deviceUid: string): IssuedIndexEntry[] {
    return this.index.byUid(deviceUid);
  }

  /**
   * Issues a device certificate for a verified CSR (run checkCsrPolicy and proof of possession first).
   * Rules, checked again inside the insert transaction:
   * - the key is already certified for another UID → CLONE_SUSPECTED;
   * - the UID's newest certificate has the same key and is unexpired → that certificate is returned
   *   (`reused: true`), never a second one (crash-resume idempotency);
   * - the UID has a certificate for another key → REPROVISION_REQUIRED unless `reprovision` (recorded).
   * Calls are serialised per CA instance.
   * @throws StationError BAD_REQUEST (UID), CLONE_SUSPECTED, REPROVISION_REQUIRED.
   */
  issue(csr: VerifiedCsr, opts: IssueOptions): Promise<IssuedCertificate & { reused: boolean }> {
    const run = this.queue.then(() => this.issueNow(csr, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private decide(csr: VerifiedCsr, opts: IssueOptions, now: Date): StoredIssued | 'issue' {
    const fp = csr.keyFingerprint.toLowerCase();
    const other = this.index.byKey(fp).find((e) => e.deviceUid !== opts.deviceUid);
    if (other) {
      throw new StationError(
        'CLONE_SUSPECTED',
        `This public key (SHA-256 ${fp.slice(0, 16)}…) is already certified for device ${other.deviceUid} (serial ${other.serial}); device ${opts.deviceUid} presents the same key.`,
        'Quarantine the device: a key shared by two devices means cloned credentials. Do not provision it; report both UIDs.',
        { otherDeviceUid: other.deviceUid, serial: other.serial, keyFingerprint: fp },
      );
    }
    const latest = this.index.byUid(opts.deviceUid)[0];
    if (!latest) return 'issue';
    if (latest.keyFingerprint === fp) {
      // Same device, same key: under another issuing CA (re-initialised or replaced CA) a new certificate
      // is issued; under this one the existing certificate is returned while it is valid.
      if (latest.issuerFingerprint !== this.issuing.fingerprint) return 'issue';
      if (Date.parse(latest.notAfter) > now.getTime()) return latest;
    }
    if (!opts.reprovision) {
      throw new StationError(
        'REPROVISION_REQUIRED',
        `Device ${opts.deviceUid} already has certificate ${latest.serial} (issued ${latest.issuedAt}) for another key${latest.keyFingerprint === fp ? ' (expired)' : ''}.`,
        'If the device was deliberately reset or repaired, run the job again with re-provision enabled (it is recorded); otherwise investigate.',
        { serial: latest.serial, keyFingerprint: latest.keyFingerprint },
      );
    }
    return 'issue';
  }

  private toIssued(e: StoredIssued, reused: boolean): IssuedCertificate & { reused: boolean } {
    return {
      chain: [new Uint8Array(e.certDer), ...this.chain()],
      serial: e.serial,
      fingerprint: e.certFingerprint,
      keyFingerprint: e.keyFingerprint,
      notBefore: e.notBefore,
      notAfter: e.notAfter,
      subject: e.subject,
      reused,
    };
  }

  private async issueNow(
    csr: VerifiedCsr,
    opts: IssueOptions,
  ): Promise<IssuedCertificate & { reused: boolean }> {
    checkDeviceUid(opts.deviceUid);
    const now = new Date();
    const first = this.decide(csr, opts, now);
    if (first !== 'issue') return this.toIssued(first, true);

    const profile = resolveProfile(this.meta.profile, opts.profile);
    const fill = (t: string) => fillTemplate(t, opts.deviceUid);
    const subjectAttrs = subjectFor(profile, opts.deviceUid);
    const caNotAfter = this.issuing.notAfterMs;
    let notAfter = profile.notAfter
      ? Date.parse(profile.notAfter)
      : now.getTime() + profile.validityDays * DAY_MS;
    if (!Number.isFinite(notAfter))
      throw new StationError(
        'CONFIG_INVALID',
        `The profile notAfter '${profile.notAfter}' is not a date.`,
        'Use an ISO date such as 2049-12-31T23:59:59Z.',
      );
    notAfter = Math.min(notAfter, caNotAfter);
    const notBefore = new Date(Math.floor((now.getTime() - profile.backdateMs) / 1000) * 1000);
    const certDer = await signCertificate(
      {
        serial: randomSerial(),
        issuerDer: this.issuing.nameDer,
        subjectDer: encodeName(subjectAttrs),
        notBefore,
        notAfter: new Date(Math.floor(notAfter / 1000) * 1000),
        spki: csr.publicKeySpki,
        extensions: deviceExtensions({
          spki: csr.publicKeySpki,
          issuerSpki: this.signer.publicKeySpki,
          keyFamily: readSpki(csr.publicKeySpki).family,
          sanUri: sanUriFor(profile, opts.deviceUid),
          sanDns: profile.sanDns.map(fill),
          ecKeyAgreement: profile.ecKeyAgreement,
        }),
      },
      this.signer,
    );
    const cert = new crypto.X509Certificate(Buffer.from(certDer));
    // Self-check before anything is stored or returned: a signer (HSM, remote CA) returning a wrong
    // signature must never yield a certificate.
    if (!cert.verify(this.issuing.publicKey)) {
      throw new StationError(
        'INTERNAL',
        `The CA signer (${this.signer.description}) produced a certificate that does not verify with the issuing CA key.`,
        'Check the CA signer (HSM slot/key, or the CA key file) and run asset-station ca show.',
      );
    }
    const entry: StoredIssued = {
      serial: cert.serialNumber.toLowerCase(),
      deviceUid: opts.deviceUid,
      subject: nameToString(subjectAttrs.map(([type, value]) => ({ type, value }))),
      keyFingerprint: csr.keyFingerprint.toLowerCase(),
      certFingerprint: sha256Hex(certDer),
      notBefore: notBefore.toISOString(),
      notAfter: new Date(cert.validTo).toISOString(),
      issuedAt: now.toISOString(),
      reprovision: Boolean(opts.reprovision) && this.index.byUid(opts.deviceUid).length > 0,
      issuerFingerprint: this.issuing.fingerprint,
      certDer,
    };
    // Re-check under an IMMEDIATE transaction: another process may have issued meanwhile.
    const outcome = this.db
      .transaction(() => {
        const again = this.decide(csr, opts, now);
        if (again !== 'issue') return again;
        this.index.insert(entry);
        return 'inserted' as const;
      })
      .immediate();
    return outcome === 'inserted' ? this.toIssued(entry, false) : this.toIssued(outcome, true);
  }
}

/** The subject Name DER of a certificate (used as the issuer Name of what it signs, RFC 5280 §4.1.2.4). */
export function issuerNameDer(certDer: Uint8Array): Uint8Array {
  // Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version, serial, sigAlg, issuer, validity, subject, ... } }
  const tbs = children(readTlv(certDer))[0]!;
  const f = children(tbs);
  const offset = f[0]!.tag === 0xa0 ? 1 : 0;
  return new Uint8Array(f[offset + 4]!.raw);
}
