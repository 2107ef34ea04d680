/**
 * Command semantics of the simulated device (docs/device-protocol.md §6): KEYGEN idempotence and
 * replace rules, CSR, SIGN, PUT_CERT key check, GET_CERT, SET_ASSET/GET_ASSET, LOCK. Persists every
 * change to the device's state file before answering (a reset after OK never loses it).
 */
import {
  PROTOCOL_VERSION,
  decodeAsset,
  decodeChain,
  decodeCsrRequest,
  decodeKeygenRequest,
  decodeSignRequest,
  encodeAsset,
  encodeChain,
  encodeHelloResponse,
  encodeKeygenResponse,
  type CommandName,
} from '../../shared/protocol';
import type { DeviceIdentity, KeyAlgorithm } from '../../shared/domain';
import { buildCsr, checkLeaf, generateDeviceKey, signWithKey } from './crypto';
import type { HandlerContext, HandlerResult } from './engine';
import type { DeviceFaults } from './faults';
import { saveState, type DeviceState, type SlotState } from './state';

/** A device's ERR answer. */
type Refusal = Extract<HandlerResult, { err: unknown }>;

/** Static facts of a simulated device model. */
export interface DeviceProfile {
  model: string;
  firmware: string;
  maxFrame: number;
  keyAlgorithms: KeyAlgorithm[];
  assetToken: boolean;
  /** Key generation time in ms per algorithm (simulates a microcontroller). */
  keygenDelayMs: Record<KeyAlgorithm, number>;
}

const bad = (text: string): HandlerResult => ({ err: 'BAD_REQUEST', text });

/** Implements the v1 commands over a {@link DeviceState}. */
export class DeviceCommands {
  constructor(
    private readonly home: string,
    private readonly profile: DeviceProfile,
    readonly state: DeviceState,
    private readonly faults: () => DeviceFaults,
  ) {}

  /** HELLO identity from the current state. */
  identity(): DeviceIdentity {
    return {
      protocolVersion: PROTOCOL_VERSION,
      model: this.profile.model,
      uid: this.state.uid,
      firmware: this.profile.firmware,
      maxFrame: this.profile.maxFrame,
      capabilities: { keyAlgorithms: this.profile.keyAlgorithms, assetToken: this.profile.assetToken },
      state: {
        keyPresent: this.state.slots.some((s) => s.key),
        certInstalled: this.state.slots.some((s) => s.chain.length > 0),
        assetIdSet: this.state.asset !== undefined,
        locked: this.state.locked,
      },
    };
  }

  /** Slot `n`, or the device's BAD_SLOT answer. */
  private slot(n: number): SlotState | Refusal {
    return this.state.slots[n] ?? { err: 'BAD_SLOT', text: `slot ${n} does not exist` };
  }

  /** Slot `n` holding a key, or the device's BAD_SLOT / NO_KEY answer. */
  private keyedSlot(n: number): Required<SlotState> | Refusal {
    const s = this.slot(n);
    if ('err' in s || s.key) return s as Required<SlotState> | Refusal;
    return { err: 'NO_KEY', text: `slot ${n} has no key` };
  }

  private save(): void {
    saveState(this.home, this.state);
  }

  /** Dispatches one request. */
  async run(cmd: CommandName, body: Uint8Array, ctx: HandlerContext): Promise<HandlerResult> {
    switch (cmd) {
      case 'HELLO':
        return { ok: encodeHelloResponse(this.identity()) };
      case 'KEYGEN': {
        const q = decodeKeygenRequest(body);
        if (!q) return bad('KEYGEN needs SLOT and ALG');
        const s = this.slot(q.slot);
        if ('err' in s) return s;
        if (!q.algorithm || !this.profile.keyAlgorithms.includes(q.algorithm))
          return { err: 'UNSUPPORTED_ALG', text: `algorithm code ${q.algCode} is not supported` };
        if (s.key && !q.replace)
          return {
            ok: encodeKeygenResponse({
              algorithm: s.key.algorithm,
              publicKeySpki: s.key.spki,
              created: false,
            }),
          };
        if (this.state.locked) return { err: 'LOCKED', text: 'device is locked: key generation refused' };
        const started = Date.now();
        const delay = this.profile.keygenDelayMs[q.algorithm];
        const key = await generateDeviceKey(q.algorithm);
        for (;;) {
          const elapsed = Date.now() - started;
          ctx.progress(Math.min(99, (elapsed / Math.max(1, delay)) * 100));
          if (elapsed >= delay) break;
          await new Promise((r) => setTimeout(r, Math.min(250, delay - elapsed)));
        }
        s.key = key;
        s.chain = [];
        this.save();
        ctx.progress(100);
        return {
          ok: encodeKeygenResponse({ algorithm: key.algorithm, publicKeySpki: key.spki, created: true }),
        };
      }
      case 'CSR': {
        const q = decodeCsrRequest(body);
        if (!q) return bad('CSR needs SLOT and well-formed SUBJECT/SAN fields');
        const s = this.keyedSlot(q.slot);
        if ('err' in s) return s;
        try {
          return { ok: await buildCsr(s.key, q.subject, q.sans) };
        } catch (e) {
          return bad(`cannot build CSR: ${(e as Error).message}`);
        }
      }
      case 'SIGN': {
        const q = decodeSignRequest(body);
        if (!q) return bad('SIGN needs SLOT, SIG_ALG and DATA');
        const s = this.keyedSlot(q.slot);
        if ('err' in s) return s;
        if (q.algCode !== 1 && q.algCode !== 2)
          return { err: 'UNSUPPORTED_ALG', text: `signature algorithm ${q.algCode}` };
        const want = s.key.algorithm === 'ECDSA-P256' ? 'ES256' : 'RS256';
        if (q.algorithm !== want)
          return { err: 'ALG_MISMATCH', text: `slot ${q.slot} holds a ${s.key.algorithm} key: use ${want}` };
        return { ok: signWithKey(s.key, q.data) };
      }
      case 'PUT_CERT': {
        const q = decodeChain(body);
        if (!q || q.chain.length === 0) return bad('PUT_CERT needs SLOT and at least one CERT');
        const s = this.keyedSlot(q.slot);
        if ('err' in s) return s;
        if (this.state.locked && this.faults().refuseWhenLocked)
          return { err: 'LOCKED', text: 'device is locked' };
        const check = checkLeaf(s.key, q.chain[0]!);
        if (check === 'bad') return { err: 'BAD_CERT', text: 'the leaf is not a DER X.509 certificate' };
        if (check === 'mismatch')
          return { err: 'KEY_MISMATCH', text: 'the leaf certificate is for another key' };
        s.chain = q.chain;
        this.save();
        return { ok: new Uint8Array(0) };
      }
      case 'GET_CERT': {
        const q = decodeChain(body);
        if (!q) return bad('GET_CERT needs SLOT');
        const s = this.slot(q.slot);
        if ('err' in s) return s;
        return { ok: encodeChain(q.slot, lieAbout(s.chain, this.faults().getCertLie)) };
      }
      case 'SET_ASSET': {
        const a = decodeAsset(body);
        if (!a) return bad('SET_ASSET needs ASSET_ID and ORG_ID');
        if (!a.assetId || !a.orgId) return bad('ASSET_ID and ORG_ID must not be empty');
        if (a.assetToken !== undefined && !this.profile.assetToken)
          return { err: 'BAD_REQUEST', text: 'this device does not store asset tokens' };
        if (this.state.locked && this.faults().refuseWhenLocked)
          return { err: 'LOCKED', text: 'device is locked' };
        this.state.asset = a;
        this.save();
        return { ok: new Uint8Array(0) };
      }
      case 'GET_ASSET':
        return { ok: this.state.asset ? encodeAsset(this.state.asset) : new Uint8Array(0) };
      case 'LOCK':
        this.state.locked = true;
        this.save();
        return { ok: new Uint8Array(0) };
    }
  }
}

/** The chain GET_CERT reports under the `getCertLie` fault (./faults.ts); the stored one otherwise. */
function lieAbout(chain: Uint8Array[], lie: DeviceFaults['getCertLie']): Uint8Array[] {
  if (!lie || chain.length === 0) return chain;
  if (lie === 'leaf-only') return chain.slice(0, 1);
  const bogus = new Uint8Array(chain[chain.length - 1]!);
  bogus[bogus.length - 1] = bogus[bogus.length - 1]! ^ 0xff;
  return [...chain, bogus];
}
