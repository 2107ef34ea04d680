/**
 * The emulator's sObject "describe": which fields each object has (docs/salesforce-wire.md §4.1). Unknown fields
 * are refused with 400 INVALID_FIELD (§8), so the station's field mapping is checked for real.
 */

/** Field type as `describe` reports it (subset). */
export type FieldType =
  'id' | 'string' | 'reference' | 'picklist' | 'textarea' | 'datetime' | 'date' | 'boolean';

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
}

/** sObjects the emulator knows. */
export const SOBJECT_TYPES = ['Account', 'Contact', 'Product2', 'Asset'] as const;
/** One of {@link SOBJECT_TYPES}. */
export type SObjectType = (typeof SOBJECT_TYPES)[number];

/** Key prefixes (first 3 characters of an ID), as in a real org. */
export const KEY_PREFIX: Record<SObjectType | 'User' | 'Organization', string> = {
  Account: '001',
  Contact: '003',
  Product2: '01t',
  Asset: '02i',
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
  { name: 'Device_UID__c', type: 'string', length: 80, externalId: true, unique: true },
  { name: 'Cert_Serial__c', type: 'string', length: 64 },
  { name: 'Cert_Fingerprint__c', type: 'string', length: 64 },
  { name: 'Key_Fingerprint__c', type: 'string', length: 64, externalId: true }, // indexed for the clone query
  { name: 'Cert_Not_After__c', type: 'datetime' },
  { name: 'Firmware_Version__c', type: 'string', length: 64 },
  { name: 'Station_Id__c', type: 'string', length: 64 },
  { name: 'Provisioned_By__c', type: 'string', length: 128 },
  { name: 'Provisioned_At__c', type: 'datetime' },
];

/** Field definitions per sObject (docs/salesforce-wire.md §4.1 for Asset). */
export const FIELDS: Record<SObjectType, FieldDef[]> = {
  Account: [...system, { name: 'Name', type: 'string', length: 255 }],
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
  ],
};

/** Case-insensitive field lookup (SOQL and REST field names are case-insensitive). */
export function findField(type: SObjectType, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return FIELDS[type].find((f) => f.name.toLowerCase() === lower);
}

/** Case-insensitive sObject lookup. */
export function findType(name: string): SObjectType | undefined {
  return SOBJECT_TYPES.find((t) => t.toLowerCase() === name.toLowerCase());
}

/** `describe` body for one sObject (the subset jsforce reads: `name`, `fields[].name`). */
export function describe(type: SObjectType): Record<string, unknown> {
  return {
    name: type,
    keyPrefix: KEY_PREFIX[type],
    createable: true,
    updateable: true,
    fields: FIELDS[type].map((f) => ({
      name: f.name,
      type: f.type,
      length: f.length ?? 0,
      externalId: Boolean(f.externalId),
      unique: Boolean(f.unique),
      createable: !f.readOnly,
      updateable: !f.readOnly,
      custom: f.name.endsWith('__c'),
      ...(f.referenceTo ? { referenceTo: [f.referenceTo] } : {}),
    })),
  };
}
