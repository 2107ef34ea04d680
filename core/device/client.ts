/**
 * {@link DeviceClient} over a {@link DeviceLink}: typed commands of protocol v1 with argument checks,
 * response decoding and error mapping. Learns the device's maxFrame from HELLO (sent automatically
 * before the first other command) so large CSRs and chains are chunked to fit a 256-byte device.
 */
import { StationError } from '../../shared/errors';
import type { DeviceIdentity, KeyAlgorithm } from '../../shared/domain';
import {
  MAX_MAX_FRAME,
  MIN_MAX_FRAME,
  PROTOCOL_VERSION,
  classifySan,
  decodeAsset,
  decodeChain,
  decodeHelloResponse,
  decodeKeygenResponse,
  encodeAsset,
  encodeChain,
  encodeCsrRequest,
  encodeKeygenRequest,
  encodeSignRequest,
  encodeSlot,
  type CommandName,
} from '../../shared/protocol';
import { mapDeviceError, protocolError } from './errors';
import type { DeviceLink, RequestOptions } from './link';
import type { AssetBinding, CallOptions, DeviceClient, KeygenResult, SignatureAlgorithm } from './types';

function badArg(what: string): StationError {
  return new StationError(
    'BAD_REQUEST',
    `Invalid device command argument: ${what}.`,
    'Fix the caller; this is a station bug if it came from a job.',
  );
}

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot > 255) throw badArg(`slot ${slot} is not 0..255`);
}

export class ProtocolClient implements DeviceClient {
  private identity: DeviceIdentity | undefined;

  constructor(readonly link: DeviceLink) {}

  get locator(): string {
    return this.link.locator;
  }

  get stats(): { bytesOut: number; bytesIn: number } {
    return { bytesOut: this.link.stats.bytesOut, bytesIn: this.link.stats.bytesIn };
  }

  private opts(o?: CallOptions): RequestOptions {
    return {
      ...(o?.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o?.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o?.signal ? { signal: o.signal } : {}),
    };
  }

  /** Sends `cmd`, returns the OK body, throws the mapped error for ERR. */
  private async call(cmd: CommandName, body: Uint8Array, o?: CallOptions): Promise<Uint8Array> {
    if (cmd !== 'HELLO' && !this.identity) await this.hello(o);
    const r = await this.link.request(cmd, body, this.opts(o));
    if (r.type === 'ERR') throw mapDeviceError(cmd, r.code, r.text);
    return r.body;
  }

  async hello(o?: CallOptions): Promise<DeviceIdentity> {
    const body = await this.call('HELLO', new Uint8Array(0), o);
    const id = decodeHelloResponse(body);
    if (!id) throw protocolError(this.locator, 'a HELLO response without the required fields');
    if (id.protocolVersion !== PROTOCOL_VERSION)
      throw new StationError(
        'DEVICE_PROTOCOL',
        `The device speaks protocol v${id.protocolVersion}; this station speaks v${PROTOCOL_VERSION}.`,
        'Update the station or the device firmware so both speak the same protocol version.',
      );
    if (id.maxFrame < MIN_MAX_FRAME || id.maxFrame > MAX_MAX_FRAME)
      throw protocolError(this.locator, `maxFrame ${id.maxFrame} outside ${MIN_MAX_FRAME}..${MAX_MAX_FRAME}`);
    this.link.maxFrame = id.maxFrame;
    this.identity = id;
    return id;
  }

  async keygen(
    slot: number,
    algorithm: KeyAlgorithm,
    replace: boolean,
    o?: CallOptions,
  ): Promise<KeygenResult> {
    checkSlot(slot);
    const body = await this.call('KEYGEN', encodeKeygenRequest({ slot, algorithm, replace }), o);
    const r = decodeKeygenResponse(body);
    if (!r) throw protocolError(this.locator, 'a KEYGEN response without ALG/SPKI/CREATED');
    return { publicKeySpki: r.publicKeySpki, algorithm: r.algorithm, created: r.created };
  }

  async csr(
    slot: number,
    subject: Record<string, string>,
    sans: string[],
    o?: CallOptions,
  ): Promise<Uint8Array> {
    checkSlot(slot);
    for (const k of Object.keys(subject))
      if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(k)) throw badArg(`subject attribute "${k}"`);
    const body = await this.call(
      'CSR',
      encodeCsrRequest({ slot, subject: Object.entries(subject), sans: sans.map(classifySan) }),
      o,
    );
    if (body.length < 2 || body[0] !== 0x30)
      throw protocolError(this.locator, 'a CSR response that is not DER');
    return body;
  }

  async sign(
    slot: number,
    data: Uint8Array,
    algorithm: SignatureAlgorithm,
    o?: CallOptions,
  ): Promise<Uint8Array> {
    checkSlot(slot);
    if (algorithm !== 'ES256' && algorithm !== 'RS256')
      throw badArg(`signature algorithm ${String(algorithm)}`);
    const sig = await this.call('SIGN', encodeSignRequest({ slot, algorithm, data }), o);
    if (algorithm === 'ES256' && sig.length !== 64)
      throw protocolError(
        this.locator,
        `an ES256 signature of ${sig.length} bytes (must be raw r||s, 64 bytes)`,
      );
    if (algorithm === 'RS256' && sig.length < 256)
      throw protocolError(this.locator, `an RS256 signature of ${sig.length} bytes`);
    return sig;
  }

  async putCert(slot: number, chain: Uint8Array[], o?: CallOptions): Promise<void> {
    checkSlot(slot);
    if (chain.length === 0) throw badArg('an empty certificate chain');
    if (chain.some((c) => c.length > 0xffff)) throw badArg('a certificate larger than 65535 bytes');
    await this.call('PUT_CERT', encodeChain(slot, chain), o);
  }

  async getCert(slot: number, o?: CallOptions): Promise<Uint8Array[]> {
    checkSlot(slot);
    const body = await this.call('GET_CERT', encodeSlot(slot), o);
    const r = decodeChain(body);
    if (!r) throw protocolError(this.locator, 'a GET_CERT response without SLOT');
    return r.chain;
  }

  async setAsset(binding: AssetBinding, o?: CallOptions): Promise<void> {
    if (!binding.assetId || !binding.orgId) throw badArg('assetId and orgId are required');
    await this.call('SET_ASSET', encodeAsset(binding), o);
  }

  async getAsset(o?: CallOptions): Promise<AssetBinding | undefined> {
    const body = await this.call('GET_ASSET', new Uint8Array(0), o);
    const a = decodeAsset(body);
    if (a === undefined) throw protocolError(this.locator, 'a GET_ASSET response without ASSET_ID/ORG_ID');
    return a ?? undefined;
  }

  async lock(o?: CallOptions): Promise<void> {
    await this.call('LOCK', new Uint8Array(0), o);
  }

  async close(): Promise<void> {
    await this.link.close();
  }
}
