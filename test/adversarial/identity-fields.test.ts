/**
 * Attack: a device whose HELLO carries a hostile identity — control characters, bidi overrides
 * ("Trojan Source"), zero-width characters, over-long values — in its UID, model or firmware. The
 * station must refuse it when the job starts (before keygen, CSR or proof of possession, and before
 * anything is journaled), with the value shown escaped. One test per class, then the real station with
 * rogue PTY devices.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIdentityFields, printable } from '../../core/jobs/identity-rules';
import { isStationError } from '../../shared/errors';
import { startEmbedded, type Embedded } from '../../dev/embedded';
import { startDeviceSimulator, type DeviceSimulator } from '../../dev/simulators';

const GOOD = { uid: 'SIM-0001', model: 'AS-SIM-1', firmware: 'sim-1.0.0' };
const HIDDEN = /[\p{Cc}\p{Cf}]/u;

function refusal(id: Partial<typeof GOOD>) {
  try {
    checkIdentityFields({ ...GOOD, ...id });
  } catch (e) {
    if (isStationError(e)) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('identity fields checked at identify: one class per test', () => {
  it('accepts a plain identity', () => {
    expect(() => checkIdentityFields(GOOD)).not.toThrow();
    expect(() => checkIdentityFields({ ...GOOD, uid: 'A'.repeat(80), model: 'M'.repeat(64) })).not.toThrow();
  });

  it.each([
    ['UID with a control character (BEL)', { uid: 'SIM\u0007-0001' }, 'hardware UID', /\\u\{7\}/],
    ['UID with an escape sequence (ESC [2J)', { uid: 'SIM\u001b[2J' }, 'hardware UID', /\\u\{1B\}/],
    ['UID with a bidi override (U+202E)', { uid: 'SIM-\u202e1000' }, 'hardware UID', /\\u\{202E\}/],
    ['UID with a zero-width space', { uid: 'SIM-\u200b0001' }, 'hardware UID', /\\u\{200B\}/],
    ['UID of 300 characters', { uid: 'U'.repeat(300) }, 'hardware UID', /300 characters\)' must be 1-80/],
    ['empty UID', { uid: '' }, 'hardware UID', /must be 1-80/],
    ['UID with a space', { uid: 'SIM 0001' }, 'hardware UID', /printable ASCII without spaces/],
    ['UID with a slash', { uid: 'SIM/../0001' }, 'hardware UID', /printable ASCII/],
    ['UID in another script (homoglyph Cyrillic С)', { uid: '\u0421IM-0001' }, 'hardware UID', /\\u\{421\}/],
    ['model with a bidi isolate (U+2066)', { model: 'AS\u2066-SIM' }, 'model', /\\u\{2066\}/],
    ['model with a newline', { model: 'AS-SIM-1\nPASSED' }, 'model', /\\u\{A\}/],
    ['model of 65 characters', { model: 'M'.repeat(65) }, 'model', /must be 1-64/],
    ['firmware with a right-to-left mark', { firmware: '1.0\u200f.0' }, 'firmware version', /\\u\{200F\}/],
    ['firmware with NUL', { firmware: '1.0\u0000' }, 'firmware version', /\\u\{0\}/],
    ['firmware of 200 characters', { firmware: 'f'.repeat(200) }, 'firmware version', /must be 1-64/],
  ])('refuses %s', (_what, id, field, shown) => {
    const e = refusal(id);
    expect(e.code).toBe('DEVICE_IDENTITY_INVALID');
    expect(e.details?.field).toBe(field);
    expect(e.message).toMatch(shown);
    expect(e.message).not.toMatch(HIDDEN); // never raw
    expect(e.remedy).toMatch(/Set this device aside/);
  });

  it('printable() never returns a control or bidi character', () => {
    const all = Array.from({ length: 0x3000 }, (_, i) => String.fromCodePoint(i)).join('');
    for (let i = 0; i < all.length; i += 40) expect(printable(all.slice(i, i + 40))).not.toMatch(HIDDEN);
  });
});

describe('adversarial: a rogue device with a hostile identity on a real bay', () => {
  const envs: Embedded[] = [];
  const sims: DeviceSimulator[] = [];
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-id-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    while (sims.length) await sims.pop()!.stop();
    while (envs.length) await envs.pop()!.stop();
    while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
  });

  it.each([
    ['a bidi override in the model', { model: 'AS-SIM-1\u202egnp.exe' }, /model/],
    ['a control character in the UID', { uidPrefix: 'SIM\u0007-' }, /hardware UID/],
  ])(
    '%s: the job is refused before keygen and nothing is journaled',
    async (_what, rogueOpts, field) => {
      const env = await startEmbedded({ home: tmp(), devices: 1, keygenDelayMs: 20, watch: false });
      envs.push(env);
      const rogue = await startDeviceSimulator({
        home: tmp(),
        count: 1,
        keygenDelayMs: 10,
        transport: 'pty',
        ...rogueOpts,
      });
      sims.push(rogue);
      const bay = await env.station.attachBay({ locator: rogue.devices[0]!.locator });
      const jobsBefore = env.station.db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number };
      const e = await env.station.startJob({ bayId: bay.id, kind: 'provision' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isStationError(e)).toBe(true);
      expect((e as { code: string }).code).toBe('DEVICE_IDENTITY_INVALID');
      expect((e as Error).message).toMatch(field);
      expect((e as Error).message).not.toMatch(HIDDEN);
      const jobsAfter = env.station.db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number };
      expect(jobsAfter.n).toBe(jobsBefore.n);
      const snap = rogue.device(rogue.devices[0]!.uid).snapshot();
      expect(snap.keyPresent).toBe(false);
      expect(env.org.assets()).toHaveLength(0);
    },
    60_000,
  );
});
