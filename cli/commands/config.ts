/**
 * `asset-station config show` and `asset-station config init`: the station settings file
 * (`config.json` in the station home, core/config.ts). `show` prints the settings in force and the
 * file they came from (or that none exists yet and the defaults apply); `init` writes the file from
 * flags over the defaults or, given no value flags in a terminal, from answers to one question per
 * setting (../config-prompt.ts) — and refuses to replace an existing file without --force.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { KeyAlgorithm, type StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { CONFIG_FILE, defaultConfig, loadConfig, parseConfig, saveConfig } from '../../core/config';
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

/** The settings `config init` writes: the defaults with the flags applied. @throws StationError CONFIG_INVALID */
export function settingsFromFlags(o: InitOptions, file: string): StationConfig {
  const d = defaultConfig();
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
      productByModel: Object.fromEntries(o.product.map((p) => p.split('=') as [string, string])),
    },
    ...(o.labelPrinter !== undefined ? { bench: { labelPrinter: o.labelPrinter } } : {}),
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
export async function initOptions(o: InitOptions, file: string, io: PromptIo & { isTTY: boolean }) {
  if (hasValueFlags(o)) return o;
  if (!io.isTTY)
    throw usageError(
      'config init has no values to write and there is no terminal to ask them on.',
      `Use the flags: asset-station config init ${QUESTIONS.map((q) => `${q.flag} …`).join(' ')} --contact … --product MODEL=PRODUCT2_ID (any of them; the rest keep their defaults), or run it in a terminal to be asked for each value.`,
    );
  const answers = await askSettings(io, defaultConfig(), (a) =>
    settingsFromFlags({ ...a, product: [] }, file),
  );
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
      'write the settings file from flags over the defaults, or asked value by value in a terminal when no value flag is given (refuses to overwrite without --force)',
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
    .option('--force', 'replace an existing settings file')
    .action(async (o: InitOptions) => {
      const c = ctx();
      const file = path.join(c.home, CONFIG_FILE);
      if (fs.existsSync(file) && !o.force)
        throw new StationError(
          'CONFLICT',
          `The settings file ${file} already exists; nothing was changed.`,
          'Check it with asset-station config show, then run config init again with --force to replace it.',
        );
      const io = { input: process.stdin, output: process.stderr, isTTY: Boolean(process.stdin.isTTY) };
      const next = settingsFromFlags(await initOptions(o, file, io), file);
      saveConfig(c.home, next);
      c.result({ file, config: next }, (v) => `wrote ${v.file}\n${JSON.stringify(v.config, null, 2)}`);
    });
}
