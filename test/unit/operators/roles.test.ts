/**
 * Operator roles and local accounts: scrypt-hashed secrets in the SecretStore, the core refuses an act
 * the operator's role may not do (a technician cannot change settings or re-provision), only an admin
 * manages accounts, the last admin cannot be removed, and brute force on one login locks it out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StationError } from '../../../shared/errors';
import { FileVault } from '../../../core/secrets';
import {
  ACCOUNT_LOCKOUT_MS,
  MAX_WRONG_SECRETS,
  OPERATOR_ACCOUNTS_SECRET,
  OperatorAccounts,
} from '../../../core/operators/accounts';
import { ACT_ROLES, assertMay, roleMay, type Operator } from '../../../core/operators/roles';

let dir: string;
let vault: FileVault;
let audited: Array<{ action: string; data: Record<string, unknown> }>;
let clock: number;
let accounts: OperatorAccounts;
let admin: Operator;

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: StationError) => e,
  );
const code = async (p: Promise<unknown>) => (await refusal(p))?.code ?? 'resolved';

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-'));
  vault = FileVault.inHome(dir, 'ops-test-vault');
  audited = [];
  clock = 1_000_000;
  accounts = new OperatorAccounts({
    secrets: vault,
    audit: (action, data) => audited.push({ action, data }),
    now: () => clock,
  });
  await accounts.add({ login: 'Boss', name: 'Ada Admin', role: 'admin', secret: '975310' });
  admin = await accounts.signIn('boss', '975310');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('roles', () => {
  it('admin acts need the admin; each role gets only its own acts', () => {
    const tech: Operator = { login: 't', name: 'Tom Tech', role: 'technician' };
    for (const act of ['change the station settings', 're-provision a device'] as const) {
      expect(() => assertMay(tech, act)).toThrow(
        /Tom Tech is signed in as a technician, and only an administrator may/,
      );
      expect(() => assertMay(undefined, act)).toThrow(/Nobody is signed in/);
      expect(() => assertMay(admin, act)).not.toThrow();
    }
    expect(roleMay('technician', 'provision a device')).toBe(true);
    expect(roleMay('installer', 'provision a device')).toBe(false);
    expect(roleMay('installer', 'onboard a device to a customer')).toBe(true);
    expect(roleMay('technician', 'onboard a device to a customer')).toBe(false);
    expect(roleMay('qa', 'sign off a QA lot')).toBe(true);
    expect(roleMay('installer', 'sign off a QA lot')).toBe(false);
    // every act is open to the admin
    for (const act of Object.keys(ACT_ROLES) as Array<keyof typeof ACT_ROLES>)
      expect(roleMay('admin', act)).toBe(true);
  });
});

describe('operator accounts', () => {
  it('stores only a scrypt hash in the secret store, and signs in with the right secret only', async () => {
    await accounts.add({ login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' }, admin);
    const raw = (await vault.get(OPERATOR_ACCOUNTS_SECRET))!;
    expect(raw).toMatch(/scrypt\$15\$8\$1\$/);
    expect(raw).not.toContain('975310');
    expect(raw).not.toContain('"1357"');
    expect(fs.readdirSync(dir).some((f) => fs.readFileSync(path.join(dir, f)).includes('Tom Tech'))).toBe(
      false,
    );
    expect(await accounts.signIn('TOM', '1357')).toEqual({
      login: 'tom',
      name: 'Tom Tech',
      role: 'technician',
    });
    expect(await code(accounts.signIn('tom', '1358'))).toBe('UNAUTHORIZED');
    expect(await code(accounts.signIn('nobody', '1357'))).toBe('UNAUTHORIZED');
    expect(audited.filter((a) => a.action === 'operator.signin.rejected')).toHaveLength(2);
  });

  it('the first account must be an admin; afterwards only an admin adds accounts', async () => {
    const fresh = new OperatorAccounts({
      secrets: FileVault.inHome(fs.mkdtempSync(path.join(dir, 'x')), 'fresh-test-vault'),
      audit: () => {},
    });
    expect(await code(fresh.add({ login: 'tom', name: 'Tom', role: 'technician', secret: '1357' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await code(accounts.add({ login: 'eve', name: 'Eve', role: 'admin', secret: '1111' }))).toBe(
      'UNAUTHORIZED',
    );
    await accounts.add({ login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' }, admin);
    const tom = await accounts.signIn('tom', '1357');
    const e = await refusal(accounts.add({ login: 'eve', name: 'Eve', role: 'admin', secret: '1111' }, tom));
    expect(e?.code).toBe('UNAUTHORIZED');
    expect(e?.message).toMatch(/only an administrator may manage operator accounts/);
    expect(await code(accounts.update('tom', { role: 'admin' }, tom))).toBe('UNAUTHORIZED');
    expect((await accounts.list()).map((a) => `${a.login}:${a.role}`)).toEqual([
      'boss:admin',
      'tom:technician',
    ]);
    expect(await code(accounts.add({ login: 'tom', name: 'Again', role: 'qa', secret: '2468' }, admin))).toBe(
      'CONFLICT',
    );
  });

  it('refuses malformed logins and weak secrets without storing anything', async () => {
    for (const secret of ['123', '1234567890123', 'short', ''])
      expect(await code(accounts.add({ login: 'q', name: 'Q', role: 'qa', secret }, admin))).toBe(
        'BAD_REQUEST',
      );
    expect(await code(accounts.add({ login: 'a b', name: 'Q', role: 'qa', secret: '2468' }, admin))).toBe(
      'BAD_REQUEST',
    );
    expect(await code(accounts.add({ login: 'qa1', name: ' ', role: 'qa', secret: '2468' }, admin))).toBe(
      'BAD_REQUEST',
    );
    expect((await accounts.list()).map((a) => a.login)).toEqual(['boss']);
    await accounts.add({ login: 'qa1', name: 'Quinn', role: 'qa', secret: 'long enough pass' }, admin);
    expect((await accounts.signIn('qa1', 'long enough pass')).role).toBe('qa');
  });

  it('a disabled operator cannot sign in, and the last admin cannot be demoted or disabled', async () => {
    await accounts.add({ login: 'ivy', name: 'Ivy Installer', role: 'installer', secret: '8642' }, admin);
    await accounts.update('ivy', { disabled: true }, admin);
    const e = await refusal(accounts.signIn('ivy', '8642'));
    expect(e?.message).toMatch(/disabled/);
    expect(await code(accounts.update('boss', { role: 'technician' }, admin))).toBe('CONFLICT');
    expect(await code(accounts.update('boss', { disabled: true }, admin))).toBe('CONFLICT');
    await accounts.update('ivy', { disabled: false, role: 'admin' }, admin);
    await accounts.update('boss', { role: 'technician' }, admin);
    expect((await accounts.signIn('boss', '975310')).role).toBe('technician');
  });

  it('brute force on one login locks it out, not the others', async () => {
    await accounts.add({ login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' }, admin);
    for (let i = 0; i < MAX_WRONG_SECRETS; i++)
      expect(await code(accounts.signIn('tom', `000${i}`))).toBe('UNAUTHORIZED');
    const locked = await refusal(accounts.signIn('tom', '1357'));
    expect(locked?.message).toMatch(/Too many wrong PINs/);
    expect((await accounts.signIn('boss', '975310')).login).toBe('boss');
    clock += ACCOUNT_LOCKOUT_MS;
    expect((await accounts.signIn('tom', '1357')).login).toBe('tom');
  });

  it('only an admin removes accounts or sets a PIN; never the last admin; a new PIN replaces the old', async () => {
    const tom = await accounts.add(
      { login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' },
      admin,
    );
    expect(await accounts.hasAny()).toBe(true);
    expect(await code(accounts.remove('boss', tom))).toBe('UNAUTHORIZED');
    expect(await code(accounts.setSecret('boss', '1111', tom))).toBe('UNAUTHORIZED');
    expect(await code(accounts.remove('boss', admin))).toBe('CONFLICT');
    expect(await code(accounts.remove('nobody', admin))).toBe('NOT_FOUND');
    expect(await code(accounts.setSecret('tom', '12', admin))).toBe('BAD_REQUEST');
    await accounts.setSecret('tom', '24680', admin);
    expect(await code(accounts.signIn('tom', '1357'))).toBe('UNAUTHORIZED');
    expect((await accounts.signIn('tom', '24680')).login).toBe('tom');
    await accounts.remove('tom', admin);
    expect(await code(accounts.signIn('tom', '24680'))).toBe('UNAUTHORIZED');
    expect((await accounts.list()).map((a) => a.login)).toEqual(['boss']);
    expect(audited.map((a) => a.action)).toEqual(
      expect.arrayContaining(['operator.secret.set', 'operator.removed']),
    );
  });

  it('a station without accounts is an open bench until the first is added', async () => {
    const fresh = new OperatorAccounts({
      secrets: FileVault.inHome(fs.mkdtempSync(path.join(dir, 'f-')), 'fresh-vault-pass'),
      audit: () => {},
    });
    expect(await fresh.hasAny()).toBe(false);
    await fresh.add({ login: 'first', name: 'First Admin', role: 'admin', secret: '5555' });
    expect(await fresh.hasAny()).toBe(true);
  });
});
