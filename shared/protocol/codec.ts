/**
 * Typed request/response bodies of protocol v1 (docs/device-protocol.md §6): one encode/decode pair
 * per command, shared by the station client and the simulator so both sides agree byte for byte.
 * Decoders return undefined on a malformed body (missing or ill-typed field), never throw. Pure module.
 */
import type { DeviceIdentity, KeyAlgorithm } from '../domain';
import {
  ALG_CODE,
  CAP,
  PROTOCOL_VERSION,
  SAN_TYPE,
  SIG_ALG_CODE,
  STATE_BIT,
  TAG,
  algFromCode,
} from './messages';
import { TlvReader, decodeTlv, encodeTlv, tlv, type Tlv } from './tlv';
import { utf8Decode } from './utf8';

/** Parses a body into a reader; undefined when the TLV structure is broken. */
export function readBody(body: Uint8Array): TlvReader | undefined {
  const f = decodeTlv(body);
  return f ? new TlvReader(f) : undefined;
}

// ---- HELLO ---------------------------------------------------------------------------------------

/** HELLO response body. */
export function encodeHelloResponse(id: DeviceIdentity): Uint8Array {
  let state = 0;
  if (id.state.keyPresent) state |= STATE_BIT.KEY;
  if (id.state.certInstalled) state |= STATE_BIT.CERT;
  if (id.state.assetIdSet) state |= STATE_BIT.ASSET;
  if (id.state.locked) state |= STATE_BIT.LOCKED;
  return encodeTlv([
    tlv.u8(TAG.PROTOCOL, id.protocolVersion),
    tlv.text(TAG.MODEL, id.model),
    tlv.text(TAG.UID, id.uid),
    tlv.text(TAG.FIRMWARE, id.firmware),
    tlv.u16(TAG.MAX_FRAME, id.maxFrame),
    tlv.bytes(TAG.KEY_ALGS, Uint8Array.from(id.capabilities.keyAlgorithms.map((a) => ALG_CODE[a]))),
    tlv.u8(TAG.CAPS, id.capabilities.assetToken ? CAP.ASSET_TOKEN : 0),
    tlv.u8(TAG.STATE, state),
  ]);
}

/** Decodes a HELLO response. */
export function decodeHelloResponse(body: Uint8Array): DeviceIdentity | undefined {
  const r = readBody(body);
  if (!r) return undefined;
  const protocolVersion = r.u8(TAG.PROTOCOL);
  const model = r.text(TAG.MODEL);
  const uid = r.text(TAG.UID);
  const firmware = r.text(TAG.FIRMWARE);
  const maxFrame = r.u16(TAG.MAX_FRAME);
  const algs = r.bytes(TAG.KEY_ALGS);
  const caps = r.u8(TAG.CAPS);
  const state = r.u8(TAG.STATE);
  if (
    protocolVersion === undefined ||
    model === undefined ||
    uid === undefined ||
    firmware === undefined ||
    maxFrame === undefined ||
    algs === undefined ||
    caps === undefined ||
    state === undefined
  )
    return undefined;
  const keyAlgorithms: KeyAlgorithm[] = [];
  for (const c of algs) {
    const a = algFromCode(c);
    if (a) keyAlgorithms.push(a);
  }
  return {
    protocolVersion,
    model,
    uid,
    firmware,
    maxFrame,
    capabilities: { keyAlgorithms, assetToken: (caps & CAP.ASSET_TOKEN) !== 0 },
    state: {
      keyPresent: (state & STATE_BIT.KEY) !== 0,
      certInstalled: (state & STATE_BIT.CERT) !== 0,
      assetIdSet: (state & STATE_BIT.ASSET) !== 0,
      locked: (state & STATE_BIT.LOCKED) !== 0,
    },
  };
}

// ---- KEYGEN --------------------------------------------------------------------------------------

export interface KeygenRequest {
  slot: number;
  algorithm: KeyAlgorithm;
  replace: boolean;
}
export function encodeKeygenRequest(q: KeygenRequest): Uint8Array {
  return encodeTlv([
    tlv.u8(TAG.SLOT, q.slot),
    tlv.u8(TAG.ALG, ALG_CODE[q.algorithm]),
    tlv.u8(TAG.REPLACE, q.replace ? 1 : 0),
  ]);
}
/** Decodes a KEYGEN request; `algorithm` is undefined for an unknown algorithm code (→ UNSUPPORTED_ALG). */
export function decodeKeygenRequest(
  body: Uint8Array,
): { slot: number; algorithm: KeyAlgorithm | undefined; algCode: number; replace: boolean } | undefined {
  const r = readBody(body);
  const slot = r?.u8(TAG.SLOT);
  const alg = r?.u8(TAG.ALG);
  const replace = r?.u8(TAG.REPLACE) ?? 0;
  if (slot === undefined || alg === undefined) return undefined;
  return { slot, algorithm: algFromCode(alg), algCode: alg, replace: replace === 1 };
}

export interface KeygenResponse {
  algorithm: KeyAlgorithm;
  publicKeySpki: Uint8Array;
  created: boolean;
}
export function encodeKeygenResponse(k: KeygenResponse): Uint8Array {
  return encodeTlv([
    tlv.u8(TAG.ALG, ALG_CODE[k.algorithm]),
    tlv.bytes(TAG.SPKI, k.publicKeySpki),
    tlv.u8(TAG.CREATED, k.created ? 1 : 0),
  ]);
}
export function decodeKeygenResponse(body: Uint8Array): KeygenResponse | undefined {
  const r = readBody(body);
  const algorithm = algFromCode(r?.u8(TAG.ALG));
  const spki = r?.bytes(TAG.SPKI);
  const created = r?.u8(TAG.CREATED);
  if (!algorithm || !spki || spki.length === 0 || created === undefined) return undefined;
  return { algorithm, publicKeySpki: spki, created: created === 1 };
}

// ---- CSR -----------------------------------------------------------------------------------------

/** A SAN as carried on the wire. */
export interface SanEntry {
  type: keyof typeof SAN_TYPE;
  value: string;
}

/**
 * Classifies a SAN string from the DeviceClient contract: explicit `dns:`, `uri:`, `ip:`, `email:`
 * prefixes win; otherwise an IPv4/IPv6 literal is IP, `x@y` is email, `scheme:…` is URI, else DNS.
 */
export function classifySan(s: string): SanEntry {
  const m = /^(dns|uri|ip|email):(.*)$/i.exec(s);
  if (m) return { type: m[1]!.toUpperCase() as SanEntry['type'], value: m[2]! };
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (/^[0-9a-f:]+$/i.test(s) && s.includes('::')))
    return { type: 'IP', value: s };
  if (/^[^@\s:/]+@[^@\s]+$/.test(s)) return { type: 'EMAIL', value: s };
  if (/^[a-z][a-z0-9+.-]*:/i.test(s)) return { type: 'URI', value: s };
  return { type: 'DNS', value: s };
}

export interface CsrRequest {
  slot: number;
  /** Relative distinguished names in order, e.g. [["CN","dev-1"],["O","Acme"]]. */
  subject: Array<[string, string]>;
  sans: SanEntry[];
}
export function encodeCsrRequest(q: CsrRequest): Uint8Array {
  const f: Tlv[] = [tlv.u8(TAG.SLOT, q.slot)];
  for (const [k, v] of q.subject) f.push(tlv.text(TAG.SUBJECT, `${k}=${v}`));
  for (const s of q.sans) {
    const t = tlv.text(TAG.SAN, s.value);
    f.push({ tag: TAG.SAN, value: Uint8Array.from([SAN_TYPE[s.type], ...t.value]) });
  }
  return encodeTlv(f);
}
export function decodeCsrRequest(body: Uint8Array): CsrRequest | undefined {
  const r = readBody(body);
  const slot = r?.u8(TAG.SLOT);
  if (!r || slot === undefined) return undefined;
  const subject: Array<[string, string]> = [];
  for (const v of r.all(TAG.SUBJECT)) {
    const s = utf8Decode(v);
    const eq = s?.indexOf('=') ?? -1;
    if (!s || eq < 1) return undefined;
    subject.push([s.slice(0, eq), s.slice(eq + 1)]);
  }
  const sans: SanEntry[] = [];
  for (const v of r.all(TAG.SAN)) {
    const type = (Object.keys(SAN_TYPE) as SanEntry['type'][]).find((k) => SAN_TYPE[k] === v[0]);
    const value = utf8Decode(v.slice(1));
    if (!type || value === undefined) return undefined;
    sans.push({ type, value });
  }
  return { slot, subject, sans };
}

// ---- SIGN ----------------------------------------------------------------------------------------

export interface SignRequest {
  slot: number;
  algorithm: keyof typeof SIG_ALG_CODE;
  data: Uint8Array;
}
export function encodeSignRequest(q: SignRequest): Uint8Array {
  return encodeTlv([
    tlv.u8(TAG.SLOT, q.slot),
    tlv.u8(TAG.SIG_ALG, SIG_ALG_CODE[q.algorithm]),
    tlv.bytes(TAG.DATA, q.data),
  ]);
}
export function decodeSignRequest(body: Uint8Array): (SignRequest & { algCode: number }) | undefined {
  const r = readBody(body);
  const slot = r?.u8(TAG.SLOT);
  const code = r?.u8(TAG.SIG_ALG);
  const data = r?.bytes(TAG.DATA);
  if (slot === undefined || code === undefined || !data) return undefined;
  const algorithm = code === SIG_ALG_CODE.ES256 ? 'ES256' : code === SIG_ALG_CODE.RS256 ? 'RS256' : undefined;
  return algorithm
    ? { slot, algorithm, data, algCode: code }
    : { slot, algorithm: 'ES256', data, algCode: code };
}

// ---- single-field bodies -------------------------------------------------------------------------

/** `{SLOT}` (GET_CERT request). */
export function encodeSlot(slot: number): Uint8Array {
  return encodeTlv([tlv.u8(TAG.SLOT, slot)]);
}
/** `{SLOT, CERT*}` (PUT_CERT request, GET_CERT response). */
export function encodeChain(slot: number, chain: Uint8Array[]): Uint8Array {
  return encodeTlv([tlv.u8(TAG.SLOT, slot), ...chain.map((c) => tlv.bytes(TAG.CERT, c))]);
}
export function decodeChain(body: Uint8Array): { slot: number; chain: Uint8Array[] } | undefined {
  const r = readBody(body);
  const slot = r?.u8(TAG.SLOT);
  if (!r || slot === undefined) return undefined;
  return { slot, chain: r.all(TAG.CERT) };
}

// ---- SET_ASSET / GET_ASSET -----------------------------------------------------------------------

export interface AssetBody {
  assetId: string;
  orgId: string;
  assetToken?: string;
}
export function encodeAsset(a: AssetBody): Uint8Array {
  const f = [tlv.text(TAG.ASSET_ID, a.assetId), tlv.text(TAG.ORG_ID, a.orgId)];
  if (a.assetToken !== undefined) f.push(tlv.text(TAG.ASSET_TOKEN, a.assetToken));
  return encodeTlv(f);
}
/** Decodes an asset body; `null` for an empty body (GET_ASSET when nothing is stored). */
export function decodeAsset(body: Uint8Array): AssetBody | null | undefined {
  if (body.length === 0) return null;
  const r = readBody(body);
  const assetId = r?.text(TAG.ASSET_ID);
  const orgId = r?.text(TAG.ORG_ID);
  if (!r || assetId === undefined || orgId === undefined) return undefined;
  const token = r.bytes(TAG.ASSET_TOKEN) ? r.text(TAG.ASSET_TOKEN) : undefined;
  if (r.bytes(TAG.ASSET_TOKEN) && token === undefined) return undefined;
  return { assetId, orgId, ...(token !== undefined ? { assetToken: token } : {}) };
}

// ---- ERR / PROG ----------------------------------------------------------------------------------

export function encodeError(code: number, text: string): Uint8Array {
  return encodeTlv([tlv.u16(TAG.ERR_CODE, code), tlv.text(TAG.ERR_TEXT, text)]);
}
export function decodeError(body: Uint8Array): { code: number; text: string } | undefined {
  const r = readBody(body);
  const code = r?.u16(TAG.ERR_CODE);
  if (code === undefined) return undefined;
  return { code, text: r?.text(TAG.ERR_TEXT) ?? '' };
}
export function encodeProgress(percent: number): Uint8Array {
  return encodeTlv([tlv.u8(TAG.PERCENT, Math.max(0, Math.min(100, Math.round(percent))))]);
}
export function decodeProgress(body: Uint8Array): number | undefined {
  const p = readBody(body)?.u8(TAG.PERCENT);
  return p === undefined || p > 100 ? undefined : p;
}

export { PROTOCOL_VERSION };
