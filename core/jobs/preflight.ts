/**
 * Pre-flight: before a provisioning job touches a device, one pass over everything the job will need
 * from outside the device — the station CA ready to sign, the org authorised (an org that does not answer
 * is not a problem here: an outage must not stop the line, the device steps run and the org steps retry), an Account
 * or Contact for the Asset (docs/salesforce-wire.md §4.1: every Asset needs one), and a Product for the
 * device model when the station maps models to Products (a non-empty `salesforce.productByModel`: an Asset
 * without a Product is valid in Salesforce, so an empty map asks nothing) — so that a missing piece is found before the
 * key and certificate are on the device, not at the Asset step. Every problem is reported at once, each
 * with its remedy.
 */
import type { StationConfig } from '../../shared/domain';
import { StationError, isStationError, type ErrorCode } from '../../shared/errors';
import type { SagaPorts } from '../bays/ports';
import { settingPlace } from '../config';
import { notEnforcedWarning } from '../salesforce/identity-rules';

/** One problem found, in the user's words. */
export interface PreflightProblem {
  /** Which check found it. */
  check: 'ca' | 'org' | 'customer' | 'product';
  code: ErrorCode;
  message: string;
  remedy: string;
}

/** What pre-flight reads. */
export interface PreflightDeps {
  ports: Pick<SagaPorts, 'pki' | 'org'>;
  config(): StationConfig;
  /** The station home's settings file (`<home>/config.json`), named in remedies about settings. */
  settingsFile?: string;
  /**
   * Says something to the station log that does not stop the job: that the org runs the Asset Station
   * package from before issue 18 (its clone check is then one more call, and can be raced), once per org.
   */
  warn?(message: string): void;
}

/** The job about to start: the identified device's model and the job's inputs (`accountId`, …). */
export interface PreflightJob {
  model: string;
  inputs: Record<string, string>;
}

/** Org answers that pass with time (an outage, the API limit): not a pre-flight problem. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['ORG_UNAVAILABLE', 'ORG_LIMIT']);

/** How long a confirmed Account stays confirmed (ms), so a batch asks the org once, not once per device. */
const ACCOUNT_OK_MS = 5 * 60_000;

/** Runs the checks; several jobs share the Account confirmation for {@link ACCOUNT_OK_MS}. */
export class Preflight {
  private readonly accounts = new Map<string, { found: Promise<boolean>; until?: number }>();
  /** Orgs already warned that they do not enforce the identity rules (once each). */
  private readonly warnedOrgs = new Set<string>();

  constructor(
    private readonly deps: PreflightDeps,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Every problem that would stop `job` before or at its org steps; empty when it can start.
   * Never throws: a failing check is a problem in the list.
   */
  async problems(job: PreflightJob): Promise<PreflightProblem[]> {
    const out: PreflightProblem[] = [];
    const sf = this.deps.config().salesforce;
    const caught = (check: PreflightProblem['check'], e: unknown) => {
      const se = isStationError(e)
        ? e
        : new StationError(
            'INTERNAL',
            String((e as Error)?.message ?? e),
            'Report this with the station log.',
          );
      out.push({ check, code: se.code, message: se.message, remedy: se.remedy });
    };
    const ca = this.deps.ports.pki().catch((e: unknown) => caught('ca', e));
    const accountId = job.inputs.accountId || sf.accountId;
    if (!accountId && !job.inputs.contactId && !sf.contactId) {
      out.push({
        check: 'customer',
        code: 'ORG_CONFIG',
        message:
          'No customer Account (or Contact) is known for this job, and Salesforce needs one for every Asset.',
        remedy: `Scan or enter the customer Account for this job, or set ${settingPlace('salesforce.accountId', this.deps.settingsFile)}.`,
      });
    }
    const products = sf.productByModel;
    // a station that maps models to Products (a non-empty map) registers no Asset of an unmapped model
    if (job.model && Object.keys(products).length > 0 && !products[job.model]) {
      out.push({
        check: 'product',
        code: 'ORG_CONFIG',
        message: `The station's product map has no Salesforce Product for device model ${job.model}.`,
        remedy: `Add ${job.model} to the product map with its Product2 Id: ${settingPlace('salesforce.productByModel', this.deps.settingsFile)}.`,
      });
    }
    try {
      const org = await this.deps.ports.org();
      await this.warnIfNotEnforced(org);
      if (accountId && org.findAccount && !(await this.accountExists(accountId, org.findAccount))) {
        out.push({
          check: 'customer',
          code: 'ORG_CONFIG',
          message: `Salesforce has no Account ${accountId} (or this station's user cannot see it).`,
          remedy:
            'Check the Account Id (scan it again from the customer record), or ask the Salesforce admin to share that Account with the station user.',
        });
      }
    } catch (e) {
      // an outage is not a reason to hold the line: the device steps run and the org steps wait or retry
      if (!(isStationError(e) && TRANSIENT.has(e.code))) caught('org', e);
    }
    await ca;
    const order = ['ca', 'org', 'customer', 'product'];
    return out.sort((a, b) => order.indexOf(a.check) - order.indexOf(b.check));
  }

  /**
   * Warns once per org that it does not enforce the device identity rules (core/salesforce/identity-rules.ts):
   * not a problem — the station keeps its SOQL clone check — but the admin should deploy the updated package.
   * An org that cannot say now (outage) is asked again at the next job.
   */
  private async warnIfNotEnforced(org: Awaited<ReturnType<PreflightDeps['ports']['org']>>): Promise<void> {
    if (!this.deps.warn || this.warnedOrgs.has(org.orgId)) return;
    const rules = await org.identityRules().catch(() => undefined);
    if (!rules || rules.enforced) return;
    this.warnedOrgs.add(org.orgId);
    const w = notEnforcedWarning(rules.missing ?? 'identity rules missing');
    this.deps.warn(`${w.message} ${w.remedy}`);
  }

  /**
   * Whether the org has the Account: one look-up shared by every job asking meanwhile (a batch of bays
   * starting together), a found Account remembered for {@link ACCOUNT_OK_MS}.
   */
  private accountExists(
    id: string,
    find: (id: string) => Promise<{ id: string } | undefined>,
  ): Promise<boolean> {
    const known = this.accounts.get(id);
    if (known && (known.until === undefined || known.until > this.now())) return known.found;
    const found = find(id).then((a) => {
      if (a) this.accounts.set(id, { found, until: this.now() + ACCOUNT_OK_MS });
      else this.accounts.delete(id);
      return Boolean(a);
    });
    found.catch(() => this.accounts.delete(id));
    this.accounts.set(id, { found });
    return found;
  }
}

/**
 * The error a job start answers with when pre-flight found problems: the first problem's code, every
 * problem in the message (numbered) and in `details.problems`, the remedies one after the other.
 */
export function preflightError(problems: PreflightProblem[]): StationError {
  const one = problems.length === 1;
  const message = one
    ? `The job did not start (nothing was done to the device): ${problems[0]!.message}`
    : `The job did not start (nothing was done to the device): ${problems.length} problems. ${problems.map((p, i) => `${i + 1}) ${p.message}`).join(' ')}`;
  const remedy = one ? problems[0]!.remedy : problems.map((p, i) => `${i + 1}) ${p.remedy}`).join(' ');
  return new StationError(problems[0]!.code, message, remedy, { preflight: true, problems });
}
