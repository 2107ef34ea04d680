/**
 * The emulator's sObject "describe": which fields each object has (docs/salesforce-wire.md §4.1). Unknown fields
 * are refused with 400 INVALID_FIELD (§8), so the station's field mapping is checked for real.
 */

/** Field type as `describe` reports it (subset). */
export type FieldType =
  'id' | 'string' | 'reference' | 'picklist' | 'textarea' | 'datetime' | 'date' | 'boolean' | 'double';

/** One field of an sObject. */
export interface FieldDef {
  name: string;
  type: FieldType;
  length?: number;
  externalId?: boolean;
  unique?: boolean;
  /** Read-only (system) fields: refused on create/update. */
  readOnly?: boolean;
  /** For references: the sObject type they point to. */
  referenceTo?: SObjectType;
  /** An AutoNumber name field's display format (e.g. `SAE-{0000000000}`): set by the org, read-only. */
  autoNumber?: string;
  /**
   * For a unique field: whether `ABC` and `abc` are different values (`<caseSensitive>` of the field's
   * metadata). False: the org refuses either when the other exists (record-rules.ts).
   */
  caseSensitive?: boolean;
}

/** sObjects the emulator knows. */
export const SOBJECT_TYPES = [
  'Account',
  'Contact',
  'Product2',
  'Asset',
  'Station_Audit_Entry__c',
  'Station_Chain_Head__c',
  'Asset_Identity_Alert__c',
] as const;
/** One of {@link SOBJECT_TYPES}. */
export type SObjectType = (typeof SOBJECT_TYPES)[number];

/** Key prefixes (first 3 characters of an ID), as in a real org. */
export const KEY_PREFIX: Record<SObjectType | 'User' | 'Organization', string> = {
  Account: '001',
  Contact: '003',
  Product2: '01t',
  Asset: '02i',
  Station_Audit_Entry__c: 'a0A',
  Station_Chain_Head__c: 'a0B',
  Asset_Identity_Alert__c: 'a0C',
  User: '005',
  Organization: '00D',
};

const system: FieldDef[] = [
  { name: 'Id', type: 'id', readOnly: true },
  { name: 'CreatedDate', type: 'datetime', readOnly: true },
  { name: 'LastModifiedDate', type: 'datetime', readOnly: true },
];

/**
 * The custom Asset fields of salesforce/ (SFDX metadata) — keep in sync with
 * salesforce/force-app/main/default/objects/Asset/fields/*.field-meta.xml.
 */
export const ASSET_CUSTOM_FIELDS: FieldDef[] = [
  { name: 'Device_UID__c', type: 'string', length: 80, externalId: true, unique: true, caseSensitive: true },
  { name: 'Cert_Serial__c', type: 'string', length: 64 },
  { name: 'Certificate_Status__c', type: 'string' }, // picklist Valid | Revoked (set by the station)
  { name: 'Cert_Fingerprint__c', type: 'string', length: 64 },
  // unique, case-insensitive: one key, one device (issue 18; the org refuses a clone's Asset)
  {
    name: 'Key_Fingerprint__c',
    type: 'string',
    length: 64,
    externalId: true,
    unique: true,
    caseSensitive: false,
  },
  // the station's word that an admin approved a key change (validation rule Key_Change_Needs_Reprovision)
  { name: 'Key_Change_Approved__c', type: 'boolean' },
  { name: 'Cert_Not_After__c', type: 'datetime' },
  { name: 'Firmware_Version__c', type: 'string', length: 64 },
  { name: 'Station_Id__c', type: 'string', length: 64 },
  { name: 'Provisioned_By__c', type: 'string', length: 128 },
  { name: 'Provisioned_At__c', type: 'datetime' },
];

/**
 * Asset fields only the org's asset-token check writes (salesforce/…/objects/Asset/fields, docs/salesforce-setup.md
 * §6): read-only for stations in the emulator, set by sim/org/asset-token-check.ts.
 */
export const ASSET_IDENTITY_FIELD_DEFS: FieldDef[] = [
  { name: 'Identity_Status__c', type: 'picklist', length: 40, readOnly: true },
  { name: 'Quarantine_Reason__c', type: 'textarea', length: 32768, readOnly: true },
  { name: 'Quarantined_At__c', type: 'datetime', readOnly: true },
];

/** The fleet-evidence objects (salesforce/…/objects/Station_*__c, docs/salesforce-setup.md §9). */
const FLEET_FIELDS: Record<
  'Station_Audit_Entry__c' | 'Station_Chain_Head__c' | 'Asset_Identity_Alert__c',
  FieldDef[]
> = {
  Station_Audit_Entry__c: [
    ...system,
    { name: 'Name', type: 'string', length: 80, readOnly: true, autoNumber: 'SAE-{0000000000}' },
    { name: 'Entry_Key__c', type: 'string', length: 100, externalId: true, unique: true },
    { name: 'Station_Id__c', type: 'string', length: 64, externalId: true },
    { name: 'Seq__c', type: 'double' },
    { name: 'Entry_Hash__c', type: 'string', length: 64 },
    { name: 'Prev_Hash__c', type: 'string', length: 64 },
    { name: 'Kind__c', type: 'string', length: 64 },
    { name: 'Device_UID__c', type: 'string', length: 80 },
    { name: 'Key_Fingerprint__c', type: 'string', length: 64 },
    { name: 'Operator__c', type: 'string', length: 128 },
    { name: 'Org_User__c', type: 'string', length: 128 },
    { name: 'Payload__c', type: 'textarea', length: 131072 },
    { name: 'Occurred_At__c', type: 'datetime' },
  ],
  Station_Chain_Head__c: [
    ...system,
    { name: 'Name', type: 'string', length: 80, readOnly: true, autoNumber: 'SCH-{00000}' },
    { name: 'Station_Id__c', type: 'string', length: 64, externalId: true, unique: true },
    { name: 'Head_Seq__c', type: 'double' },
    { name: 'Head_Hash__c', type: 'string', length: 64 },
    { name: 'Updated_At__c', type: 'datetime' },
  ],
  Asset_Identity_Alert__c: [
    ...system,
    { name: 'Name', type: 'string', length: 80 },
    { name: 'Alert_Key__c', type: 'string', length: 64, externalId: true, unique: true },
    { name: 'Asset__c', type: 'reference', referenceTo: 'Asset' },
    { name: 'Status__c', type: 'picklist', length: 40 },
    { name: 'Reason_Codes__c', type: 'string', length: 255 },
    { name: 'Reason__c', type: 'textarea', length: 32768 },
    { name: 'Device_Id__c', type: 'string', length: 255 },
    { name: 'Key_Fingerprint__c', type: 'string', length: 64 },
    { name: 'Event_Uuid__c', type: 'string', length: 36 },
    { name: 'Connected_App_Id__c', type: 'string', length: 18 },
    { name: 'Token_User_Id__c', type: 'string', length: 18 },
    { name: 'Token_Expiration__c', type: 'datetime' },
    { name: 'Asset_Token_Name__c', type: 'string', length: 255 },
    { name: 'Quarantined_Asset_Ids__c', type: 'textarea', length: 4000 },
    { name: 'Payload_Excerpt__c', type: 'textarea', length: 32768 },
    { name: 'Handling_Errors__c', type: 'textarea', length: 32768 },
  ],
};

/** Field definitions per sObject (docs/salesforce-wire.md §4.1 for Asset). */
export const FIELDS: Record<SObjectType, FieldDef[]> = {
  Account: [
    ...system,
    { name: 'Name', type: 'string', length: 255 },
    // the standard billing address parts (onboarding shows the customer by name and address)
    { name: 'BillingStreet', type: 'textarea', length: 255 },
    { name: 'BillingCity', type: 'string', length: 40 },
    { name: 'BillingPostalCode', type: 'string', length: 20 },
    { name: 'BillingCountry', type: 'string', length: 80 },
  ],
  Contact: [
    ...system,
    { name: 'FirstName', type: 'string', length: 40 },
    { name: 'LastName', type: 'string', length: 80 },
    { name: 'Email', type: 'string', length: 80 },
    { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
  ],
  Product2: [
    ...system,
    { name: 'Name', type: 'string', length: 255 },
    { name: 'ProductCode', type: 'string', length: 255 },
    { name: 'IsActive', type: 'boolean' },
  ],
  Asset: [
    ...system,
    { name: 'Name', type: 'string', length: 255 },
    { name: 'SerialNumber', type: 'string', length: 80 },
    { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
    { name: 'ContactId', type: 'reference', referenceTo: 'Contact' },
    { name: 'Product2Id', type: 'reference', referenceTo: 'Product2' },
    { name: 'ParentId', type: 'reference', referenceTo: 'Asset' },
    { name: 'Status', type: 'picklist', length: 40 },
    { name: 'Description', type: 'textarea', length: 32000 },
    { name: 'InstallDate', type: 'date' },
    ...ASSET_CUSTOM_FIELDS,
    ...ASSET_IDENTITY_FIELD_DEFS,
  ],
  ...FLEET_FIELDS,
};

/** The field an admin's approval of a key change is written to (salesforce/…/Key_Change_Approved__c). */
export const KEY_CHANGE_APPROVED = 'Key_Change_Approved__c';

/**
 * The fields of `type` as an org that has NOT deployed the issue-18 identity metadata has them (an older
 * package: Key_Fingerprint__c an external ID but not unique, no Key_Change_Approved__c), or as deployed.
 */
export function fieldsOf(type: SObjectType, legacyIdentity = false): FieldDef[] {
  if (!legacyIdentity || type !== 'Asset') return FIELDS[type];
  return FIELDS.Asset.filter((f) => f.name !== KEY_CHANGE_APPROVED).map((f) =>
    f.name === 'Key_Fingerprint__c' ? { ...f, unique: false, caseSensitive: undefined } : f,
  );
}

/** Case-insensitive field lookup (SOQL and REST field names are case-insensitive). */
export function findField(type: SObjectType, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return FIELDS[type].find((f) => f.name.toLowerCase() === lower);
}

/** Case-insensitive sObject lookup. */
export function findType(name: string): SObjectType | undefined {
  return SOBJECT_TYPES.find((t) => t.toLowerCase() === name.toLowerCase());
}
