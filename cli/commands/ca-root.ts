/**
 * `asset-station ca request|install|pin`: put the station's issuing CA under the factory's offline root
 * (docs/pki.md "Common root"), and keep the HSM token PIN in the vault.
 * - `ca request --out FILE [--subject /C=DE/O=Acme/CN=…]`: a CSR for the issuing key (file or HSM);
 * - `ca install CERT --chain ROOT`: checks the certificate the root signed and installs it;
 * - `ca pin`: checks a token PIN (ASSET_STATION_TOKEN_PIN or a prompt) and stores it in the vault.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { StationError } from '../../shared/errors';
import { Pkcs11Signer, TOKEN_PIN_ENV, TOKEN_PIN_SECRET } from '../../core/pki';
import { readCaFiles } from '../../core/pki/ca-store';
import { encodePem } from '../../core/pki/pem';
import type { CliContext } from '../context';
import { readFileOption } from '../options';
import { openVault, readSecret } from '../secrets-prompt';
import { openCa, showInfo } from './ca-common';

export function register(ca: Command, ctx: () => CliContext): void {
  ca.command('request')
    .description("write a CSR for the station's issuing CA key (file or HSM) for the offline root to sign")
    .requiredOption('--out <file>', 'output PEM CSR')
    .option(
      '--subject <name>',
      'CA subject, e.g. "/C=DE/O=Acme/CN=Acme Station 7 Issuing CA" (default: the current one)',
    )
    .action(async (o: { out: string; subject?: string }) => {
      const c = ctx();
      const station = await openCa(c.home);
      try {
        const csr = await station.request(o.subject);
        fs.writeFileSync(o.out, encodePem('CERTIFICATE REQUEST', csr));
        c.result(
          { out: o.out, signer: station.signer.description },
          (r) =>
            `CSR for the issuing CA key (${r.signer}) written to ${r.out}.\nHave the offline root sign it (docs/pki.md "Common root"), then run asset-station ca install CERT --chain ROOT.`,
        );
      } finally {
        station.close();
      }
    });

  ca.command('install <cert>')
    .description(
      'install the issuing CA certificate the offline root signed (checks key, CA:TRUE pathlen 0, names, signatures)',
    )
    .requiredOption('--chain <file>', 'PEM with the root certificate (and any intermediates)')
    .action(async (cert: string, o: { chain: string }) => {
      const c = ctx();
      const certText = readFileOption(cert, 'the certificate argument');
      const chainText = readFileOption(o.chain, '--chain');
      const station = await openCa(c.home);
      try {
        const info = station.install(new Uint8Array(certText), new Uint8Array(chainText));
        c.result(
          info,
          (i) => `Issuing CA certificate installed; devices now get this chain.\n${showInfo(i, c.home)}`,
        );
      } finally {
        station.close();
      }
    });

  ca.command('pin')
    .description(`check the HSM token PIN (${TOKEN_PIN_ENV} or a prompt) and store it in the station vault`)
    .action(async () => {
      const c = ctx();
      const { meta } = readCaFiles(c.home, { withKey: false });
      if (meta.signer.kind !== 'pkcs11') {
        throw new StationError(
          'BAD_REQUEST',
          'This station CA keeps its key in a file, not in an HSM token.',
          'Nothing to do: the key passphrase is in the vault (ca.passphrase).',
        );
      }
      const pin = await readSecret(TOKEN_PIN_ENV, `User PIN of HSM token '${meta.signer.token}': `);
      const signer = await Pkcs11Signer.open(meta.signer, pin);
      signer.close();
      const vault = await openVault(c.home);
      await vault.set(TOKEN_PIN_SECRET, pin);
      c.result(
        { stored: true, store: vault.description },
        (r) => `The token PIN works and is stored in the ${r.store}.`,
      );
    });
}
