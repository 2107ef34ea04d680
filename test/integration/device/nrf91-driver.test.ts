/**
 * The nRF91 driver against simulated modems on real PTYs through the real serialport stack: the
 * registry picks the family, identity from +CGSN/+CGMM/+CGMR, %KEYGEN's CSR and its COSE attestation
 * (checked here with the modem's identity key too), certificates written with %CMNG and read back by
 * the modem's SHA-256, the CFUN state restored, every +CME ERROR mapped, line-end variants, noise
 * before the first answer, and a reset / bootloader banner recognised at once.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTransport } from '../../../core/device/index';
import { openDriver } from '../../../core/device/drivers';
import type { DeviceDriver, DriverOpenOptions } from '../../../core/device/drivers';
import { testChain } from '../../../core/device/conformance/test-chain';
import { decodeKeygenAttestation } from '../../../shared/nrf91';
import { startModemSimulator, type ModemSimulator } from '../../../sim/nrf91';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-nrf91-'));
const sims: ModemSimulator[] = [];
const open: DeviceDriver[] = [];

async function sim(opts: Partial<Parameters<typeof startModemSimulator>[0]> = {}): Promise<ModemSimulator> {
  const s = await startModemSimulator({
    home: path.join(tmp, `h${sims.length}`),
    count: 1,
    transport: 'pty',
    keygenDelayMs: 20,
    ...opts,
  });
  sims.push(s);
  return s;
}

async function driver(locator: string, opts: DriverOpenOptions = {}): Promise<DeviceDriver> {
  const d = await openDriver(locator, () => openTransport(locator, opts), { probeMs: 600, ...opts });
  open.push(d);
  return d;
}

const SUBJECT = { CN: 'IMEI-350000910000019', O: 'Acme' };

afterAll(async () => {
  for (const d of open) await d.close().catch(() => {});
  for (const s of sims) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('nRF91 driver on a PTY', () => {
  let s: ModemSimulator;
  beforeAll(async () => {
    s = await sim({ faults: { bootNoise: true } });
  });

  it('is picked by the registry, identifies by IMEI, generates an attested key and installs a certificate the modem lists', async () => {
    const logs: string[] = [];
    const m = s.modems[0]!;
    const d = await driver(m.locator, { onDeviceLog: (l) => logs.push(l) });
    expect(d.family).toBe('nrf91');
    const id = await d.identify();
    expect(id.uid).toBe(m.uid);
    expect(id.uid).toMatch(/^IMEI-\d{15}$/);
    expect(id.model).toBe('nRF9160-SICA');
    expect(id.firmware).toBe('mfw_nrf9160_1.3.5');
    expect(id.state.keyPresent).toBe(false);
    expect(id.deviceUuid).toMatch(/^[0-9a-f]{8}-/);
    // The boot noise before the first answer went to the log, not into an answer.
    expect(logs.some((l) => l.includes('Booting nRF Connect SDK'))).toBe(true);

    const modem = s.modem(m.imei);
    modem.cfun = 1; // online: the driver must take it offline and back
    const k = await d.generateKey({ algorithm: 'ECDSA-P256', replace: false, subject: SUBJECT, sans: [] });
    expect(modem.cfun).toBe(1);
    expect(k.created).toBe(true);
    expect(Buffer.from(k.publicKeySpki).equals(Buffer.from(modem.keySpki(2024)!))).toBe(true);
    // The attestation really is the modem identity key's signature over the CSR digest.
    const att = decodeKeygenAttestation(Buffer.from(String(k.attestation!.cose), 'base64url'));
    const idKey = crypto.createPublicKey({
      key: Buffer.from(modem.identityPublicKeySpki),
      format: 'der',
      type: 'spki',
    });
    expect(
      crypto.verify(
        'sha256',
        att.cose.toBeSigned,
        { key: idKey, dsaEncoding: 'ieee-p1363' },
        att.cose.signature,
      ),
    ).toBe(true);
    expect(att.csrDigest).toBe(crypto.createHash('sha256').update(k.csr!).digest('hex'));

    const chain = await testChain(k.publicKeySpki, 'ECDSA-P256');
    await d.installCertificate(chain);
    expect(modem.cfun).toBe(1);
    // The modem's own hashes: the client certificate, then the CA certificates, as the station wrote them.
    expect(chain.length).toBeGreaterThan(1);
    const digests = await d.installedChainDigests();
    expect(digests).toHaveLength(2);
    expect(digests).toEqual(d.chainDigests(chain));
    expect(d.chainDigests(chain.slice(0, 1))).toEqual(digests.slice(0, 1));
    // %CMNG read answers carry the PEM with its line breaks inside the quotes: the chain comes back whole.
    const back = await d.readCertificateChain();
    expect(back.map((c) => Buffer.from(c).toString('hex'))).toEqual(
      chain.map((c) => Buffer.from(c).toString('hex')),
    );
    // The certificate on the modem matches its key: a signature by the sec tag's key verifies with it.
    const leaf = new crypto.X509Certificate(Buffer.from(chain[0]!));
    const sig = modem.signWith(2024, new Uint8Array([1, 2, 3]))!;
    expect(
      crypto.verify(
        'sha256',
        Buffer.from([1, 2, 3]),
        { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' },
        sig,
      ),
    ).toBe(true);

    // A second key generation without re-provisioning is refused (it would replace the key).
    await expect(
      d.generateKey({ algorithm: 'ECDSA-P256', replace: false, subject: SUBJECT, sans: [] }),
    ).rejects.toMatchObject({ code: 'REPROVISION_REQUIRED' });
    expect(d.capabilities.assetBinding.kind).toBe('org');
    await expect(d.writeAssetBinding({ assetId: 'x', orgId: 'y' })).rejects.toMatchObject({
      code: 'DEVICE_REFUSED',
    });
    await d.close();
  });
});

describe('nRF91 +CME ERROR answers become errors with remedies', () => {
  const cases: Array<[number, string, RegExp]> = [
    [513, 'DEVICE_REFUSED', /not found/],
    [514, 'DEVICE_LOCKED', /not allowed/],
    [515, 'DEVICE_REFUSED', /memory full/],
    [518, 'DEVICE_REFUSED', /the modem must be offline: the station sets CFUN=4/i],
    [519, 'DEVICE_REFUSED', /already exists/],
    [523, 'DEVICE_REFUSED', /key generation failed/],
    [528, 'DEVICE_REFUSED', /supply voltage is too low.*Check the battery or power supply/],
    [599, 'DEVICE_REFUSED', /refused AT%KEYGEN.*\(\+CME ERROR: 599\).*modem firmware 1\.3\.0 or later/],
  ];
  let s: ModemSimulator;
  beforeAll(async () => {
    s = await sim({ count: 1 });
  });
  it.each(cases)('+CME ERROR: %i on KEYGEN gives %s', async (code, station, words) => {
    const m = s.modems[0]!;
    s.modem(m.imei).faults.cme = { command: 'AT%KEYGEN', code };
    const d = await driver(m.locator);
    const err = await d
      .generateKey({ algorithm: 'ECDSA-P256', replace: true, subject: SUBJECT, sans: [] })
      .then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string; remedy: string; details: { cme: number } },
      );
    await d.close();
    expect(err?.code).toBe(station);
    expect(err?.details.cme).toBe(code);
    expect(`${err?.message} ${err?.remedy}`).toMatch(words);
    expect(err?.remedy.length).toBeGreaterThan(20);
    // The message names the command, not its arguments (the subject here; a whole PEM for a write).
    expect(err?.message).toContain('AT%KEYGEN');
    expect(err?.message).not.toContain('CN=');
  });
  it('a real 518: the modem refuses a write while online, and the mapped remedy says why', async () => {
    const m = s.modems[0]!;
    const d = await driver(m.locator);
    // Bypass the driver's CFUN handling to meet the modem's own refusal.
    const at = (d as unknown as { at: { command(c: string): Promise<string[]> } }).at;
    await at.command('AT+CFUN=1');
    await expect(at.command('AT%CMNG=0,7,0,"x"')).rejects.toMatchObject({
      code: 'DEVICE_REFUSED',
      details: { cme: 518 },
    });
    await expect(at.command('AT%BOGUS')).rejects.toMatchObject({
      code: 'DEVICE_REFUSED',
      details: { deviceError: 'ERROR' },
    });
    await d.close();
  });
});

describe('serial robustness with a modem', () => {
  it.each(['\r', '\n', '\r\n'] as const)('identifies with line end %j', async (eol) => {
    const s = await sim({ eol });
    const d = await driver(s.modems[0]!.locator);
    expect((await d.identify()).uid).toBe(s.modems[0]!.uid);
    await d.close();
  });

  it('a reset banner mid-command fails it at once with DEVICE_RESET (no timeout wait)', async () => {
    const s = await sim();
    const m = s.modems[0]!;
    const d = await driver(m.locator);
    await d.identify();
    s.modem(m.imei).faults.resetOn = 'AT%KEYGEN';
    const t0 = Date.now();
    await expect(
      d.generateKey({ algorithm: 'ECDSA-P256', replace: true, subject: SUBJECT, sans: [] }),
    ).rejects.toMatchObject({ code: 'DEVICE_RESET' });
    expect(Date.now() - t0).toBeLessThan(3000); // KEYGEN's own deadline is 30 s
    await d.close();
  });

  it('a board in its bootloader is reported at once: press reset', async () => {
    const s = await sim({ faults: { bootloader: true } });
    const t0 = Date.now();
    const err = await driver(s.modems[0]!.locator).then(
      () => undefined,
      (e: unknown) => e as { code: string; remedy: string },
    );
    expect(err?.code).toBe('DEVICE_BOOTLOADER');
    expect(err?.remedy).toMatch(/bootloader: press/);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('answers split into 1–7 byte pieces still parse', async () => {
    const s = await sim({ faults: { splitWrites: true } });
    const d = await driver(s.modems[0]!.locator);
    expect((await d.identify()).uid).toBe(s.modems[0]!.uid);
    await d.close();
  });
});
