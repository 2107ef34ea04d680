/**
 * Maps Salesforce REST failures to station errors with remedies. Decisions use the machine-readable
 * `errorCode` (REST, docs/salesforce-wire.md §4.2), the per-record `statusCode` of sObject Collections (both keys
 * occur, §4.2), the shape of what jsforce throws (§6.3) and HTTP status — never the message text, which
 * Salesforce localises. Token-endpoint (OAuth) errors: auth.ts.
 */
import { StationError } from '../../shared/errors';
import { settingPlace, settingsPlace } from '../config';

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

/**
 * Maps one REST error code to a StationError.
 * @param status the HTTP status of the answer, when known.
 * @param settingsFile absolute path of the station settings file (`<home>/config.json`): remedies that name
 *   a setting name this file (config.ts settingPlace); without it, "the station settings".
 */
export function fromSfError(e: SfError, doing: Doing, status?: number, settingsFile?: string): StationError {
  const code = sfCode(e);
  const detail = e.message ? ` (${code}: ${e.message})` : ` (${code})`;
  const details = {
    sfCode: code,
    ...(e.fields?.length ? { fields: e.fields } : {}),
    ...(status ? { status } : {}),
  };
  const customer = e.fields?.find((f) => f === 'AccountId' || f === 'ContactId');
  if (customer && (code === 'INVALID_CROSS_REFERENCE_KEY' || code === 'ENTITY_IS_DELETED')) {
    const what = customer === 'AccountId' ? 'Account' : 'Contact';
    return new StationError(
      'ORG_CONFIG',
      `Salesforce has no ${what} with the Id given for this device (or the station's user cannot see it), so it refused to ${doing}${detail}.`,
      `Pick the customer's ${what} on Retry (search by name), or correct ${settingPlace(`salesforce.${customer === 'AccountId' ? 'accountId' : 'contactId'}`, settingsFile)}; nothing was registered.`,
      details,
    );
  }
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
        `Check the Asset field mapping and the values (Account/Contact, Product, Status) in ${settingsPlace(settingsFile)}, and any validation rules on Asset in the org; then retry.`,
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
      `Deploy the Asset custom fields and assign the Asset Station permission set (docs/salesforce-setup.md), and check the field mapping and record IDs in ${settingsPlace(settingsFile)}.`,
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

/**
 * The org answered, but not with what the API documents (a proxy page, a cut-off body, a wrong shape):
 * ORG_UNAVAILABLE naming the call, with a remedy that says a retry is safe when it is.
 * @param what what came back, e.g. "an unexpected body", "a malformed response (not JSON)".
 */
export function unexpectedAnswer(
  doing: Doing,
  what: string,
  remedy = 'Retry; if it persists, check for a proxy between the station and Salesforce.',
  details?: Record<string, unknown>,
): StationError {
  return new StationError(
    'ORG_UNAVAILABLE',
    `Salesforce answered the request to ${doing} with ${what}.`,
    remedy,
    details,
  );
}

/** The org could not be reached at all (DNS, TCP, TLS, timeout): ORG_UNAVAILABLE with `cause` in the message. */
export function unreachable(doing: Doing, cause: string, remedy: string): StationError {
  return new StationError('ORG_UNAVAILABLE', `Could not reach Salesforce to ${doing}: ${cause}.`, remedy);
}

/**
 * Maps anything a jsforce REST call throws to a StationError (docs/salesforce-wire.md §6.3): `errorCode`
 * `MULTIPLE_CHOICES` (HTTP 300 on an external-ID upsert, `data` = the record URLs) → ORG_DUPLICATE;
 * `MULTIPLE_API_ERRORS` → the first error; `ERROR_HTTP_nnn` with an HTML body → ORG_UNAVAILABLE; other
 * codes through {@link fromSfError}; network errors → ORG_UNAVAILABLE. A StationError is returned as is.
 * @param refreshError the session's last refresh failure: jsforce wraps it as
 *   `Error("Unable to refresh session due to: …")` (session-refresh-delegate.ts), and the original is clearer.
 * @param settingsFile absolute path of the station settings file, named in the remedies (see fromSfError).
 */
export function fromJsforceError(
  e: unknown,
  doing: Doing,
  refreshError?: StationError,
  settingsFile?: string,
): StationError {
  if (e instanceof StationError) return e;
  const err = e as { name?: string; errorCode?: string; message?: string; data?: unknown; code?: string };
  if (
    refreshError &&
    typeof err.message === 'string' &&
    err.message.startsWith('Unable to refresh session')
  ) {
    return refreshError;
  }
  if (typeof err.errorCode === 'string') {
    if (err.errorCode === 'MULTIPLE_CHOICES') {
      const urls = Array.isArray(err.data) ? (err.data as unknown[]).map(String) : [];
      return new StationError(
        'ORG_DUPLICATE',
        `Salesforce found ${urls.length || 'several'} Assets with this device's external ID (HTTP 300), so it cannot tell which to ${doing.replace(/^upsert/, 'update')}.`,
        'Merge or delete the duplicate Assets in Salesforce (see details.assetIds) so that exactly one carries the device UID, then retry; nothing was changed.',
        { assetIds: urls.map((u) => u.split('/').pop()) },
      );
    }
    if (err.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(err.data) && err.data.length > 0) {
      return fromSfError(err.data[0] as SfError, doing, undefined, settingsFile);
    }
    const http = /^ERROR_HTTP_(\d{3})$/.exec(err.errorCode);
    if (http) {
      const status = Number(http[1]);
      const body = typeof err.data === 'string' ? err.data : String(err.message ?? '');
      if (/<html|<!doctype/i.test(body) || /html content/i.test(String(err.message))) {
        return unexpectedAnswer(
          doing,
          `an HTML page (HTTP ${status}) instead of an API response`,
          'The org may be down for maintenance or a proxy is interfering: check https://status.salesforce.com and the network, then retry.',
          { status },
        );
      }
      return fromSfError({ errorCode: err.errorCode }, doing, status, settingsFile);
    }
    return fromSfError(
      { errorCode: err.errorCode, message: err.message ?? '' },
      doing,
      undefined,
      settingsFile,
    );
  }
  if (err.name === 'FetchError' || err.name === 'AbortError' || typeof err.code === 'string') {
    return unreachable(
      doing,
      err.message ?? err.name ?? 'no answer',
      'Check the network connection and the instance URL, then retry.',
    );
  }
  return new StationError(
    'ORG_UNAVAILABLE',
    `The request to ${doing} failed: ${err.message ?? String(e)}.`,
    'Retry; if it persists, check the network and the org.',
  );
}
