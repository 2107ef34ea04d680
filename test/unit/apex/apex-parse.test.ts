/**
 * Every Apex class and trigger in salesforce/force-app parses with the Apex grammar of
 * @apexdevtools/apex-parser (lexer and parser errors both count), and broken Apex is reported, so this
 * check can fail. Compilation (types, method names) needs an org: docs/salesforce-setup.md §7.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apexUses, listApexFiles, parseApex } from './apex-source';
import { SF_DEFAULT } from './fixtures';

const files = listApexFiles(SF_DEFAULT);
const kindOf = (f: string) => (f.endsWith('.trigger') ? 'trigger' : 'class');

describe('Apex sources parse', () => {
  it('finds the handler, its rules, its test class and the trigger, and the evidence guard with its triggers and test', () => {
    expect(files.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining([
        'AssetTokenHandler.cls',
        'AssetTokenHandlerTest.cls',
        'AssetTokenRules.cls',
        'AssetTokenEventTrigger.trigger',
        'StationEvidenceGuard.cls',
        'StationEvidenceGuardTest.cls',
        'StationAuditEntryTrigger.trigger',
        'StationChainHeadTrigger.trigger',
      ]),
    );
  });

  for (const f of files) {
    it(`${path.relative(SF_DEFAULT, f)} has no syntax error and declares what its file name says`, () => {
      const source = fs.readFileSync(f, 'utf8');
      const { tree, issues } = parseApex(source, kindOf(f));
      expect(issues).toEqual([]);
      const name = path.basename(f).replace(/\.(cls|trigger)$/, '');
      const declared =
        kindOf(f) === 'trigger'
          ? /^\s*trigger\s+(\w+)/m
          : /^\s*(?:@\w+\s+)*(?:public|global|private)\b[\w\s]*\bclass\s+(\w+)/m;
      expect(declared.exec(source.replace(/\/\*[\s\S]*?\*\//g, ''))?.[1]).toBe(name);
      expect(tree.getText().length).toBeGreaterThan(0);
    });
  }

  it('reports broken Apex: a missing brace, a bad trigger, an unterminated string', () => {
    const brace = parseApex('public class Broken {\n  void f() {\n    Integer i = 1;\n}\n', 'class');
    expect(brace.issues.length).toBeGreaterThan(0);
    const trigger = parseApex('trigger T on AssetTokenEvent (after insert {\n}\n', 'trigger');
    expect(trigger.issues[0]).toMatchObject({ line: 1 });
    const string = parseApex("public class S {\n  String s = 'open;\n}\n", 'class');
    expect(string.issues.some((i) => i.line === 2)).toBe(true);
    const soql = parseApex(
      'public class Q { void f() { List<Asset> a = [SELECT Id FROM WHERE Id = null]; } }',
      'class',
    );
    expect(soql.issues.length).toBeGreaterThan(0);
  });

  it('finds the SOQL, constructor and variable field uses the metadata check relies on', () => {
    const { tree } = parseApex(
      "public class U { void f(List<Asset> xs) { for (Asset a : [SELECT Device_UID__c FROM Asset WHERE Key_Fingerprint__c = 'x']) { a.Station_Id__c = 's'; } Task t = new Task(Subject = 'x'); xs[0].Name = 'n'; } }",
      'class',
    );
    const uses = apexUses(tree, (n) => ['Asset', 'Task'].includes(n));
    expect(uses.refs.map((r) => `${r.how}:${r.object}.${r.field ?? ''}`).sort()).toEqual(
      [
        'new:Task.',
        'new:Task.Subject',
        'soql:Asset.',
        'soql:Asset.Device_UID__c',
        'soql:Asset.Key_Fingerprint__c',
        'variable:Asset.Name',
        'variable:Asset.Station_Id__c',
      ].sort(),
    );
    expect(uses.customNames.map((n) => n.name)).toEqual([
      'Device_UID__c',
      'Key_Fingerprint__c',
      'Station_Id__c',
    ]);
  });
});
