/**
 * The emulator's describe resources in the shapes Salesforce documents (docs/salesforce-wire.md §8.5):
 * - `GET sobjects` (describeGlobal: `encoding`, `maxBatchSize`, `sobjects[]` with names, labels, key prefixes,
 *   abilities and `urls`), https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm;
 * - `GET sobjects/{type}` (basic information: `objectDescribe` + `recentItems`),
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_basic_info.htm;
 * - `GET sobjects/{type}/describe` (DescribeSObjectResult: the object's abilities, `fields[]` with their
 *   properties, `childRelationships[]`, `recordTypeInfos`, `urls`),
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm, the
 *   properties as https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm
 *   lists them. Labels are made from API names (`Device_UID__c` → "Device UID") [I].
 */
import { childRelationshipsOf } from './soql-relations';
import {
  KEY_PREFIX,
  SOBJECT_TYPES,
  fieldsOf,
  type FieldDef,
  type FieldType,
  type SObjectType,
} from './schema';

/** Fields the org requires on create (record-rules.ts checks the same). */
const REQUIRED: Partial<Record<SObjectType, string[]>> = {
  Account: ['Name'],
  Asset: ['Name'],
  Product2: ['Name'],
  Contact: ['LastName'],
};

/** The SOAP type of each field type, as describe reports it. */
const SOAP_TYPE: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  picklist: 'xsd:string',
  textarea: 'xsd:string',
  datetime: 'xsd:dateTime',
  date: 'xsd:date',
  boolean: 'xsd:boolean',
  double: 'xsd:double',
};

/** "Device_UID__c" → "Device UID", "CreatedDate" → "Created Date", "Product2" → "Product". */
function label(apiName: string): string {
  if (apiName === 'Product2') return 'Product';
  return apiName
    .replace(/__c$/, '')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/ Id$/, ' ID')
    .trim();
}

function plural(l: string): string {
  return /[^aeiou]y$/.test(l) ? `${l.slice(0, -1)}ies` : `${l}s`;
}

/** The `urls` of an sObject at API `version` (`v62.0`). */
function urls(type: SObjectType, version: string): Record<string, string> {
  const base = `/services/data/${version}/sobjects/${type}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

/** One entry of describeGlobal's `sobjects` (and basic information's `objectDescribe`). */
function globalEntry(type: SObjectType, version: string): Record<string, unknown> {
  const l = label(type);
  // fleet evidence is append-only (record-rules.ts): its objects are neither updateable nor deletable
  const evidence = type === 'Station_Audit_Entry__c' || type === 'Station_Chain_Head__c';
  return {
    name: type,
    label: l,
    labelPlural: plural(l),
    keyPrefix: KEY_PREFIX[type],
    custom: type.endsWith('__c'),
    createable: true,
    updateable: type !== 'Station_Audit_Entry__c',
    deletable: !evidence,
    queryable: true,
    retrieveable: true,
    searchable: true,
    layoutable: true,
    triggerable: true,
    replicateable: true,
    undeletable: !evidence,
    mergeable: type === 'Account' || type === 'Contact',
    feedEnabled: false,
    activateable: false,
    deprecatedAndHidden: false,
    urls: urls(type, version),
  };
}

function fieldEntry(type: SObjectType, f: FieldDef): Record<string, unknown> {
  const text = f.type === 'string' || f.type === 'picklist' || f.type === 'textarea';
  const length = f.type === 'id' || f.type === 'reference' ? 18 : text ? (f.length ?? 255) : 0;
  const system = f.name === 'Id' || f.name === 'CreatedDate' || f.name === 'LastModifiedDate';
  const required = (REQUIRED[type] ?? []).includes(f.name);
  const relationshipName =
    f.type === 'reference'
      ? f.name.endsWith('__c')
        ? `${f.name.slice(0, -3)}__r`
        : f.name.replace(/Id$/, '')
      : null;
  return {
    name: f.name,
    label: label(f.name),
    type: f.type,
    soapType: SOAP_TYPE[f.type],
    length,
    byteLength: length * 3, // UTF-8, up to 3 bytes a character
    precision: 0,
    scale: 0,
    digits: 0,
    custom: f.name.endsWith('__c'),
    nillable: !system && !required && !f.autoNumber,
    createable: !f.readOnly,
    updateable: !f.readOnly,
    defaultedOnCreate: system || Boolean(f.autoNumber),
    externalId: Boolean(f.externalId),
    unique: Boolean(f.unique),
    // Device_UID__c is case-sensitive, Key_Fingerprint__c is not (docs/salesforce-setup.md §1)
    caseSensitive: Boolean(f.caseSensitive),
    idLookup: f.name === 'Id' || Boolean(f.externalId) || (f.name === 'Name' && type !== 'Asset'),
    nameField: f.name === 'Name',
    autoNumber: Boolean(f.autoNumber),
    calculated: false,
    filterable: f.type !== 'textarea',
    sortable: f.type !== 'textarea',
    groupable: f.type !== 'textarea' && f.type !== 'double' && f.type !== 'datetime',
    htmlFormatted: false,
    restrictedPicklist: false,
    picklistValues: [],
    referenceTo: f.referenceTo ? [f.referenceTo] : [],
    relationshipName,
    cascadeDelete: false,
    deprecatedAndHidden: false,
  };
}

/** `GET sobjects`: describeGlobal. */
export function describeGlobal(version: string): Record<string, unknown> {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: SOBJECT_TYPES.map((t) => globalEntry(t, version)),
  };
}

/** `GET sobjects/{type}`: basic information (no recently viewed items in the emulator). */
export function basicInfo(type: SObjectType, version: string): Record<string, unknown> {
  return { objectDescribe: globalEntry(type, version), recentItems: [] };
}

/**
 * `GET sobjects/{type}/describe`: DescribeSObjectResult; `legacyIdentity`: the Asset of an org without the
 * issue-18 identity metadata (schema.ts fieldsOf).
 */
export function describeSObject(
  type: SObjectType,
  version: string,
  legacyIdentity = false,
): Record<string, unknown> {
  return {
    ...globalEntry(type, version),
    fields: fieldsOf(type, legacyIdentity).map((f) => fieldEntry(type, f)),
    childRelationships: childRelationshipsOf(type).map((r) => ({
      childSObject: r.type,
      field: r.field,
      relationshipName: r.name,
      cascadeDelete: false,
      restrictedDelete: false,
      deprecatedAndHidden: false,
    })),
    recordTypeInfos: [
      {
        name: 'Master',
        developerName: 'Master',
        recordTypeId: '012000000000000AAA',
        active: true,
        available: true,
        defaultRecordTypeMapping: true,
        master: true,
      },
    ],
    compactLayoutable: true,
    lookupLayoutable: true,
    listviewable: null,
    searchLayoutable: true,
    networkScopeFieldName: null,
    supportedScopes: [{ label: 'All', name: 'everything' }],
  };
}
