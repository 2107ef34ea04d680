/**
 * The fleet-evidence records of a station in the org (docs/salesforce-setup.md §9, §10): audit entries as
 * `Station_Audit_Entry__c` (created in sObject Collections batches of at most 200; idempotent on the unique
 * External ID `Entry_Key__c` = `<station ID>:<seq>`) and the chain head as `Station_Chain_Head__c`, upserted on
 * `Station_Id__c`; the org refuses a head that goes back (validation rule `Head_Cannot_Go_Back`). A batch and
 * the head that closes it travel in ONE Composite call with `allOrNone: true` (docs/salesforce-wire.md §4.2),
 * so the head is never stored without its entries. Both objects name records with an AutoNumber, so no
 * `Name` is sent (the org refuses a write to an AutoNumber field).
 */
import { StationError } from '../../shared/errors';
import type { AuditEntry } from '../records/audit';
import type { AuditSink } from '../records/audit-sync';
import type { RestApi } from './rest';

type AuditRest = Pick<RestApi, 'call' | 'query' | 'apiVersion'>;

/** At most this many records per sObject Collections call (docs/salesforce-wire.md §4.2). */
export const AUDIT_BATCH_MAX = 200;

/**
 * At most this many entries in one {@link AuditRecords.sendWithHead} call: 5 Collections subrequests of
 * {@link AUDIT_BATCH_MAX} and the head in one Composite (at most 25 subrequests, docs/salesforce-wire.md
 * §4.2), so 64 bays' entries (~830) travel in one call while a request body stays around 1 MB.
 */
export const AUDIT_CALL_MAX = 5 * AUDIT_BATCH_MAX;

/** A chain head as the org holds it. */
export interface OrgChainHead {
  seq: number;
  hash: string;
}

interface CollectionResult {
  id?: string;
  success: boolean;
  errors?: Array<{ statusCode?: string; message?: string }>;
}

const PAYLOAD_MAX = 131_072; // Payload__c length (salesforce/…/Station_Audit_Entry__c/fields)

interface CompositeSub {
  body: unknown;
  httpStatusCode: number;
  referenceId: string;
}

/** Codes a record or subrequest gets only because another one failed under allOrNone. */
const ROLLED_BACK = new Set(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'PROCESSING_HALTED']);

const headFields = (head: OrgChainHead) => ({
  Head_Seq__c: head.seq,
  Head_Hash__c: head.hash,
  Updated_At__c: new Date().toISOString(),
});

/** The first real reason in a Composite subrequest body or a Collections result list (rolled-back markers skipped). */
function firstError(body: unknown): string | undefined {
  if (!Array.isArray(body)) return undefined;
  for (const item of body as Array<Record<string, unknown>>) {
    const errs = Array.isArray(item?.errors) ? (item.errors as Array<Record<string, unknown>>) : [item];
    for (const e of errs) {
      const code = String(e?.statusCode ?? e?.errorCode ?? '');
      if (code && !ROLLED_BACK.has(code)) return `${String(e?.message ?? '')} (${code})`;
    }
  }
  return undefined;
}

/**
 * The entries refused as `DUPLICATE_VALUE` (already in the org); any other refusal throws.
 * @throws StationError ORG_REJECTED
 */
function duplicatesOrThrow(
  entries: readonly AuditEntry[],
  results: readonly CollectionResult[],
): AuditEntry[] {
  const dup: AuditEntry[] = [];
  results.forEach((r, i) => {
    if (r.success) return;
    const code = r.errors?.[0]?.statusCode;
    if (code === 'DUPLICATE_VALUE') dup.push(entries[i]!);
    else if (!code || !ROLLED_BACK.has(code)) {
      throw new StationError(
        'ORG_REJECTED',
        `Salesforce refused audit entry ${entryKey(entries[i]!)}: ${r.errors?.[0]?.message ?? code ?? 'no reason given'}.`,
        'Check that the Asset Station permission set (with the Station Audit Entry object) is assigned to the integration user; the entry stays queued and is sent again.',
      );
    }
  });
  return dup;
}

/** The org user of a session: 18-character User Id and, when known, username. */
export interface OrgUser {
  userId: string;
  username?: string;
}

/**
 * `Org_User__c` of an entry: `username (userId)`, cut to the field's 128 characters; the entry's own
 * `data.orgUser` (when an action names one) wins over the sending session's user.
 */
export function orgUserText(e: Pick<AuditEntry, 'data'>, session?: OrgUser): string | null {
  if (typeof e.data?.orgUser === 'string') return e.data.orgUser.slice(0, 128);
  if (!session?.userId && !session?.username) return null;
  const text = session.username ? `${session.username} (${session.userId})` : session.userId;
  return text.slice(0, 128);
}

/** `<station ID>:<seq>`: the External ID of one entry. */
export const entryKey = (e: Pick<AuditEntry, 'stationId' | 'seq'>): string => `${e.stationId}:${e.seq}`;

const soqlText = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The station's audit entries and chain head in the org, over one REST session. */
export class AuditRecords {
  /**
   * @param rest REST calls of the org session.
   * @param orgUser the session's user (`OrgSession.user`), written to `Org_User__c` of each entry.
   */
  constructor(
    private readonly rest: AuditRest,
    private readonly orgUser?: OrgUser,
  ) {}

  /**
   * Creates the entries (at most {@link AUDIT_BATCH_MAX}) in one Collections call. An entry the org already
   * has (`DUPLICATE_VALUE` on `Entry_Key__c`: a batch replayed after a lost answer) counts as delivered once
   * one query shows the stored `Entry_Hash__c` is the same.
   * @returns the number of REST calls made (1, or 2 when duplicates were checked).
   * @throws StationError AUDIT_BROKEN (the org holds another hash under the same key: a rewritten or
   *   forked log), ORG_REJECTED (an entry was refused for another reason), or as RestApi.call
   */
  async createEntries(entries: readonly AuditEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    if (entries.length > AUDIT_BATCH_MAX) throw new RangeError(`at most ${AUDIT_BATCH_MAX} entries per call`);
    const records = this.entryRecords(entries);
    const results = await this.rest.call<CollectionResult[]>(
      {
        method: 'POST',
        url: '/composite/sobjects',
        body: JSON.stringify({ allOrNone: false, records }),
        headers: { 'content-type': 'application/json' },
      },
      `send ${entries.length} audit entries`,
    );
    const dup = duplicatesOrThrow(entries, results);
    if (dup.length === 0) return 1;
    await this.checkDuplicates(dup);
    return 2;
  }

  /**
   * Sends entries (at most {@link AUDIT_CALL_MAX}: one Collections subrequest per {@link AUDIT_BATCH_MAX})
   * and the chain head they end with in ONE Composite call, `allOrNone: true`: the org stores all or none
   * (the outer allOrNone overrides the Collections subrequests', https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-allornone.html),
   * so the head never gets ahead of the entries. A batch the org partly holds already (replayed after a lost
   * answer: `DUPLICATE_VALUE` on `Entry_Key__c`) costs one query to check the stored hashes, then one more
   * Composite call with the entries not yet there and the head.
   * @returns the number of REST calls made (1; 3 after a replay, or 2 when every entry was there already).
   * @throws StationError AUDIT_BROKEN (the org holds another hash under one of the keys), ORG_REJECTED (an
   *   entry or the head refused, e.g. `Head_Cannot_Go_Back`), or as RestApi.call
   */
  async sendWithHead(stationId: string, entries: readonly AuditEntry[], head: OrgChainHead): Promise<number> {
    if (entries.length > AUDIT_CALL_MAX) throw new RangeError(`at most ${AUDIT_CALL_MAX} entries per call`);
    if (entries.length === 0) {
      await this.upsertHead(stationId, head);
      return 1;
    }
    const base = `/services/data/v${this.rest.apiVersion}`;
    const chunks: Array<readonly AuditEntry[]> = [];
    for (let i = 0; i < entries.length; i += AUDIT_BATCH_MAX)
      chunks.push(entries.slice(i, i + AUDIT_BATCH_MAX));
    const res = await this.rest.call<{ compositeResponse: CompositeSub[] }>(
      {
        method: 'POST',
        url: '/composite',
        body: JSON.stringify({
          allOrNone: true,
          compositeRequest: [
            ...chunks.map((chunk, i) => ({
              method: 'POST',
              url: `${base}/composite/sobjects`,
              referenceId: `entries${i}`,
              body: { allOrNone: true, records: this.entryRecords(chunk) },
            })),
            {
              method: 'PATCH',
              url: `${base}/sobjects/Station_Chain_Head__c/Station_Id__c/${encodeURIComponent(stationId)}`,
              referenceId: 'head',
              body: headFields(head),
            },
          ],
        }),
        headers: { 'content-type': 'application/json' },
      },
      `send ${entries.length} audit entries and the chain head of station ${stationId}`,
    );
    const subs = res.compositeResponse ?? [];
    const headSub = subs[chunks.length];
    // per chunk: its per-record results, or undefined when the subrequest was halted (rolled back, not run)
    const results = chunks.map((chunk, i) => {
      const body = subs[i]?.body;
      return Array.isArray(body) && body.length === chunk.length ? (body as CollectionResult[]) : undefined;
    });
    const recordsOk = results.every((r) => r?.every((x) => x.success));
    if (recordsOk && headSub && headSub.httpStatusCode < 300) return 1;
    const dup = chunks.flatMap((chunk, i) => (results[i] ? duplicatesOrThrow(chunk, results[i]) : []));
    if (dup.length > 0) {
      await this.checkDuplicates(dup);
      const rest = entries.filter((e) => !dup.includes(e));
      return 2 + (await this.sendWithHead(stationId, rest, head));
    }
    const why =
      firstError(headSub?.body) ?? subs.map((x) => firstError(x?.body)).find(Boolean) ?? 'no reason given';
    throw new StationError(
      'ORG_REJECTED',
      `Salesforce refused audit entries ${entryKey(entries[0]!)}–${head.seq} with the chain head: ${why}.`,
      'Check that the Asset Station permission set (with the Station Audit Entry and Station Chain Head objects) is assigned to the integration user; the entries stay queued and are sent again.',
    );
  }

  /** The `Station_Audit_Entry__c` records of entries (no `Name`: an AutoNumber). */
  private entryRecords(entries: readonly AuditEntry[]): Array<Record<string, unknown>> {
    return entries.map((e) => ({
      attributes: { type: 'Station_Audit_Entry__c' },
      Entry_Key__c: entryKey(e),
      Station_Id__c: e.stationId,
      Seq__c: e.seq,
      Entry_Hash__c: e.hash,
      Prev_Hash__c: e.prevHash,
      Kind__c: e.action.slice(0, 64),
      Device_UID__c: e.deviceUid ?? null,
      Key_Fingerprint__c: e.keyFingerprint ?? null,
      Operator__c: e.actor.slice(0, 128),
      Org_User__c: orgUserText(e, this.orgUser),
      Payload__c: JSON.stringify({ jobId: e.jobId ?? null, data: e.data ?? {} }).slice(0, PAYLOAD_MAX),
      Occurred_At__c: e.at,
    }));
  }

  /** Checks with one query that the org's entries under the keys of `dup` hold the same hashes. @throws AUDIT_BROKEN */
  private async checkDuplicates(dup: readonly AuditEntry[]): Promise<void> {
    const stored = await this.rest.query(
      // OR of equalities rather than IN: the same in SOQL, and within the emulator's subset
      `SELECT Entry_Key__c, Entry_Hash__c FROM Station_Audit_Entry__c WHERE ${dup
        .map((e) => `Entry_Key__c = ${soqlText(entryKey(e))}`)
        .join(' OR ')}`,
      'check audit entries Salesforce already has',
    );
    const byKey = new Map(stored.map((r) => [String(r.Entry_Key__c), String(r.Entry_Hash__c)]));
    for (const e of dup) {
      if (byKey.get(entryKey(e)) !== e.hash) {
        throw new StationError(
          'AUDIT_BROKEN',
          `Salesforce already holds audit entry ${entryKey(e)} with another hash: this station's audit log was rewritten, or another station uses the same station ID.`,
          'Stop provisioning on this station, run "asset-station audit verify", and compare its entries with the Station Audit Entries in Salesforce with your security contact.',
        );
      }
    }
  }

  /**
   * Upserts the station's chain head (`Station_Id__c` External ID).
   * @throws StationError ORG_REJECTED when the org refuses a head that goes back (`Head_Cannot_Go_Back`),
   *   or as RestApi.call
   */
  async upsertHead(stationId: string, head: OrgChainHead): Promise<void> {
    await this.rest.call(
      {
        method: 'PATCH',
        url: `/sobjects/Station_Chain_Head__c/Station_Id__c/${encodeURIComponent(stationId)}`,
        body: JSON.stringify(headFields(head)),
        headers: { 'content-type': 'application/json' },
      },
      `record the audit chain head of station ${stationId}`,
      true,
    );
  }

  /** The org's chain head of a station, or undefined when the org has none. @throws StationError as RestApi.query */
  async head(stationId: string): Promise<OrgChainHead | undefined> {
    const rows = await this.rest.query(
      `SELECT Head_Seq__c, Head_Hash__c FROM Station_Chain_Head__c WHERE Station_Id__c = ${soqlText(stationId)}`,
      `read the audit chain head of station ${stationId}`,
    );
    const r = rows[0];
    return r ? { seq: Number(r.Head_Seq__c), hash: String(r.Head_Hash__c) } : undefined;
  }
}

/**
 * The station's {@link AuditSink} over whatever org session is current: `session()` is asked on every send
 * (so a login, a logout or a changed org takes effect on the next batch) and throws StationError
 * ORG_NOT_CONNECTED / ORG_CONFIG while there is none — the audit sync then keeps the entries queued and
 * retries later.
 */
export function orgAuditSink(session: () => Promise<{ rest: AuditRest; user: OrgUser }>): AuditSink {
  const records = async () => {
    const s = await session();
    return new AuditRecords(s.rest, s.user);
  };
  return {
    sendWithHead: async (stationId, entries, head) =>
      (await records()).sendWithHead(stationId, entries, head),
    upsertHead: async (stationId, head) => (await records()).upsertHead(stationId, head),
  };
}
