/**
 * The one interface the provisioning saga talks to a device through, whatever its family (protocol v1
 * firmware, an nRF91 modem on stock firmware, …), and what each family declares it can do. Steps a
 * family cannot do are skipped with the reason from {@link DriverCapabilities} — recorded and shown,
 * never silent. Adding a family: docs/drivers.md.
 *
 * Invariant (as for every device link): no method returns or accepts a private key.
 */
import type { DeviceIdentity, KeyAlgorithm } from '../../../shared/domain';
import type { AssetBinding, CallOptions, SignatureAlgorithm } from '../types';

/** Families the registry knows, in probe order. */
export type DeviceFamily = 'as1' | 'nrf91';

/** How a family proves that the device holds the private key of its CSR. */
export type ProofOfPossession =
  /** The device signs a fresh station challenge with the key (protocol v1 SIGN). */
  | { kind: 'sign-challenge' }
  /**
   * No signing command: the CSR's own signature (made inside the device at key generation) plus the
   * device's attestation that binds the CSR digest to the device; `detail` says what is checked.
   */
  | { kind: 'csr-attestation'; detail: string };

/** Where the Salesforce Asset binding lives. */
export type AssetBindingHome =
  | { kind: 'device' }
  /** The device has no storage the station may write: the binding stays in the org under the UID. */
  | { kind: 'org'; reason: string };

/** What a family can do (the saga reads this; the UI and CLI show the reasons). */
export interface DriverCapabilities {
  proofOfPossession: ProofOfPossession;
  assetBinding: AssetBindingHome;
  /** Can sign an actor token (RS256 over station-chosen bytes); otherwise why not. */
  actorToken: { ok: true } | { ok: false; reason: string };
  /** The device puts the station's SANs into its CSR; false: the certificate gets them from the CA profile. */
  csrSans: boolean;
  /** The CSR is produced by key generation itself (one command); false: a separate CSR command. */
  csrAtKeygen: boolean;
}

/** What the station asks for at key generation. */
export interface KeyRequest {
  algorithm: KeyAlgorithm;
  /** Replace an existing key (re-provisioning). */
  replace: boolean;
  /** Subject attributes in order (CN first); families with {@link DriverCapabilities.csrAtKeygen} use them now. */
  subject: Record<string, string>;
  sans: string[];
}

/** The outcome of key generation. */
export interface GeneratedKey {
  /** DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
  publicKeySpki: Uint8Array;
  algorithm: KeyAlgorithm;
  /** False when the device returned a key it already had. */
  created: boolean;
  /** DER PKCS#10 request, when the family produces it at key generation. */
  csr?: Uint8Array;
  /** Facts of the device's attestation of the CSR, already checked by the driver (JSON-serialisable). */
  attestation?: Record<string, string | number>;
}

/** A connected device of some family. Every method throws StationError (`DEVICE_*`) on failure. */
export interface DeviceDriver {
  readonly family: DeviceFamily;
  readonly locator: string;
  readonly capabilities: DriverCapabilities;
  /** Bytes on the line so far (benchmarks). */
  readonly stats: { bytesOut: number; bytesIn: number };
  /** Identity, capabilities and state. The UID is the Asset external ID. */
  identify(o?: CallOptions): Promise<DeviceIdentity>;
  /** Generates (or returns) the device key; the private key never leaves the device. */
  generateKey(req: KeyRequest, o?: CallOptions): Promise<GeneratedKey>;
  /** A CSR for the current key (families without csrAtKeygen). */
  requestCsr(subject: Record<string, string>, sans: string[], o?: CallOptions): Promise<Uint8Array>;
  /** Signs `data` with the device key (proof of possession, actor token); only where the capability says so. */
  sign(data: Uint8Array, alg: SignatureAlgorithm, o?: CallOptions): Promise<Uint8Array>;
  /** Installs the chain (leaf first, DER) for the device key. */
  installCertificate(chain: Uint8Array[], o?: CallOptions): Promise<void>;
  /**
   * What the device reports it now holds for the chain: one SHA-256 (lowercase hex) per stored item, in
   * installation order (protocol v1: one per certificate GET_CERT returns, of its DER; nRF91: the modem's
   * own hash of the client certificate PEM, then of the CA certificates PEM when it holds any); empty
   * when none. The install step compares it with {@link chainDigests} (issue 11: the whole chain).
   */
  installedChainDigests(o?: CallOptions): Promise<string[]>;
  /** The installed chain, leaf first, DER (empty when none): QA re-verification. */
  readCertificateChain(o?: CallOptions): Promise<Uint8Array[]>;
  /** The digests {@link installedChainDigests} must equal, item for item, once `chain` is installed. */
  chainDigests(chain: Uint8Array[]): string[];
  /** Stores the Asset binding (assetBinding.kind 'device' only). */
  writeAssetBinding(binding: AssetBinding, o?: CallOptions): Promise<void>;
  /** Reads the binding back (undefined when none). */
  readAssetBinding(o?: CallOptions): Promise<AssetBinding | undefined>;
  /** Closes the line. Idempotent. */
  close(): Promise<void>;
}

/** A family in the registry: how to recognise it on an open line, and how to drive it. */
export interface DriverFamily {
  readonly family: DeviceFamily;
  /** Words for people ("protocol v1 firmware", "Nordic nRF91 modem (AT commands)"). */
  readonly title: string;
}
