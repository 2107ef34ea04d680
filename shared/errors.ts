/**
 * Station error contract, shared by the core, the CLI, both API transports and the renderer.
 *
 * Every error a user can meet is a {@link StationErrorShape}: a stable `code`, a `message` that says
 * what happened, and a `remedy` that says what to do. Codes are stable identifiers (tests, logs and the
 * renderer switch on them); messages and remedies are for people.
 *
 * No Node and no DOM in this folder: it is imported by the renderer and the Electron main process alike.
 */
import { z } from 'zod';

/**
 * Stable error codes. Grouped by the party at fault. Add new codes at the end of their group;
 * never rename one (journals and audit logs store them).
 */
export const ERROR_CODES = [
  // API / transport
  'BAD_REQUEST', // a request or response failed schema validation
  'UNKNOWN_METHOD',
  'UNAUTHORIZED', // wrong harness token, wrong IPC sender, wrong admin PIN
  'INTERNAL', // a bug: the message carries the detail
  'NOT_FOUND',
  'CONFLICT', // e.g. a job already running on this bay
  'CANCELLED',
  'TRANSPORT_CLOSED', // the window lost its connection to the station core
  // configuration and secrets
  'CONFIG_INVALID',
  'SECRET_MISSING',
  'SECRET_STORE_UNAVAILABLE',
  'HOME_UNUSABLE',
  // device link
  'DEVICE_PORT_NOT_FOUND',
  'DEVICE_PORT_PERMISSION',
  'DEVICE_PORT_BUSY',
  'DEVICE_PORT_VANISHED',
  'DEVICE_TIMEOUT',
  'DEVICE_PROTOCOL',
  'DEVICE_REFUSED',
  'DEVICE_LOCKED',
  'DEVICE_MISMATCH', // the device on the port is not the one the job was started for
  'DEVICE_IDENTITY_INVALID', // the UID/model/firmware a device reports has control/bidi characters or is too long
  'DEVICE_RESET', // the device restarted mid-command (reset banner seen): the command's outcome is unknown
  'DEVICE_BOOTLOADER', // the board sits in its bootloader / download mode
  // PKI
  'CSR_MALFORMED',
  'CSR_BAD_SIGNATURE',
  'CSR_POLICY',
  'POP_FAILED', // proof of possession failed
  'CLONE_SUSPECTED',
  'CA_NOT_INITIALISED',
  'CA_KEY_UNPROTECTED',
  'CA_PASSPHRASE',
  'CERT_INSTALL_REFUSED',
  'CA_KEY_MISMATCH', // the CA key does not belong to the CA certificate
  'CA_IMPORT_INVALID', // files given to `ca import` are not a usable CA
  'REPROVISION_REQUIRED', // the device already has a certificate for another key
  'CA_SIGNER_UNAVAILABLE', // the HSM (PKCS#11 module, token or key) cannot be reached or stopped answering
  'CERT_REVOKED', // the certificate (or the key it certifies) was revoked by the station
  // Salesforce
  'ORG_NOT_CONNECTED',
  'ORG_AUTH',
  'ORG_CONFIG',
  'ORG_LIMIT',
  'ORG_UNAVAILABLE',
  'ORG_REJECTED',
  'ORG_DUPLICATE',
  'ORG_INCONSISTENT', // the org's answer names a record that is not this device's (checked in the same round trip)
  'ASSET_TOKEN_REJECTED',
  'ASSET_TOKEN_INVALID',
  // provisioning
  'JOB_STEP_FAILED',
  'VERIFY_FAILED',
  'AUDIT_BROKEN',
  'JOURNAL_CORRUPT', // a step's journaled result does not read back in the expected shape (damaged or old format)
  // bench peripherals
  'PRINTER_UNAVAILABLE', // the network label printer refused, could not be reached or did not take the job in time
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Wire shape of an error (what crosses IPC / WebSocket and what `--json` prints). */
export const StationErrorShape = z.object({
  code: z.enum(ERROR_CODES),
  /** What happened, in one sentence a technician understands. */
  message: z.string(),
  /** What to do about it, in one sentence. */
  remedy: z.string(),
  /** Optional machine-readable detail (never secrets). */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type StationErrorShape = z.infer<typeof StationErrorShape>;

/**
 * The one error class the station throws for anything a user can meet.
 * @example throw new StationError('DEVICE_TIMEOUT', 'The device did not answer KEYGEN within 30000 ms.', 'Check the cable and power, then retry.')
 */
export class StationError extends Error {
  readonly code: ErrorCode;
  readonly remedy: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, remedy: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'StationError';
    this.code = code;
    this.remedy = remedy;
    this.details = details;
  }

  /** The wire shape (drops the stack). */
  toShape(): StationErrorShape {
    return {
      code: this.code,
      message: this.message,
      remedy: this.remedy,
      ...(this.details ? { details: this.details } : {}),
    };
  }

  /** Rebuilds a StationError from its wire shape (used by API clients). */
  static fromShape(shape: StationErrorShape): StationError {
    return new StationError(shape.code, shape.message, shape.remedy, shape.details);
  }
}

/** True when `e` is a {@link StationError} (also across realms, by duck typing on `code` and `remedy`). */
export function isStationError(e: unknown): e is StationError {
  return (
    e instanceof StationError ||
    (typeof e === 'object' &&
      e !== null &&
      typeof (e as { code?: unknown }).code === 'string' &&
      typeof (e as { remedy?: unknown }).remedy === 'string' &&
      (ERROR_CODES as readonly string[]).includes((e as { code: string }).code))
  );
}

/**
 * Converts anything thrown into a wire error. Unknown errors become `INTERNAL` with their message,
 * so a bug is visible instead of being swallowed.
 */
export function toErrorShape(e: unknown): StationErrorShape {
  if (e instanceof StationError) return e.toShape();
  if (isStationError(e)) {
    const s = e as unknown as StationErrorShape;
    return {
      code: s.code,
      message: s.message,
      remedy: s.remedy,
      ...(s.details ? { details: s.details } : {}),
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: 'INTERNAL',
    message: `Unexpected error: ${message}`,
    remedy: 'Retry; if it happens again, export the journal and report it to the station maintainers.',
  };
}
