/**
 * Test helper: the checks a deploy would otherwise be the first to run, done without an org. Each returns
 * problems as sentences ("<file>: …"); an empty list means the project passed.
 *
 * Sources for the rules: Metadata API Developer Guide, CustomField
 * (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customfield.htm: Text 1–255,
 * LongTextArea up to 131,072 with visibleLines, Number precision ≤ 18 and scale ≤ precision, external IDs on
 * Text/Number/Email, Lookup needs referenceTo, relationshipName), CustomObject (nameField, sharingModel,
 * platform events' eventType/publishBehavior), and the Platform Events Developer Guide, "Considerations"
 * (https://developer.salesforce.com/docs/atlas.en-us.platform_events.meta/platform_events/platform_events_considerations.htm:
 * field-level security does not apply to platform-event fields; only Read and Create apply to events).
 */
import { parseApex, apexUses } from '../apex/apex-source';
import { DEFAULT_DIR, all, one, type ProjectModel } from './project';

/**
 * Standard objects and the standard fields the project may name. Anything else must be defined in
 * salesforce/force-app. Sources: Object Reference (Asset, Account, Task, StaticResource) and
 * docs/salesforce-wire.md §1.8 (AssetTokenEvent).
 */
export const STANDARD_FIELDS: Record<string, readonly string[]> = {
  Asset: ['Id', 'Name', 'OwnerId', 'AccountId', 'ContactId', 'SerialNumber', 'Status', 'Product2Id'],
  Account: ['Id', 'Name'],
  Contact: ['Id', 'Name', 'AccountId'],
  Product2: ['Id', 'Name'],
  Task: ['Id', 'OwnerId', 'WhatId', 'Subject', 'Description', 'Priority', 'ActivityDate', 'Status'],
  StaticResource: ['Id', 'Name', 'Body'],
  AssetTokenEvent: [
    'ActorTokenPayload',
    'AssetId',
    'AssetName',
    'AssetSerialNumber',
    'ConnectedAppId',
    'CreatedById',
    'CreatedDate',
    'DeviceId',
    'DeviceKey',
    'EventUuid',
    'Expiration',
    'ExternalClientApplicationId',
    'Name',
    'ReplayId',
    'UserId',
  ],
};
/** Standard fields of every custom object, platform event and custom setting. */
export const CUSTOM_STANDARD_FIELDS: Record<'custom' | 'event' | 'setting', readonly string[]> = {
  custom: ['Id', 'Name', 'OwnerId', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById'],
  event: ['ReplayId', 'EventUuid', 'CreatedDate', 'CreatedById'],
  setting: ['Id', 'Name', 'SetupOwnerId'],
};
/** List-view column names of standard fields (ListView metadata). */
export const LIST_VIEW_STANDARD_COLUMNS = ['NAME', 'CREATED_DATE', 'OWNER.ALIAS', 'LAST_UPDATE'];

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function objectExists(m: ProjectModel, object: string): boolean {
  return [...m.objects.keys(), ...Object.keys(STANDARD_FIELDS)].some((o) => eq(o, object));
}

export function fieldExists(m: ProjectModel, object: string, field: string): boolean {
  const o = [...m.objects.values()].find((x) => eq(x.name, object));
  if (o && [...o.fields.keys()].some((f) => eq(f, field))) return true;
  const std = Object.entries(STANDARD_FIELDS).find(([k]) => eq(k, object))?.[1];
  if (std?.some((f) => eq(f, field))) return true;
  return o !== undefined && o.kind !== 'standard' && CUSTOM_STANDARD_FIELDS[o.kind].some((f) => eq(f, field));
}

/** Every XML file is well-formed. */
export function checkXml(m: ProjectModel): string[] {
  return [...m.xmlErrors].map(([p, e]) => `${p}: not well-formed XML (${e})`);
}

const TEXT_LIKE = ['Text', 'Number', 'Email'];
const EVENT_TYPES = ['Text', 'Number', 'Checkbox', 'Date', 'DateTime', 'LongTextArea'];
const SETTING_TYPES = [
  'Text',
  'Number',
  'Checkbox',
  'Date',
  'DateTime',
  'Email',
  'Percent',
  'Phone',
  'TextArea',
  'Url',
  'Currency',
];

/** Each custom field carries what a deploy needs for its type. */
export function checkCustomFields(m: ProjectModel): string[] {
  const out: string[] = [];
  for (const o of m.objects.values()) {
    for (const f of o.fields.values()) {
      const bad = (why: string) => out.push(`${f.file}: ${why}`);
      const n = f.node;
      const num = (k: string) => (one(n, k) === undefined ? undefined : Number(one(n, k)));
      if (one(n, 'fullName') !== f.name)
        bad(`fullName '${one(n, 'fullName')}' is not the file name '${f.name}'`);
      if (!/^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*__c$/.test(f.name) || f.name.length - 3 > 40)
        bad(
          'not a valid custom field API name (letters, digits, single underscores, at most 40 characters, __c)',
        );
      const label = one(n, 'label');
      if (!label || label.length > 40) bad('label missing or over 40 characters');
      if (!one(n, 'description')) bad('no description');
      const type = one(n, 'type');
      const length = num('length');
      switch (type) {
        case 'Text':
          if (!length || length < 1 || length > 255) bad('a Text field needs a length of 1 to 255');
          break;
        case 'LongTextArea':
          if (!length || length < 256 || length > 131072)
            bad('a LongTextArea needs a length of 256 to 131072');
          if (!num('visibleLines')) bad('a LongTextArea needs visibleLines');
          break;
        case 'Number': {
          const p = num('precision');
          const s = num('scale');
          if (!p || p > 18 || s === undefined || s < 0 || s > p)
            bad('a Number needs precision 1–18 and 0 ≤ scale ≤ precision');
          break;
        }
        case 'Picklist': {
          const values = all(all(all(n, 'valueSet')[0], 'valueSetDefinition')[0], 'value');
          if (values.length === 0) bad('a Picklist needs values');
          if (values.some((v) => !one(v, 'fullName') || !one(v, 'label')))
            bad('each picklist value needs fullName and label');
          if (values.filter((v) => one(v, 'default') === 'true').length > 1)
            bad('more than one default picklist value');
          break;
        }
        case 'Lookup':
          if (!one(n, 'referenceTo') || !objectExists(m, one(n, 'referenceTo')!))
            bad('a Lookup needs referenceTo an existing object');
          if (!one(n, 'relationshipName')) bad('a Lookup needs relationshipName');
          if (!['SetNull', 'Restrict', 'Cascade'].includes(one(n, 'deleteConstraint') ?? ''))
            bad('a Lookup needs deleteConstraint');
          break;
        case 'DateTime':
        case 'Date':
          if (length !== undefined) bad(`a ${type} has no length`);
          break;
        case 'Checkbox':
          if (!['true', 'false'].includes(one(n, 'defaultValue') ?? '')) bad('a Checkbox needs defaultValue');
          break;
        default:
          bad(`type '${type}' is not one this project uses (add its rules here first)`);
      }
      if (one(n, 'externalId') === 'true' && !TEXT_LIKE.includes(type ?? ''))
        bad('externalId is only for Text, Number, Email');
      if (one(n, 'unique') === 'true' && !TEXT_LIKE.includes(type ?? ''))
        bad('unique is only for Text, Number, Email');
      if (one(n, 'caseSensitive') !== undefined && one(n, 'unique') !== 'true')
        bad('caseSensitive needs unique');
      if (o.kind === 'event') {
        if (!EVENT_TYPES.includes(type ?? '')) bad(`a platform-event field cannot be ${type}`);
        if (one(n, 'externalId') === 'true' || one(n, 'unique') === 'true')
          bad('platform-event fields are not external IDs');
      }
      if (o.kind === 'setting' && !SETTING_TYPES.includes(type ?? ''))
        bad(`a custom-setting field cannot be ${type}`);
    }
  }
  return out;
}

/** Each custom object, platform event and custom setting has the elements its kind needs. */
export function checkObjects(m: ProjectModel): string[] {
  const out: string[] = [];
  for (const o of m.objects.values()) {
    if (o.kind === 'standard') {
      if (!STANDARD_FIELDS[o.name])
        out.push(`objects/${o.name}: a standard object missing from STANDARD_FIELDS`);
      continue;
    }
    if (!o.file || !o.node) {
      out.push(`objects/${o.name}: fields without ${o.name}.object-meta.xml`);
      continue;
    }
    const need = (k: string) => !one(o.node, k) && out.push(`${o.file}: no ${k}`);
    need('label');
    if (o.kind === 'setting') {
      need('customSettingsType');
      need('visibility');
      continue;
    }
    need('pluralLabel');
    need('deploymentStatus');
    if (o.kind === 'event') {
      need('eventType');
      need('publishBehavior');
      if (one(o.node, 'sharingModel')) out.push(`${o.file}: platform events have no sharingModel`);
      continue;
    }
    need('sharingModel');
    const nameField = all(o.node, 'nameField')[0];
    if (!one(nameField, 'label') || !['Text', 'AutoNumber'].includes(one(nameField, 'type') ?? ''))
      out.push(`${o.file}: nameField needs a label and type Text or AutoNumber`);
    if (one(nameField, 'type') === 'AutoNumber' && !/\{0+\}/.test(one(nameField, 'displayFormat') ?? ''))
      out.push(`${o.file}: an AutoNumber name needs a displayFormat with {000…}`);
  }
  return out;
}

/** Permission sets name existing objects, fields and tabs, and only what applies to each kind. */
export function checkPermissionSets(m: ProjectModel): string[] {
  const out: string[] = [];
  for (const [p, doc] of m.xml) {
    if (!p.endsWith('.permissionset-meta.xml')) continue;
    if (!one(doc.node, 'label')) out.push(`${p}: no label`);
    for (const fp of all(doc.node, 'fieldPermissions')) {
      const [object, field] = (one(fp, 'field') ?? '').split('.');
      if (!object || !field || !fieldExists(m, object, field))
        out.push(`${p}: field ${one(fp, 'field')} does not exist`);
      else if (m.objects.get(object)?.kind === 'event')
        out.push(`${p}: ${object}.${field}: no field-level security on platform events`);
      if (one(fp, 'editable') === 'true' && one(fp, 'readable') !== 'true')
        out.push(`${p}: ${one(fp, 'field')} editable but not readable`);
    }
    for (const op of all(doc.node, 'objectPermissions')) {
      const object = one(op, 'object') ?? '';
      if (!objectExists(m, object)) out.push(`${p}: object ${object} does not exist`);
      const kind = m.objects.get(object)?.kind;
      const granted = ['allowEdit', 'allowDelete', 'modifyAllRecords', 'viewAllRecords'].filter(
        (k) => one(op, k) === 'true',
      );
      if (kind === 'event' && granted.length)
        out.push(`${p}: ${object}: only Read and Create apply to platform events`);
    }
    for (const t of all(doc.node, 'tabSettings')) {
      if (!m.files.has(`${DEFAULT_DIR}/tabs/${one(t, 'tab')}.tab-meta.xml`))
        out.push(`${p}: tab ${one(t, 'tab')} does not exist`);
    }
  }
  return out;
}

/** Report types, reports and their folders: every field a report uses is exposed by its report type. */
export function checkReports(m: ProjectModel): string[] {
  const out: string[] = [];
  const types = new Map<string, { base: string; columns: Set<string> }>();
  for (const [p, doc] of m.xml) {
    const rt = /reportTypes\/(\w+)\.reportType-meta\.xml$/.exec(p);
    if (!rt) continue;
    const base = one(doc.node, 'baseObject') ?? '';
    if (!objectExists(m, base)) out.push(`${p}: baseObject ${base} does not exist`);
    for (const k of ['label', 'category', 'deployed']) if (!one(doc.node, k)) out.push(`${p}: no ${k}`);
    const columns = new Set<string>();
    for (const s of all(doc.node, 'sections'))
      for (const c of all(s, 'columns')) {
        const [field, table] = [one(c, 'field') ?? '', one(c, 'table') ?? ''];
        if (table !== base || !fieldExists(m, table, field))
          out.push(`${p}: column ${table}.${field} does not exist`);
        columns.add(`${table}$${field}`);
      }
    types.set(`${rt[1]}__c`, { base, columns });
  }
  for (const [p, doc] of m.xml) {
    const r = /reports\/(\w+)\/\w+\.report-meta\.xml$/.exec(p);
    if (!r) continue;
    if (!m.files.has(`${DEFAULT_DIR}/reports/${r[1]}.reportFolder-meta.xml`))
      out.push(`${p}: folder ${r[1]} has no reportFolder-meta.xml`);
    const type = types.get(one(doc.node, 'reportType') ?? '');
    if (!type) {
      out.push(`${p}: report type ${one(doc.node, 'reportType')} is not defined in reportTypes/`);
      continue;
    }
    const used = [
      ...all(doc.node, 'columns').map((c) => one(c, 'field')),
      ...all(doc.node, 'groupingsDown').map((g) => one(g, 'field')),
      ...all(doc.node, 'timeFrameFilter').map((t) => one(t, 'dateColumn')),
    ];
    for (const f of used)
      if (!f || !type.columns.has(f)) out.push(`${p}: ${f} is not a column of its report type`);
    if (all(doc.node, 'groupingsDown').length > 3) out.push(`${p}: a summary report has at most 3 groupings`);
  }
  return out;
}

/** List views, validation rules and tabs name existing fields and objects. */
export function checkObjectParts(m: ProjectModel): string[] {
  const out: string[] = [];
  for (const [p, doc] of m.xml) {
    const lv = /objects\/(\w+)\/listViews\//.exec(p);
    if (lv) {
      const fields = [
        ...all(doc.node, 'filters').map((f) => one(f, 'field') ?? ''),
        ...((doc.node.columns as string[]) ?? []),
      ];
      for (const f of fields)
        if (!LIST_VIEW_STANDARD_COLUMNS.includes(f) && !fieldExists(m, lv[1]!, f))
          out.push(`${p}: ${f} is not a field of ${lv[1]}`);
    }
    const vr = /objects\/(\w+)\/validationRules\//.exec(p);
    if (vr) {
      const formula = one(doc.node, 'errorConditionFormula') ?? '';
      if (!formula || !one(doc.node, 'errorMessage'))
        out.push(`${p}: needs errorConditionFormula and errorMessage`);
      const names = [...(formula.match(/\b\w+__c\b/g) ?? []), one(doc.node, 'errorDisplayField') ?? 'Id'];
      for (const f of names)
        if (!fieldExists(m, vr[1]!, f)) out.push(`${p}: ${f} is not a field of ${vr[1]}`);
    }
    const tab = /tabs\/(\w+)\.tab-meta\.xml$/.exec(p);
    if (tab && one(doc.node, 'customObject') === 'true' && !m.objects.get(tab[1]!)?.file)
      out.push(`${p}: no custom object ${tab[1]}`);
    const sr = /staticresources\/(\w+)\.resource-meta\.xml$/.exec(p);
    if (
      sr &&
      ![...m.files.keys()].some((f) => f.startsWith(`${DEFAULT_DIR}/staticresources/${sr[1]}.`) && f !== p)
    )
      out.push(`${p}: no content file ${sr[1]}.*`);
  }
  return out;
}

/** Apex: parses, has its meta file, and every object and field it names exists. */
export function checkApex(m: ProjectModel, apiVersion: string): string[] {
  const out: string[] = [];
  const isSObject = (name: string) => objectExists(m, name) || /__(c|e)$/i.test(name);
  const allFieldNames = new Set(
    [...m.objects.values()].flatMap((o) => [...o.fields.keys()].map((f) => f.toLowerCase())),
  );
  for (const [p, source] of m.files) {
    const kind = p.endsWith('.cls') ? 'class' : p.endsWith('.trigger') ? 'trigger' : undefined;
    if (!kind) continue;
    const meta = m.xml.get(`${p}-meta.xml`);
    if (!meta || one(meta.node, 'apiVersion') !== apiVersion || one(meta.node, 'status') !== 'Active')
      out.push(`${p}: needs ${p.split('/').pop()}-meta.xml with apiVersion ${apiVersion} and status Active`);
    const { tree, issues } = parseApex(source, kind);
    for (const i of issues) out.push(`${p}:${i.line}:${i.column}: ${i.message}`);
    const uses = apexUses(tree, isSObject);
    for (const r of uses.refs) {
      if (!objectExists(m, r.object)) out.push(`${p}:${r.line}: object ${r.object} does not exist`);
      else if (r.field && !fieldExists(m, r.object, r.field))
        out.push(`${p}:${r.line}: field ${r.object}.${r.field} does not exist`);
    }
    for (const n of uses.customNames)
      if (!objectExists(m, n.name) && !allFieldNames.has(n.name.toLowerCase()))
        out.push(`${p}:${n.line}: ${n.name} is defined nowhere`);
    for (const [, res] of source.matchAll(/FROM\s+StaticResource\s+WHERE\s+Name\s*=\s*'(\w+)'/gi))
      if (!m.files.has(`${DEFAULT_DIR}/staticresources/${res}.resource-meta.xml`))
        out.push(`${p}: static resource ${res} does not exist`);
  }
  return out;
}

/** All checks. */
export function validateProject(m: ProjectModel, apiVersion: string): string[] {
  return [
    ...checkXml(m),
    ...checkCustomFields(m),
    ...checkObjects(m),
    ...checkPermissionSets(m),
    ...checkReports(m),
    ...checkObjectParts(m),
    ...checkApex(m, apiVersion),
  ];
}
