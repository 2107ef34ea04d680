/**
 * Maps Salesforce failures to station errors with remedies. Decisions use the machine-readable
 * `errorCode` (REST, docs/salesforce-wire.md §4.2), the per-record `statusCode` of sObject Collections (both keys
 * occur, §4.2), the OAuth `error` (§1.7) and HTTP status — never the message text, which Salesforce
 * localises.
 */
import { StationError } from '../../shared/errors';

/** One Salesforce error, as found in a REST error array or a Collections result. */
export interface SfError {
  errorCode?: string;
  statusCode?: string;
  message?: string;
  fields?: string[];
}

/** The code of a Salesforce error, whichever key carries it (docs/salesforce-wire.md §4.2). */
export function sfCode(e: SfError): string {
  return e.errorCode ?? e.statusCode ?? 'UNKNOWN';
}

/** What the failed call was doing, for the message ("upsert Asset AB-1"). */
export type Doing = string;

const CONFIG_CODES = new Set([
  'INVALID_FIELD',
  'INVALID_TYPE',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INVALID_CROSS_REFERENCE_KEY',
  'MALFORMED_ID',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'NOT_FOUND',
  'FUNCTIONALITY_NOT_ENABLED',
]);

/** Maps one REST error code to a StationError. */
export function fromSfError(e: SfError, doing: Doing, status?: number): StationError {
  const code = sfCode(e);
  const detail = e.message ? ` (${code}: ${e.message})` : ` (${code})`;
  const details = {
    sfCode: code,
    ...(e.fields?.length ? { fields: e.fields } : {}),
    ...(status ? { status } : {}),
  };
  switch (code) {
    case 'INVALID_SESSION_ID':
      return new StationError(
        'ORG_AUTH',
        `The Salesforce session is no longer valid while trying to ${doing}${detail}.`,
        'Log in to the org again (asset-station org login, or Connect org in the app).',
        details,
      );
    case 'REQUEST_LIMIT_EXCEEDED':
      return new StationError(
        'ORG_LIMIT',
        `Salesforce refused to ${doing}: the org's API request limit is exhausted${detail}.`,
        'Wait until the rolling 24-hour API allocation frees up, or ask the Salesforce admin to raise it; nothing was lost, retry the job later.',
        details,
      );
    case 'DUPLICATE_VALUE':
    case 'DUPLICATE_EXTERNAL_ID':
    case 'MULTIPLE_CHOICES':
      return new StationError(
        'ORG_DUPLICATE',
        `Salesforce refused to ${doing}: a record with the same unique value already exists${detail}.`,
        'Open the existing Asset(s) in Salesforce and merge or delete the duplicate, then retry; the station never creates a second Asset for a device.',
        details,
      );
    case 'FIELD_INTEGRITY_EXCEPTION':
    case 'REQUIRED_FIELD_MISSING':
    case 'STRING_TOO_LONG':
    case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
    case 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST':
    case 'JSON_PARSER_ERROR':
    case 'ALL_OR_NONE_OPERATION_ROLLED_BACK':
    case 'PROCESSING_HALTED':
    case 'ENTITY_IS_DELETED':
      return new StationError(
        'ORG_REJECTED',
        `Salesforce rejected the request to ${doing}${detail}.`,
        'Check the Asset field mapping and the values (Account/Contact, Product, Status) in the station settings, and any validation rules on Asset in the org; then retry.',
        details,
      );
    case 'SERVER_UNAVAILABLE':
    case 'UNKNOWN_EXCEPTION':
      return unavailable(doing, detail, details);
    default:
      break;
  }
  if (CONFIG_CODES.has(code)) {
    return new StationError(
      'ORG_CONFIG',
      `The org is not set up as the station expects: it refused to ${doing}${detail}.`,
      'Deploy the Asset custom fields and assign the Asset Station permission set (docs/salesforce-setup.md), and check the field mapping and record IDs in the station settings.',
      details,
    );
  }
  const httpStatus = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const st = status ?? (httpStatus ? Number(httpStatus[1]) : undefined);
  if (st === 429) {
    return new StationError(
      'ORG_LIMIT',
      `Salesforce is rate-limiting requests (HTTP 429) while trying to ${doing}.`,
      'Wait a minute and retry; reduce the number of bays running at once if it keeps happening.',
      details,
    );
  }
  if (st !== undefined && st >= 500) return unavailable(doing, detail, details);
  return new StationError(
    'ORG_REJECTED',
    `Salesforce rejected the request to ${doing}${detail}.`,
    'Read the Salesforce error code in the details; fix the data or org setup it names, then retry.',
    details,
  );
}

function unavailable(doing: Doing, detail: string, details: Record<string, unknown>): StationError {
  return new StationError(
    'ORG_UNAVAILABLE',
    `Salesforce is unavailable: could not ${doing}${detail}.`,
    'Check the network and https://status.salesforce.com, then retry; upserts are idempotent, so a retry never creates a second Asset.',
    details,
  );
}

/** Maps an OAuth token-endpoint error (`{error, error_description}`, docs/salesforce-wire.md §1.7). */
export function fromOAuthError(error: string, description: string, doing: Doing): StationError {
  const details = { oauthError: error };
  switch (error) {
    case 'invalid_client':
    case 'invalid_client_id':
    case 'unauthorized_client':
    case 'unsupported_grant_type':
    case 'redirect_uri_mismatch':
      return new StationError(
        'ORG_CONFIG',
        `Salesforce refused to ${doing}: ${error} (${description}).`,
        'Check the consumer key, the callback URL and the enabled OAuth flows of the External Client App (docs/salesforce-setup.md) and the station settings.',
        details,
      );
    case 'access_denied':
      return new StationError(
        'ORG_AUTH',
        `The login was declined in the browser (${description}).`,
        'Run the login again and choose Allow.',
        details,
      );
    default:
      return new StationError(
        'ORG_AUTH',
        `Salesforce refused to ${doing}: ${error} (${description}).`,
        'Log in to the org again (asset-station org login, or Connect org in the app); for an unattended station, check the JWT bearer certificate, user and pre-authorisation.',
        details,
      );
  }
}

/** Reads `error`/`error_description` from a jsforce OAuth error (it sets `name`/`message`, docs/salesforce-wire.md §6.3). */
export function oauthErrorParts(e: unknown): { error: string; description: string } | undefined {
  if (!(e instanceof Error)) return undefined;
  if (/^[a-z_]+$/.test(e.name) || /^ERROR_HTTP_\d+$/.test(e.name))
    return { error: e.name, description: e.message };
  return undefined;
}
