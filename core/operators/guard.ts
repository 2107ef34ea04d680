/**
 * The core's gate in front of every station API method: {@link METHOD_GUARDS} says, for each method,
 * which act (roles.ts) the caller must be allowed to do — a table checked with `satisfies` against the
 * API's method list, so a new method without a rule does not compile. The Station runs
 * {@link AccessGuard.check} before every method, whatever face called it (window, CLI, harness).
 *
 * Two modes:
 * - **accounts** (the station has at least one operator account): nothing but the sign-in methods
 *   works until an operator signs in, and the signed-in operator's role must allow the act; the admin
 *   PIN no longer stands in for the admin role.
 * - **open bench** (no account yet: the demo, a first start): anyone may do the bench acts, and the
 *   admin acts still need the admin PIN (checked where they are done: operators/admin-pin.ts).
 */
import { METHOD_NAMES, type MethodName, type MethodRequest, type StationMethods } from '../../shared/api';
import type { JobKind } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { assertMay, NO_ONE_SIGNED_IN_REMEDY, type Operator, type StationAct } from './roles';

/** What a method needs: nothing, any signed-in operator, or the role for one or more acts. */
export type MethodRule =
  | 'anyone'
  | 'signed-in'
  | StationAct
  | ((req: never, ctx: GuardContext) => ReadonlyArray<StationAct | 'signed-in'>);

/** What a rule may look up. */
export interface GuardContext {
  /** The kind of a journaled job, if there is such a job. */
  jobKind(jobId: string): JobKind | undefined;
}

const KIND_ACT: Record<JobKind, StationAct> = {
  provision: 'provision a device',
  verify: 'verify a device',
};
/** Retry/cancel: the act of the job's kind (an unknown job: signed-in, the method says NOT_FOUND). */
const byJobKind = (req: { jobId: string }, ctx: GuardContext): Array<StationAct | 'signed-in'> => {
  const kind = ctx.jobKind(req.jobId);
  return [kind ? KIND_ACT[kind] : 'signed-in'];
};

/** The rule of every API method. */
export const METHOD_GUARDS = {
  ping: 'anyone',
  getStationInfo: 'anyone',
  signIn: 'anyone',
  signOut: 'anyone',
  getOperator: 'anyone',
  listSerialPorts: 'signed-in',
  listBays: 'signed-in',
  attachBay: 'attach a device',
  startJob: (req: MethodRequest<'startJob'>) => [
    KIND_ACT[req.kind],
    ...(req.reprovision ? (['re-provision a device'] as const) : []),
  ],
  retryJob: byJobKind,
  cancelJob: byJobKind,
  getJob: 'signed-in',
  listParkedJobs: 'signed-in',
  drainParkedJobs: 'provision a device',
  setAutoMode: 'provision a device',
  verifyDevice: 'verify a device',
  listRecords: 'signed-in',
  getRecord: 'signed-in',
  getLabel: 'signed-in',
  printLabel: 'signed-in',
  listLog: 'signed-in',
  exportLog: 'signed-in',
  exportRecords: 'signed-in',
  getYieldReport: 'signed-in',
  getConfig: 'signed-in',
  setConfig: 'change the station settings',
  getOrgStatus: 'signed-in',
  // PKCE is the operator's own Salesforce login; the JWT flow (the station's key) is checked as an
  // admin act where it is done (org-connection.ts).
  connectOrg: 'signed-in',
  disconnectOrg: 'signed-in',
  findAccount: 'signed-in',
  getCaInfo: 'signed-in',
  listOperators: 'manage operator accounts',
  // The first account of a station is added before anyone can sign in (accounts.ts checks the rest).
  addOperator: 'anyone',
  updateOperator: 'manage operator accounts',
  removeOperator: 'manage operator accounts',
  setOperatorSecret: 'manage operator accounts',
  searchAccounts: 'look up a customer Account',
  getAccount: 'onboard a device to a customer',
  onboardDevice: 'onboard a device to a customer',
  listLots: 'signed-in',
  getLot: 'signed-in',
  createLot: 'verify a QA lot',
  addLotDevice: 'verify a QA lot',
  verifyLot: 'verify a QA lot',
  // qa/service.ts also requires a signed-in QA inspector or admin on an open bench (the name it signs with)
  signOffLot: 'sign off a QA lot',
  exportLotReport: 'signed-in',
  onboardSalesforceLogin: 'onboard a device to a customer',
} as const satisfies Record<MethodName, MethodRule>;

/** What the guard needs from the station. */
export interface AccessGuardDeps extends GuardContext {
  /** The operator signed in at the station, if any. */
  signedIn(): Operator | undefined;
  /** True when the station has at least one operator account (accounts mode). */
  hasAccounts(): Promise<boolean>;
  /** Audits a refusal (`operator.refused`). */
  audit(action: string, data: Record<string, unknown>): void;
}

/** Checks each API call against {@link METHOD_GUARDS}. */
export class AccessGuard {
  constructor(private readonly deps: AccessGuardDeps) {}

  /** The acts a call needs ('signed-in': any operator). */
  needs(method: MethodName, req: unknown): ReadonlyArray<StationAct | 'signed-in'> {
    const rule: MethodRule = METHOD_GUARDS[method];
    if (rule === 'anyone') return [];
    if (typeof rule === 'function') return rule(req as never, this.deps);
    return [rule];
  }

  /**
   * Lets the call go ahead, or refuses it.
   * @throws StationError UNAUTHORIZED when the station has operator accounts and nobody is signed in,
   *   or the signed-in operator's role may not do the act (the message names who may); the refusal is
   *   audited with the method and the operator.
   */
  async check(method: MethodName, req: unknown): Promise<void> {
    const needs = this.needs(method, req);
    if (needs.length === 0) return;
    const who = this.deps.signedIn();
    if (!who && !(await this.deps.hasAccounts())) return; // open bench: admin acts meet the admin PIN
    for (const act of needs) {
      try {
        if (act !== 'signed-in') assertMay(who, act);
        else if (!who)
          throw new StationError(
            'UNAUTHORIZED',
            'Nobody is signed in at this station.',
            NO_ONE_SIGNED_IN_REMEDY,
          );
      } catch (e) {
        this.deps.audit('operator.refused', { method, act, by: who?.login ?? null, role: who?.role ?? null });
        throw e;
      }
    }
  }
}

/**
 * Puts `check` in front of every API method of `station` (each method of the API's list is replaced
 * on the instance by one that awaits `check(method, request)` first), so no face of the product can
 * reach a method around the guard.
 */
export function guardMethods(
  station: StationMethods,
  check: (method: MethodName, req: unknown) => Promise<void>,
): void {
  for (const method of METHOD_NAMES) {
    const inner = station[method].bind(station) as (req: unknown) => Promise<unknown>;
    Object.defineProperty(station, method, {
      configurable: true,
      writable: true,
      value: async (req: unknown) => {
        await check(method, req);
        return inner(req);
      },
    });
  }
}
