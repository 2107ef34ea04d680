/**
 * Contract between the provisioning saga and the device link (device protocol v1,
 * docs/device-protocol.md). The saga only ever talks to a device through {@link DeviceClient}.
 *
 * Invariant: no method returns or accepts a private key. Keys are generated and used on the device.
 */
import type { DeviceIdentity, KeyAlgorithm } from '../../shared/domain';

/** Signature formats of SIGN (protocol v1): raw r||s (64 bytes) for ES256, PKCS#1 v1.5 for RS256 (RFC 7518 §3.3, §3.4). */
export type SignatureAlgorithm = 'ES256' | 'RS256';

/** Result of KEYGEN. */
export interface KeygenResult {
  /** The device's public key as DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
  publicKeySpki: Uint8Array;
  algorithm: KeyAlgorithm;
  /** False when the device returned its existing key (KEYGEN is idempotent). */
  created: boolean;
}

/** What the device stores about its Salesforce registration (SET_ASSET / GET_ASSET). */
export interface AssetBinding {
  assetId: string;
  orgId: string;
  /** The Salesforce asset token (a JWT), when the asset-token flow ran. */
  assetToken?: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Overall deadline in ms (progress frames extend it for slow commands, see the protocol spec). */
  timeoutMs?: number;
  /** Called with 0..1 when the device reports progress (e.g. RSA key generation). */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/**
 * A connected device. Every method throws `StationError` with a `DEVICE_*` code on failure
 * (`DEVICE_TIMEOUT`, `DEVICE_PROTOCOL`, `DEVICE_REFUSED`, `DEVICE_LOCKED`, `DEVICE_PORT_VANISHED`, …).
 */
export interface DeviceClient {
  /** The locator this client is connected to (`serial:…`, `tcp:…`, `sim:…`). */
  readonly locator: string;
  /** HELLO/INFO: identity, capabilities, state. */
  hello(opts?: CallOptions): Promise<DeviceIdentity>;
  /** KEYGEN(slot, algorithm): returns the existing key unless `replace` (refused when locked). */
  keygen(slot: number, algorithm: KeyAlgorithm, replace: boolean, opts?: CallOptions): Promise<KeygenResult>;
  /** CSR(slot, subject, SANs): a DER PKCS#10 request signed by the device key. */
  csr(slot: number, subject: Record<string, string>, sans: string[], opts?: CallOptions): Promise<Uint8Array>;
  /** SIGN(slot, data): ES256 raw r||s or RS256 PKCS#1 v1.5 signature over SHA-256(data). */
  sign(
    slot: number,
    data: Uint8Array,
    algorithm: SignatureAlgorithm,
    opts?: CallOptions,
  ): Promise<Uint8Array>;
  /** PUT_CERT(slot, chain): leaf first, DER. The device refuses a leaf whose key is not its own. */
  putCert(slot: number, chain: Uint8Array[], opts?: CallOptions): Promise<void>;
  /** GET_CERT(slot): the installed chain (leaf first, DER); empty when none. */
  getCert(slot: number, opts?: CallOptions): Promise<Uint8Array[]>;
  /** SET_ASSET: stores the Salesforce binding. */
  setAsset(binding: AssetBinding, opts?: CallOptions): Promise<void>;
  /** GET_ASSET: reads the binding back (undefined when none). */
  getAsset(opts?: CallOptions): Promise<AssetBinding | undefined>;
  /** LOCK: after it KEYGEN/replace is refused. */
  lock(opts?: CallOptions): Promise<void>;
  /** Closes the transport. Idempotent. */
  close(): Promise<void>;
  /** Serial bytes sent/received so far (for benchmarks). */
  readonly stats: { bytesOut: number; bytesIn: number };
}

/** Options to open a device. */
export interface OpenOptions {
  baudRate?: number;
  /** DTR/RTS policy: `keep-low` never toggles lines (ESP-style boards reset on DTR/RTS). */
  lineControl?: 'keep-low' | 'default';
  /** Connection timeout in ms. */
  timeoutMs?: number;
  /**
   * Receives each line of non-frame output the device prints on the same UART (firmware logs, boot
   * banner), printable ASCII, for the job log. Added by the device link (issue 3); optional.
   */
  onDeviceLog?: (line: string) => void;
  /**
   * Per-command ceiling, ms, by command name (protocol v1: `KEYGEN`; nRF91: `%KEYGEN`), overriding the
   * driver's default (protocol v1: DEFAULT_TIMEOUT_MS, KEYGEN 120 s) and capping any longer timeout a
   * caller passes ({@link commandDeadlineMs}); station setting `device.commandCeilingsMs`. A device still sending progress
   * keep-alives at the ceiling fails with DEVICE_TIMEOUT (`details.keptAlive`), which is not retried.
   */
  commandCeilingsMs?: Partial<Record<string, number>>;
}

/**
 * How long one command may take, ms: the caller's own timeout capped by the configured ceiling
 * ({@link OpenOptions.commandCeilingsMs}), so a step's built-in figure never outlasts the station's
 * setting; without a caller timeout, the ceiling, else `fallbackMs` (the driver's default).
 */
export function commandDeadlineMs(
  requestedMs: number | undefined,
  ceilingMs: number | undefined,
  fallbackMs: number,
): number {
  if (requestedMs === undefined) return ceilingMs ?? fallbackMs;
  return ceilingMs === undefined ? requestedMs : Math.min(requestedMs, ceilingMs);
}
