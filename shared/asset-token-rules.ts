/**
 * The org-side asset-token check, as a pure function: given one `AssetTokenEvent` (docs/salesforce-wire.md
 * §1.8, published by Salesforce after each successful asset-token exchange) and the Assets it touches,
 * decide whether the exchange matches what a station registered, and which Assets to quarantine.
 *
 * This is the reference of the Apex handler (salesforce/force-app/main/default/classes/AssetTokenRules.cls):
 * both run the same fixtures (test/fixtures/asset-token-events/), so the two cannot drift. The org emulator
 * (sim/org) may import it to quarantine Assets the way a real org with the handler does.
 *
 * The rules (docs/salesforce-setup.md §6 explains them for admins). With R the Asset whose `Device_UID__c`
 * equals the event's `DeviceId`, L the Asset the exchange linked (`AssetId`), and K the Assets whose
 * `Key_Fingerprint__c` equals the fingerprint of `DeviceKey` under another device UID, the reasons are,
 * in this order:
 *   DEVICE_ID_MISSING, DEVICE_KEY_MISSING, DEVICE_KEY_INVALID, DEVICE_NOT_REGISTERED (no R),
 *   ASSET_NOT_LINKED (no L), ASSET_MISMATCH (L is not R), KEY_MISMATCH (key is not R's),
 *   KEY_REGISTERED_TO_OTHER_DEVICE (K not empty), CERT_MISMATCH (actor token `cnf.x5t#S256` is not R's
 *   certificate), ASSET_QUARANTINED (R or L already quarantined).
 * Any reason makes the verdict a mismatch, and every Asset involved (R, L, K) that is not yet quarantined
 * is quarantined. Text comparisons are exact (case-sensitive), as `String.equals` in Apex.
 */
import { base64UrlDecode, rsaJwkFingerprint, toHex, type Sha256Hex } from './rsa-jwk-fingerprint';

/** The `AssetTokenEvent` fields the rules read (names as in Salesforce; docs/salesforce-wire.md §1.8). */
export interface AssetTokenEventRecord {
  AssetId?: string | null;
  /** The actor token's `did` claim. */
  DeviceId?: string | null;
  /** The actor token's `cnf.jwk` claim, a JWK as JSON text. */
  DeviceKey?: string | null;
  /** The actor token's payload (JSON text, at most 6000 characters). */
  ActorTokenPayload?: string | null;
  ConnectedAppId?: string | null;
  ExternalClientApplicationId?: string | null;
  AssetName?: string | null;
  AssetSerialNumber?: string | null;
  Name?: string | null;
  Expiration?: string | null;
  UserId?: string | null;
  EventUuid?: string | null;
}

/** An Asset as the handler queries it (custom fields of salesforce/force-app/…/objects/Asset). */
export interface RegisteredAsset {
  Id: string;
  Device_UID__c?: string | null;
  Key_Fingerprint__c?: string | null;
  Cert_Fingerprint__c?: string | null;
  /** `Registered` (the default; null counts as Registered) or `Quarantined`. */
  Identity_Status__c?: string | null;
  Station_Id__c?: string | null;
}

/** Reason codes, in the order they are reported. Stored in `Asset_Identity_Alert__c.Reason_Codes__c`. */
export const REASON_CODES = [
  'DEVICE_ID_MISSING',
  'DEVICE_KEY_MISSING',
  'DEVICE_KEY_INVALID',
  'DEVICE_NOT_REGISTERED',
  'ASSET_NOT_LINKED',
  'ASSET_MISMATCH',
  'KEY_MISMATCH',
  'KEY_REGISTERED_TO_OTHER_DEVICE',
  'CERT_MISMATCH',
  'ASSET_QUARANTINED',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** One finding: a stable code and a sentence for the admin. */
export interface Reason {
  code: ReasonCode;
  detail: string;
}

/** The picklist values of `Asset.Identity_Status__c`. */
export const IDENTITY_STATUS = { registered: 'Registered', quarantined: 'Quarantined' } as const;

/** Asset fields written by the org (the handler), never by a station. */
export const ASSET_IDENTITY_FIELDS = [
  'Identity_Status__c',
  'Quarantine_Reason__c',
  'Quarantined_At__c',
] as const;

/** The outcome for one event. */
export interface AssetTokenVerdict {
  /** False when the event came from an app the settings do not watch: nothing else is checked. */
  inScope: boolean;
  /** True when no reason was found. */
  ok: boolean;
  reasons: Reason[];
  /** Fingerprint of `DeviceKey` (64 lowercase hex), or null when missing or unusable. */
  keyFingerprint: string | null;
  registeredAssetId: string | null;
  linkedAssetId: string | null;
  keyHolderAssetIds: string[];
  /** The Asset an alert and its Task attach to: R, else L, else the first of K. */
  primaryAssetId: string | null;
  /** Assets to set to Quarantined (R, L, K without repeats, minus those already quarantined); empty when ok. */
  quarantine: string[];
}

/** Options of {@link evaluateAssetTokenEvent}. */
export interface AssetTokenRuleOptions {
  sha256Hex: Sha256Hex;
  /** Connected App / External Client App IDs whose exchanges are checked; empty or absent = all. */
  watchedAppIds?: readonly string[];
}

const blank = (s: string | null | undefined): s is null | undefined | '' => s == null || s.trim() === '';

/**
 * True when two Salesforce IDs name the same record: the 15-character case-sensitive ID is compared,
 * so an 18-character ID equals its 15-character form (as the Apex `Id` type does).
 */
export function sameSalesforceId(a: string | null | undefined, b: string | null | undefined): boolean {
  if (blank(a) || blank(b)) return false;
  return a.slice(0, 15) === b.slice(0, 15);
}

/** Splits the `Watched_App_Ids__c` setting (IDs separated by commas, semicolons or white space). */
export function parseWatchedAppIds(text: string | null | undefined): string[] {
  return (text ?? '').split(/[\s,;]+/).filter((s) => s !== '');
}

/** True when the event's app is watched, or when no app is listed (every exchange is checked). */
export function isInScope(event: AssetTokenEventRecord, watchedAppIds: readonly string[] = []): boolean {
  if (watchedAppIds.length === 0) return true;
  return watchedAppIds.some(
    (w) =>
      sameSalesforceId(w, event.ConnectedAppId) || sameSalesforceId(w, event.ExternalClientApplicationId),
  );
}

/**
 * The certificate thumbprint the actor token claims: `cnf["x5t#S256"]` (RFC 8705 §3.1: base64url SHA-256
 * of the certificate DER), as lowercase hex like `Cert_Fingerprint__c`.
 * @returns the hex, `undefined` when the payload has none (the check is skipped), or `'malformed'`.
 */
export function certThumbprintHex(payload: string | null | undefined): string | undefined | 'malformed' {
  if (blank(payload)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const cnf = (v as { cnf?: unknown } | null)?.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const t = (cnf as Record<string, unknown>)['x5t#S256'];
  if (t === undefined || t === null) return undefined;
  const bytes = typeof t === 'string' ? base64UrlDecode(t) : undefined;
  return bytes && bytes.length === 32 ? toHex(bytes) : 'malformed';
}

function outOfScope(): AssetTokenVerdict {
  return {
    inScope: false,
    ok: true,
    reasons: [],
    keyFingerprint: null,
    registeredAssetId: null,
    linkedAssetId: null,
    keyHolderAssetIds: [],
    primaryAssetId: null,
    quarantine: [],
  };
}

/**
 * Checks one exchange against the registered Assets (rules in the module doc).
 * @param candidates Assets the handler found for this event and others in its batch (by Id = AssetId,
 *   Device_UID__c = DeviceId or Key_Fingerprint__c = fingerprint); unrelated ones are ignored.
 */
export function evaluateAssetTokenEvent(
  event: AssetTokenEventRecord,
  candidates: readonly RegisteredAsset[],
  opts: AssetTokenRuleOptions,
): AssetTokenVerdict {
  if (!isInScope(event, opts.watchedAppIds)) return outOfScope();
  const reasons: Reason[] = [];
  const add = (code: ReasonCode, detail: string) => reasons.push({ code, detail });
  const did = blank(event.DeviceId) ? null : event.DeviceId;

  let fp: string | null = null;
  if (!did) add('DEVICE_ID_MISSING', 'The exchange carried no device ID (did claim).');
  if (blank(event.DeviceKey)) {
    add('DEVICE_KEY_MISSING', 'The exchange carried no device key (cnf.jwk): the token is bound to no key.');
  } else {
    const r = rsaJwkFingerprint(event.DeviceKey, opts.sha256Hex);
    if ('fingerprint' in r) fp = r.fingerprint;
    else add('DEVICE_KEY_INVALID', `The device key is not a usable RSA JWK (${r.problem}).`);
  }

  const registered = did ? candidates.find((a) => a.Device_UID__c === did) : undefined;
  const linked = candidates.find((a) => sameSalesforceId(a.Id, event.AssetId));
  const keyHolders = fp
    ? candidates.filter((a) => a.Key_Fingerprint__c === fp && !(did && a.Device_UID__c === did))
    : [];

  if (did && !registered)
    add('DEVICE_NOT_REGISTERED', `No Asset has Device UID '${did}': no station registered it.`);
  if (!linked) {
    add(
      'ASSET_NOT_LINKED',
      blank(event.AssetId)
        ? 'The exchange linked no Asset.'
        : `The linked Asset ${event.AssetId} does not exist.`,
    );
  } else if (linked !== registered && (registered || !blank(linked.Device_UID__c))) {
    add(
      'ASSET_MISMATCH',
      `The token was issued for Asset ${linked.Id} (Device UID '${linked.Device_UID__c ?? ''}'), not for the Asset registered for device '${did ?? ''}'.`,
    );
  }
  if (registered && fp && registered.Key_Fingerprint__c !== fp) {
    add(
      'KEY_MISMATCH',
      `Device '${did}' presented key ${fp}; Asset ${registered.Id} registers key ${registered.Key_Fingerprint__c || '(none)'}.`,
    );
  }
  if (keyHolders.length > 0) {
    const who = keyHolders.map((a) => `'${a.Device_UID__c ?? ''}' (${a.Id})`).join(', ');
    add('KEY_REGISTERED_TO_OTHER_DEVICE', `Key ${fp} is registered to another device: ${who}.`);
  }
  const thumb = registered ? certThumbprintHex(event.ActorTokenPayload) : undefined;
  if (registered && thumb !== undefined && thumb !== registered.Cert_Fingerprint__c) {
    add(
      'CERT_MISMATCH',
      `The actor token names certificate ${thumb}; Asset ${registered.Id} registers ${registered.Cert_Fingerprint__c || '(none)'}.`,
    );
  }
  const quarantined = [registered, linked].find((a) => a?.Identity_Status__c === IDENTITY_STATUS.quarantined);
  if (quarantined)
    add('ASSET_QUARANTINED', `Asset ${quarantined.Id} is quarantined; a token was issued for it anyway.`);

  const involved: RegisteredAsset[] = [];
  for (const a of [registered, linked, ...keyHolders]) if (a && !involved.includes(a)) involved.push(a);
  const ok = reasons.length === 0;
  return {
    inScope: true,
    ok,
    reasons,
    keyFingerprint: fp,
    registeredAssetId: registered?.Id ?? null,
    linkedAssetId: linked?.Id ?? null,
    keyHolderAssetIds: keyHolders.map((a) => a.Id),
    primaryAssetId: involved[0]?.Id ?? null,
    quarantine: ok
      ? []
      : involved.filter((a) => a.Identity_Status__c !== IDENTITY_STATUS.quarantined).map((a) => a.Id),
  };
}

/** The reason codes of a verdict joined with commas (the value of `Reason_Codes__c`). */
export function reasonCodes(v: Pick<AssetTokenVerdict, 'reasons'>): string {
  return v.reasons.map((r) => r.code).join(',');
}
