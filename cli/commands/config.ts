/**
 * `asset-station config show` and `asset-station config init`: the station settings file
 * (`config.json` in the station home, core/config.ts). `show` prints the settings in force and the
 * file they came from (or that none exists yet and the defaults apply); `init` writes the file from
 * flags over the defaults or, given no value flags in a terminal, from answers to one question per
 * setting (../config-prompt.ts) — and refuses to change an existing file without --force. With --force
 * it merges: the settings the flags (or answers) name change, every other setting is kept; the output
 * lists each setting that changed, from → to.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { KeyAlgorithm, type StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import {
  CONFIG_FILE,
  defaultConfig,
  loadConfig,
  parseConfig,
  saveConfig,
  settingChanges,
  type SettingChange,
} from '../../core/config';
import { usageError, type CliContext } from '../context';
import { choiceOption } from '../options';
import { askSettings, QUESTIONS, type PromptIo } from '../config-prompt';

/** Flags of `config init` (each optional: an absent one keeps the default). */
interface InitOptions {
  stationId?: string;
  orgUrl?: string;
  clientId?: string;
  authFlow?: string;
  username?: string;
  account?: string;
  contact?: string;
  apiVersion?: string;
  externalIdField?: string;
  keyAlgorithm?: string;
  product: string[];
  labelPrinter?: string;
  force?: boolean;
}

/** Collects a repeated --product MODEL=PRODUCT2_ID. @throws UsageError without the `=` */
function collectProduct(v: string, prev: string[]): string[] {
  if (!/^[^=]+=[^=]+$/.test(v))
    throw usageError(
      `--product '${v}' is not MODEL=PRODUCT2_ID.`,
      'Pass e.g. --product AS-SENSOR-1=01tXXXXXXXXXXXXXXX (repeat for each model).',
    );
  return [...prev, v];
}

/**
 * The settings `config init` writes: `base` (the settings file in force, or the defaults for a new one)
 * with the flags applied; a --product entry adds or replaces that model in the product map, the other
 * models are kept. @throws StationError CONFIG_INVALID naming the field and `file`
 */
export function settingsFromFlags(
  o: InitOptions,
  file: string,
  base: StationConfig = defaultConfig(),
): StationConfig {
  const d = base;
  const sf = d.salesforce;
  const next = {
    ...d,
    ...(o.stationId !== undefined ? { stationId: o.stationId } : {}),
    device: {
      ...d.device,
      ...(o.keyAlgorithm
        ? { keyAlgorithm: choiceOption(o.keyAlgorithm, '--key-algorithm', KeyAlgorithm.options) }
        : {}),
    },
    salesforce: {
      ...sf,
      ...(o.orgUrl !== undefined ? { loginUrl: o.orgUrl } : {}),
      ...(o.clientId !== undefined ? { clientId: o.clientId } : {}),
      ...(o.authFlow ? { authFlow: choiceOption(o.authFlow, '--auth-flow', ['pkce', 'jwt'] as const) } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.account !== undefined ? { accountId: o.account } : {}),
      ...(o.contact !== undefined ? { contactId: o.contact } : {}),
      ...(o.apiVersion !== undefined ? { apiVersion: o.apiVersion } : {}),
      ...(o.externalIdField !== undefined ? { externalIdField: o.externalIdField } : {}),
      productByModel: {
        ...sf.productByModel,
        ...Object.fromEntries(o.product.map((p) => p.split('=') as [string, string])),
      },
    },
    ...(o.labelPrinter !== undefined ? { bench: { ...d.bench, labelPrinter: o.labelPrinter } } : {}),
  };
  return parseConfig(next, `configuration for ${file}`);
}

/** Readable lines of the settings in force and where they came from. */
function showLines(v: { file: string; exists: boolean; config: StationConfig }): string {
  const source = v.exists
    ? `settings from ${v.file}`
    : `no settings file yet (${v.file}): the defaults below apply — run asset-station config init to write one`;
  return `${source}\n${JSON.stringify(v.config, null, 2)}`;
}

/** What `config init` did: the file, whether it is new, each setting changed (from the defaults for a new file). */
interface InitResult {
  file: string;
  created: boolean;
  changes: SettingChange[];
  config: StationConfig;
}

const shown = (v: unknown) => (v === undefined ? '(not set)' : JSON.stringify(v));

/** Readable lines of what `config init` changed. */
function initLines(r: InitResult): string {
  const lines = r.changes.map((c) => `  ${c.key}: ${shown(c.from)} → ${shown(c.to)}`);
  const all = 'asset-station config show prints every setting';
  if (r.created)
    return lines.length
      ? `wrote the new settings file ${r.file}; these differ from the defaults (${all}):\n${lines.join('\n')}`
      : `wrote the new settings file ${r.file}; every setting is the default (${all})`;
  if (!lines.length) return `${r.file} is unchanged: it already has the values given`;
  const n = r.changes.length;
  return `updated ${r.file}: ${n} setting${n === 1 ? '' : 's'} changed, every other setting kept:\n${lines.join('\n')}`;
}

/** True when `o` sets at least one value (not just --force). */
function hasValueFlags(o: InitOptions): boolean {
  return Object.entries(o).some(
    ([k, v]) => k !== 'force' && v !== undefined && !(Array.isArray(v) && !v.length),
  );
}

/**
 * The flags `config init` runs with: `o` itself when it sets a value; else the answers asked on `io`
 * (a terminal). @throws UsageError when there are no value flags and `io` is not a terminal;
 * StationError CANCELLED when the answers end early.
 */
export async function initOptions(
  o: InitOptions,
  file: string,
  io: PromptIo & { isTTY: boolean },
  base: StationConfig = defaultConfig(),
) {
  if (hasValueFlags(o)) return o;
  if (!io.isTTY)
    throw usageError(
      'config init has no values to write and there is no terminal to ask them on.',
      `Use the flags: asset-station config init ${QUESTIONS.map((q) => `${q.flag} …`).join(' ')} --contact … --product MODEL=PRODUCT2_ID (any of them; the rest keep their defaults), or run it in a terminal to be asked for each value.`,
    );
  const answers = await askSettings(io, base, (a) => settingsFromFlags({ ...a, product: [] }, file, base));
  return { ...o, ...answers };
}

export function register(program: Command, ctx: () => CliContext): void {
  const config = program.command('config').description('the station settings file (config.json)');

  config
    .command('show')
    .description('print the settings in force and the file they come from')
    .action(() => {
      const c = ctx();
      const file = path.join(c.home, CONFIG_FILE);
      const exists = fs.existsSync(file);
      c.result({ file, exists, config: loadConfig(c.home) }, showLines);
    });

  config
    .command('init')
    .description(
      'write the settings file from flags over the defaults, or asked value by value in a terminal when no value flag is given; --force changes the named settings of an existing file and keeps the rest',
    )
    .option('--station-id <id>', 'station ID recorded with every job (1–64 characters)')
    .option('--org-url <url>', 'Salesforce login URL, e.g. https://login.salesforce.com or a My Domain URL')
    .option('--client-id <key>', 'consumer key of the External Client App')
    .option('--auth-flow <flow>', 'pkce (an operator signs in) or jwt (unattended station)')
    .option('--username <user>', 'Salesforce username for the jwt flow')
    .option('--account <id>', 'default Account Id for new Assets')
    .option('--contact <id>', 'default Contact Id for new Assets')
    .option('--api-version <v>', 'Salesforce API version, e.g. 62.0')
    .option('--external-id-field <field>', 'Asset external ID field, e.g. Device_UID__c')
    .option('--key-algorithm <alg>', `device key: ${KeyAlgorithm.options.join(', ')}`)
    .option('--product <model=id>', 'product map entry MODEL=PRODUCT2_ID (repeat)', collectProduct, [])
    .option('--label-printer <host[:port]>', 'network label printer for ZPL (port 9100 by default)')
    .option('--force', 'change an existing settings file: the settings named change, every other is kept')
    .action(async (o: InitOptions) => {
      const c = ctx();
      const home = c.homePath; // created below, once the settings are valid: bad flags leave no folder
      const file = path.join(home, CONFIG_FILE);
      const exists = fs.existsSync(file);
      if (exists && !o.force)
        throw new StationError(
          'CONFLICT',
          `The settings file ${file} already exists; nothing was changed.`,
          'Check it with asset-station config show, then run config init again with --force: the settings you name change, every other setting is kept.',
        );
      // the settings in force are the base (a broken file is refused, naming it): nothing unnamed is lost
      const before = exists ? loadConfig(home) : defaultConfig();
      const io = { input: process.stdin, output: process.stderr, isTTY: Boolean(process.stdin.isTTY) };
      const next = settingsFromFlags(await initOptions(o, file, io, before), file, before);
      const changes = settingChanges(before, next);
      // config init sets up a station: it creates the home (c.newHome) when there is none yet
      if (!exists || changes.length) saveConfig(c.newHome, next);
      c.result<InitResult>({ file, created: !exists, changes, config: next }, initLines);
    });
}
