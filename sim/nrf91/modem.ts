/**
 * One simulated nRF91 modem on stock modem firmware, as Nordic's AT command reference describes it
 * (docs/nrf91.md): no echo, answers end with CR LF (or the line end the simulator is told to use),
 * final results OK / ERROR / +CME ERROR: <n>, a functional mode (+CFUN) that gates credential writes
 * (+CME ERROR: 518 while active), %KEYGEN with a real P-256 key kept inside and a COSE_Sign1 attestation
 * signed by the modem's own identity key, %CMNG write/list/read/delete with SHA-256 listings, and
 * %ATTESTTOKEN. Private keys are never readable (%CMNG read of a key: +CME ERROR: 514).
 */
import crypto from 'node:crypto';
import {
  CME,
  base64UrlEncode,
  encodeAttestationMessage,
  encodeCoseSign1,
  encodeKeygenPayload,
} from '../../shared/nrf91';
import { buildCsr, generateDeviceKey, signWithKey, type DeviceKey } from '../device/crypto';
import { modemState, restoreModemState, type ModemState } from './state';

/** Fault switches of a simulated modem (runtime-changeable). */
export interface ModemFaults {
  /** Answer this command (prefix, e.g. `AT%KEYGEN`) with +CME ERROR: n, once. */
  cme?: { command: string; code: number };
  /** Reset while running this command (prefix): boot banner, no answer, state kept, CFUN back to 0. */
  resetOn?: string;
  /** The board sits in its bootloader: prints the banner and answers nothing. */
  bootloader?: boolean;
  /** Output in 1–7 byte pieces. */
  splitWrites?: boolean;
  /** Bytes of noise printed when the port is opened, before any answer. */
  bootNoise?: boolean;
}

/** Static facts of a simulated modem. */
export interface ModemProfile {
  imei: string;
  model: string;
  firmware: string;
  /** Line end of the modem's output (default CR LF). */
  eol?: '\r\n' | '\r' | '\n';
  /** Key generation time, ms (default 200). */
  keygenDelayMs?: number;
}

const IDENTITY_KEY_ID = -2; // "identity key" in the COSE unprotected header (Nordic's parser)

/** The modem: feed it station bytes, it writes answer bytes with `out`. */
export class SimModem {
  /** Device UUID (16 bytes) from the factory. */
  readonly uuid: Uint8Array;
  readonly firmwareUuid = crypto.randomBytes(16);
  /** The factory identity key (signs attestations; its public half is what Nordic keeps). */
  readonly identityKey: crypto.KeyObject;
  cfun = 1;
  /** sec_tag,type → stored text (certificates) */
  readonly creds = new Map<string, string>();
  /** sec_tag → private key made by %KEYGEN (never leaves the modem). */
  private readonly keys = new Map<number, DeviceKey>();
  faults: ModemFaults;
  private buf: number[] = [];
  private inQuote = false;
  private greeted = false;
  private busy: Promise<void> = Promise.resolve();
  readonly stats = { commands: 0, resets: 0 };

  /**
   * @param saved the state a modem kept from an earlier run (absent: factory-fresh).
   * @param onChange called with the new state after every credential change (persistence).
   */
  constructor(
    readonly profile: ModemProfile,
    private readonly out: (b: Uint8Array) => void,
    faults: ModemFaults = {},
    saved?: ModemState,
    private readonly onChange?: (st: ModemState) => void,
  ) {
    this.faults = faults;
    this.uuid = crypto.createHash('sha256').update(`nrf91-uuid-${profile.imei}`).digest().subarray(0, 16);
    this.identityKey = saved
      ? crypto.createPrivateKey(saved.identityKeyPem)
      : crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    if (saved) restoreModemState(saved, this.creds, this.keys);
  }

  /** The state to keep across a restart (simulator persistence only). */
  state(): ModemState {
    return modemState(this.identityKey, this.creds, this.keys);
  }

  private changed(): void {
    this.onChange?.(this.state());
  }

  /** The identity key's public half, DER SPKI (tests verify attestations with it). */
  get identityPublicKeySpki(): Uint8Array {
    return new Uint8Array(crypto.createPublicKey(this.identityKey).export({ type: 'spki', format: 'der' }));
  }

  /** SPKI of the key in `secTag`, if any (tests compare the installed certificate with it). */
  keySpki(secTag: number): Uint8Array | undefined {
    return this.keys.get(secTag)?.spki;
  }

  /**
   * What the board prints as a station starts talking to it (the first bytes in): boot noise, or the
   * bootloader banner. A PTY drops output written before the station opens it, so this waits for input.
   */
  private greet(): void {
    if (this.faults.bootloader)
      this.write('\r\nStarting bootloader\r\n[INF] Serial recovery mode: waiting for download\r\n');
    else if (this.faults.bootNoise)
      this.write('\x00\xff*** Booting nRF Connect SDK v2.6.0 ***\r\nUART ready\r\n');
  }

  private write(text: string): void {
    const bytes = Buffer.from(text, 'latin1');
    if (!this.faults.splitWrites) return this.out(new Uint8Array(bytes));
    for (let i = 0; i < bytes.length;) {
      const n = 1 + Math.floor(Math.random() * 7);
      this.out(new Uint8Array(bytes.subarray(i, i + n)));
      i += n;
    }
  }

  private answer(lines: string[]): void {
    const eol = this.profile.eol ?? '\r\n';
    this.write(lines.map((l) => `${l}${eol}`).join(''));
  }

  /** Station → modem bytes. A command ends at CR or LF outside quotes (inside quotes they are data). */
  input(b: Uint8Array): void {
    if (!this.greeted) {
      this.greeted = true;
      this.greet();
    }
    for (const x of b) {
      if ((x === 0x0d || x === 0x0a) && !this.inQuote) {
        const line = Buffer.from(this.buf).toString('latin1');
        this.buf = [];
        if (line.trim()) {
          const cmd = line.trim();
          this.busy = this.busy.then(() => this.run(cmd)).catch(() => {});
        }
        continue;
      }
      if (x === 0x22) this.inQuote = !this.inQuote;
      this.buf.push(x);
      if (this.buf.length > 64 * 1024) {
        this.buf = [];
        this.inQuote = false;
      }
    }
  }

  private async run(cmd: string): Promise<void> {
    this.stats.commands++;
    const f = this.faults;
    if (f.bootloader) return;
    if (f.cme && cmd.toUpperCase().startsWith(f.cme.command.toUpperCase())) {
      const code = f.cme.code;
      delete f.cme;
      return this.answer([`+CME ERROR: ${code}`]);
    }
    if (f.resetOn && cmd.toUpperCase().startsWith(f.resetOn.toUpperCase())) {
      delete f.resetOn;
      this.stats.resets++;
      this.cfun = 0;
      await new Promise((r) => setTimeout(r, 50));
      return this.write('\r\n*** Booting nRF Connect SDK v2.6.0 ***\r\n');
    }
    try {
      this.answer([...(await this.exec(cmd)), 'OK']);
    } catch (e) {
      this.answer([e instanceof CmeFailure ? `+CME ERROR: ${e.code}` : 'ERROR']);
    }
  }

  private active(): boolean {
    return this.cfun === 1 || this.cfun === 2 || this.cfun === 21;
  }

  private async exec(cmd: string): Promise<string[]> {
    const p = this.profile;
    if (cmd === 'AT') return [];
    if (cmd === 'AT+CGSN' || cmd === 'AT+CGSN=0') return [p.imei];
    if (cmd === 'AT+CGSN=1') return [`+CGSN: "${p.imei}"`];
    if (cmd === 'AT+CGMM') return [p.model];
    if (cmd === 'AT+CGMR') return [p.firmware];
    if (cmd === 'AT+CFUN?') return [`+CFUN: ${this.cfun}`];
    let m = /^AT\+CFUN=(\d+)$/.exec(cmd);
    if (m) {
      const n = Number(m[1]);
      if (![0, 1, 2, 4, 20, 21, 30, 31, 40, 41, 44].includes(n)) throw new Error('bad mode');
      this.cfun = n;
      return [];
    }
    m = /^AT%KEYGEN=(\d+),(\d+)(?:,(\d+))?(?:,"([^"]*)")?$/.exec(cmd);
    if (m) return this.keygen(Number(m[1]), Number(m[2]), Number(m[3] ?? 0), m[4] ?? '');
    m = /^AT%CMNG=(\d)(?:,(\d+))?(?:,(\d+))?(?:,"([^"]*)")?$/s.exec(cmd);
    if (m)
      return this.cmng(
        Number(m[1]),
        m[2] === undefined ? undefined : Number(m[2]),
        m[3] === undefined ? undefined : Number(m[3]),
        m[4],
      );
    m = /^AT%ATTESTTOKEN(?:="([0-9A-Fa-f]{32})")?$/.exec(cmd);
    if (m) return [`%ATTESTTOKEN: "${this.attestToken(m[1])}"`];
    throw new Error('unknown command');
  }

  private async keygen(tag: number, type: number, content: number, attrs: string): Promise<string[]> {
    if (type !== 2 || content !== 0) throw new Error('only key type 2 with a CSR is simulated');
    if (this.active()) throw new CmeFailure(CME.ACTIVE_STATE);
    const subject = attrs
      ? attrs.split(',').map((kv): [string, string] => {
          const i = kv.indexOf('=');
          if (i < 1) throw new Error('bad attribute');
          return [kv.slice(0, i), kv.slice(i + 1)];
        })
      : [];
    await new Promise((r) => setTimeout(r, this.profile.keygenDelayMs ?? 200));
    const key = await generateDeviceKey('ECDSA-P256');
    const csr = await buildCsr(key, subject, []);
    this.keys.set(tag, key);
    this.creds.set(`${tag},2`, Buffer.from(key.spki).toString('hex'));
    this.changed();
    const payload = encodeKeygenPayload(
      this.uuid,
      tag,
      crypto.createHash('sha256').update(csr).digest(),
      crypto.randomBytes(16),
    );
    const cose = encodeCoseSign1(payload, IDENTITY_KEY_ID, (tbs) => this.signIdentity(tbs));
    return [`%KEYGEN: "${base64UrlEncode(csr)}.${base64UrlEncode(cose)}"`];
  }

  private signIdentity(data: Uint8Array): Uint8Array {
    return new Uint8Array(crypto.sign('sha256', data, { key: this.identityKey, dsaEncoding: 'ieee-p1363' }));
  }

  private attestToken(challenge?: string): string {
    const msg = encodeAttestationMessage(this.uuid, 1, this.firmwareUuid);
    const nonce = challenge ? Buffer.from(challenge, 'hex') : crypto.randomBytes(16);
    const payload = encodeKeygenPayload(
      this.uuid,
      0,
      crypto.createHash('sha256').update(msg).digest(),
      nonce,
    );
    const cose = encodeCoseSign1(payload, IDENTITY_KEY_ID, (tbs) => this.signIdentity(tbs));
    return `${base64UrlEncode(msg)}.${base64UrlEncode(cose)}`;
  }

  private sha(text: string): string {
    return crypto.createHash('sha256').update(text, 'latin1').digest('hex').toUpperCase();
  }

  private cmng(op: number, tag?: number, type?: number, content?: string): string[] {
    const key = `${tag},${type}`;
    switch (op) {
      case 0: {
        if (tag === undefined || type === undefined || content === undefined) throw new Error('missing');
        if (this.active()) throw new CmeFailure(CME.ACTIVE_STATE);
        if (this.creds.has(key)) throw new CmeFailure(CME.EXISTS);
        if (this.creds.size >= 32) throw new CmeFailure(CME.MEMORY_FULL);
        this.creds.set(key, content);
        this.changed();
        return [];
      }
      case 1:
        return [...this.creds.entries()]
          .map(([k, v]) => [k.split(',').map(Number) as [number, number], v] as const)
          .filter(([[t, y]]) => (tag === undefined || t === tag) && (type === undefined || y === type))
          .sort(([a], [b]) => a[0] - b[0] || a[1] - b[1])
          .map(([[t, y], v]) => `%CMNG: ${t},${y},"${this.sha(v)}"`);
      case 2: {
        const v = this.creds.get(key);
        if (v === undefined) throw new CmeFailure(CME.NOT_FOUND);
        if (type === 2) throw new CmeFailure(CME.NOT_ALLOWED);
        return [`%CMNG: ${tag},${type},"${this.sha(v)}","${v}"`];
      }
      case 3: {
        if (this.active()) throw new CmeFailure(CME.ACTIVE_STATE);
        if (!this.creds.delete(key)) throw new CmeFailure(CME.NOT_FOUND);
        if (type === 2 && tag !== undefined) this.keys.delete(tag);
        this.changed();
        return [];
      }
      default:
        throw new Error('bad opcode');
    }
  }

  /** Signs with the key in `secTag` (the modem's TLS stack would; tests prove the certificate matches). */
  signWith(secTag: number, data: Uint8Array): Uint8Array | undefined {
    const k = this.keys.get(secTag);
    return k ? signWithKey(k, data) : undefined;
  }
}

class CmeFailure extends Error {
  constructor(readonly code: number) {
    super(`CME ${code}`);
  }
}
