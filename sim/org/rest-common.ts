/**
 * What the emulator's REST handlers share (docs/salesforce-wire.md §4.2, §8): the request, result and
 * context types, record URLs and `attributes`, sObject-type and field look-ups that fail as the org does,
 * and the DUPLICATE_VALUE fault on Asset writes.
 */
import { ApiError } from './api-error';
import type { Rec } from './org-data';
import type { OrgStore } from './store';
import { findField, findType, type SObjectType } from './schema';

/** A handled REST request. `body === undefined` means 204 No Content. */
export interface RestResult {
  status: number;
  body?: unknown;
}

/** One REST request below `/services/data/vNN.N/`. */
export interface RestRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Path segments after the version, percent-decoded. */
  segs: string[];
  query: URLSearchParams;
  /** The parsed JSON body, if any. */
  body: unknown;
}

/** Per-request context. */
export interface RestCtx {
  store: OrgStore;
  /** e.g. `v62.0`. */
  version: string;
  /** The daily API counter, as `Sforce-Limit-Info` reports it (for `/limits`); absent → not served. */
  apiUsage?: () => { used: number; max: number };
  /** Consumes one DUPLICATE_VALUE fault for an Asset write (true → fail this write). */
  takeDuplicateFault(): boolean;
  /** The Id an Asset upsert answers with: `id`, or another Asset's while the otherAssetId fault is on. */
  answerId?(id: string): string;
  /** Consumes one `duplicateValueOwn` fault (true → fail this upsert naming the record holding the UID). */
  takeDuplicateOwnFault?(): boolean;
}

/** `/services/data/{version}/sobjects/{type}/{id}`. */
export function recordUrl(ctx: RestCtx, type: string, id: string): string {
  return `/services/data/${ctx.version}/sobjects/${type}/${id}`;
}

/** A record as REST returns it: `attributes {type, url}` and the fields (all, or `fields`), null when unset. */
export function withAttributes(
  ctx: RestCtx,
  type: SObjectType,
  rec: Rec,
  fields?: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type, url: recordUrl(ctx, type, rec.Id) } };
  for (const f of fields ?? Object.keys(rec)) out[f] = rec[f] ?? null;
  return out;
}

/** The 404 of an unknown resource (docs/salesforce-wire.md §4.2). */
export function notFound(): ApiError {
  return new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

/** The sObject type named in the URL. @throws ApiError 404 NOT_FOUND */
export function typeOf(name: string | undefined): SObjectType {
  const t = name ? findType(name) : undefined;
  if (!t) throw notFound();
  return t;
}

/** The body as a JSON object. @throws ApiError 400 JSON_PARSER_ERROR */
export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** A field's canonical name. @throws ApiError 400 INVALID_FIELD */
export function canonField(type: SObjectType, name: string): string {
  const f = findField(type, name);
  if (!f)
    throw new ApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${type}`, [name]);
  return f.name;
}

/** Fails an Asset write while the DUPLICATE_VALUE fault is on. @throws ApiError 400 DUPLICATE_VALUE */
export function dupFault(ctx: RestCtx, type: SObjectType): void {
  if (type === 'Asset' && ctx.takeDuplicateFault()) {
    throw new ApiError(
      400,
      'DUPLICATE_VALUE',
      'duplicate value found: Device_UID__c duplicates value on record with id: 02i000000000000AAA',
      ['Device_UID__c'],
    );
  }
}

/**
 * Fails an external-ID upsert of an Asset whose value is already on `holder` while the `duplicateValueOwn`
 * fault is on (the loser of two concurrent creates). @throws ApiError 400 DUPLICATE_VALUE
 */
export function dupOwnFault(ctx: RestCtx, type: SObjectType, field: string, holder: Rec | undefined): void {
  if (type === 'Asset' && holder && ctx.takeDuplicateOwnFault?.()) {
    throw new ApiError(
      400,
      'DUPLICATE_VALUE',
      `duplicate value found: ${field} duplicates value on record with id: ${holder.Id}`,
      [field],
    );
  }
}
