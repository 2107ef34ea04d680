/**
 * The attacks on onboarding's device work fail, with nothing written to the device and no asset token
 * issued (core/onboard/on-device.ts over real PTY devices, the org emulator over HTTP, the station's
 * real org client and the installer's real PKCE login):
 * - another unit answers on the bay after the verify checks (a swap between verify and write);
 * - the installer's login belongs to another org than the station's;
 * - the org answers the installer's exchange with a token the station must not accept (audience).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../../dev/embedded';
import { loadConfig } from '../../../core/config';
import { openDeviceDriver, type DeviceDriver } from '../../../core/device';
import { personalLogin } from '../../../core/onboard/installer-login';
import { onboardOnDevice } from '../../../core/onboard/on-device';
import { OrgClient } from '../../../core/salesforce/client';
import { toPort } from '../../../core/salesforce/station-org';

let env: Embedded | undefined;
let home: string | undefined;
const open: DeviceDriver[] = [];
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  await env?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

it('a swapped unit, an installer of another org and a token of the wrong audience are refused; nothing is written', async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-attack-'));
  env = await startEmbedded({
    home,
    devices: 2,
    keyAlgorithms: ['RSA-2048'],
    keygenDelayMs: 50,
    watch: false,
  });
  for (const b of await env.station.listBays({})) {
    const job = await env.station.startJob({ bayId: b.id, kind: 'provision' });
    expect((await env.station.waitForJob(job.id)).state).toBe('succeeded');
  }
  const [a, b] = env.sim.devices;
  const assetOf = (uid: string) => env!.org.assets().find((x) => JSON.stringify(x).includes(uid))!;
  const sf = { ...loadConfig(home).salesforce, callbackPort: await freePort() };
  const client = await OrgClient.fromSecrets(sf, env.secrets);
  const port = toPort(client, () => sf);
  env.org.addUser({ username: 'ivy@customer-site.example', name: 'Ivy Installer' });
  const subject = await personalLogin(sf, env.secrets, async (url) => {
    const u = new URL(url);
    u.searchParams.set('login_hint', 'ivy@customer-site.example');
    await fetch(new URL((await fetch(u, { redirect: 'manual' })).headers.get('location')!));
  });
  expect(subject.orgId).toBe(env.org.orgId);
  const assetA = (await port.findAssetByUid(a!.uid))!;
  expect(assetA.id).toBe(assetOf(a!.uid).Id);
  const verifiedA = { deviceUid: a!.uid, assetId: assetA.id, certFingerprint: assetA.certFingerprint };
  expect(verifiedA.certFingerprint).toMatch(/^[0-9a-f]{64}$/);
  const dev = async (locator: string) => {
    const d = await openDeviceDriver(locator);
    open.push(d);
    return d;
  };
  const bindingOf = async (d: DeviceDriver) => d.readAssetBinding();
  const input = {
    orgId: port.orgId,
    org: port.onboard!,
    assetTokens: sf.assetTokens,
    subject,
  };
  const events = env.org.tokenEvents().length;

  // 1. unit B answers where A was verified
  const devB = await dev(b!.locator);
  const bBefore = await bindingOf(devB);
  await expect(onboardOnDevice({ ...input, device: devB, verified: verifiedA })).rejects.toMatchObject({
    code: 'DEVICE_MISMATCH',
    message: expect.stringMatching(/no longer the verified device .* Nothing was written/),
  });
  expect(await bindingOf(devB)).toEqual(bBefore);

  // 2. the installer's login is of another org
  const devA = await dev(a!.locator);
  const aBefore = await bindingOf(devA);
  const foreign = { ...subject, orgId: '00D000000000042AAA' };
  await expect(
    onboardOnDevice({ ...input, device: devA, verified: verifiedA, subject: foreign }),
  ).rejects.toMatchObject({ code: 'ORG_CONFIG', message: expect.stringMatching(/another Salesforce org/) });
  expect(await bindingOf(devA)).toEqual(aBefore);
  expect(env.org.tokenEvents().length).toBe(events);

  // 3. the org issues the token, but for an audience this station does not expect
  const strict = toPort(client, () => ({
    ...sf,
    assetTokens: { ...sf.assetTokens, audience: 'https://another-fleet.invalid/devices' },
  }));
  await expect(
    onboardOnDevice({ ...input, org: strict.onboard!, device: devA, verified: verifiedA }),
  ).rejects.toMatchObject({ code: 'ASSET_TOKEN_INVALID', details: { rule: 'aud' } });
  expect(await bindingOf(devA)).toEqual(aBefore);

  // and the honest path on the same device: the installer's token is written
  const ok = await onboardOnDevice({ ...input, device: devA, verified: verifiedA });
  expect(ok.tokenSubject).toBe(subject.userId);
  const after = await bindingOf(devA);
  expect(after!.assetToken).toBeDefined();
  expect(after!.assetToken).not.toBe(aBefore!.assetToken);
}, 180_000);
