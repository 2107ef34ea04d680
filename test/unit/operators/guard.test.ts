/**
 * The core's role guard (core/operators/guard.ts): every API method has a rule; with operator accounts
 * nobody gets past it unsigned-in and each role only does its own acts (the attack: a technician calling
 * setConfig, re-provision or verify directly fails, and the refusal is audited); an open bench (no
 * accounts) lets the bench acts through and leaves admin acts to the admin PIN.
 */
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, type MethodName, type StationMethods } from '../../../shared/api';
import type { StationError } from '../../../shared/errors';
import { AccessGuard, METHOD_GUARDS, guardMethods } from '../../../core/operators/guard';
import type { Operator } from '../../../core/operators/roles';

const tech: Operator = { login: 'tom', name: 'Tom Tech', role: 'technician' };
const qa: Operator = { login: 'quinn', name: 'Quinn QA', role: 'qa' };
const installer: Operator = { login: 'ian', name: 'Ian Installer', role: 'installer' };
const admin: Operator = { login: 'ada', name: 'Ada Admin', role: 'admin' };

function guard(who: Operator | undefined, accounts = true) {
  const audited: Array<Record<string, unknown>> = [];
  const g = new AccessGuard({
    signedIn: () => who,
    hasAccounts: async () => accounts,
    jobKind: (id) => (id === 'job-v' ? 'verify' : id === 'job-p' ? 'provision' : undefined),
    audit: (action, data) => audited.push({ action, ...data }),
  });
  const outcome = (m: MethodName, req: unknown = {}) =>
    g.check(m, req).then(
      () => 'ok',
      (e: StationError) => `${e.code}: ${e.message}`,
    );
  return { g, audited, outcome };
}

describe('role guard', () => {
  it('has a rule for every API method, and only sign-in and info are open to anyone', () => {
    expect(Object.keys(METHOD_GUARDS).sort()).toEqual([...METHOD_NAMES].sort());
    const open = METHOD_NAMES.filter((m) => METHOD_GUARDS[m] === 'anyone').sort();
    expect(open).toEqual(['addOperator', 'getOperator', 'getStationInfo', 'ping', 'signIn', 'signOut']);
  });

  it('refuses a technician settings, re-provision, verify and accounts, and audits each refusal', async () => {
    const { outcome, audited } = guard(tech);
    expect(await outcome('setConfig')).toMatch(
      /^UNAUTHORIZED: Tom Tech is signed in as a technician, and only an administrator may change the station settings/,
    );
    expect(await outcome('startJob', { bayId: 'b1', kind: 'provision', reprovision: true })).toMatch(
      /only an administrator may re-provision a device/,
    );
    expect(await outcome('verifyDevice', { bayId: 'b1' })).toMatch(/may verify a device/);
    expect(await outcome('retryJob', { jobId: 'job-v' })).toMatch(/may verify a device/);
    expect(await outcome('listOperators')).toMatch(/manage operator accounts/);
    expect(audited).toHaveLength(5);
    expect(audited[0]).toEqual({
      action: 'operator.refused',
      method: 'setConfig',
      act: 'change the station settings',
      by: 'tom',
      role: 'technician',
    });
    // what a technician is for
    expect(await outcome('startJob', { bayId: 'b1', kind: 'provision' })).toBe('ok');
    expect(await outcome('retryJob', { jobId: 'job-p' })).toBe('ok');
    expect(await outcome('cancelJob', { jobId: 'job-p' })).toBe('ok');
    expect(await outcome('setAutoMode', { enabled: true })).toBe('ok');
    expect(await outcome('listBays')).toBe('ok');
  });

  it('gives QA verify but not provisioning, an installer neither, the admin everything', async () => {
    expect(await guard(qa).outcome('verifyDevice', { bayId: 'b1' })).toBe('ok');
    expect(await guard(qa).outcome('startJob', { bayId: 'b1', kind: 'provision' })).toMatch(/UNAUTHORIZED/);
    expect(await guard(installer).outcome('startJob', { bayId: 'b1', kind: 'verify' })).toMatch(
      /Ian Installer is signed in as an installer, and only a QA inspector or an administrator may verify a device/,
    );
    expect(await guard(installer).outcome('attachBay', { locator: 'sim:1' })).toBe('ok');
    for (const m of METHOD_NAMES)
      expect(await guard(admin).outcome(m, { kind: 'provision', reprovision: true, jobId: 'job-p' })).toBe(
        'ok',
      );
  });

  it('lets nobody past but sign-in while accounts exist and nobody is signed in', async () => {
    const { outcome } = guard(undefined);
    expect(await outcome('listRecords')).toBe('UNAUTHORIZED: Nobody is signed in at this station.');
    expect(await outcome('startJob', { bayId: 'b1', kind: 'provision' })).toMatch(
      /^UNAUTHORIZED: Nobody is signed in/,
    );
    expect(await outcome('setConfig')).toMatch(/^UNAUTHORIZED/);
    expect(await outcome('signIn', { login: 'tom', secret: '1357' })).toBe('ok');
    expect(await outcome('getStationInfo')).toBe('ok');
  });

  it('on an open bench (no accounts) lets every call through to the admin PIN checks', async () => {
    const { outcome } = guard(undefined, false);
    for (const m of METHOD_NAMES) expect(await outcome(m, { kind: 'provision', jobId: 'x' })).toBe('ok');
  });

  it('guardMethods puts the check in front of every method of the object', async () => {
    const called: string[] = [];
    const target = Object.fromEntries(
      METHOD_NAMES.map((m) => [m, async () => (called.push(m), m)]),
    ) as unknown as StationMethods;
    const checked: string[] = [];
    guardMethods(target, async (m) => {
      checked.push(m);
      if (m === 'setConfig') throw new Error('refused');
    });
    await expect(target.setConfig({} as never)).rejects.toThrow('refused');
    expect(called).not.toContain('setConfig');
    await target.listBays({});
    expect(called).toEqual(['listBays']);
    expect(checked).toEqual(['setConfig', 'listBays']);
  });
});
