/**
 * The Asset record the station writes: the facts of one provisioned device, the field mapping onto
 * Asset (docs/salesforce-wire.md §4.1; custom fields in salesforce/), external-ID validation and encoding
 * (jsforce does not encode the external ID in the upsert URL, §6.3) and SOQL literal quoting.
 */
import { StationError } from '../../shared/errors';
import type { StationConfig } from '../../shared/domain';
import { settingPlace } from '../config';
import { ASSET_FIELD_LIMITS, checkLimits, type LimitedValue } from './asset-limits';

/** What the station knows about a provisioned device (the saga's input to upsertAsset). */
export interface AssetFacts {
  /** Hardware UID: the external ID value (Text(80)). */
  deviceUid: string;
  /** Device model (picks Product2Id through `productByModel`; `{model}` in the Name template). */
  model: string;
  /** Asset.SerialNumber; defaults to `deviceUid`. */
  serialNumber?: string;
  /** Certificate serial, lowercase hex. */
  certSerial: string;
  /** SHA-256 of the certificate DER, lowercase hex (64 chars). */
  certFingerprint: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex (64 chars). */
  keyFingerprint: string;
  /** Certificate notAfter, ISO-8601. */
  notAfter: string;
  firmware?: string;
  stationId: string;
  /** Operator (or service user) who provisioned it. */
  provisionedBy?: string;
  /** ISO-8601. */
  provisionedAt: string;
  /** Per-job Account/Contact (operator input) overriding the configured ones. */
  accountId?: string;
  contactId?: string;
  /** Per-job Status overriding the configured one. */
  status?: string;
  /**
   * An admin approved re-provisioning this device (a new key for a registered UID): written to
   * Key_Change_Approved__c where the org has it, so its validation rule lets the key change (identity-rules.ts).
   */
  keyChangeApproved?: boolean;
}

/** Asset field names for each fact (API names; defaults match salesforce/ metadata). */
export interface AssetFieldMap {
  certSerial: string;
  certFingerprint: string;
  keyFingerprint: string;
  notAfter: string;
  firmware: string;
  stationId: string;
  provisionedBy: string;
  provisionedAt: string;
  /** Picklist Valid | Revoked: Valid at each upsert (a new certificate), Revoked by `ca revoke`. */
  certificateStatus?: string;
}

/** The custom fields deployed by salesforce/force-app (docs/salesforce-setup.md). */
export const DEFAULT_FIELD_MAP: AssetFieldMap = {
  certSerial: 'Cert_Serial__c',
  certFingerprint: 'Cert_Fingerprint__c',
  keyFingerprint: 'Key_Fingerprint__c',
  notAfter: 'Cert_Not_After__c',
  firmware: 'Firmware_Version__c',
  stationId: 'Station_Id__c',
  provisionedBy: 'Provisioned_By__c',
  provisionedAt: 'Provisioned_At__c',
  certificateStatus: 'Certificate_Status__c',
};

/**
 * The checkbox by which the station tells the org an admin approved a key change (salesforce/…/Asset,
 * validation rule Key_Change_Needs_Reprovision). Not in {@link AssetFieldMap}: an org that has not deployed
 * it must not be sent or asked for it (core/salesforce/identity-rules.ts).
 */
export const KEY_CHANGE_APPROVED_FIELD = 'Key_Change_Approved__c';

/** The Asset as read back from the org (QA verify, idempotent resume). */
export interface AssetRecordFacts {
  id: string;
  name: string;
  deviceUid: string;
  serialNumber?: string;
  accountId?: string;
  contactId?: string;
  product2Id?: string;
  status?: string;
  certSerial?: string;
  certFingerprint?: string;
  keyFingerprint?: string;
  notAfter?: string;
  firmware?: string;
  stationId?: string;
  provisionedBy?: string;
  provisionedAt?: string;
}

type SfConfig = StationConfig['salesforce'];

const UID_MAX = 80; // Device_UID__c is Text(80) (docs/salesforce-wire.md §4.1)

/**
 * Validates an external-ID value: 1–80 printable ASCII characters, no whitespace, no `/` or `\`
 * (an encoded slash in a path segment may not be routed as data: docs/salesforce-wire.md §8 Unknowns 8),
 * not `.` or `..`.
 * @throws StationError BAD_REQUEST naming the problem
 */
export function validateExternalId(value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > UID_MAX) {
    throw new StationError(
      'BAD_REQUEST',
      `The device UID '${String(value).slice(0, 100)}' cannot be an Asset external ID: it must be 1-${UID_MAX} characters.`,
      'Check the device firmware reports a proper hardware UID.',
    );
  }
  if (!/^[\x21-\x7e]+$/.test(value) || /[/\\]/.test(value) || value === '.' || value === '..') {
    throw new StationError(
      'BAD_REQUEST',
      `The device UID '${value.replace(/[^\x20-\x7e]/g, '?')}' cannot be an Asset external ID: only printable ASCII without spaces, '/' or '\\' is allowed.`,
      'Check the device firmware reports a proper hardware UID.',
    );
  }
  return value;
}

/** Percent-encodes a validated external ID for the upsert URL path (RFC 3986 §3.3). */
export function encodeExternalId(value: string): string {
  return encodeURIComponent(validateExternalId(value)).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Quotes a string as a SOQL literal (escapes `\` and `'`). */
export function soqlQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** Fills the Name template: `{model}`, `{uid}`, `{serial}`, `{station}` (the UID when it renders empty; never cut). */
export function renderName(template: string, f: AssetFacts): string {
  const name = template
    .replace(/\{model\}/g, f.model)
    .replace(/\{uid\}/g, f.deviceUid)
    .replace(/\{serial\}/g, f.serialNumber ?? f.deviceUid)
    .replace(/\{station\}/g, f.stationId)
    .trim();
  return name || f.deviceUid;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Builds the Asset fields to upsert (without the external ID field itself).
 * @throws StationError ORG_CONFIG when neither an Account nor a Contact is configured (docs/salesforce-wire.md §4.1);
 *   BAD_REQUEST for malformed fingerprints or dates, or a value longer than its field (asset-limits.ts; never cut).
 * @param settingsFile absolute path of the station settings file, named in the remedies (config.ts settingPlace).
 */
export function buildAssetFields(
  config: SfConfig,
  facts: AssetFacts,
  map: AssetFieldMap = DEFAULT_FIELD_MAP,
  settingsFile?: string,
): Record<string, string> {
  validateExternalId(facts.deviceUid);
  const accountId = facts.accountId ?? config.accountId;
  const contactId = facts.contactId ?? config.contactId;
  if (!accountId && !contactId) {
    throw new StationError(
      'ORG_CONFIG',
      'Cannot register the device as an Asset: every Asset needs an Account or a Contact, and neither is configured.',
      `Set ${settingPlace('salesforce.accountId', settingsFile)} (or salesforce.contactId there), or scan the customer Account for this job.`,
      { missing: 'customer' },
    );
  }
  for (const [k, v] of [
    ['certFingerprint', facts.certFingerprint],
    ['keyFingerprint', facts.keyFingerprint],
  ] as const) {
    if (!HEX64.test(v)) {
      throw new StationError(
        'BAD_REQUEST',
        `The ${k} '${v}' is not a SHA-256 fingerprint (64 lowercase hex characters).`,
        'This is a station bug: report it with the job journal.',
      );
    }
  }
  for (const [k, v] of [
    ['notAfter', facts.notAfter],
    ['provisionedAt', facts.provisionedAt],
  ] as const) {
    if (Number.isNaN(Date.parse(v))) {
      throw new StationError(
        'BAD_REQUEST',
        `The ${k} '${v}' is not an ISO-8601 date-time.`,
        'This is a station bug: report it with the job journal.',
      );
    }
  }
  const name = renderName(config.nameTemplate, facts);
  const serialNumber = facts.serialNumber ?? facts.deviceUid;
  checkAssetLengths(facts, name, serialNumber, map, settingsFile);
  const fields: Record<string, string> = {
    Name: name,
    SerialNumber: serialNumber,
    [map.certSerial]: facts.certSerial,
    [map.certFingerprint]: facts.certFingerprint,
    [map.keyFingerprint]: facts.keyFingerprint,
    [map.notAfter]: new Date(facts.notAfter).toISOString(),
    [map.stationId]: facts.stationId,
    [map.provisionedAt]: new Date(facts.provisionedAt).toISOString(),
  };
  if (accountId) fields.AccountId = accountId;
  if (contactId) fields.ContactId = contactId;
  const product = config.productByModel[facts.model];
  if (product) fields.Product2Id = product;
  const status = facts.status ?? config.status;
  if (status) fields.Status = status;
  if (facts.firmware) fields[map.firmware] = facts.firmware;
  if (facts.provisionedBy) fields[map.provisionedBy] = facts.provisionedBy;
  // The certificate just registered is valid; `ca revoke` sets Revoked (core/pki/org-flags.ts).
  if (map.certificateStatus) fields[map.certificateStatus] = 'Valid';
  return fields;
}

/**
 * Checks every text value of the Asset against its field's length before any call (asset-limits.ts).
 * @throws StationError BAD_REQUEST with details `{field, limit, length, value}`
 */
export function checkAssetLengths(
  facts: Pick<AssetFacts, 'certSerial' | 'firmware' | 'stationId' | 'provisionedBy' | 'serialNumber'>,
  name: string,
  serialNumber: string,
  map: AssetFieldMap = DEFAULT_FIELD_MAP,
  settingsFile?: string,
): void {
  const L = ASSET_FIELD_LIMITS;
  const custom = (fact: keyof AssetFieldMap, def: keyof typeof L) => (map[fact] === def ? L[def] : undefined);
  const values: LimitedValue[] = [
    {
      field: 'Name',
      limit: L.Name,
      value: name,
      what: 'the Asset name built from the name template',
      remedy: `Shorten the Asset name template, ${settingPlace('salesforce.nameTemplate', settingsFile)}, then retry the job.`,
    },
    {
      field: 'SerialNumber',
      limit: L.SerialNumber,
      value: serialNumber,
      what: facts.serialNumber
        ? 'the serial number given for this device'
        : "the device's hardware UID used as its serial number",
      remedy:
        'Enter the serial number again with at most 80 characters (check the label or the scanner), then retry.',
    },
  ];
  const opt: Array<
    [Exclude<keyof AssetFieldMap, 'certificateStatus'>, keyof typeof L, string | undefined, string]
  > = [
    ['certSerial', 'Cert_Serial__c', facts.certSerial, 'the certificate serial number'],
    ['firmware', 'Firmware_Version__c', facts.firmware, "the device's firmware version"],
    ['stationId', 'Station_Id__c', facts.stationId, 'the station ID'],
    ['provisionedBy', 'Provisioned_By__c', facts.provisionedBy, "the operator's name"],
  ];
  for (const [fact, def, value, what] of opt) {
    const limit = custom(fact, def);
    if (value === undefined || limit === undefined) continue;
    values.push({
      field: map[fact],
      limit,
      value,
      what,
      remedy: `Ask the Salesforce admin to widen ${map[fact]} or shorten ${what} in the station settings; nothing was sent, retry afterwards.`,
    });
  }
  checkLimits(values);
}

/** The SOQL field list that {@link toRecordFacts} reads. */
export function assetSelectFields(extField: string, map: AssetFieldMap = DEFAULT_FIELD_MAP): string[] {
  return [
    'Id',
    'Name',
    'SerialNumber',
    'AccountId',
    'ContactId',
    'Product2Id',
    'Status',
    extField,
    ...Object.values(map),
  ];
}

/** Converts a queried Asset record into {@link AssetRecordFacts}. */
export function toRecordFacts(
  rec: Record<string, unknown>,
  extField: string,
  map: AssetFieldMap = DEFAULT_FIELD_MAP,
): AssetRecordFacts {
  const s = (k: string): string | undefined => (typeof rec[k] === 'string' ? (rec[k] as string) : undefined);
  const out: AssetRecordFacts = { id: String(rec.Id), name: s('Name') ?? '', deviceUid: s(extField) ?? '' };
  const opt: Array<[keyof AssetRecordFacts, string]> = [
    ['serialNumber', 'SerialNumber'],
    ['accountId', 'AccountId'],
    ['contactId', 'ContactId'],
    ['product2Id', 'Product2Id'],
    ['status', 'Status'],
    ['certSerial', map.certSerial],
    ['certFingerprint', map.certFingerprint],
    ['keyFingerprint', map.keyFingerprint],
    ['notAfter', map.notAfter],
    ['firmware', map.firmware],
    ['stationId', map.stationId],
    ['provisionedBy', map.provisionedBy],
    ['provisionedAt', map.provisionedAt],
  ];
  for (const [key, field] of opt) {
    const v = s(field);
    if (v !== undefined) (out as unknown as Record<string, string>)[key] = v;
  }
  return out;
}
