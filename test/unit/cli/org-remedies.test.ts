/**
 * Issue 16, "errors name the real file": the org-login remedies name the station home's settings file
 * (`<home>/config.json`), not a bare key — through the CLI on a real home (its vault created from the
 * passphrase variable), through the station's org service, and in the Asset fields check. No network is needed:
 * each refusal comes from the settings check before any call.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_FAILURE, runProgram } from '../../../cli/context';
import { buildProgram } from '../../../cli/program';
import { defaultConfig, settingsFileOf } from '../../../core/config';
import { FileVault, VAULT_PASSPHRASE_ENV } from '../../../core/secrets';
import { buildAssetFields, fromSfError } from '../../../core/salesforce';
import { readCheckedUpsert } from '../../../core/salesforce/asset-answer';
import { DEFAULT_FIELD_MAP } from '../../../core/salesforce/assets';
import { fromJsforceError } from '../../../core/salesforce/errors';
import { orgService } from '../../../core/salesforce/station-org';
import type { StationError } from '../../../shared/errors';

let home: string;
let err = '';
const saved = process.env[VAULT_PASSPHRASE_ENV];

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-org-remedy-'));
  err = '';
  process.exitCode = undefined;
  process.env[VAULT_PASSPHRASE_ENV] = 'bench-secret-16';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  if (saved === undefined) delete process.env[VAULT_PASSPHRASE_ENV];
  else process.env[VAULT_PASSPHRASE_ENV] = saved;
  fs.rmSync(home, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  runProgram(buildProgram(), ['node', 'asset-station', '--home', home, ...args]);

/** The error thrown by `run`, or a failure when nothing is thrown. */
function thrown(run: () => unknown): StationError {
  try {
    run();
  } catch (e) {
    return e as StationError;
  }
  throw new Error('expected an error');
}

describe('org-login remedies name the real settings file', () => {
  it('org login on a home without a consumer key names <home>/config.json', async () => {
    expect(await cli('org', 'login', '--jwt')).toBe(EXIT_FAILURE);
    const file = path.join(home, 'config.json');
    expect(err).toContain('No Salesforce consumer key');
    expect(err).toContain(`salesforce.clientId in the station settings file ${file}`);
  });

  it('org login with the JWT bearer flow and no username names the file', async () => {
    const config = defaultConfig();
    config.salesforce.clientId = 'station-consumer-key';
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify(config));
    expect(await cli('org', 'login', '--jwt')).toBe(EXIT_FAILURE);
    expect(err).toContain('needs the Salesforce username');
    expect(err).toContain(
      `salesforce.username in the station settings file ${path.join(home, 'config.json')}`,
    );
  });

  it('org status (the stored session) names the file too', async () => {
    expect(await cli('org', 'status')).toBe(EXIT_FAILURE);
    expect(err).toContain(
      `salesforce.clientId in the station settings file ${path.join(home, 'config.json')}`,
    );
  });

  it("the station's org service names the file it was given (Connect org without a browser)", async () => {
    const config = defaultConfig();
    config.salesforce.clientId = 'station-consumer-key';
    const file = settingsFileOf(home);
    const svc = orgService(() => config, FileVault.inHome(home, 'bench-secret-16'), undefined, {
      settingsFile: file,
    });
    const e = (await svc.connect().catch((x: unknown) => x)) as StationError;
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.remedy).toContain(`salesforce.authFlow in the station settings file ${file}`);
  });

  it('an Asset without a customer names the file for salesforce.accountId; without a file, the bare key', () => {
    const sf = { ...defaultConfig().salesforce, accountId: undefined };
    const facts = {
      deviceUid: 'U-16',
      model: 'M1',
      certSerial: '01',
      certFingerprint: 'a'.repeat(64),
      keyFingerprint: 'b'.repeat(64),
      notAfter: '2030-01-01T00:00:00Z',
      stationId: 'st-1',
      provisionedAt: '2026-01-01T00:00:00Z',
    };
    const file = settingsFileOf(home);
    expect(thrown(() => buildAssetFields(sf, facts, undefined, file)).remedy).toContain(
      `salesforce.accountId in the station settings file ${file}`,
    );
    expect(thrown(() => buildAssetFields(sf, facts)).remedy).toContain(
      'salesforce.accountId in the station settings',
    );
  });

  it("the org's refusals that name a setting name the file: an Account or Contact it lacks, a rejected value, its setup", () => {
    const file = settingsFileOf(home);
    const account = { errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['AccountId'] };
    expect(fromSfError(account, 'upsert', 400, file).remedy).toContain(
      `correct salesforce.accountId in the station settings file ${file} (or on the Settings screen)`,
    );
    const contact = { statusCode: 'ENTITY_IS_DELETED', fields: ['ContactId'] };
    expect(fromSfError(contact, 'upsert', 400, file).remedy).toContain(
      `salesforce.contactId in the station settings file ${file}`,
    );
    expect(fromSfError({ errorCode: 'STRING_TOO_LONG' }, 'upsert', 400, file).remedy).toContain(
      `(Account/Contact, Product, Status) in the station settings file ${file}`,
    );
    expect(fromSfError({ errorCode: 'INVALID_FIELD' }, 'query', 400, file).remedy).toContain(
      `record IDs in the station settings file ${file}`,
    );
    // what jsforce throws (a REST call's error array) reaches the same remedy
    const thrownByJsforce = { errorCode: 'MULTIPLE_API_ERRORS', data: [account] };
    expect(fromJsforceError(thrownByJsforce, 'upsert', undefined, file).remedy).toContain(
      `salesforce.accountId in the station settings file ${file}`,
    );
    // without a file (a caller that has none): the bare key, never an invented path
    expect(fromSfError(account, 'upsert').remedy).toContain(
      'correct salesforce.accountId in the station settings;',
    );
  });

  it('a Collections upsert whose records the org refuses for their Account names the file for each device', () => {
    const file = settingsFileOf(home);
    const f = { ext: 'Device_UID__c', map: DEFAULT_FIELD_MAP };
    const up = (uid: string) => ({
      facts: {
        deviceUid: uid,
        model: 'M1',
        certSerial: '01',
        certFingerprint: 'a'.repeat(64),
        keyFingerprint: 'b'.repeat(64),
        notAfter: '2030-01-01T00:00:00Z',
        stationId: 'st-1',
        provisionedAt: '2026-01-01T00:00:00Z',
      },
      fields: {},
    });
    const refused = {
      success: false,
      errors: [
        {
          statusCode: 'INVALID_CROSS_REFERENCE_KEY',
          message: 'invalid cross reference id',
          fields: ['AccountId'],
        },
      ],
    };
    const res = {
      compositeResponse: [
        { referenceId: 'upsert', httpStatusCode: 200, body: [refused, refused] },
        { referenceId: 'check', httpStatusCode: 200, body: { records: [] } },
      ],
    };
    const out = readCheckedUpsert(res, [up('U-1'), up('U-2')], f, 'upsert 2 Assets', file);
    expect(out).toHaveLength(2);
    for (const o of out) {
      expect(o.ok).toBe(false);
      if (!o.ok) {
        expect(o.error.code).toBe('ORG_CONFIG');
        expect(o.error.remedy).toContain(`salesforce.accountId in the station settings file ${file}`);
      }
    }
  });
});
