/**
 * `asset-station ca …`: the station CA (docs/pki.md).
 * - `ca init [--algorithm ec-p256|ec-p384|rsa-2048|rsa-3072] [--org O] [--ou OU] [--subject T] [--force]`
 *   with `--pkcs11 MODULE --token LABEL [--key-label L] [--key-id HEX]`: the issuing key in an HSM
 * - `ca import --cert FILE --key FILE | --p12 FILE [--org O] [--ou OU] [--force]`
 * - `ca show`, `ca subject [TEMPLATE]`
 * - `ca sign --csr FILE --uid UID --out FILE [--reprovision]` (benches and tests: no proof of possession)
 * - `ca request`, `ca install`, `ca pin` (ca-root.ts); `ca revoke`, `ca crl` (ca-revoke.ts)
 *
 * Secrets: the vault passphrase from ASSET_STATION_VAULT_PASSPHRASE or a prompt; the CA key passphrase
 * is generated at `ca init` and kept in the vault (`ca.passphrase`), unless ASSET_STATION_CA_PASSPHRASE
 * is set (unattended use: then the vault is not needed to sign). An HSM token's user PIN comes from
 * ASSET_STATION_TOKEN_PIN, the vault (`ca.tokenPin`) or a prompt — never from an argument. The
 * passphrase of a file being imported comes from ASSET_STATION_CA_IMPORT_PASSPHRASE or a prompt.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import {
  StationCa,
  DEFAULT_CSR_POLICY,
  TOKEN_PIN_ENV,
  TOKEN_PIN_SECRET,
  checkCsrPolicy,
  csrExpectationFor,
  formatSubjectTemplate,
  parseCsr,
  parseSubjectTemplate,
  resolveProfile,
  saveSubjectTemplate,
  type CaImportFiles,
  type CaInitOptions,
} from '../../core/pki';
import { readCaFiles } from '../../core/pki/ca-store';
import { encodePem } from '../../core/pki/pem';
import { usageError, type CliContext } from '../context';
import { readFileOption } from '../options';
import { readSecret } from '../secrets-prompt';
import { ALGORITHM_HELP, parseAlgorithm, secretsFor, showInfo } from './ca-common';
import { register as registerRoot } from './ca-root';
import { register as registerRevoke } from './ca-revoke';

/** Environment variable with the passphrase of a key / PKCS#12 file given to `ca import`. */
export const CA_IMPORT_PASSPHRASE_ENV = 'ASSET_STATION_CA_IMPORT_PASSPHRASE';

export function register(program: Command, ctx: () => CliContext): void {
  const ca = program
    .command('ca')
    .description(
      'the station CA: init (file or HSM), import, show, subject, sign, request, install, revoke, crl',
    );

  ca.command('init')
    .description(
      'create a development root CA and an issuing CA; the issuing key in an encrypted file (passphrase in the vault) or, with --pkcs11, generated inside an HSM token',
    )
    .option('--algorithm <alg>', `CA key algorithm: ${ALGORITHM_HELP}`, 'ec-p256')
    .option('--org <O>', 'organisation (O) of the CA and device subjects', 'Asset Station')
    .option('--ou <OU>', 'organisational unit (OU) of device subjects')
    .option(
      '--subject <template>',
      'device subject template, e.g. /C=DE/ST=Bavaria/O=Acme/OU=Sensors/CN={uid}',
    )
    .option('--pkcs11 <module>', 'PKCS#11 module of the HSM (e.g. /usr/lib/softhsm/libsofthsm2.so)')
    .option('--token <label>', 'label of the HSM token (with --pkcs11)')
    .option(
      '--key-label <label>',
      'label of the CA key in the token: used if present, else generated (default asset-station-ca when no --key-id)',
    )
    .option(
      '--key-id <hex>',
      'CKA_ID of the CA key in the token (hex): used if present, else given to the new key',
    )
    .option('--force', 'replace an existing CA')
    .action(
      async (o: {
        algorithm: string;
        org: string;
        ou?: string;
        subject?: string;
        pkcs11?: string;
        token?: string;
        keyLabel?: string;
        keyId?: string;
        force?: boolean;
      }) => {
        const c = ctx();
        const algorithm = parseAlgorithm(o.algorithm);
        if (Boolean(o.pkcs11) !== Boolean(o.token)) {
          throw usageError(
            '--pkcs11 and --token go together.',
            'Give both the PKCS#11 module path and the token label, e.g. --pkcs11 /usr/lib/softhsm/libsofthsm2.so --token station-ca.',
          );
        }
        if (o.keyId !== undefined && !/^([0-9a-fA-F]{2})+$/.test(o.keyId)) {
          throw usageError(
            `--key-id '${o.keyId}' is not hexadecimal bytes.`,
            'Give the CKA_ID as hex, e.g. --key-id 01.',
          );
        }
        const subject = o.subject ? parseSubjectTemplate(o.subject) : undefined;
        const secrets = await secretsFor(c.newHome); // ca init sets up a station: it may create the home
        const opts: CaInitOptions = {
          algorithm,
          subjectO: o.org,
          subjectOU: o.ou,
          force: Boolean(o.force),
          ...(subject ? { profile: { subject } } : {}),
        };
        if (o.pkcs11 && o.token) {
          const pin =
            process.env[TOKEN_PIN_ENV] ||
            (await secrets.get(TOKEN_PIN_SECRET)) ||
            (await readSecret(TOKEN_PIN_ENV, `User PIN of HSM token '${o.token}': `));
          opts.pkcs11 = {
            module: o.pkcs11,
            token: o.token,
            ...(o.keyLabel || !o.keyId ? { keyLabel: o.keyLabel ?? 'asset-station-ca' } : {}),
            ...(o.keyId ? { keyId: o.keyId.toLowerCase() } : {}),
            pin,
          };
        }
        const station = await StationCa.init(c.home, secrets, opts);
        try {
          const where = o.pkcs11
            ? `key in HSM token '${o.token}', PIN kept in the ${secrets.description}`
            : `key passphrase kept in the ${secrets.description}`;
          c.result(
            { ...station.info(), signer: station.signer.description },
            (i) => `Station CA created (${algorithm}); ${where}.\n${showInfo(i, c.home)}`,
          );
        } finally {
          station.close();
        }
      },
    );

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
        const secrets = await secretsFor(c.newHome); // ca import sets up a station: it may create the home
        const station = await StationCa.import(c.home, secrets, files, {
          subjectO: o.org,
          subjectOU: o.ou,
          force: Boolean(o.force),
        });
        try {
          c.result(
            station.info(),
            (i) =>
              `Station CA imported; key re-encrypted, passphrase kept in the ${secrets.description}.\n${showInfo(i, c.home)}`,
          );
        } finally {
          station.close();
        }
      },
    );

  ca.command('show')
    .description('print the CA chain and its expiry (no passphrase needed)')
    .action(async () => {
      const c = ctx();
      const info = StationCa.describe(c.home);
      c.result(info, (i) => showInfo(i, c.home));
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

  ca.command('subject [template]')
    .description(
      'show the device subject template, or set it: /C=DE/ST=Bavaria/L=Munich/O=Acme/OU=Sensors/CN={uid}/serialNumber={uid} (C and serialNumber are PrintableString, the rest UTF8String)',
    )
    .action(async (template: string | undefined) => {
      const c = ctx();
      const before = resolveProfile(readCaFiles(c.home, { withKey: false }).meta.profile).subject;
      const subject = template
        ? saveSubjectTemplate(c.home, parseSubjectTemplate(template)).profile!.subject!
        : before;
      const text = formatSubjectTemplate(subject);
      c.result({ subject, template: text }, () => (template ? `Device subject template set: ${text}` : text));
    });

  registerRoot(ca, ctx);
  registerRevoke(ca, ctx);
}
