/**
 * The station's nRF91 sec tag setting reaches the modem: with `device.nrf91SecTag` set to 4242 in the
 * station home, `asset-station provision` (a real child process, modem on a real PTY) generates the key
 * and writes the certificate in sec tag 4242, and leaves the default tag 2024 untouched.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig, saveConfig } from '../../../core/config';
import { decodePemAll } from '../../../core/pki/pem';
import { provisionCli } from '../provisioning/cli-run';
import { useModemHome } from '../provisioning/nrf91-modems';

const PASS = 'nrf91-sec-tag-test-passphrase';
const setup = useModemHome(PASS, 1);

describe('nRF91 sec tag from the station settings', () => {
  it('provisions into the configured sec tag, and the certificate there is for the key there', async () => {
    const c = loadConfig(setup.env.home);
    saveConfig(setup.env.home, { ...c, device: { ...c.device, nrf91SecTag: 4242 } });
    const m = setup.modems.modems[0]!;
    const r = await provisionCli(setup.env.home, PASS, m.locator);
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    const pop = r.lines.find(
      (l) => l.type === 'step' && l.name === 'proof-of-possession' && l.state === 'done',
    );
    expect(pop?.detail).toContain('sec tag 4242');

    const modem = setup.modems.modem(m.imei);
    expect(modem.keySpki(2024)).toBeUndefined();
    expect([...modem.creds.keys()].filter((k) => k.startsWith('2024,'))).toEqual([]);
    const pem = modem.creds.get('4242,1');
    expect(pem).toBeDefined();
    const leaf = new crypto.X509Certificate(Buffer.from(decodePemAll(pem!)[0]!.der));
    const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
    expect(Buffer.compare(spki, Buffer.from(modem.keySpki(4242)!))).toBe(0);
    expect(setup.env.org.assets().filter((a) => a.Device_UID__c === m.uid)).toHaveLength(1);
  }, 120_000);
});
