/**
 * The org's record rules, as the emulator enforces them on every write (docs/salesforce-wire.md §4.1, §4.2):
 * unknown fields give INVALID_FIELD, read-only ones INVALID_FIELD_FOR_INSERT_UPDATE, over-long strings
 * STRING_TOO_LONG, bad references MALFORMED_ID / INVALID_CROSS_REFERENCE_KEY; an Asset needs AccountId or
 * ContactId (FIELD_INTEGRITY_EXCEPTION); an Asset's key changes only when approved (Key_Change_Needs_Reprovision,
 * FIELD_CUSTOM_VALIDATION_EXCEPTION); unique fields give DUPLICATE_VALUE; AutoNumber names are the org's;
 * fleet evidence cannot be edited or deleted (the `StationEvidenceGuard` triggers of salesforce/).
 */
import { isIdShape } from './org-data';
import { sfDateTime } from './sf-format';
import { FIELDS, KEY_CHANGE_APPROVED, fieldsOf, findField, type FieldDef, type SObjectType } from './schema';
import { ApiError } from './api-error';
import type { OrgStore } from './store';

/**
 * Validates and normalises input fields (canonical names). Refuses unknown and read-only fields.
 * @throws ApiError INVALID_FIELD / INVALID_FIELD_FOR_INSERT_UPDATE / STRING_TOO_LONG / MALFORMED_ID
 */
export function normalise(
  store: OrgStore,
  type: SObjectType,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (k === 'attributes') continue;
    let f = findField(type, k);
    // an org without the issue-18 identity metadata has no Key_Change_Approved__c (schema.ts fieldsOf)
    if (f?.name === KEY_CHANGE_APPROVED && store.legacyIdentity) f = undefined;
    if (!f) throw new ApiError(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type ${type}`, [k]);
    if (f.readOnly) {
      throw new ApiError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${f.name}. Please check the security settings of this field.`,
        [f.name],
      );
    }
    if (v !== null && f.type === 'string' && typeof v !== 'string') {
      throw new ApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of string from ${typeof v}`, [
        f.name,
      ]);
    }
    if (typeof v === 'string' && f.length && v.length > f.length) {
      throw new ApiError(400, 'STRING_TOO_LONG', `${f.name}: data value too large (max length=${f.length})`, [
        f.name,
      ]);
    }
    if (v !== null && f.type === 'reference') {
      if (!isIdShape(v)) {
        throw new ApiError(400, 'MALFORMED_ID', `${f.name}: id value of incorrect type: ${String(v)}`, [
          f.name,
        ]);
      }
      if (!store.get(f.referenceTo!, v)) {
        throw new ApiError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
      }
    }
    if (v !== null && f.type === 'datetime' && (typeof v !== 'string' || Number.isNaN(Date.parse(v)))) {
      throw new ApiError(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of datetime from ${String(v)}`,
        [f.name],
      );
    }
    // stored (and so answered) as Salesforce writes datetimes (sf-format.ts)
    out[f.name] = v !== null && f.type === 'datetime' ? sfDateTime(v as string) : v;
  }
  return out;
}

/**
 * Checks the object-level rules on a full (merged) record: required fields, an Asset's Account or
 * Contact (docs/salesforce-wire.md §4.1), unique fields (unless `skipUnique`, for seeding legacy data).
 * @throws ApiError REQUIRED_FIELD_MISSING / FIELD_INTEGRITY_EXCEPTION / DUPLICATE_VALUE
 */
export function checkRecord(
  store: OrgStore,
  type: SObjectType,
  rec: Record<string, unknown>,
  selfId?: string,
  skipUnique = false,
): void {
  if (type === 'Asset' || type === 'Account' || type === 'Product2') {
    if (!rec.Name)
      throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]', ['Name']);
  }
  if (type === 'Contact' && !rec.LastName) {
    throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', [
      'LastName',
    ]);
  }
  if (type === 'Asset' && !rec.AccountId && !rec.ContactId) {
    // docs/salesforce-wire.md §4.1
    throw new ApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      'Every asset needs an account, a contact, or both.',
      ['AccountId', 'ContactId'],
    );
  }
  if (type === 'Station_Chain_Head__c' && selfId) checkHeadNotBack(store.get(type, selfId), rec);
  const prior = selfId ? store.get(type, selfId) : undefined;
  // custom validation rules run before the record is saved, so before the unique index is checked
  if (type === 'Asset' && !store.legacyIdentity) checkKeyChange(prior, rec);
  if (skipUnique) return;
  for (const f of fieldsOf(type, store.legacyIdentity)) {
    if (!f.unique || rec[f.name] === undefined || rec[f.name] === null) continue;
    // an update that leaves the value as it was is not checked again (legacy duplicates stay editable)
    if (prior && prior[f.name] === rec[f.name]) continue;
    const other = store.list(type).find((r) => r.Id !== selfId && sameUniqueValue(f, r[f.name], rec[f.name]));
    if (other) {
      throw new ApiError(
        400,
        'DUPLICATE_VALUE',
        `duplicate value found: ${f.name} duplicates value on record with id: ${other.Id}`,
        [f.name],
      );
    }
  }
}

/** Whether two values collide on unique field `f` (`caseSensitive: false`: letter case ignored). */
function sameUniqueValue(f: FieldDef, a: unknown, b: unknown): boolean {
  if (f.caseSensitive === false && typeof a === 'string' && typeof b === 'string')
    return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

/** The error message of `Key_Change_Needs_Reprovision` (salesforce/…/Asset/validationRules). */
export const KEY_CHANGE_MESSAGE =
  'This device is already registered with a different key. Its key can only change through a re-provision approved by an admin at an Asset Station; if nobody reset the device, another device may be using its UID.';

/**
 * The `Key_Change_Needs_Reprovision` validation rule of Asset (salesforce/…/Asset/validationRules,
 * docs/salesforce-setup.md §1): `AND(NOT(ISNEW()), ISCHANGED(Key_Fingerprint__c),
 * NOT(ISBLANK(PRIORVALUE(Key_Fingerprint__c))), NOT(Key_Change_Approved__c))` — an existing Asset's key
 * changes only with the station's word that an admin approved the re-provision.
 * @throws ApiError FIELD_CUSTOM_VALIDATION_EXCEPTION on Key_Fingerprint__c
 */
export function checkKeyChange(
  prior: Record<string, unknown> | undefined,
  rec: Record<string, unknown>,
): void {
  if (!prior) return; // ISNEW()
  const before = prior.Key_Fingerprint__c;
  if (before === undefined || before === null || before === '') return; // ISBLANK(PRIORVALUE(…))
  if (rec.Key_Fingerprint__c === before) return; // NOT ISCHANGED(…)
  if (rec[KEY_CHANGE_APPROVED] === true) return;
  throw new ApiError(400, 'FIELD_CUSTOM_VALIDATION_EXCEPTION', KEY_CHANGE_MESSAGE, ['Key_Fingerprint__c']);
}

/**
 * The `Head_Cannot_Go_Back` validation rule of `Station_Chain_Head__c` (salesforce/…/validationRules,
 * docs/salesforce-setup.md §9): on update, a lower `Head_Seq__c`, or another `Head_Hash__c` at the same
 * sequence, is refused — a station whose log was rolled back or wiped cannot move the org's anchor back.
 * @throws ApiError FIELD_CUSTOM_VALIDATION_EXCEPTION
 */
export function checkHeadNotBack(
  prior: Record<string, unknown> | undefined,
  rec: Record<string, unknown>,
): void {
  if (!prior) return;
  const before = Number(prior.Head_Seq__c ?? 0);
  const after = Number(rec.Head_Seq__c ?? 0);
  if (after < before || (after === before && rec.Head_Hash__c !== prior.Head_Hash__c)) {
    throw new ApiError(
      400,
      'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      'This station\'s audit chain would move backwards (its audit log was rolled back, wiped or rewritten). Run "asset-station audit verify" on the station and compare it with the entries in Salesforce before changing this record.',
      ['Head_Seq__c'],
    );
  }
}

/** The AutoNumber name of the `n`th record of a type (e.g. `SAE-0000000042`), or nothing when it has none. */
export function autoNumbers(type: SObjectType, n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FIELDS[type]) {
    const m = f.autoNumber ? /^(.*)\{(0+)\}(.*)$/.exec(f.autoNumber) : null;
    if (m) out[f.name] = `${m[1]}${String(n).padStart(m[2]!.length, '0')}${m[3]}`;
  }
  return out;
}

/** What the evidence triggers refuse (salesforce/…/triggers, docs/salesforce-setup.md §9). */
const IMMUTABLE: Partial<Record<SObjectType, ReadonlyArray<'update' | 'delete'>>> = {
  Station_Audit_Entry__c: ['update', 'delete'],
  Station_Chain_Head__c: ['delete'], // moving it is `Head_Cannot_Go_Back`'s business
};

/**
 * The `StationAuditEntryTrigger` / `StationChainHeadTrigger` rules (before update / before delete,
 * `StationEvidenceGuard.cls`): an audit entry is never edited or deleted, a chain head never deleted — by
 * anyone, admins included — so neither a station nor an org user can rewrite or erase a station's
 * evidence, nor delete a head to plant a lower one. Apex `addError` in a before trigger reaches REST as
 * FIELD_CUSTOM_VALIDATION_EXCEPTION.
 * @throws ApiError FIELD_CUSTOM_VALIDATION_EXCEPTION
 */
export function checkChangeAllowed(type: SObjectType, op: 'update' | 'delete'): void {
  if (!IMMUTABLE[type]?.includes(op)) return;
  const what = type === 'Station_Audit_Entry__c' ? 'Station audit entries' : 'Station chain heads';
  throw new ApiError(
    400,
    'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    `${what} are fleet evidence and cannot be ${op === 'update' ? 'edited' : 'deleted'}. Compare the station's log with "asset-station audit verify" instead; to retire evidence, an admin deploys a change to the StationEvidenceGuard trigger, which Setup Audit Trail records.`,
    [],
  );
}
