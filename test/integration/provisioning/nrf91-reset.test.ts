/**
 * A modem that restarts in the middle of a job (its boot banner arrives while %CMNG runs): the running
 * step fails at once as DEVICE_RESET (its outcome is unknown), the station waits for the modem to
 * answer again and runs the step again, and the job ends provisioned — no timeout wait. CLI child
 * process, simulated modem on a PTY, org emulator over HTTP.
 */
import crypto from 'node:crypto';
import { expect, it } from 'vitest';
import { decodePemAll } from '../../../core/pki/pem';
import { provisionCli } from './cli-run';
import { useModemHome } from './nrf91-modems';

const PASS = 'nrf91-reset-test-passphrase';
const setup = useModemHome(PASS, 1, { resetOn: 'AT%CMNG=0' });

it('a reset banner mid-step re-runs that step once the modem answers, and the job succeeds', async () => {
  const m = setup.modems.modems[0]!;
  const t0 = Date.now();
  const r = await provisionCli(setup.env.home, PASS, m.locator);
  expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
  const modem = setup.modems.modem(m.imei);
  expect(modem.stats.resets).toBe(1);
  const installRuns = r.lines.filter(
    (l) => l.type === 'step' && l.name === 'install-cert' && l.state === 'running',
  );
  expect(installRuns.length).toBeGreaterThanOrEqual(2);
  const leaf = new crypto.X509Certificate(Buffer.from(decodePemAll(modem.creds.get('2024,1')!)[0]!.der));
  expect(
    Buffer.compare(leaf.publicKey.export({ type: 'spki', format: 'der' }), Buffer.from(modem.keySpki(2024)!)),
  ).toBe(0);
  expect(Date.now() - t0).toBeLessThan(15_000); // %CMNG's own deadline alone would be 15 s
}, 60_000);
