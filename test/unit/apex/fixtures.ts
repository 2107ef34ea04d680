/**
 * Test helper: the asset-token fixtures (test/fixtures/asset-token-events) that both the TypeScript
 * reference (shared/asset-token-rules.ts) and the Apex tests (AssetTokenHandlerTest.cls) run, and their
 * bundle as the static resource the Apex tests read (AssetTokenEventFixtures).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AssetTokenEventRecord, RegisteredAsset } from '../../../shared/asset-token-rules';

export const REPO = path.resolve(__dirname, '../../..');
export const FIXTURE_DIR = path.join(REPO, 'test/fixtures/asset-token-events');
export const SF_DEFAULT = path.join(REPO, 'salesforce/force-app/main/default');
export const STATIC_RESOURCE = path.join(SF_DEFAULT, 'staticresources/AssetTokenEventFixtures.json');
export const APEX_TEST_CLASS = path.join(SF_DEFAULT, 'classes/AssetTokenHandlerTest.cls');

/** One fixture case: the settings, the Assets in the org, one AssetTokenEvent and the expected verdict. */
export interface FixtureCase {
  name: string;
  description: string;
  watchedAppIds: string[];
  assets: RegisteredAsset[];
  event: AssetTokenEventRecord;
  expect: {
    inScope: boolean;
    reasons: string[];
    quarantine: string[];
    primary: string | null;
    keyFingerprint: string | null;
  };
}

/** A DeviceKey and its expected fingerprint (null: the key must be refused). */
export interface FingerprintVector {
  name: string;
  deviceKey: string;
  fingerprint: string | null;
}

/** The cases, sorted by name. */
export function loadCases(): FixtureCase[] {
  const dir = path.join(FIXTURE_DIR, 'cases');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, c: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FixtureCase }))
    .map(({ file, c }) => {
      if (`${c.name}.json` !== file) throw new Error(`${file}: its name is '${c.name}'`);
      return c;
    });
}

export function loadVectors(): FingerprintVector[] {
  const v = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'fingerprint-vectors.json'), 'utf8')) as {
    vectors: FingerprintVector[];
  };
  return v.vectors;
}

/** What the static resource must hold. */
export function fixtureBundle(): { source: string; cases: FixtureCase[]; vectors: FingerprintVector[] } {
  return { source: 'test/fixtures/asset-token-events', cases: loadCases(), vectors: loadVectors() };
}

/** Rewrites the static resource from the fixtures. */
export function writeFixtureBundle(): void {
  fs.writeFileSync(STATIC_RESOURCE, JSON.stringify(fixtureBundle(), null, 2) + '\n');
}
