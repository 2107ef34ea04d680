/**
 * The admin PIN: scrypt hash with a random salt (never the PIN itself in the store), a constant-time
 * check, the first stored format still read (and upgraded), a change needs the current PIN, every
 * refusal audited, and a lockout after repeated wrong PINs (brute force over the API fails).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StationError } from '../../../shared/errors';
import { FileVault, SECRET_NAMES } from '../../../core/secrets';
import { hashPin, verifyPin } from '../../../core/operators/pin-hash';
import { AdminPin, LOCKOUT_MS, MAX_WRONG_PINS } from '../../../core/operators/admin-pin';

let dir: string;
let vault: FileVault;
let audited: Array<{ action: string; data: Record<string, unknown> }>;
let clock: number;
let pin: AdminPin;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pin-'));
  vault = FileVault.inHome(dir, 'pin-test-vault');
  audited = [];
  clock = 1_000_000;
  pin = new AdminPin({
    secrets: vault,
    audit: (action, data) => audited.push({ action, data }),
    now: () => clock,
  });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: StationError) => e,
  );
const code = async (p: Promise<unknown>) => (await refusal(p))?.code ?? 'resolved';

describe('PIN hash', () => {
  it('is scrypt with a random salt and does not contain the PIN', async () => {
    const a = await hashPin('246810');
    const b = await hashPin('246810');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b); // fresh salt each time
    expect(a).not.toContain('246810');
    expect(await verifyPin('246810', a)).toEqual({ ok: true, rehash: false });
    expect((await verifyPin('246811', a)).ok).toBe(false);
    expect((await verifyPin('', a)).ok).toBe(false);
  });

  it('reads the first stored format and asks for a rehash; garbage never matches', async () => {
    const salt = crypto.randomBytes(16);
    const key = crypto.scryptSync('4321', salt, 32, { N: 1 << 14, r: 8, p: 1 });
    const legacy = `${salt.toString('base64')}:${key.toString('base64')}`;
    expect(await verifyPin('4321', legacy)).toEqual({ ok: true, rehash: true });
    expect((await verifyPin('4322', legacy)).ok).toBe(false);
    for (const junk of ['', 'x', 'scrypt$15$8$1$$', 'scrypt$99$8$1$AAAA$AAAA', '::'])
      expect((await verifyPin('4321', junk)).ok, junk).toBe(false);
  });
});

describe('AdminPin', () => {
  it('refuses every admin act while no PIN is set, naming the command that sets one', async () => {
    const e = await refusal(pin.require('1234', 'change the station settings'));
    expect(e?.code).toBe('UNAUTHORIZED');
    expect(e?.remedy).toContain('asset-station admin pin');
  });

  it('accepts only 4 to 12 digits, and stores a hash, not the PIN', async () => {
    for (const bad of ['123', '1234567890123', '12a4', ' 1234'])
      expect(await code(pin.set(bad))).toBe('BAD_REQUEST');
    await pin.set('5678');
    const stored = await vault.get(SECRET_NAMES.adminPinHash);
    expect(stored).toMatch(/^scrypt\$/);
    expect(stored).not.toContain('5678');
    expect(await code(pin.require('5678', 'change the station settings'))).toBe('resolved');
    expect(audited.map((a) => a.action)).toEqual(['admin.pin.set']);
  });

  it('refuses a missing or wrong PIN and audits the wrong one', async () => {
    await pin.set('5678');
    expect(await code(pin.require(undefined, 're-provision a device'))).toBe('UNAUTHORIZED');
    expect(await code(pin.require('8765', 're-provision a device'))).toBe('UNAUTHORIZED');
    expect(audited.at(-1)).toEqual({ action: 'admin.pin.rejected', data: { act: 're-provision a device' } });
  });

  it('changes the PIN only with the current one', async () => {
    await pin.set('5678');
    expect(await code(pin.set('1111'))).toBe('UNAUTHORIZED');
    expect(await code(pin.set('1111', '0000'))).toBe('UNAUTHORIZED');
    expect(await code(pin.require('5678', 'change the station settings'))).toBe('resolved');
    await pin.set('1111', '5678');
    expect(await code(pin.require('5678', 'change the station settings'))).toBe('UNAUTHORIZED');
    expect(await code(pin.require('1111', 'change the station settings'))).toBe('resolved');
    expect(audited.map((a) => a.action)).toContain('admin.pin.changed');
  });

  it('locks out after repeated wrong PINs, even the right one, until the lockout ends', async () => {
    await pin.set('5678');
    for (let i = 0; i < MAX_WRONG_PINS; i++)
      expect(await code(pin.require(`000${i}`, 're-provision a device'))).toBe('UNAUTHORIZED');
    const locked = await refusal(pin.require('5678', 're-provision a device'));
    expect(locked?.code).toBe('UNAUTHORIZED');
    expect(locked?.message).toMatch(/Too many wrong admin PINs/);
    clock += LOCKOUT_MS;
    expect(await code(pin.require('5678', 're-provision a device'))).toBe('resolved');
  });

  it('upgrades a PIN stored in the first format on its next correct use', async () => {
    const salt = crypto.randomBytes(16);
    const key = crypto.scryptSync('2468', salt, 32, { N: 1 << 14, r: 8, p: 1 });
    await vault.set(SECRET_NAMES.adminPinHash, `${salt.toString('base64')}:${key.toString('base64')}`);
    await pin.require('2468', 'change the station settings');
    expect(await vault.get(SECRET_NAMES.adminPinHash)).toMatch(/^scrypt\$15\$/);
    expect(await code(pin.require('2468', 'change the station settings'))).toBe('resolved');
  });
});
