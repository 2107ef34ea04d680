/**
 * Failures by what the technician sees at the bench, not by where the code noticed them: six classes,
 * each with a remedy that fits the symptom, and a plain rewrite of messages (step names as the
 * screen shows them, times rounded to whole seconds, no OS error names).
 *
 * NOT RESPONDING — the device is there but does not answer (wrong port, bootloader, firmware hung);
 * LINK NOISE — answers arrive damaged (cable, connector, baud rate, a console sharing the port);
 * UNPLUGGED — the port went away or the device restarted mid-command;
 * DEVICE REFUSED — the device answered no, or what it sent fails a check (locked, CSR, proof of
 *   possession, a clone, another key already certified);
 * CONFIGURATION — this station's setup (port permission or busy, CA, vault, settings);
 * ORG — Salesforce (login, limits, outage, a rejected record, asset tokens).
 */
import type { ErrorCode } from './errors';
import { STEP_LABELS } from './step-labels';

export const FAILURE_CLASSES = [
  'NOT RESPONDING',
  'LINK NOISE',
  'UNPLUGGED',
  'DEVICE REFUSED',
  'CONFIGURATION',
  'ORG',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

const BY_CODE: Partial<Record<ErrorCode, FailureClass>> = {
  DEVICE_TIMEOUT: 'NOT RESPONDING',
  DEVICE_BOOTLOADER: 'NOT RESPONDING',
  DEVICE_PROTOCOL: 'LINK NOISE',
  DEVICE_PORT_VANISHED: 'UNPLUGGED',
  DEVICE_PORT_NOT_FOUND: 'UNPLUGGED',
  DEVICE_RESET: 'UNPLUGGED',
  DEVICE_REFUSED: 'DEVICE REFUSED',
  DEVICE_LOCKED: 'DEVICE REFUSED',
  DEVICE_MISMATCH: 'DEVICE REFUSED',
  DEVICE_IDENTITY_INVALID: 'DEVICE REFUSED',
  CERT_INSTALL_REFUSED: 'DEVICE REFUSED',
  CSR_MALFORMED: 'DEVICE REFUSED',
  CSR_BAD_SIGNATURE: 'DEVICE REFUSED',
  CSR_POLICY: 'DEVICE REFUSED',
  POP_FAILED: 'DEVICE REFUSED',
  CLONE_SUSPECTED: 'DEVICE REFUSED',
  REPROVISION_REQUIRED: 'DEVICE REFUSED',
  CERT_REVOKED: 'DEVICE REFUSED',
  DEVICE_PORT_PERMISSION: 'CONFIGURATION',
  DEVICE_PORT_BUSY: 'CONFIGURATION',
  CONFIG_INVALID: 'CONFIGURATION',
  SECRET_MISSING: 'CONFIGURATION',
  SECRET_STORE_UNAVAILABLE: 'CONFIGURATION',
  HOME_UNUSABLE: 'CONFIGURATION',
  CA_NOT_INITIALISED: 'CONFIGURATION',
  CA_KEY_UNPROTECTED: 'CONFIGURATION',
  CA_PASSPHRASE: 'CONFIGURATION',
  CA_KEY_MISMATCH: 'CONFIGURATION',
  CA_IMPORT_INVALID: 'CONFIGURATION',
  CA_SIGNER_UNAVAILABLE: 'CONFIGURATION',
  ORG_NOT_CONNECTED: 'ORG',
  ORG_AUTH: 'ORG',
  ORG_CONFIG: 'ORG',
  ORG_LIMIT: 'ORG',
  ORG_UNAVAILABLE: 'ORG',
  ORG_REJECTED: 'ORG',
  ORG_DUPLICATE: 'ORG',
  ORG_INCONSISTENT: 'ORG',
  ASSET_TOKEN_REJECTED: 'ORG',
  ASSET_TOKEN_INVALID: 'ORG',
};

/** The class of an error code, or undefined for errors that are not a bench failure (a bug, a bad request). */
export function failureClass(code: string): FailureClass | undefined {
  return BY_CODE[code as ErrorCode];
}

/**
 * The remedy for the two classes where the symptom says more than the code path: a noisy answer is
 * a cable or port problem, not a firmware one, and a Retry usually fixes it; a silent device is
 * power, port or bootloader first. (UNPLUGGED remedies already say "plug it back in".)
 */
const LINK_REMEDY: Partial<Record<FailureClass, string>> = {
  'NOT RESPONDING':
    'Check that the device is powered and running its provisioning firmware (not the bootloader) and that this is its data port, then press Retry.',
  'LINK NOISE':
    'Answers arrived damaged: reseat the cable (or try another one), keep the device away from other consoles on this port, then press Retry. If it happens on every try, run the conformance check on this device.',
};

/** OS error names and what they mean at the bench. */
const OS_WORDS: Array<[RegExp, string]> = [
  [/\bbad file descriptor\b/gi, 'the port was closed'],
  [/\b(EBADF|EIO)\b:?/g, 'the port was closed'],
  [/\bENOENT\b:?\s*(no such file or directory)?/gi, 'the port is not there'],
  [/\bno such file or directory\b/gi, 'the port is not there'],
  [/\bECONNREFUSED\b/g, 'nothing answered at that address'],
  [/\bECONNRESET\b/g, 'the connection was dropped'],
  [/\bEACCES\b|\bEPERM\b/g, 'permission denied'],
  [/\bEBUSY\b/g, 'the port is in use'],
];

/** A duration in ms, as a technician reads it: "3 s", "11 s", "2 min"; under a second "under 1 s". */
export function roughDuration(ms: number): string {
  if (ms < 1000) return 'under 1 s';
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * Rewrites a message or remedy for the bench: step ids in quotes become the screen's step names
 * ("identify" → "Identify device"), "11269 ms" becomes "11 s", OS error names become words.
 */
export function plainText(text: string): string {
  let t = text.replace(/\b(\d{4,})\s?ms\b/g, (_, n: string) => roughDuration(Number(n)));
  // Protocol command names mean nothing at the bench: "did not answer HELLO within" → "did not answer within".
  t = t.replace(/\bdid not answer [A-Z][A-Z_]+ within\b/g, 'did not answer within');
  t = t.replace(/"([a-z][a-z-]+)"/g, (whole, id: string) =>
    STEP_LABELS[id] ? `"${STEP_LABELS[id]}"` : whole,
  );
  for (const [re, words] of OS_WORDS) t = t.replace(re, words);
  return t;
}

/** The keep-your-progress advice the saga appends to a failed step's remedy, kept after a rewrite. */
const RETRY_TAIL = /\s*The job keeps its progress:.*$/s;

/** A failure as the bench shows it: its class, the message and remedy in plain words. */
export interface BenchFailure {
  failureClass?: FailureClass;
  message: string;
  remedy: string;
}

/**
 * Classifies and rewrites an error for the bench. For NOT RESPONDING and LINK NOISE the remedy is the class's own (fitting the symptom), followed by the saga's keep-your-progress advice
 * when there was one; other classes keep the specific remedy, in plain words.
 */
export function benchFailure(e: { code: string; message: string; remedy: string }): BenchFailure {
  const cls = failureClass(e.code);
  const tail = RETRY_TAIL.exec(e.remedy)?.[0]?.trim();
  const own = cls ? LINK_REMEDY[cls] : undefined;
  const remedy = own ? `${own}${tail ? ` ${tail}` : ''}` : e.remedy;
  return {
    ...(cls ? { failureClass: cls } : {}),
    message: plainText(e.message),
    remedy: plainText(remedy),
  };
}
