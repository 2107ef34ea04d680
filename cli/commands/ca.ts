/**
 * `asset-station ca …`: the station CA (docs/pki.md).
 * - `ca init [--algorithm ECDSA-P256|ECDSA-P384|RSA-2048|RSA-3072] [--org O] [--ou OU] [--force]`
 * - `ca import --cert FILE --key FILE | --p12 FILE [--org O] [--ou OU] [--force]`
 * - `ca show`
 * - `ca sign --csr FILE --uid UID --out FILE [--reprovision]` (benches and tests: no proof of possession)
 *
 * Secrets: the vault passphrase from ASSET_STATION_VAULT_PASSPHRASE or a prompt; the CA key passphrase
 * is generated at `ca init` and kept in the vault (`ca.passphrase`), unless ASSET_STATION_CA_PASSPHRASE
 * is set (unattended use: then the vault is not needed to sign). The passphrase of a file being
 * imported comes from ASSET_STATION_CA_IMPORT_PASSPHRASE or a prompt.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import type { CaInfo } from '../../shared/domain';
import type { SecretStore } from '../../core/secrets';
import {
  CA_PASSPHRASE_ENV,
  StationCa,
  DEFAULT_CSR_POLICY,
  checkCsrPolicy,
  csrExpectationFor,
  parseCsr,
  type CaAlgorithm,
  type CaImportFiles,
} from '../../core/pki';
import { encodePem } from '../../core/pki/pem';
import { usageError, type CliContext } from '../context';
import { choiceOption, readFileOption } from '../options';
import { openVault, readSecret } from '../secrets-prompt';

/** Environment variable with the passphrase of a key / PKCS#12 file given to `ca import`. */
export const CA_IMPORT_PASSPHRASE_ENV = 'ASSET_STATION_CA_IMPORT_PASSPHRASE';

const ALGORITHMS: CaAlgorithm[] = ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072'];

/** A store used when ASSET_STATION_CA_PASSPHRASE is set and no vault passphrase is: holds nothing. */
const envOnlyStore: SecretStore = {
  description: `no vault (${CA_PASSPHRASE_ENV} in use)`,
  async get() {
    return undefined;
  },
  async set() {},
  async delete() {},
};

async function secretsFor(home: string): Promise<SecretStore> {
  if (process.env[CA_PASSPHRASE_ENV] && !process.env.ASSET_STATION_VAULT_PASSPHRASE && !process.stdin.isTTY) {
    return envOnlyStore;
  }
  return openVault(home);
}

function showInfo(i: CaInfo): string {
  if (!i.initialised) return 'No station CA. Create one with `asset-station ca init`.';
  return [
    ...i.chain.map((c, n) =>
      [
        `${n === 0 ? 'issuing CA' : n === i.chain.length - 1 ? 'root CA   ' : 'intermediate'}  ${c.subject}`,
        `  issuer     ${c.issuer}`,
        `  key        ${c.keyAlgorithm}`,
        `  serial     ${c.serial}`,
        `  valid      ${c.notBefore} → ${c.notAfter}`,
        `  SHA-256    ${c.fingerprint}`,
      ].join('\n'),
    ),
    `issuing CA expires in ${i.expiresInDays} days`,
  ].join('\n');
}

/** Prints a CA just created or imported (`headline`, then its chain) and closes it. */
function printNewCa(c: CliContext, station: StationCa, headline: string): void {
  try {
    c.result(station.info(), (i) => `${headline}\n${showInfo(i)}`);
  } finally {
    station.close();
  }
}

export function register(program: Command, ctx: () => CliContext): void {
  const ca = program.command('ca').description('the station CA: init, import, show, sign');

  ca.command('init')
    .description('create a development root CA and an issuing CA (key encrypted, passphrase in the vault)')
    .option('--algorithm <alg>', `CA key algorithm: ${ALGORITHMS.join(', ')}`, 'ECDSA-P256')
    .option('--org <O>', 'organisation (O) of the CA and device subjects', 'Asset Station')
    .option('--ou <OU>', 'organisational unit (OU) of device subjects')
    .option('--force', 'replace an existing CA')
    .action(async (o: { algorithm: string; org: string; ou?: string; force?: boolean }) => {
      const c = ctx();
      const algorithm = choiceOption(o.algorithm, '--algorithm', ALGORITHMS);
      const secrets = await secretsFor(c.home);
      const station = await StationCa.init(c.home, secrets, {
        algorithm,
        subjectO: o.org,
        subjectOU: o.ou,
        force: Boolean(o.force),
      });
      printNewCa(
        c,
        station,
        `Station CA created (${algorithm}); key passphrase kept in the ${secrets.description}.`,
      );
    });

  ca.command('import')
    .description('import an issuing CA: PEM chain + encrypted PKCS#8 key, or PKCS#12')
    .option('--cert <file>', 'PEM certificate file: the issuing CA and its chain up to the root')
    .option('--key <file>', 'encrypted PKCS#8 key (PEM ENCRYPTED PRIVATE KEY)')
    .option('--p12 <file>', 'PKCS#12 file with the key and the chain')
    .option('--org <O>', 'organisation (O) of device subjects')
    .option('--ou <OU>', 'organisational unit (OU) of device subjects')
    .option('--force', 'replace an existing CA')
    .action(
      async (o: {
        cert?: string;
        key?: string;
        p12?: string;
        org?: string;
        ou?: string;
        force?: boolean;
      }) => {
        const c = ctx();
        let files: CaImportFiles;
        if (o.p12 && !o.cert && !o.key) {
          const p12 = readFileOption(o.p12, '--p12');
          files = {
            p12,
            p12Passphrase: await readSecret(CA_IMPORT_PASSPHRASE_ENV, 'Passphrase of the PKCS#12 file: '),
          };
        } else if (o.cert && o.key && !o.p12) {
          const certPem = readFileOption(o.cert, '--cert').toString('utf8');
          const keyPem = readFileOption(o.key, '--key');
          files = {
            certPem,
            keyPem,
            keyPassphrase: await readSecret(CA_IMPORT_PASSPHRASE_ENV, 'Passphrase of the key file: '),
          };
        } else {
          throw usageError(
            'ca import needs either --cert FILE --key FILE, or --p12 FILE.',
            'Run asset-station ca import --help.',
          );
        }
        const secrets = await secretsFor(c.home);
        const station = await StationCa.import(c.home, secrets, files, {
          subjectO: o.org,
          subjectOU: o.ou,
          force: Boolean(o.force),
        });
        printNewCa(
          c,
          station,
          `Station CA imported; key re-encrypted, passphrase kept in the ${secrets.description}.`,
        );
      },
    );

  ca.command('show')
    .description('print the CA chain and its expiry (no passphrase needed)')
    .action(async () => {
      const c = ctx();
      const info = StationCa.describe(c.home);
      c.result(info, showInfo);
      if (!info.initialised) process.exitCode = 1;
    });

  ca.command('sign')
    .description('issue a device certificate for a CSR under the policy (for benches and tests)')
    .requiredOption('--csr <file>', 'PKCS#10 CSR, PEM or DER')
    .requiredOption('--uid <uid>', 'device UID (certificate CN and SAN urn:dev:uid:<uid>)')
    .requiredOption('--out <file>', 'output PEM: leaf, issuing CA, root')
    .option('--reprovision', 'allow a new key for a UID that already has a certificate (recorded)')
    .action(async (o: { csr: string; uid: string; out: string; reprovision?: boolean }) => {
      const c = ctx();
      const csr = await parseCsr(new Uint8Array(readFileOption(o.csr, '--csr')));
      const secrets = await secretsFor(c.home);
      const station = await StationCa.load(c.home, secrets);
      try {
        checkCsrPolicy(
          csr,
          csrExpectationFor(station.profile(), o.uid, [...DEFAULT_CSR_POLICY.allowedAlgorithms]),
          { sanMatch: 'absent-or-exact' },
        );
        const cert = await station.issue(csr, { deviceUid: o.uid, reprovision: Boolean(o.reprovision) });
        fs.writeFileSync(o.out, cert.chain.map((d) => encodePem('CERTIFICATE', d)).join(''));
        const { chain: _chain, ...summary } = cert;
        c.result({ ...summary, out: o.out }, (s) =>
          [
            `${s.reused ? 'Existing certificate returned (same UID and key)' : 'Certificate issued'}: ${s.subject}`,
            `  serial     ${s.serial}`,
            `  valid      ${s.notBefore} → ${s.notAfter}`,
            `  SHA-256    ${s.fingerprint}`,
            `  key        ${s.keyFingerprint}`,
            `  written    ${s.out} (leaf, issuing CA, root)`,
          ].join('\n'),
        );
      } finally {
        station.close();
      }
    });
}
