/**
 * Persistent state of one simulated device (its "flash"): keys per slot, installed chain, the
 * Salesforce binding and the lock flag, in `<home>/sim/state/<uid>.json` (mode 0600, written
 * atomically). A power cycle or a simulator restart keeps it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { KeyAlgorithm } from '../../shared/domain';
import type { AssetBody } from '../../shared/protocol';
import type { DeviceKey } from './crypto';

/** One key slot. */
export interface SlotState {
  key?: DeviceKey;
  chain: Uint8Array[];
}

/** Whole device state. */
export interface DeviceState {
  uid: string;
  slots: SlotState[];
  asset?: AssetBody;
  locked: boolean;
}

interface StoredState {
  uid: string;
  slots: Array<{ key?: { algorithm: KeyAlgorithm; privateKeyPem: string; spki: string }; chain: string[] }>;
  asset?: AssetBody;
  locked: boolean;
}

/** Number of key slots of a simulated device. */
export const SLOT_COUNT = 2;

/** Path of a device's state file. */
function statePath(home: string, uid: string): string {
  return path.join(home, 'sim', 'state', `${uid}.json`);
}

/** Loads the state, or a fresh (empty) one when the file does not exist. */
export function loadState(home: string, uid: string): DeviceState {
  const p = statePath(home, uid);
  if (!fs.existsSync(p))
    return { uid, slots: Array.from({ length: SLOT_COUNT }, () => ({ chain: [] })), locked: false };
  const s = JSON.parse(fs.readFileSync(p, 'utf8')) as StoredState;
  return {
    uid: s.uid,
    locked: s.locked,
    ...(s.asset ? { asset: s.asset } : {}),
    slots: Array.from({ length: SLOT_COUNT }, (_, i) => {
      const st = s.slots[i];
      return {
        chain: (st?.chain ?? []).map((c) => new Uint8Array(Buffer.from(c, 'base64'))),
        ...(st?.key
          ? {
              key: {
                algorithm: st.key.algorithm,
                privateKeyPem: st.key.privateKeyPem,
                spki: new Uint8Array(Buffer.from(st.key.spki, 'base64')),
              },
            }
          : {}),
      };
    }),
  };
}

/** Writes the state atomically (temp file + rename), mode 0600. */
export function saveState(home: string, st: DeviceState): void {
  const p = statePath(home, st.uid);
  fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
  const stored: StoredState = {
    uid: st.uid,
    locked: st.locked,
    ...(st.asset ? { asset: st.asset } : {}),
    slots: st.slots.map((s) => ({
      chain: s.chain.map((c) => Buffer.from(c).toString('base64')),
      ...(s.key
        ? {
            key: {
              algorithm: s.key.algorithm,
              privateKeyPem: s.key.privateKeyPem,
              spki: Buffer.from(s.key.spki).toString('base64'),
            },
          }
        : {}),
    })),
  };
  const tmp = `${p}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(stored, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, p);
}
