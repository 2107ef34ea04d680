/**
 * What the provisioning saga needs from the three outside parties, as narrow ports. The station wires
 * them to the real modules (device/, pki/, salesforce/); the saga never reaches past them
 * (docs/architecture.md: "Steps talk to outside parties only through their modules").
 */
import type { KeyAlgorithm, StepName } from '../../shared/domain';
import type { DeviceDriver, DriverOpenOptions } from '../device';
import type { SignatureAlgorithm } from '../device/types';
import type {
  CsrExpectation,
  IssuedCertificate,
  IssuedIndexEntry,
  SubjectTemplate,
  VerifiedCsr,
} from '../pki/types';
import type { OnboardOrg } from '../onboard/org';

/**
 * A device certificate subject: the station settings' template (core/pki/types.ts SubjectTemplate,
 * RFC 5280 §4.1.2.6) with `{uid}` and `{model}` filled in. C and serialNumber are PrintableString in
 * the certificate, the others UTF8String (core/pki/profile.ts).
 */
export type DeviceSubject = SubjectTemplate;

/** The station PKI as the saga uses it. */
export interface PkiPort {
  parseCsr(der: Uint8Array): Promise<VerifiedCsr>;
  /**
   * What the station asks the device to put in its CSR for `deviceUid`: the given subject and the SANs
   * of the CA's certificate profile (e.g. `uri:urn:dev:uid:<uid>`).
   */
  expectation(deviceUid: string, subject: DeviceSubject): CsrExpectation;
  /** @throws StationError CSR_POLICY */
  checkCsrPolicy(csr: VerifiedCsr, expected: CsrExpectation): void;
  createChallenge(): Uint8Array;
  /** @throws StationError POP_FAILED */
  verifyProofOfPossession(
    spki: Uint8Array,
    challenge: Uint8Array,
    signature: Uint8Array,
    alg: SignatureAlgorithm,
  ): void;
  /** The index entry certifying this public key, if any. */
  findByKey(keyFingerprint: string): IssuedIndexEntry | undefined;
  /** Issues (or returns the already-issued certificate for the same UID and key). */
  issue(
    csr: VerifiedCsr,
    opts: { deviceUid: string; reprovision: boolean; subject: DeviceSubject },
  ): Promise<IssuedCertificate>;
  /**
   * Revokes certificate `serial` at once (the org refused the identity it certifies before it left the
   * station): recorded, then a new CRL published. `reason` is a CRLReason name (RFC 5280 §5.3.1).
   * @throws StationError when the CRL cannot be signed (the revocation is recorded all the same), NOT_FOUND
   */
  revoke(serial: string, reason: 'keyCompromise' | 'cessationOfOperation', note: string): Promise<void>;
  /** The station's revocation of certificate `serial` (hex, any case, colons optional), if revoked. */
  revocation(serial: string): { serial: string; reason: string; revokedAt: string } | undefined;
  /** Checks that a device's chain leads to this CA and is valid now. */
  verifyDeviceChain(chain: Uint8Array[]): { ok: boolean; detail: string };
}

/** Facts written onto the Asset record (docs/salesforce-wire.md §4.1 + our custom fields). */
export interface AssetFacts {
  deviceUid: string;
  model: string;
  firmware: string;
  certSerial: string;
  certFingerprint: string;
  keyFingerprint: string;
  notAfter: string;
  stationId: string;
  provisionedBy: string;
  provisionedAt: string;
  /** Operator inputs such as an Account Id scanned at the bench. */
  accountId?: string;
  /** An admin approved re-provisioning (a new key for a registered UID): tells the org the key may change. */
  keyChangeApproved?: boolean;
}

/** An Asset as read back from the org (for verify). */
export interface OrgAsset {
  id: string;
  deviceUid: string;
  keyFingerprint?: string;
  certFingerprint?: string;
  certSerial?: string;
}

/**
 * How many running provisioning jobs have not yet gone past a step (jobs/step-census.ts): the org
 * batches wait for exactly those bays instead of a fixed window (issue 18).
 */
export interface JobsAhead {
  notPast(step: StepName): number;
}

/** The Salesforce org as the saga uses it. */
export interface OrgPort {
  readonly orgId: string;
  readonly username: string;
  /**
   * @throws StationError CLONE_SUSPECTED when the key is registered under another UID;
   *   REPROVISION_REQUIRED when the UID is registered with another key and `reprovision` is not set.
   */
  checkClone(q: {
    deviceUid: string;
    keyFingerprint: string;
    reprovision: boolean;
  }): Promise<{ existingAssetId?: string }>;
  /**
   * Whether the org itself enforces the identity rules (core/salesforce/identity-rules.ts): then the
   * upsert refuses a clone (CLONE_SUSPECTED) or an unapproved key change (REPROVISION_REQUIRED) and no
   * clone check is needed before it. Read once per session.
   */
  identityRules(): Promise<{ enforced: boolean; missing?: string }>;
  /**
   * Idempotent upsert on the external ID (device UID).
   * @throws StationError CLONE_SUSPECTED / REPROVISION_REQUIRED where the org enforces the identity rules
   */
  upsertAsset(facts: AssetFacts): Promise<{ id: string; created: boolean }>;
  findAssetByUid(uid: string): Promise<OrgAsset | undefined>;
  /**
   * The Account with this record Id (undefined: none in the org), so a scanned Account is shown by
   * name before use (core/salesforce/accounts.ts). Optional: an org port without it cannot look up.
   */
  findAccount?(id: string): Promise<{ id: string; name: string } | undefined>;
  /** Onboarding's calls (customer search, the Asset linked and installed; core/onboard/org.ts). Optional. */
  onboard?: OnboardOrg;
  /**
   * Runs the asset-token flow with the device as signer: builds the actor token, has `sign` (the
   * device's SIGN, RS256) sign it, exchanges it and validates the result. Returns the asset token.
   */
  issueAssetToken(q: {
    deviceUid: string;
    assetId: string;
    name: string;
    publicKeySpki: Uint8Array;
    sign: (signingInput: Uint8Array) => Promise<Uint8Array>;
  }): Promise<{ assetToken: string; expiresIn: number; jti?: string }>;
}

/** Everything the saga needs. */
export interface SagaPorts {
  openDevice(locator: string, opts?: DriverOpenOptions): Promise<DeviceDriver>;
  pki(): Promise<PkiPort>;
  /** Undefined when no org is connected (the job then fails at the org steps with ORG_NOT_CONNECTED). */
  org(): Promise<OrgPort>;
}

/** Which key algorithms can sign an actor token (docs/salesforce-wire.md §1.3: RS256 is the only documented one). */
export function assetTokenCapable(alg: KeyAlgorithm): boolean {
  return alg === 'RSA-2048' || alg === 'RSA-3072';
}
