/**
 * The fleet-evidence records of a station in the org (docs/salesforce-setup.md §9, §10): audit entries as
 * `Station_Audit_Entry__c` (created in sObject Collections batches of at most 200, `allOrNone: false`,
 * docs/salesforce-wire.md §4.2; idempotent on the unique External ID `Entry_Key__c` = `<station ID>:<seq>`)
 * and the chain head as `Station_Chain_Head__c`, upserted on `Station_Id__c`; the org refuses a head that
 * goes back (validation rule `Head_Cannot_Go_Back`). Both objects name records with an AutoNumber, so no
 * `Name` is sent (the org refuses a write to an AutoNumber field).
 */
import { StationError } from '../../shared/errors';
import type { AuditEntry } from '../records/audit';
import type { AuditSink } from '../records/audit-sync';
import type { RestApi } from './rest';

/** At most this many records per sObject Collections call (docs/salesforce-wire.md §4.2). */
export const AUDIT_BATCH_MAX = 200;

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
    private readonly rest: Pick<RestApi, 'call' | 'query'>,
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
    const records = entries.map((e) => ({
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
    const results = await this.rest.call<CollectionResult[]>(
      {
        method: 'POST',
        url: '/composite/sobjects',
        body: JSON.stringify({ allOrNone: false, records }),
        headers: { 'content-type': 'application/json' },
      },
      `send ${entries.length} audit entries`,
    );
    const dup: AuditEntry[] = [];
    results.forEach((r, i) => {
      if (r.success) return;
      const code = r.errors?.[0]?.statusCode;
      if (code === 'DUPLICATE_VALUE') dup.push(entries[i]!);
      else {
        throw new StationError(
          'ORG_REJECTED',
          `Salesforce refused audit entry ${entryKey(entries[i]!)}: ${r.errors?.[0]?.message ?? code ?? 'no reason given'}.`,
          'Check that the Asset Station permission set (with the Station Audit Entry object) is assigned to the integration user; the entry stays queued and is sent again.',
        );
      }
    });
    if (dup.length === 0) return 1;
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
    return 2;
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
        body: JSON.stringify({
          Head_Seq__c: head.seq,
          Head_Hash__c: head.hash,
          Updated_At__c: new Date().toISOString(),
        }),
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
export function orgAuditSink(
  session: () => Promise<{ rest: Pick<RestApi, 'call' | 'query'>; user: OrgUser }>,
): AuditSink {
  const records = async () => {
    const s = await session();
    return new AuditRecords(s.rest, s.user);
  };
  return {
    createEntries: async (entries) => (await records()).createEntries(entries),
    upsertHead: async (stationId, head) => (await records()).upsertHead(stationId, head),
  };
}
