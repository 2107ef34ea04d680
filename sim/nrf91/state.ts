/**
 * Persistent state of one simulated nRF91 modem (its credential store and factory identity key) in
 * `<dir>/<imei>.json` (mode 0600, written atomically), for simulators that must survive a restart —
 * the demo's second run on the same home finds its modem already provisioned, as a real one would be.
 * Without a state folder a modem is factory-fresh on every start.
 */
import type crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DeviceKey } from '../device/crypto';

/** What a modem keeps across power cycles. */
export interface ModemState {
  /** PKCS#8 PEM of the factory identity key (attestation signer). */
  identityKeyPem: string;
  /** `<sec_tag>,<type>` → stored text (certificates; the key entry holds its SPKI hex). */
  creds: Record<string, string>;
  /** sec_tag → the %KEYGEN key: PKCS#8 PEM + SPKI (base64). Simulator only: a real modem never exports it. */
  keys: Record<string, { privateKeyPem: string; spki: string }>;
}

function statePath(dir: string, imei: string): string {
  return path.join(dir, `${imei}.json`);
}

/** The saved state of modem `imei`, or undefined when it has none (a factory-fresh modem). */
export function loadModemState(dir: string, imei: string): ModemState | undefined {
  const p = statePath(dir, imei);
  if (!fs.existsSync(p)) return undefined;
  return JSON.parse(fs.readFileSync(p, 'utf8')) as ModemState;
}

/** Saves the state of modem `imei` (temp file + rename, mode 0600). */
export function saveModemState(dir: string, imei: string, st: ModemState): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = statePath(dir, imei);
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(st, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, p);
}

/** A modem's state as stored: its identity key, credentials and %KEYGEN keys. */
export function modemState(
  identityKey: crypto.KeyObject,
  creds: Map<string, string>,
  keys: Map<number, DeviceKey>,
): ModemState {
  return {
    identityKeyPem: identityKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    creds: Object.fromEntries(creds),
    keys: Object.fromEntries(
      [...keys].map(([t, k]) => [
        String(t),
        { privateKeyPem: k.privateKeyPem, spki: Buffer.from(k.spki).toString('base64') },
      ]),
    ),
  };
}

/** Puts `saved` credentials and %KEYGEN keys back into a modem's maps. */
export function restoreModemState(
  saved: ModemState,
  creds: Map<string, string>,
  keys: Map<number, DeviceKey>,
): void {
  for (const [k, v] of Object.entries(saved.creds)) creds.set(k, v);
  for (const [t, k] of Object.entries(saved.keys))
    keys.set(Number(t), {
      algorithm: 'ECDSA-P256',
      privateKeyPem: k.privateKeyPem,
      spki: new Uint8Array(Buffer.from(k.spki, 'base64')),
    });
}
