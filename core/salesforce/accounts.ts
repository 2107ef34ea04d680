/**
 * Looking a customer Account up by its record Id, so an installer sees the customer's name before a
 * scanned Account Id is used for a job. One SOQL query (docs/salesforce-wire.md §4.2 query resource;
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm).
 */
import { StationError } from '../../shared/errors';
import { soqlQuote } from './assets';
import type { RestApi } from './rest';

/** An Account as the station shows it. */
export interface AccountFacts {
  /** The 18-character record Id the org returned. */
  id: string;
  name: string;
}

/**
 * Salesforce record Ids are 15 (case-sensitive) or 18 (case-safe) letters and digits; Account Ids
 * start with the key prefix 001 (https://help.salesforce.com/s/articleView?id=000385008&type=1).
 */
const ACCOUNT_ID = /^001[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;

/**
 * Finds the Account with record Id `id`.
 * @returns the Account, or undefined when the org has none with that Id.
 * @throws StationError BAD_REQUEST when `id` is not an Account Id (checked before any call);
 *   ORG_* of the query (not connected, auth, unavailable).
 */
export async function findAccount(rest: RestApi, id: string): Promise<AccountFacts | undefined> {
  if (!ACCOUNT_ID.test(id)) {
    throw new StationError(
      'BAD_REQUEST',
      `"${id}" is not a Salesforce Account Id (15 or 18 letters and digits starting with 001).`,
      'Scan the Account barcode again, or type the Account Id from the customer record.',
    );
  }
  const rows = await rest.query(
    `SELECT Id, Name FROM Account WHERE Id = ${soqlQuote(id)} LIMIT 1`,
    `look up the Account ${id}`,
  );
  const row = rows[0];
  if (!row || typeof row.Id !== 'string') return undefined;
  return { id: row.Id, name: typeof row.Name === 'string' ? row.Name : '' };
}
