/**
 * Inputs given on a Retry (or on a Start that resumes an unfinished job): an Account, Contact or work order
 * that replaces a missing one, so an operator never has to edit the station settings to rescue one job.
 *
 * The rule, and why:
 * - an input the job does not have is **filled** by anyone who may retry the job;
 * - an Account/Contact the org **refused** for this job (the job failed at the Asset step because Salesforce
 *   has no such record, or none was known: `customerRefused` in shared/retry.ts) is **replaced** by anyone
 *   who may retry — the job cannot go on with it anyway;
 * - any other present input (an Account the org accepted, a work order already recorded) is **replaced only by
 *   an administrator** (a signed-in admin, or the admin PIN on an open bench): the Account decides which
 *   customer owns the device in Salesforce, and the work order ties it to a production lot, so a technician
 *   must not move a device to another customer or lot by pressing Retry;
 * - once the Asset is registered (`upsert-asset` done) its Account/Contact can no longer change through the
 *   job (the Asset step does not run again): the operator is told to change it in Salesforce or onboard.
 * Every change is journaled (the job's inputs) and audited (`job.inputs`, with who authorised a replacement).
 */
import type { Job } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { CUSTOMER_INPUTS, RetryInputs, customerRefused } from '../../shared/retry';
import { authorityText, type AdminPin } from '../operators/admin-pin';
import type { AuditLog } from '../records/audit';
import type { Journal } from '../records/journal';
import { auditJob } from './job-audit';
import type { PreflightJob, PreflightProblem } from './preflight';
import { preflightError } from './preflight';

/** One input a retry changes. */
export interface InputChange {
  key: keyof RetryInputs;
  from?: string;
  to: string;
  /** filled: was missing; refused: replaced one the org refused; replaced: admin replaced a present one. */
  kind: 'filled' | 'refused' | 'replaced';
}

/** What a retry's inputs do to a job. */
export interface InputPlan {
  /** The job's inputs after the retry. */
  inputs: Record<string, string>;
  changes: InputChange[];
  /** True when a change needs an administrator (kind `replaced`). */
  needsAdmin: boolean;
}

/**
 * Parses inputs given with a retry: empty values are dropped, the rest checked against {@link RetryInputs}.
 * @returns undefined when nothing was given. @throws StationError BAD_REQUEST naming the field and what it must be
 */
export function parseRetryInputs(
  given: Record<string, string | undefined> | undefined,
): RetryInputs | undefined {
  const present = Object.fromEntries(
    Object.entries(given ?? {}).filter(
      ([k, v]) => v !== undefined && v.trim() !== '' && k in RetryInputs.shape,
    ),
  );
  if (Object.keys(present).length === 0) return undefined;
  const r = RetryInputs.safeParse(present);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new StationError(
      'BAD_REQUEST',
      `The ${String(issue.path[0] ?? 'input')} '${String(present[String(issue.path[0])] ?? '')}' is ${issue.message}.`,
      'Scan or type it again from the customer record (an Account Id starts with 001, a Contact Id with 003).',
    );
  }
  return r.data;
}

/**
 * Works out what `given` does to `job` under the rule above (pure: nothing is written).
 * @throws StationError CONFLICT when the Account/Contact would change after the Asset was registered
 */
export function planRetryInputs(job: Job, given: RetryInputs): InputPlan {
  const inputs = { ...(job.inputs ?? {}) };
  const changes: InputChange[] = [];
  const refused = customerRefused(job);
  const assetDone = job.steps.some((s) => s.name === 'upsert-asset' && s.state === 'done');
  for (const [key, to] of Object.entries(given) as Array<[keyof RetryInputs, string]>) {
    const from = inputs[key];
    if (from === to) continue;
    const customer = (CUSTOMER_INPUTS as readonly string[]).includes(key);
    if (customer && assetDone)
      throw new StationError(
        'CONFLICT',
        `Job ${job.id} has already registered the device's Asset${job.inputs?.accountId ? ` with Account ${job.inputs.accountId}` : ''}, so its customer can no longer change through this job.`,
        'Retry without a new Account, then change the Asset’s Account in Salesforce or onboard the device to the customer.',
      );
    const kind = !from ? 'filled' : customer && refused ? 'refused' : 'replaced';
    changes.push({ key, ...(from ? { from } : {}), to, kind });
    inputs[key] = to;
  }
  return { inputs, changes, needsAdmin: changes.some((c) => c.kind === 'replaced') };
}

/** What {@link applyRetryInputs} needs. */
export interface ApplyDeps {
  journal: Journal;
  audit: AuditLog;
  adminPin: AdminPin;
  operator(): string;
  /** Pre-flight of the job with its new inputs (provisioning jobs only); empty: it may go on. */
  preflight(job: PreflightJob): Promise<PreflightProblem[]>;
}

/**
 * Applies inputs given on a retry to a journaled job: checks who may (an administrator for a replacement,
 * `adminPin` on an open bench), runs pre-flight with the new inputs (an Account the org does not have is
 * refused like at Start), then journals the inputs and audits `job.inputs`. Nothing is written when any
 * check fails.
 * @param model the device model (for the pre-flight product check).
 * @throws StationError BAD_REQUEST (malformed input), CONFLICT (customer after the Asset), UNAUTHORIZED
 *   (a replacement without an administrator), a pre-flight problem (preflight.ts)
 */
export async function applyRetryInputs(
  deps: ApplyDeps,
  job: Job,
  given: Record<string, string | undefined> | undefined,
  opts: {
    model?: string | undefined;
    adminPin?: string | undefined;
    /**
     * A Start that resumes the job (a bench's scanned work order, the CLI's --account): replacements that
     * need an administrator are left out (the job keeps its inputs; this callback is told which) instead of refused.
     */
    keepPresent?: (kept: InputChange[]) => void;
  },
): Promise<InputChange[]> {
  const parsed = parseRetryInputs(given);
  if (!parsed) return [];
  let plan = planRetryInputs(job, parsed);
  if (opts.keepPresent && plan.needsAdmin) {
    opts.keepPresent(plan.changes.filter((c) => c.kind === 'replaced'));
    const kept = Object.fromEntries(
      plan.changes.filter((c) => c.kind === 'replaced').map((c) => [c.key, undefined]),
    );
    plan = planRetryInputs(job, parseRetryInputs({ ...parsed, ...kept }) ?? {});
  }
  if (plan.changes.length === 0) return [];
  const authority = plan.needsAdmin
    ? await deps.adminPin.require(opts.adminPin, 'change the Account or work order of a job')
    : undefined;
  if (job.kind === 'provision') {
    const problems = await deps.preflight({ model: opts.model ?? '', inputs: plan.inputs });
    if (problems.length) throw preflightError(problems);
  }
  deps.journal.setInputs(job.id, plan.inputs);
  auditJob(deps.audit, deps.journal, deps.operator(), 'job.inputs', job.id, {
    changes: plan.changes,
    ...(authority ? { authorisedBy: authorityText(authority) } : {}),
  });
  return plan.changes;
}
