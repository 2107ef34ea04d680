/**
 * The nRF91 family: Nordic nRF9160/nRF91x1 cellular modems on Nordic's stock modem firmware, driven by
 * AT commands (every command and fact cited in docs/nrf91.md). The modem generates its P-256 key inside
 * (`%KEYGEN`), never exports it, and answers with a CSR plus a COSE_Sign1 attestation; the station
 * writes the CA and client certificate with `%CMNG` and reads back the modem's SHA-256 of them.
 *
 * Capabilities: proof of possession = the CSR's own signature + the attestation binding its SHA-256 to
 * this modem and sec tag (there is no signing command); the Asset binding stays in the org under the
 * IMEI-based UID (the modem has no general storage the station may write); no actor token.
 */
import crypto from 'node:crypto';
import type { DeviceIdentity } from '../../../../shared/domain';
import { StationError } from '../../../../shared/errors';
import {
  CborError,
  base64UrlDecode,
  decodeAttestationToken,
  decodeKeygenAttestation,
} from '../../../../shared/nrf91';
import { parseCsr } from '../../../pki/csr';
import { PemError, decodePemAll, encodePem } from '../../../pki/pem';
import { commandDeadlineMs, type AssetBinding, type CallOptions, type SignatureAlgorithm } from '../../types';
import type { DeviceDriver, DriverCapabilities, GeneratedKey, KeyRequest } from '../types';
import type { AtChannel } from './channel';
import { atProtocolError } from './errors';

/** The sec tag the station provisions unless told otherwise (not nRF Cloud's 16842753). */
export const DEFAULT_SEC_TAG = 2024;
/** Oldest modem firmware with %KEYGEN and %ATTESTTOKEN (Nordic: modem firmware v1.3.0). */
export const MIN_KEYGEN_FIRMWARE: [number, number, number] = [1, 3, 0];
/** UID prefix: the Asset external ID of a modem is `IMEI-<15 digits>`. */
export const IMEI_UID_PREFIX = 'IMEI-';

/** CMNG credential types (Nordic %CMNG set command). */
const TYPE_ROOT_CA = 0;
const TYPE_CLIENT_CERT = 1;
const TYPE_CLIENT_KEY = 2;

export const NRF91_CAPABILITIES: DriverCapabilities = {
  proofOfPossession: {
    kind: 'csr-attestation',
    detail:
      'the modem signs its CSR with the new key inside it, and its factory identity key attests (COSE_Sign1) the CSR SHA-256, this modem and the sec tag; the station checks the CSR signature and that binding',
  },
  assetBinding: {
    kind: 'org',
    reason:
      'an nRF91 modem has no storage for the Asset ID: the Asset stays in Salesforce under the modem IMEI (external ID)',
  },
  actorToken: {
    ok: false,
    reason: 'an nRF91 modem cannot sign station data, so it cannot sign an actor token',
  },
  csrSans: false,
  csrAtKeygen: true,
};

const sha256 = (b: Uint8Array | string) => crypto.createHash('sha256').update(b).digest('hex');

/** Parses `mfw_nrf9160_1.3.2` / `mfw_nrf91x1_2.0.1` to [1,3,2]; undefined when there is no x.y.z. */
export function modemFirmwareVersion(text: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function atLeast(v: [number, number, number], min: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}

/** The subject as %KEYGEN's attribute string (`CN=…,O=…`). @throws StationError BAD_REQUEST */
export function keygenAttributes(subject: Record<string, string>): string {
  return Object.entries(subject)
    .map(([k, v]) => {
      if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(k) || /[",=\\\r\n]/.test(v))
        throw new StationError(
          'BAD_REQUEST',
          `The subject ${k}=${JSON.stringify(v)} cannot be sent to an nRF91 modem (no commas, quotes or equals signs).`,
          'Change the device subject template in the station settings.',
        );
      return `${k}=${v}`;
    })
    .join(',');
}

/** The PEM text the station writes for a certificate (its SHA-256 is what the modem lists). */
export function certificatePem(der: Uint8Array): string {
  return encodePem('CERTIFICATE', der);
}

export class Nrf91Driver implements DeviceDriver {
  readonly family = 'nrf91' as const;
  readonly capabilities = NRF91_CAPABILITIES;
  private identity: DeviceIdentity | undefined;
  private deviceUuid: string | undefined;

  constructor(
    readonly at: AtChannel,
    readonly secTag = DEFAULT_SEC_TAG,
    /** Per-command ceilings, ms (OpenOptions.commandCeilingsMs; `%KEYGEN` default 30 s). */
    readonly ceilingsMs: Partial<Record<string, number>> = {},
  ) {}

  get locator(): string {
    return this.at.locator;
  }

  get stats(): { bytesOut: number; bytesIn: number } {
    return { ...this.at.stats };
  }

  private async single(cmd: string, o?: CallOptions): Promise<string> {
    const lines = await this.at.command(cmd, o);
    const line = lines.find((l) => l.trim());
    if (line === undefined) throw atProtocolError(this.locator, `no answer line to ${cmd}`);
    return line.trim();
  }

  /** Credential types stored in the station's sec tag, with the modem's SHA-256 of each. */
  private async listCredentials(o?: CallOptions): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const l of await this.at.command(`AT%CMNG=1,${this.secTag}`, o)) {
      const m = /^%CMNG: *(\d+), *(\d+)(?:, *"([0-9A-Fa-f]*)")?/.exec(l);
      if (m && Number(m[1]) === this.secTag) out.set(Number(m[2]), (m[3] ?? '').toLowerCase());
    }
    return out;
  }

  async identify(o?: CallOptions): Promise<DeviceIdentity> {
    const imeiLine = await this.single('AT+CGSN=1', o);
    const imei = /^(?:\+CGSN: *)?"?(\d{15})"?$/.exec(imeiLine)?.[1];
    if (!imei)
      throw atProtocolError(this.locator, `an IMEI that is not 15 digits (${JSON.stringify(imeiLine)})`);
    const model = await this.single('AT+CGMM', o);
    const firmware = await this.single('AT+CGMR', o);
    const v = modemFirmwareVersion(firmware);
    if (!v || !atLeast(v, MIN_KEYGEN_FIRMWARE))
      throw new StationError(
        'DEVICE_REFUSED',
        `The modem at ${this.locator} runs modem firmware ${firmware}; key generation inside the modem needs ${MIN_KEYGEN_FIRMWARE.join('.')} or later.`,
        'Update the modem firmware (nRF Connect Programmer or nrfutil) to 1.3.0 or later, then retry.',
        { firmware },
      );
    try {
      const tok = /%ATTESTTOKEN: *"([^"]+)"/.exec(
        (await this.at.command('AT%ATTESTTOKEN', o)).join('\n'),
      )?.[1];
      if (tok) this.deviceUuid = decodeAttestationToken(tok).deviceUuid;
    } catch (e) {
      if (e instanceof StationError && e.code !== 'DEVICE_REFUSED') throw e;
      if (e instanceof CborError)
        throw atProtocolError(this.locator, `an attestation token that does not decode (${e.message})`);
    }
    const creds = await this.listCredentials(o);
    this.identity = {
      protocolVersion: 0,
      family: 'nrf91',
      model,
      uid: `${IMEI_UID_PREFIX}${imei}`,
      firmware,
      maxFrame: 0,
      capabilities: { keyAlgorithms: ['ECDSA-P256'], assetToken: false },
      state: {
        keyPresent: creds.has(TYPE_CLIENT_KEY),
        certInstalled: creds.has(TYPE_CLIENT_CERT),
        assetIdSet: false,
        locked: false,
      },
      ...(this.deviceUuid ? { deviceUuid: this.deviceUuid } : {}),
    };
    return this.identity;
  }

  /**
   * Runs `fn` with the modem offline (AT+CFUN=4), then puts back the functional mode it had
   * (Nordic: %KEYGEN and %CMNG writes are refused while the modem is active, +CME ERROR 518).
   */
  private async offline<T>(o: CallOptions | undefined, fn: () => Promise<T>): Promise<T> {
    const cur = /\+CFUN: *(\d+)/.exec((await this.at.command('AT+CFUN?', o)).join('\n'))?.[1];
    const before = cur === undefined ? undefined : Number(cur);
    const change = before !== 4 && before !== 0;
    if (change) await this.at.command('AT+CFUN=4', o);
    try {
      return await fn();
    } finally {
      if (change && before !== undefined)
        await this.at.command(`AT+CFUN=${before}`, { ...o, signal: undefined }).catch(() => {});
    }
  }

  async generateKey(req: KeyRequest, o?: CallOptions): Promise<GeneratedKey> {
    const id = this.identity ?? (await this.identify(o));
    if (id.state.keyPresent && !req.replace)
      throw new StationError(
        'REPROVISION_REQUIRED',
        `The modem ${id.uid} already holds a private key in sec tag ${this.secTag}; making a new one would replace it.`,
        'Start a re-provisioning job for this modem (it replaces the key), or use another sec tag.',
        { secTag: this.secTag },
      );
    const attrs = keygenAttributes(req.subject);
    const lines = await this.offline(o, () =>
      this.at.command(`AT%KEYGEN=${this.secTag},${TYPE_CLIENT_KEY},0,"${attrs}"`, {
        ...o,
        timeoutMs: commandDeadlineMs(o?.timeoutMs, this.ceilingsMs['%KEYGEN'], 30_000),
      }),
    );
    const m = /%KEYGEN: *"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)"/.exec(lines.join('\n'));
    if (!m) throw atProtocolError(this.locator, 'a %KEYGEN answer that is not "<CSR>.<COSE>"');
    const csrDer = base64UrlDecode(m[1]!);
    const cose = base64UrlDecode(m[2]!);
    if (!csrDer || !cose) throw atProtocolError(this.locator, 'a %KEYGEN answer that is not base64url');
    const csr = await parseCsr(csrDer);
    let att;
    try {
      att = decodeKeygenAttestation(cose);
    } catch (e) {
      throw popFailed(`its attestation does not decode (${(e as Error).message})`);
    }
    const digest = sha256(csrDer);
    if (att.csrDigest !== digest)
      throw popFailed(
        `the attestation is for another CSR (SHA-256 ${att.csrDigest.slice(0, 16)}…, the CSR is ${digest.slice(0, 16)}…)`,
      );
    if (att.secTag !== this.secTag)
      throw popFailed(`the attestation names sec tag ${att.secTag}, not ${this.secTag}`);
    if (this.deviceUuid && att.deviceUuid !== this.deviceUuid)
      throw popFailed(`the attestation names modem ${att.deviceUuid}, but this modem is ${this.deviceUuid}`);
    if (att.cose.alg !== -7) throw popFailed(`the attestation is not ES256 (alg ${String(att.cose.alg)})`);
    if (csr.keyAlgorithm !== 'ECDSA-P256') throw popFailed(`the CSR key is ${csr.keyAlgorithm}, not P-256`);
    id.state.keyPresent = true;
    return {
      publicKeySpki: csr.publicKeySpki,
      algorithm: 'ECDSA-P256',
      created: true,
      csr: csrDer,
      attestation: {
        deviceUuid: att.deviceUuid,
        secTag: att.secTag,
        csrSha256: att.csrDigest,
        nonce: att.nonce,
        cose: m[2]!,
      },
    };
  }

  async requestCsr(): Promise<Uint8Array> {
    throw new StationError(
      'INTERNAL',
      'An nRF91 modem makes its CSR only together with a new key (%KEYGEN).',
      'This is a station bug: the CSR comes from the key generation step for this family.',
    );
  }

  async sign(_data: Uint8Array, _alg: SignatureAlgorithm): Promise<Uint8Array> {
    throw new StationError(
      'DEVICE_REFUSED',
      'An nRF91 modem cannot sign station data.',
      'This is a station bug: the step should have been skipped for this family.',
    );
  }

  /** The modem hashes what it stores: the client certificate PEM, then the CA PEMs as one item. */
  chainDigests(chain: Uint8Array[]): string[] {
    const [leaf, ...cas] = chain;
    if (!leaf) return [];
    return cas.length
      ? [sha256(certificatePem(leaf)), sha256(cas.map(certificatePem).join(''))]
      : [sha256(certificatePem(leaf))];
  }

  async installCertificate(chain: Uint8Array[], o?: CallOptions): Promise<void> {
    const [leaf, ...cas] = chain;
    if (!leaf) throw new StationError('BAD_REQUEST', 'No certificate to install.', 'This is a station bug.');
    const write = async (type: number, pem: string) => {
      await this.at.command(`AT%CMNG=3,${this.secTag},${type}`, o).catch((e: unknown) => {
        if (!(e instanceof StationError && e.details?.cme === 513)) throw e; // 513: nothing to delete
      });
      await this.at.command(`AT%CMNG=0,${this.secTag},${type},"${pem}"`, {
        ...o,
        timeoutMs: o?.timeoutMs ?? 15_000,
      });
    };
    await this.offline(o, async () => {
      if (cas.length) await write(TYPE_ROOT_CA, cas.map(certificatePem).join(''));
      await write(TYPE_CLIENT_CERT, certificatePem(leaf));
    });
  }

  /** The modem's SHA-256 of the client certificate, then of the CA certificates (`%CMNG=1` list). */
  async installedChainDigests(o?: CallOptions): Promise<string[]> {
    const creds = await this.listCredentials(o);
    const leaf = creds.get(TYPE_CLIENT_CERT);
    if (!leaf) return [];
    const ca = creds.get(TYPE_ROOT_CA);
    return ca ? [leaf, ca] : [leaf];
  }

  /** The client certificate and the CA certificates in the sec tag (`%CMNG=2` read; PEM inside quotes). */
  async readCertificateChain(o?: CallOptions): Promise<Uint8Array[]> {
    const read = async (type: number): Promise<Uint8Array[]> => {
      try {
        const text = (await this.at.command(`AT%CMNG=2,${this.secTag},${type}`, o)).join('\n');
        const pem = /%CMNG: *\d+, *\d+, *"[0-9A-Fa-f]*", *"([^"]*)"/.exec(text)?.[1];
        return pem ? decodePemAll(pem).map((b) => b.der) : [];
      } catch (e) {
        if (e instanceof StationError && e.details?.cme === 513) return [];
        if (e instanceof PemError)
          throw atProtocolError(this.locator, `a certificate that is not PEM (${e.message})`);
        throw e;
      }
    };
    const leaf = await read(TYPE_CLIENT_CERT);
    return leaf.length ? [...leaf, ...(await read(TYPE_ROOT_CA))] : [];
  }

  async writeAssetBinding(_b: AssetBinding): Promise<void> {
    throw new StationError(
      'DEVICE_REFUSED',
      NRF91_CAPABILITIES.assetBinding.kind === 'org' ? NRF91_CAPABILITIES.assetBinding.reason : '',
      'This is a station bug: the step should have been skipped for this family.',
    );
  }

  async readAssetBinding(): Promise<AssetBinding | undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    await this.at.close();
  }
}

function popFailed(why: string): StationError {
  return new StationError(
    'POP_FAILED',
    `The modem's key generation answer does not prove possession: ${why}.`,
    'Do not ship this modem: retry once; if it repeats, set it aside for QA.',
  );
}
