/**
 * The customer Accounts confirmed in one org session (issue 18): pre-flight asks whether the job's Account
 * exists before every job, and an Account once found is not looked up again for the rest of the session —
 * so a line of devices costs the org one Account query, not one per device. An Account the org does not
 * have is never remembered (the next job asks again), and an upsert the org refuses because the Account is
 * gone (deleted, or no longer shared with the station user) forgets it (see {@link accountGone}).
 */
import { isStationError } from '../../shared/errors';
import type { AccountFacts } from './accounts';

/** The Salesforce codes of a write that names a record that is not there (docs/salesforce-wire.md §4.2). */
const GONE_CODES: ReadonlySet<string> = new Set([
  'INVALID_CROSS_REFERENCE_KEY',
  'ENTITY_IS_DELETED',
  'FIELD_INTEGRITY_EXCEPTION',
]);

/**
 * Whether `e` (a StationError of an Asset upsert) says a referenced record is not there: its Salesforce
 * code is one of INVALID_CROSS_REFERENCE_KEY, ENTITY_IS_DELETED or FIELD_INTEGRITY_EXCEPTION, naming
 * `AccountId` or no field at all.
 */
export function accountGone(e: unknown): boolean {
  if (!isStationError(e)) return false;
  const code = e.details?.sfCode;
  if (typeof code !== 'string' || !GONE_CODES.has(code)) return false;
  const fields = e.details?.fields;
  return !Array.isArray(fields) || fields.length === 0 || fields.includes('AccountId');
}

/** Accounts found in one session; concurrent look-ups of one Id share one query. */
export class AccountCache {
  private readonly known = new Map<string, Promise<AccountFacts | undefined>>();

  /** @param lookup one query of the org (accounts.ts findAccount): undefined when it has no such Account */
  constructor(private readonly lookup: (id: string) => Promise<AccountFacts | undefined>) {}

  /**
   * The Account with record Id `id`: from this session's memory when it was found before, otherwise from
   * the org (one query, shared by every caller asking meanwhile).
   * @throws what `lookup` throws (nothing is remembered then)
   */
  find(id: string): Promise<AccountFacts | undefined> {
    const known = this.known.get(id);
    if (known) return known;
    const asked = this.lookup(id).then(
      (a) => {
        if (!a) this.known.delete(id);
        return a;
      },
      (e: unknown) => {
        this.known.delete(id);
        throw e;
      },
    );
    this.known.set(id, asked);
    return asked;
  }

  /** Looks `id` up now so the first job finds it remembered (e.g. the configured Account at connect). Never throws. */
  warm(id: string | undefined): Promise<void> {
    if (!id) return Promise.resolve();
    return this.find(id).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Forgets `id` (the org refused a write naming it): the next {@link find} asks the org. */
  forget(id: string | undefined): void {
    if (id) this.known.delete(id);
  }
}

const bySession = new WeakMap<object, AccountCache>();

/** The cache of one org session (an OrgClient), created on first use with `lookup`. */
export function accountCacheOf(
  session: object,
  lookup: (id: string) => Promise<AccountFacts | undefined>,
): AccountCache {
  let c = bySession.get(session);
  if (!c) bySession.set(session, (c = new AccountCache(lookup)));
  return c;
}
