/**
 * The SFDX project (salesforce/) checked without an org: well-formed XML, every object and field that
 * Apex, permission sets, report types, reports, list views and validation rules name exists, and each
 * custom field carries what a deploy needs. Each check is also shown to fail on a broken copy.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSET_IDENTITY_FIELDS } from '../../../shared/asset-token-rules';
import { DEFAULT_DIR, buildModel, one, parseXml, readTree } from './project';
import {
  checkApex,
  checkCustomFields,
  checkObjectParts,
  checkPermissionSets,
  checkReports,
  checkXml,
  validateProject,
} from './validate';

const SF = path.resolve(__dirname, '../../../salesforce');
const files = readTree(SF);
const API = (JSON.parse(files.get('sfdx-project.json')!) as { sourceApiVersion: string }).sourceApiVersion;
const model = buildModel(files);
const D = DEFAULT_DIR;

/** The project with some files replaced (or removed with null). */
function broken(changes: Record<string, string | null>) {
  const copy = new Map(files);
  for (const [p, text] of Object.entries(changes)) {
    if (text === null) copy.delete(p);
    else copy.set(p, text);
  }
  return buildModel(copy);
}
const edit = (p: string, from: string, to: string) => {
  const text = files.get(p)!;
  if (!text.includes(from)) throw new Error(`${p} does not contain ${from}`);
  return { [p]: text.replace(from, to) };
};

describe('salesforce/ metadata', () => {
  it('passes every check', () => {
    expect(validateProject(model, API)).toEqual([]);
  });

  it('holds what issue 15 needs', () => {
    for (const o of [
      'Asset_Identity_Alert__c',
      'Asset_Identity_Alert__e',
      'Station_Audit_Entry__c',
      'Station_Chain_Head__c',
    ])
      expect(model.objects.get(o)?.file, o).toBeDefined();
    const fieldsOf = (o: string) => [...model.objects.get(o)!.fields.keys()].sort();
    expect(fieldsOf('Station_Audit_Entry__c')).toEqual(
      [
        'Device_UID__c',
        'Entry_Hash__c',
        'Entry_Key__c',
        'Key_Fingerprint__c',
        'Kind__c',
        'Occurred_At__c',
        'Operator__c',
        'Org_User__c',
        'Payload__c',
        'Prev_Hash__c',
        'Seq__c',
        'Station_Id__c',
      ].sort(),
    );
    expect(fieldsOf('Station_Chain_Head__c')).toEqual([
      'Head_Hash__c',
      'Head_Seq__c',
      'Station_Id__c',
      'Updated_At__c',
    ]);
    for (const f of ASSET_IDENTITY_FIELDS) expect(model.objects.get('Asset')!.fields.has(f), f).toBe(true);
    const ext = (o: string, f: string) => model.objects.get(o)!.fields.get(f)!.node;
    for (const [o, f] of [
      ['Station_Audit_Entry__c', 'Entry_Key__c'],
      ['Station_Chain_Head__c', 'Station_Id__c'],
      ['Asset_Identity_Alert__c', 'Alert_Key__c'],
    ] as const) {
      expect(
        [one(ext(o, f), 'externalId'), one(ext(o, f), 'unique'), one(ext(o, f), 'caseSensitive')],
        `${o}.${f}`,
      ).toEqual(['true', 'true', 'true']);
    }
  });

  it('the org enforces the identity invariants (issue 18): one Asset per key, a key changes only on approval', () => {
    const asset = model.objects.get('Asset')!;
    const key = asset.fields.get('Key_Fingerprint__c')!.node;
    expect([one(key, 'externalId'), one(key, 'unique'), one(key, 'caseSensitive')]).toEqual([
      'true',
      'true',
      'false',
    ]);
    const approved = asset.fields.get('Key_Change_Approved__c')!.node;
    expect([one(approved, 'type'), one(approved, 'defaultValue')]).toEqual(['Checkbox', 'false']);
    const rule = parseXml(
      files.get(`${D}/objects/Asset/validationRules/Key_Change_Needs_Reprovision.validationRule-meta.xml`)!,
    ).node;
    const formula = (one(rule, 'errorConditionFormula') ?? '').replace(/\s+/g, '');
    expect(one(rule, 'active')).toBe('true');
    expect(formula).toBe(
      'AND(NOT(ISNEW()),ISCHANGED(Key_Fingerprint__c),NOT(ISBLANK(PRIORVALUE(Key_Fingerprint__c))),NOT(Key_Change_Approved__c))',
    );
    expect(one(rule, 'errorDisplayField')).toBe('Key_Fingerprint__c');
    for (const [set, editable] of [
      ['Asset_Station', 'true'],
      ['Asset_Station_Security', 'false'],
    ] as const) {
      const ps = parseXml(files.get(`${D}/permissionsets/${set}.permissionset-meta.xml`)!).node;
      const fp = (ps.fieldPermissions as never[]).find(
        (x) => one(x, 'field') === 'Asset.Key_Change_Approved__c',
      );
      expect([one(fp, 'readable'), one(fp, 'editable')], set).toEqual(['true', editable]);
    }
  });

  it('a station can append audit entries but not edit or delete them, and cannot lift a quarantine', () => {
    const ps = parseXml(files.get(`${D}/permissionsets/Asset_Station.permissionset-meta.xml`)!).node;
    const perm = (o: string) => (ps.objectPermissions as never[]).find((x) => one(x, 'object') === o)!;
    expect([
      one(perm('Station_Audit_Entry__c'), 'allowCreate'),
      one(perm('Station_Audit_Entry__c'), 'allowEdit'),
      one(perm('Station_Audit_Entry__c'), 'allowDelete'),
    ]).toEqual(['true', 'false', 'false']);
    const fp = (f: string) => (ps.fieldPermissions as never[]).find((x) => one(x, 'field') === f)!;
    for (const f of ASSET_IDENTITY_FIELDS) expect(one(fp(`Asset.${f}`), 'editable'), f).toBe('false');
  });

  it('the evidence triggers refuse edits and deletes of entries and deletes of heads, for every user', () => {
    const header = (t: string) =>
      /trigger\s+\w+\s+on\s+(\w+)\s*\(([^)]*)\)/.exec(files.get(`${D}/triggers/${t}.trigger`)!)!.slice(1);
    expect(header('StationAuditEntryTrigger')).toEqual([
      'Station_Audit_Entry__c',
      'before update, before delete',
    ]);
    expect(header('StationChainHeadTrigger')).toEqual(['Station_Chain_Head__c', 'before delete']);
    const guard = files.get(`${D}/classes/StationEvidenceGuard.cls`)!;
    expect(guard).toMatch(/refuseEntryChanges[\s\S]*addError\(ENTRY_MESSAGE\)/);
    expect(guard).toMatch(/refuseHeadDeletes[\s\S]*addError\(HEAD_MESSAGE\)/);
  });
});

describe('each check can fail', () => {
  it('reports XML that is not well-formed', () => {
    const p = `${D}/objects/Asset/fields/Quarantine_Reason__c.field-meta.xml`;
    expect(checkXml(broken(edit(p, '</label>', '</labl>')))).toEqual([
      expect.stringContaining(`${p}: not well-formed XML`),
    ]);
    expect(() => parseXml('<a><b></a>')).toThrow();
  });

  it('reports a custom field without what its type needs', () => {
    const p = `${D}/objects/Station_Audit_Entry__c/fields/Kind__c.field-meta.xml`;
    expect(checkCustomFields(broken(edit(p, '<length>64</length>', '')))).toEqual([
      `${p}: a Text field needs a length of 1 to 255`,
    ]);
    const q = `${D}/objects/Station_Audit_Entry__c/fields/Payload__c.field-meta.xml`;
    expect(checkCustomFields(broken(edit(q, '<visibleLines>10</visibleLines>', '')))).toEqual([
      `${q}: a LongTextArea needs visibleLines`,
    ]);
    const r = `${D}/objects/Station_Audit_Entry__c/fields/Seq__c.field-meta.xml`;
    expect(
      checkCustomFields(broken(edit(r, '<precision>18</precision>', '<precision>19</precision>'))),
    ).toHaveLength(1);
    expect(checkCustomFields(broken(edit(p, '<label>Kind</label>', '')))).toEqual([
      `${p}: label missing or over 40 characters`,
    ]);
  });

  it('reports permission-set entries for fields or objects that do not exist, and FLS on platform events', () => {
    const p = `${D}/permissionsets/Asset_Station.permissionset-meta.xml`;
    expect(
      checkPermissionSets(
        broken(edit(p, '<field>Asset.Quarantined_At__c</field>', '<field>Asset.Quarantined_On__c</field>')),
      ),
    ).toEqual([`${p}: field Asset.Quarantined_On__c does not exist`]);
    expect(
      checkPermissionSets(
        broken(edit(p, '<object>Station_Chain_Head__c</object>', '<object>Station_Chain_Heads__c</object>')),
      ),
    ).toEqual([`${p}: object Station_Chain_Heads__c does not exist`]);
    const fls =
      '<fieldPermissions><editable>false</editable><field>Asset_Identity_Alert__e.Device_Id__c</field><readable>true</readable></fieldPermissions>';
    expect(
      checkPermissionSets(broken(edit(p, '<hasActivationRequired>', `${fls}<hasActivationRequired>`))),
    ).toEqual([`${p}: Asset_Identity_Alert__e.Device_Id__c: no field-level security on platform events`]);
  });

  it('reports a report column its report type does not expose, and a missing report type', () => {
    const t = `${D}/reportTypes/Assets_By_Station.reportType-meta.xml`;
    const r = `${D}/reports/Asset_Station/Provisioned_Assets_By_Station_And_Day.report-meta.xml`;
    const noStation = edit(t, '<field>Station_Id__c</field>', '<field>Station_Code__c</field>');
    expect(checkReports(broken(noStation))).toEqual([
      `${t}: column Asset.Station_Code__c does not exist`,
      `${r}: Asset$Station_Id__c is not a column of its report type`,
    ]);
    expect(checkReports(broken({ [t]: null }))).toEqual([
      `${r}: report type Assets_By_Station__c is not defined in reportTypes/`,
    ]);
  });

  it('reports list views and validation rules naming unknown fields', () => {
    const lv = `${D}/objects/Asset_Identity_Alert__c/listViews/Open_Alerts.listView-meta.xml`;
    expect(
      checkObjectParts(broken(edit(lv, '<columns>Device_Id__c</columns>', '<columns>Device__c</columns>'))),
    ).toEqual([`${lv}: Device__c is not a field of Asset_Identity_Alert__c`]);
    const vr = `${D}/objects/Station_Chain_Head__c/validationRules/Head_Cannot_Go_Back.validationRule-meta.xml`;
    expect(checkObjectParts(broken(edit(vr, 'Head_Hash__c &lt;&gt;', 'Head_Digest__c &lt;&gt;')))).toEqual([
      `${vr}: Head_Digest__c is not a field of Station_Chain_Head__c`,
    ]);
  });

  it('reports Apex that names an unknown field or object, or lacks its meta file', () => {
    const cls = `${D}/classes/AssetTokenHandler.cls`;
    const soql = checkApex(
      broken(edit(cls, 'Cert_Fingerprint__c, Identity_Status__c', 'Cert_Fingerprint__c, Identity_State__c')),
      API,
    );
    expect(soql).toEqual([
      expect.stringMatching(/AssetTokenHandler\.cls:\d+: field Asset\.Identity_State__c does not exist/),
      expect.stringMatching(/Identity_State__c is defined nowhere/),
    ]);
    const ctor = checkApex(
      broken(
        edit(
          cls,
          'Reason_Codes__c = f.verdict.reasonCodes().left(255),\n                    Reason__c',
          'Reason_Code__c = f.verdict.reasonCodes().left(255),\n                    Reason__c',
        ),
      ),
      API,
    );
    expect(ctor.some((x) => /field Asset_Identity_Alert__c\.Reason_Code__c does not exist/.test(x))).toBe(
      true,
    );
    const variable = checkApex(
      broken(
        edit(
          `${D}/classes/AssetTokenRules.cls`,
          'did.equals(a.Device_UID__c)',
          'did.equals(a.SerialNumber__c)',
        ),
      ),
      API,
    );
    expect(variable.some((x) => /field Asset\.SerialNumber__c does not exist/.test(x))).toBe(true);
    const std = checkApex(
      broken(edit(cls, 'WhatId = f.primary.Id,', 'WhatId = f.primary.Id, Urgency = 1,')),
      API,
    );
    expect(std).toEqual([expect.stringMatching(/field Task\.Urgency does not exist/)]);
    expect(checkApex(broken({ [`${cls}-meta.xml`]: null }), API)).toEqual([
      expect.stringContaining('needs AssetTokenHandler.cls-meta.xml'),
    ]);
    const trig = `${D}/triggers/AssetTokenEventTrigger.trigger`;
    expect(checkApex(broken(edit(trig, 'on AssetTokenEvent', 'on AssetTokenEvents')), API)).toEqual([
      expect.stringContaining('object AssetTokenEvents does not exist'),
    ]);
  });
});
