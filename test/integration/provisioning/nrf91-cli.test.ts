/**
 * Nordic nRF91 modems provisioned end to end through the CLI: `asset-station --json provision --port
 * serial:<pty>` as a real child process against simulated modems on PTYs (real serialport stack), the
 * org emulator over HTTP and a development CA. The driver registry picks the nRF91 family; the
 * certificate the modem holds is for the key inside it; the Asset is upserted under the IMEI-based
 * external ID; the steps the family cannot do are skipped with their reason, never silently; a second
 * run on the same modem is recognised as already provisioned.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodePemAll } from '../../../core/pki/pem';
import { provisionCli } from './cli-run';
import { useModemHome } from './nrf91-modems';

const PASS = 'nrf91-cli-test-passphrase';
const setup = useModemHome(PASS, 2);

type StepLine = { type: string; name?: string; state?: string; detail?: string };

describe('asset-station provision on nRF91 modems', () => {
  it('provisions each modem: key in the modem, certificate on the modem for that key, Asset under the IMEI', async () => {
    for (const m of setup.modems.modems) {
      const r = await provisionCli(setup.env.home, PASS, m.locator);
      expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
      const steps = r.lines.filter(
        (l): l is StepLine => l.type === 'step' && (l.state === 'done' || l.state === 'skipped'),
      );
      const state = (n: string) => steps.find((s) => s.name === n);
      expect(state('identify')?.detail).toContain(m.uid);
      expect(state('proof-of-possession')).toMatchObject({ state: 'done' });
      expect(state('proof-of-possession')?.detail).toMatch(/no signing command .* attestation/);
      expect(state('asset-token')).toMatchObject({ state: 'skipped' });
      expect(state('asset-token')?.detail).toMatch(/cannot sign|asset tokens are disabled/);
      expect(state('write-back')).toMatchObject({ state: 'skipped' });
      expect(state('write-back')?.detail).toMatch(
        /no storage for the Asset ID: the Asset stays in Salesforce under the modem IMEI/,
      );
      expect(state('read-back')?.detail).toMatch(new RegExp(`found under external ID ${m.uid}`));

      // The modem holds a client certificate for the key it generated (and keeps) inside.
      const modem = setup.modems.modem(m.imei);
      const pem = modem.creds.get('2024,1');
      expect(pem).toBeDefined();
      const leaf = new crypto.X509Certificate(Buffer.from(decodePemAll(pem!)[0]!.der));
      const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
      expect(Buffer.compare(spki, Buffer.from(modem.keySpki(2024)!))).toBe(0);
      expect(leaf.subject).toContain(`CN=${m.uid}`);
      expect(leaf.subjectAltName ?? '').toContain(m.uid); // SANs from the CA profile: the modem cannot request them
      expect(modem.cfun).toBe(1); // put back online after the credential changes

      // The Asset is in the org under the IMEI-based external ID, with this certificate's facts.
      const assets = setup.env.org.assets().filter((a) => a.Device_UID__c === m.uid);
      expect(assets).toHaveLength(1);
      expect(r.stdout).toContain(assets[0]!.Id as string);
    }
  }, 120_000);

  it('a second run on a provisioned modem changes nothing and says so', async () => {
    const m = setup.modems.modems[0]!;
    const before = setup.modems.modem(m.imei).keySpki(2024);
    const r = await provisionCli(setup.env.home, PASS, m.locator);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.compare(Buffer.from(setup.modems.modem(m.imei).keySpki(2024)!), Buffer.from(before!))).toBe(
      0,
    );
    expect(setup.env.org.assets().filter((a) => a.Device_UID__c === m.uid)).toHaveLength(1);
    const result = r.lines.find((l) => l.type === 'result') as { alreadyProvisioned: string[] } | undefined;
    expect(result?.alreadyProvisioned).toEqual([m.uid]);
  }, 60_000);
});
