/**
 * Inputs given on a Retry: the customer Account or Contact and the work order an operator types or scans
 * when a job failed for want of one. Shared by the core (which decides, core/jobs/retry-inputs.ts) and the
 * renderer (which offers the Account field on Retry when {@link customerRefused} says so).
 *
 * No Node and no DOM here.
 */
import { z } from 'zod';
import type { Job } from './domain';

/**
 * A Salesforce record Id of one object: 15 or 18 letters and digits starting with the object's key
 * prefix (Account `001`, Contact `003`; https://help.salesforce.com/s/articleView?id=000385203&type=1).
 */
const recordId = (prefix: string, what: string) =>
  z.string().regex(new RegExp(`^${prefix}[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$`), {
    message: `not a Salesforce ${what} Id (15 or 18 letters and digits starting with ${prefix})`,
  });

/** The inputs a Retry may give (each optional; at least one when the object is given). */
export const RetryInputs = z
  .object({
    accountId: recordId('001', 'Account').optional(),
    contactId: recordId('003', 'Contact').optional(),
    workOrder: z.string().trim().min(1).max(64).optional(),
  })
  .strict();
export type RetryInputs = z.infer<typeof RetryInputs>;

/** The inputs that name the customer the Asset belongs to (docs/salesforce-wire.md §4.1). */
export const CUSTOMER_INPUTS = ['accountId', 'contactId'] as const;

/**
 * Salesforce error codes that mean "the Account/Contact given is not one the org has" on an Asset write
 * (docs/salesforce-wire.md §4.2): a deleted or unknown record, an Id of another object, an Id the
 * station user cannot see.
 */
const CUSTOMER_REFUSALS: ReadonlySet<string> = new Set([
  'INVALID_CROSS_REFERENCE_KEY',
  'ENTITY_IS_DELETED',
  'FIELD_INTEGRITY_EXCEPTION',
  'MALFORMED_ID',
]);

/**
 * True when a failed provisioning job stopped at the Asset step because it had no customer for the Asset:
 * none was known (`details.missing === 'customer'`), or the org refused the Account/Contact it was given
 * (one of {@link CUSTOMER_REFUSALS}, naming AccountId/ContactId when the org names fields). Such a job
 * can be retried with another Account without an administrator (core/jobs/retry-inputs.ts).
 */
export function customerRefused(job: Pick<Job, 'state' | 'steps' | 'error'>): boolean {
  if (job.state !== 'failed') return false;
  const step = job.steps.find((s) => s.name === 'upsert-asset');
  const error = step?.state === 'failed' ? (step.error ?? job.error) : undefined;
  if (!error) return false;
  const d = error.details ?? {};
  if (d.missing === 'customer') return true;
  const fields = Array.isArray(d.fields) ? (d.fields as unknown[]).map(String) : [];
  const namesCustomer = fields.length === 0 || fields.some((f) => f === 'AccountId' || f === 'ContactId');
  return typeof d.sfCode === 'string' && CUSTOMER_REFUSALS.has(d.sfCode) && namesCustomer;
}
