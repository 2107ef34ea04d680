/**
 * What onboarding asks of the org, on the station's REST session: Accounts found by name with their
 * billing address, the Contacts of an Account, and the Asset linked to its customer (one Composite
 * call: the update, then the Asset read back, so the station checks what the org now holds).
 * Sources: SOQL query resource and LIKE
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm),
 * Composite (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm),
 * Asset fields Status / InstallDate / AccountId / ContactId
 * (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_asset.htm).
 */
import { StationError } from '../../shared/errors';
import type { CustomerAccount, CustomerContact } from '../../shared/onboard';
import { soqlQuote } from '../salesforce/assets';
import type { OrgPort } from '../bays/ports';
import type { SubjectSession } from '../salesforce/asset-token-exchange';
import type { RestApi } from '../salesforce/rest';

/** The org calls onboarding makes (OrgPort.onboard). */
export interface OnboardOrg {
  /** Accounts whose name contains `text` (case-insensitive), at most 20, by name. */
  searchAccounts(text: string): Promise<CustomerAccount[]>;
  /** One Account by record Id, with its Contacts (undefined: no such Account). */
  account(id: string): Promise<(CustomerAccount & { contacts: CustomerContact[] }) | undefined>;
  /**
   * Links the Asset to its customer and marks it installed; reads the Asset back.
   * @throws StationError ORG_INCONSISTENT when the Asset read back does not carry what was written.
   */
  linkAsset(assetId: string, link: AssetLink): Promise<void>;
  /**
   * The asset-token flow of {@link OrgPort.issueAssetToken} with `subject` (the installer's own login)
   * as the subject of the exchange; the token is validated with the station org's keys. Absent: the
   * org connection cannot do it.
   */
  issueAssetTokenAs?(
    subject: SubjectSession,
    q: Parameters<OrgPort['issueAssetToken']>[0],
  ): ReturnType<OrgPort['issueAssetToken']>;
}

/** What an installed Asset carries. */
export interface AssetLink {
  accountId: string;
  contactId?: string | undefined;
  /** YYYY-MM-DD (the Asset's InstallDate is a date field). */
  installDate: string;
  /** Installer, location and notes, as one text (Asset.Description). */
  description: string;
}

const ACCOUNT_FIELDS = 'Id, Name, BillingStreet, BillingCity, BillingPostalCode, BillingCountry';
const RECORD_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function toAccount(row: Record<string, unknown>): CustomerAccount {
  const address = [row.BillingStreet, row.BillingPostalCode, row.BillingCity, row.BillingCountry]
    .map(str)
    .filter(Boolean)
    .join(', ');
  return { id: str(row.Id), name: str(row.Name), address };
}

/** Escapes the SOQL LIKE wildcards in user text, then quotes it. */
function likeContains(text: string): string {
  return soqlQuote(`%${text.replace(/[%_]/g, (c) => `\\${c}`)}%`);
}

/** Onboarding's org calls on `rest`; `apiVersion` like `62.0`. */
export function onboardOrg(rest: RestApi, apiVersion: string): OnboardOrg {
  return {
    async searchAccounts(text) {
      const t = text.trim();
      if (t.length < 2)
        throw new StationError(
          'BAD_REQUEST',
          'Type at least two letters of the customer name.',
          'Type more of the name, or scan the Account barcode.',
        );
      const rows = await rest.query(
        `SELECT ${ACCOUNT_FIELDS} FROM Account WHERE Name LIKE ${likeContains(t.slice(0, 80))} ORDER BY Name LIMIT 20`,
        `search the customer Accounts for "${t}"`,
      );
      return rows.map(toAccount);
    },
    async account(id) {
      if (!RECORD_ID.test(id) || !id.startsWith('001'))
        throw new StationError(
          'BAD_REQUEST',
          `"${id}" is not a Salesforce Account Id.`,
          'Scan the Account barcode again, or search the customer by name.',
        );
      const [row] = await rest.query(
        `SELECT ${ACCOUNT_FIELDS} FROM Account WHERE Id = ${soqlQuote(id)} LIMIT 1`,
        `look up the Account ${id}`,
      );
      if (!row) return undefined;
      const contacts = await rest.query(
        `SELECT Id, FirstName, LastName, Email FROM Contact WHERE AccountId = ${soqlQuote(str(row.Id))} ORDER BY LastName LIMIT 200`,
        `list the Contacts of ${str(row.Name)}`,
      );
      return {
        ...toAccount(row),
        contacts: contacts.map((c) => ({
          id: str(c.Id),
          name: [str(c.FirstName), str(c.LastName)].filter(Boolean).join(' '),
          email: str(c.Email),
        })),
      };
    },
    async linkAsset(assetId, link) {
      const base = `/services/data/v${apiVersion}`;
      const fields = {
        AccountId: link.accountId,
        ContactId: link.contactId ?? null,
        Status: 'Installed',
        InstallDate: link.installDate,
        Description: link.description,
      };
      const doing = `link the Asset ${assetId} to its customer`;
      const res = await rest.call<{ compositeResponse?: Array<{ httpStatusCode: number; body: unknown }> }>(
        {
          method: 'POST',
          url: '/composite',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            allOrNone: true,
            compositeRequest: [
              {
                method: 'PATCH',
                url: `${base}/sobjects/Asset/${assetId}`,
                referenceId: 'link',
                body: fields,
              },
              {
                method: 'GET',
                url: `${base}/sobjects/Asset/${assetId}?fields=AccountId,ContactId,Status,InstallDate`,
                referenceId: 'check',
              },
            ],
          }),
        },
        doing,
        true, // the same PATCH again changes nothing: safe to retry
      );
      const [patch, check] = res.compositeResponse ?? [];
      if (!patch || patch.httpStatusCode >= 400) {
        const err = (Array.isArray(patch?.body) ? patch.body[0] : undefined) as
          { message?: string } | undefined;
        throw new StationError(
          'ORG_REJECTED',
          `The org refused to link the Asset to the customer${err?.message ? `: ${err.message}` : '.'}`,
          'Check the Account and Contact, and that your Salesforce user may edit Assets; then try again.',
        );
      }
      const back = (check?.body ?? {}) as Record<string, unknown>;
      const same = (a: unknown, b: string | undefined) => str(a).slice(0, 15) === (b ?? '').slice(0, 15);
      if (
        !same(back.AccountId, link.accountId) ||
        !same(back.ContactId, link.contactId) ||
        back.Status !== 'Installed' ||
        back.InstallDate !== link.installDate
      )
        throw new StationError(
          'ORG_INCONSISTENT',
          `The org answered the link of Asset ${assetId}, but the Asset read back does not carry it.`,
          'Try again; if it persists, ask your Salesforce administrator to check automation on Asset.',
        );
    },
  };
}
