/**
 * The Apex tests and the TypeScript reference run the same fixtures: every case has a test method of the
 * same name in AssetTokenHandlerTest.cls (and no method names a case that does not exist), and the static
 * resource the Apex tests read is the bundle of test/fixtures/asset-token-events. After changing a fixture,
 * refresh the resource with `UPDATE_APEX_FIXTURES=1 npx vitest run test/unit/apex/fixture-parity.test.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../../shared/asset-token-rules';
import { apexUses, parseApex } from './apex-source';
import {
  APEX_TEST_CLASS,
  SF_DEFAULT,
  STATIC_RESOURCE,
  fixtureBundle,
  loadCases,
  writeFixtureBundle,
} from './fixtures';

if (process.env.UPDATE_APEX_FIXTURES === '1') writeFixtureBundle();

const cases = loadCases();
const testSource = fs.readFileSync(APEX_TEST_CLASS, 'utf8');

describe('fixtures ↔ Apex tests', () => {
  it('the static resource AssetTokenEventFixtures is the bundle of the fixture files', () => {
    const resource = JSON.parse(fs.readFileSync(STATIC_RESOURCE, 'utf8')) as unknown;
    expect(
      resource,
      'run: UPDATE_APEX_FIXTURES=1 npx vitest run test/unit/apex/fixture-parity.test.ts',
    ).toEqual(fixtureBundle());
  });

  it('every case has an @IsTest method of its name that runs it, and every runCase names a case', () => {
    const { testMethods } = apexUses(parseApex(testSource, 'class').tree, () => false);
    const ran = [...testSource.matchAll(/runCase\('(\w+)'\)/g)].map((m) => m[1]);
    for (const c of cases) {
      expect(testMethods, `@IsTest static void ${c.name}()`).toContain(c.name);
      expect(testSource, `runCase('${c.name}') in ${c.name}()`).toMatch(
        new RegExp(`static void ${c.name}\\(\\)\\s*\\{\\s*runCase\\('${c.name}'\\);\\s*\\}`),
      );
    }
    expect(ran.sort()).toEqual(cases.map((c) => c.name).sort());
  });

  it('the Apex rules know every reason code of the reference, and no other', () => {
    const rules = fs.readFileSync(path.join(SF_DEFAULT, 'classes/AssetTokenRules.cls'), 'utf8');
    const added = [...rules.matchAll(/v\.add\(\s*'(\w+)'/g)].map((m) => m[1]);
    expect([...new Set(added)]).toEqual([...REASON_CODES]);
  });

  it('a case missing from the Apex test class would be caught', () => {
    const without = testSource.replace(/runCase\('station_exchange_matches'\)/, "runCase('x')");
    const ran = [...without.matchAll(/runCase\('(\w+)'\)/g)].map((m) => m[1]);
    expect(ran.sort()).not.toEqual(cases.map((c) => c.name).sort());
  });
});
