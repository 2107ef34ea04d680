/**
 * Station configuration: `config.json` in the station home, validated by the shared
 * {@link StationConfig} schema. Secrets never go here (see secrets.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StationConfig } from '../shared/domain';
import { StationError } from '../shared/errors';
import { DEFAULT_SEC_TAG } from './device/drivers/nrf91/driver';

/** Defaults: production login URL, API 62.0, ECDSA P-256 device keys, nRF91 sec tag 2024, asset tokens off. */
export function defaultConfig(): StationConfig {
  return {
    stationId: `station-${
      os
        .hostname()
        .replace(/[^A-Za-z0-9-]/g, '')
        .slice(0, 40) || 'local'
    }`,
    autoMode: false,
    device: {
      keyAlgorithm: 'ECDSA-P256',
      subject: { CN: '{uid}', O: 'Asset Station', OU: 'Devices' },
      lineControl: 'keep-low',
      baudRate: 115200,
      nrf91SecTag: DEFAULT_SEC_TAG,
    },
    salesforce: {
      loginUrl: 'https://login.salesforce.com',
      clientId: '',
      apiVersion: '62.0',
      callbackPort: 1717,
      authFlow: 'pkce',
      externalIdField: 'Device_UID__c',
      nameTemplate: '{model} {uid}',
      status: 'Registered',
      productByModel: {},
      assetTokens: { enabled: false, audience: '' },
    },
  };
}

export const CONFIG_FILE = 'config.json';

/** The station home's settings file, `<home>/config.json` (whether it exists yet or not). */
export function settingsFileOf(home: string): string {
  return path.join(home, CONFIG_FILE);
}

/**
 * Where a person changes settings, for a remedy that names several: the station home's real settings file
 * (`<home>/config.json`, written by `asset-station config init` or the Settings screen), or — when the file
 * is not known to the caller — "the station settings".
 * @param file absolute path of the settings file.
 */
export function settingsPlace(file?: string): string {
  return file ? `the station settings file ${file} (or on the Settings screen)` : 'the station settings';
}

/**
 * Where a person changes one setting, for a remedy: the key in {@link settingsPlace}, e.g.
 * "salesforce.accountId in the station settings file /home/ana/.asset-station/config.json (or on the
 * Settings screen)".
 * @param key dotted settings key, e.g. `salesforce.accountId`.
 * @param file absolute path of the settings file.
 */
export function settingPlace(key: string, file?: string): string {
  return `${key} in ${settingsPlace(file)}`;
}

/**
 * Reads `config.json` from `home`; missing file → defaults; missing keys → filled from defaults.
 * @throws StationError CONFIG_INVALID naming the bad field.
 */
export function loadConfig(home: string): StationConfig {
  const file = path.join(home, CONFIG_FILE);
  if (!fs.existsSync(file)) return defaultConfig();
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new StationError(
      'CONFIG_INVALID',
      `The station configuration ${file} is not valid JSON: ${(e as Error).message}.`,
      'Fix the file by hand, or delete it to return to the defaults.',
    );
  }
  const d = defaultConfig();
  const r = (raw ?? {}) as Partial<StationConfig>;
  const merged = {
    ...d,
    ...r,
    device: { ...d.device, ...(r.device ?? {}) },
    salesforce: {
      ...d.salesforce,
      ...(r.salesforce ?? {}),
      assetTokens: { ...d.salesforce.assetTokens, ...(r.salesforce?.assetTokens ?? {}) },
    },
  };
  return parseConfig(merged, file);
}

/** Validates a config object. @throws StationError CONFIG_INVALID listing each bad field. */
export function parseConfig(value: unknown, where = 'configuration'): StationConfig {
  const parsed = StationConfig.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new StationError(
      'CONFIG_INVALID',
      `The ${where} is invalid: ${issues}.`,
      'Correct the named fields and save again.',
    );
  }
  return parsed.data;
}

/** Writes `config.json` atomically (mode 0600). */
export function saveConfig(home: string, config: StationConfig): void {
  const file = path.join(home, CONFIG_FILE);
  const valid = parseConfig(config, `configuration for ${file}`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(valid, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** One setting that differs between two settings: its dotted key, and its value before and after (absent = not set). */
export interface SettingChange {
  key: string;
  from?: unknown;
  to?: unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The settings that differ between `before` and `after`, by dotted key (`salesforce.accountId`,
 * `salesforce.productByModel.AS-SENSOR-1`), in key order; nested objects are compared key by key, other
 * values (strings, numbers, arrays) as a whole. Empty when nothing changed.
 */
export function settingChanges(before: StationConfig, after: StationConfig): SettingChange[] {
  const out: SettingChange[] = [];
  const walk = (a: unknown, b: unknown, key: string): void => {
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
        walk(a[k], b[k], key ? `${key}.${k}` : k);
    } else if ((isPlainObject(a) && b === undefined) || (a === undefined && isPlainObject(b))) {
      walk(a ?? {}, b ?? {}, key); // a group of settings added or removed: one line per setting in it
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push({ key, ...(a !== undefined ? { from: a } : {}), ...(b !== undefined ? { to: b } : {}) });
    }
  };
  walk(before, after, '');
  return out;
}
