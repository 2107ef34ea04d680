/**
 * The station CA: a development root + issuing CA created by `ca init` (key in a file or an HSM), an
 * imported issuing CA, or one an offline root signed (`ca install`); it issues device certificates
 * under the profile (profile.ts), records each in the issued-certificates index (issued-index.ts) with
 * the clone, re-provision and idempotency rules (ca-issue.ts), and revokes them and publishes CRLs
 * (revocation.ts, crl.ts).
 */
import crypto from 'node:crypto';
import type { CaInfo } from '../../shared/domain';
import { durable, openStationDb, type Db } from '../records/db';
import type { SecretStore } from '../secrets';
import { initCaFiles, type CaInitOptions } from './ca-init';
import { assertSignerMatches, openConfiguredSigner } from './ca-open';
import { importCa, type CaImportFiles } from './ca-import';
import { buildCaCsr, caSubjectDer, installIssuingCert } from './ca-install';
import { decideIssue, signDeviceCertificate } from './ca-issue';
import {
  CRL_VALIDITY_DAYS,
  publishCrl,
  recordRevocations,
  recordedButNoCrl,
  type RevokeOptions,
  type RevokeOutcome,
  type RevokeTarget,
} from './ca-revoke';
import { caExists, readCaFiles, type CaMeta } from './ca-store';
import { checkDeviceUid, issuerNameDer, normaliseSerial, summarise } from './cert-info';
import { verifyChainAgainst, type ChainVerdict } from './chain-verify';
import { sha256Hex } from './csr';
import { IssuedIndex, type StoredIssued } from './issued-index';
import { resolveProfile } from './profile';
import { RevocationStore, type StoredCrl } from './revocation';
import type {
  CaSigner,
  CertProfile,
  IssuedCertificate,
  IssuedIndexEntry,
  RevocationEntry,
  VerifiedCsr,
} from './types';

export { summarise, checkDeviceUid, issuerNameDer, CRL_VALIDITY_DAYS };
export type { CaInitOptions, RevokeOptions, RevokeOutcome, RevokeTarget };

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
type IssuingFacts = {
  nameDer: Uint8Array;
  notAfterMs: number;
  fingerprint: string;
  publicKey: crypto.KeyObject;
};

/** The station CA. Create with {@link StationCa.init}, {@link StationCa.load} or {@link StationCa.import}. */
export class StationCa {
  private readonly index: IssuedIndex;
  private readonly revocations: RevocationStore;
  private queue: Promise<unknown> = Promise.resolve();
  /** Facts about the issuing CA certificate (recomputed by {@link StationCa.install}). */
  private issuing!: IssuingFacts;

  private constructor(
    readonly home: string,
    readonly meta: CaMeta,
    /** Issuing CA first, root last (DER). */
    private caChain: Uint8Array[],
    readonly signer: CaSigner,
    private readonly db: Db,
    private readonly owns: { db: boolean; signer: boolean },
  ) {
    this.index = new IssuedIndex(db);
    this.revocations = new RevocationStore(db);
    this.setChain(caChain);
  }

  private setChain(chain: Uint8Array[]): void {
    this.caChain = chain;
    const cert = new crypto.X509Certificate(Buffer.from(chain[0]!));
    this.issuing = {
      nameDer: issuerNameDer(chain[0]!),
      notAfterMs: new Date(cert.validTo).getTime(),
      fingerprint: sha256Hex(chain[0]!),
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
    const chain = readCaFiles(home, { withKey: false }).chain.map(summarise);
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
   * Creates a development root CA and an issuing CA in `home`/ca (ca-init.ts): the issuing key in an
   * encrypted file (passphrase in `secrets` as `ca.passphrase`), or inside an HSM token (`pkcs11`,
   * PIN in `secrets` as `ca.tokenPin`). The root private key is discarded after signing.
   * @throws StationError CONFLICT when a CA exists and `force` is not set; see initCaFiles.
   */
  static async init(home: string, secrets: SecretStore, opts: CaInitOptions = {}): Promise<StationCa> {
    const done = await initCaFiles(home, secrets, opts);
    return StationCa.load(home, secrets, { db: opts.db, env: done.env });
  }

  /**
   * Loads the CA of `home` with the signer `ca.json` names. File key: refuses a plain-text key,
   * decrypts it with the passphrase (ASSET_STATION_CA_PASSPHRASE, else the SecretStore). PKCS#11: logs
   * in with the PIN (ASSET_STATION_TOKEN_PIN, else the SecretStore) and finds the key. Either way the
   * key must belong to the issuing CA certificate.
   * @throws StationError CA_NOT_INITIALISED, CA_KEY_UNPROTECTED, CA_PASSPHRASE, CA_KEY_MISMATCH,
   *   CA_SIGNER_UNAVAILABLE (HSM module, token or key not reachable).
   */
  static async load(home: string, secrets: SecretStore, opts: CaLoadOptions = {}): Promise<StationCa> {
    const files = readCaFiles(home);
    const signer = await openConfiguredSigner(files, secrets, opts.env ?? process.env);
    try {
      assertSignerMatches(files.chain[0]!, signer, files.keyPath || undefined);
    } catch (e) {
      signer.close?.();
      throw e;
    }
    return new StationCa(home, files.meta, files.chain, signer, opts.db ?? openStationDb(home), {
      db: !opts.db,
      signer: true,
    });
  }

  /**
   * Opens the CA of `home` with another {@link CaSigner} — an HSM (PKCS#11) or a remote CA — instead of
   * the signer `ca.json` names: the chain comes from `chain.pem`. The caller keeps ownership of `signer`.
   * @throws StationError CA_NOT_INITIALISED (no chain), CA_KEY_MISMATCH (the signer's key is not the
   *   issuing CA's).
   */
  static async fromSigner(home: string, signer: CaSigner, opts: CaLoadOptions = {}): Promise<StationCa> {
    const files = readCaFiles(home, { withKey: false });
    assertSignerMatches(files.chain[0]!, signer);
    return new StationCa(home, files.meta, files.chain, signer, opts.db ?? openStationDb(home), {
      db: !opts.db,
      signer: false,
    });
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

  /** Closes the DB connection and the signer (HSM session) if the CA opened them. */
  close(): void {
    if (this.owns.signer) this.signer.close?.();
    if (this.owns.db) this.db.close();
  }

  /** The CA chain: issuing CA first, root last (DER). Devices get leaf + this chain. */
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
    return resolveProfileOf(this.meta);
  }

  /**
   * Verifies a device chain (leaf first) against this CA: chaining, validity, end-entity, EKU
   * clientAuth, and revocation (a leaf this station revoked fails, naming the reason and date).
   */
  verifyDeviceChain(chain: Uint8Array[], at?: Date): ChainVerdict {
    const verdict = verifyChainAgainst(chain, this.caChain, at);
    if (!verdict.ok) return verdict;
    const serial = new crypto.X509Certificate(Buffer.from(chain[0]!)).serialNumber;
    const r = this.revocation(serial);
    if (!r) return verdict;
    return {
      ok: false,
      detail: `the device certificate (serial ${r.serial}) was revoked on ${r.revokedAt} (${r.reason})`,
    };
  }

  /** The newest certificate issued for a device UID, or undefined. */
  findIssued(deviceUid: string): IssuedIndexEntry | undefined {
    return this.index.byUid(deviceUid)[0];
  }

  /** The newest certificate issued for a public key (SHA-256 of the SPKI, hex), or undefined. */
  findByKey(keyFingerprint: string): IssuedIndexEntry | undefined {
    return this.index.byKey(keyFingerprint)[0];
  }

  /** The certificate with this serial (hex, any case, colons allowed), or undefined. */
  findBySerial(serial: string): IssuedIndexEntry | undefined {
    return this.index.bySerial(normaliseSerial(serial));
  }

  /** Every certificate issued for a device UID, newest first (re-provisions included). */
  listIssued(deviceUid: string): IssuedIndexEntry[] {
    return this.index.byUid(deviceUid);
  }

  /**
   * Issues a device certificate for a verified CSR (run checkCsrPolicy and proof of possession first).
   * Rules (ca-issue.ts), checked again inside the insert transaction: clone → CLONE_SUSPECTED; a key
   * revoked for keyCompromise → CERT_REVOKED; same UID + key with a valid, unrevoked certificate → that
   * certificate (`reused: true`); another key, or a revoked/expired certificate → REPROVISION_REQUIRED
   * unless `reprovision`. The certificate is recorded only after the signer succeeded and the signature
   * verified. Calls are serialised per CA instance.
   * @throws StationError BAD_REQUEST (UID), CLONE_SUSPECTED, CERT_REVOKED, REPROVISION_REQUIRED,
   *   CONFIG_INVALID (subject template), CA_SIGNER_UNAVAILABLE / CA_PASSPHRASE (HSM), INTERNAL.
   */
  issue(csr: VerifiedCsr, opts: IssueOptions): Promise<IssuedCertificate & { reused: boolean }> {
    const run = this.queue.then(() => this.issueNow(csr, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private decide(csr: VerifiedCsr, opts: IssueOptions, now: Date): StoredIssued | 'issue' {
    return decideIssue(
      { index: this.index, revocations: this.revocations, issuerFingerprint: this.issuing.fingerprint },
      csr,
      opts,
      now,
    );
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
    const entry = await signDeviceCertificate({
      csr,
      deviceUid: opts.deviceUid,
      profile: resolveProfileOf(this.meta, opts.profile),
      now,
      signer: this.signer,
      issuing: this.issuing,
      reprovision: Boolean(opts.reprovision) && this.index.byUid(opts.deviceUid).length > 0,
    });
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

  // ------------------------------------------------------------------------------ revocation

  /** True when this station revoked the certificate with this serial (hex, any case, colons allowed). */
  isRevoked(serial: string): boolean {
    return this.revocation(serial) !== undefined;
  }

  /** The revocation record of a serial, or undefined when it is not revoked. */
  revocation(serial: string): RevocationEntry | undefined {
    return this.revocations.get(normaliseSerial(serial));
  }

  /** Revocations of a device UID's certificates, newest first (empty when none). */
  revocationsFor(deviceUid: string): RevocationEntry[] {
    return this.revocations.byUid(deviceUid);
  }

  /**
   * Revokes a certificate (by serial) or every certificate of a device (by UID): records each
   * revocation (and the `ca.revoke` audit event, when `audit` is given) in one transaction, then
   * publishes a new CRL; the revocations are on disk (WAL fsync, records/db.ts durable) before it returns.
   * Certificates already revoked are left as they are (ca-revoke.ts).
   * @throws StationError BAD_REQUEST (reason), NOT_FOUND (no such certificate or device); when the CRL
   *   cannot be signed (HSM away) the revocation stays recorded and the signer's error is thrown with a
   *   remedy to run `ca crl` later.
   */
  async revoke(target: RevokeTarget, opts: RevokeOptions): Promise<RevokeOutcome> {
    const result = recordRevocations(this.db, this.index, this.revocations, target, opts);
    // on disk before it is reported (synchronous=NORMAL: a commit survives a power cut once synced, db.ts)
    await durable(this.db);
    try {
      return { ...result, crl: await this.publishCrl() };
    } catch (e) {
      throw recordedButNoCrl(e);
    }
  }

  /**
   * Signs and publishes a new CRL (next CRL number; thisUpdate now; nextUpdate after `validityDays`),
   * records it and writes `ca/crl.der` and `ca/crl.pem` atomically. Lists every revoked certificate
   * issued under the current issuing CA name that has not yet expired.
   * @throws StationError from the signer (CA_SIGNER_UNAVAILABLE, CA_PASSPHRASE).
   */
  async publishCrl(validityDays = CRL_VALIDITY_DAYS): Promise<StoredCrl> {
    const { home, index, revocations, signer, issuing } = this;
    const run = this.queue.then(() =>
      publishCrl({ home, index, revocations, signer, issuing }, validityDays),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The newest CRL if it is still current (before its nextUpdate), else a freshly published one. */
  async currentCrl(): Promise<StoredCrl> {
    const latest = this.revocations.latestCrl();
    const fresh =
      latest?.issuerFingerprint === this.issuing.fingerprint && Date.parse(latest.nextUpdate) > Date.now();
    return fresh ? latest : this.publishCrl();
  }

  // ------------------------------------------------------------------------------ common root

  /**
   * A PKCS#10 CSR for this station's issuing key, signed by the signer (file or HSM), for the offline
   * root to sign. `subject` like `/C=DE/O=Acme/CN=Acme Station 7 Issuing CA`; default: the current
   * issuing CA's subject.
   */
  async request(subject?: string): Promise<Uint8Array> {
    return buildCaCsr(this.signer, caSubjectDer(this.home, subject));
  }

  /**
   * Installs the issuing CA certificate an offline root signed for this station's key (ca-install.ts
   * checks), then serves the new chain: issuing CA, intermediates, root.
   * @throws StationError CA_KEY_MISMATCH, CA_IMPORT_INVALID.
   */
  install(cert: string | Uint8Array, chain: string | Uint8Array): CaInfo {
    const installed = installIssuingCert(this.home, this.signer.publicKeySpki, cert, chain);
    this.setChain(installed);
    return this.info();
  }
}

const resolveProfileOf = (meta: CaMeta, extra?: Partial<CertProfile>) => resolveProfile(meta.profile, extra);
