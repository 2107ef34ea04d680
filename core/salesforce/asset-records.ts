/**
 * The station's Asset records in the org (docs/salesforce-wire.md §4): idempotent upsert on the external-ID
 * field, several upserts in one sObject Collections call, the clone check and read-back by SOQL — one at a
 * time or coalesced across bays (coalescer.ts: upserts into one Collections call, look-ups into one query).
 */
import type { StationConfig } from '../../shared/domain';
import type { StationError } from '../../shared/errors';
import {
  buildAssetFields,
  DEFAULT_FIELD_MAP,
  KEY_CHANGE_APPROVED_FIELD,
  validateExternalId,
  type AssetFacts,
  type AssetFieldMap,
  type AssetRecordFacts,
} from './assets';
import {
  checkCloneInput,
  judgeClone,
  judgeFind,
  lookupDoing,
  lookupSoql,
  type AssetRow,
  type CloneCheckInput,
  type CloneCheckResult,
  type Lookup,
  type LookupFields,
} from './asset-lookup';
import {
  lookupBatcher,
  upsertBatcher,
  type UpsertBatcher,
  type UpsertOutcome,
  type UpsertResult,
} from './asset-batching';
import type { CoalescerOptions } from './coalescer';
import { CHECKED_MAX, checkedUpsertBody, readCheckedUpsert, type CheckedUpsert } from './asset-answer';
import { fromJsforceError } from './errors';
import { resolveDuplicate } from './asset-duplicate';
import { readIdentityRules, type OrgIdentityRules } from './identity-rules';
import type { RestApi } from './rest';

/** Clone checks and read-backs from several bays: see {@link AssetRecords.lookups}. */
export interface AssetLookups {
  checkClone(a: CloneCheckInput): Promise<CloneCheckResult>;
  findAssetByUid(uid: string): Promise<AssetRecordFacts | undefined>;
}

/** Options of the Asset records. */
export interface AssetRecordOptions {
  /** Asset field names for the facts (default: the salesforce/ metadata). */
  fieldMap?: AssetFieldMap;
  /** Absolute path of the station settings file, named in the remedies (config.ts settingPlace). */
  settingsFile?: string;
}

/** The Asset records of one org. */
export class AssetRecords {
  private readonly fields: LookupFields;
  private batcherInstance: UpsertBatcher | undefined;
  private lookupsInstance: AssetLookups | undefined;
  private rules: Promise<OrgIdentityRules> | undefined;
  /** Whether the org has Key_Change_Approved__c: unknown until the describe or an upsert says. */
  private approvalField: 'unknown' | 'present' | 'absent' = 'unknown';
  private readonly settingsFile: string | undefined;

  constructor(
    private readonly api: RestApi,
    private readonly config: StationConfig['salesforce'],
    opts: AssetRecordOptions = {},
  ) {
    this.fields = { ext: config.externalIdField, map: opts.fieldMap ?? DEFAULT_FIELD_MAP };
    this.settingsFile = opts.settingsFile;
  }

  /**
   * Upserts the device's Asset on the external-ID field (`PATCH /sobjects/Asset/{ext}/{encoded uid}`,
   * docs/salesforce-wire.md §4.2): 201 → created, 200 → updated. Safe to retry. The answer is checked
   * in the same Composite request against the Asset read back by external ID (asset-answer.ts).
   * @throws StationError ORG_INCONSISTENT (the answer names another record, or the record lacks the key
   *   fingerprint just written), ORG_CONFIG (no Account/Contact, missing fields), ORG_DUPLICATE (300,
   *   DUPLICATE_VALUE not resolvable: details.assetIds names every Asset involved; a resolvable one gives
   *   the device's own Asset, asset-duplicate.ts), ORG_REJECTED, ORG_AUTH, ORG_LIMIT, ORG_UNAVAILABLE, BAD_REQUEST (bad UID)
   */
  async upsertAsset(facts: AssetFacts): Promise<UpsertResult> {
    const base = buildAssetFields(this.config, facts, this.fields.map, this.settingsFile);
    const doing = `upsert the Asset of device ${facts.deviceUid}`;
    let [r] = await this.checkedUpsert([{ facts, fields: this.withApproval(base, facts) }], doing);
    if (!r!.ok && this.approvalRefused(r!.error)) {
      [r] = await this.checkedUpsert([{ facts, fields: base }], doing);
    }
    if (!r!.ok) {
      if (r!.error.code === 'ORG_DUPLICATE') return this.resolveDuplicate(facts, r!.error);
      throw r!.error;
    }
    return { id: r!.id, created: r!.created };
  }

  /**
   * Upserts several devices' Assets with sObject Collections (`PATCH /composite/sobjects/Asset/{ext}`,
   * ≤200 per call, allOrNone false; docs/salesforce-wire.md §4.2), each answer checked in the same
   * Composite request (asset-answer.ts). Returns one outcome per input, in order; per-record errors are
   * read from `statusCode` or `errorCode`. Never throws: a failed call fails its records.
   */
  async upsertAssets(all: AssetFacts[]): Promise<UpsertOutcome[]> {
    const out: UpsertOutcome[] = new Array(all.length);
    const valid: Array<{ i: number; up: CheckedUpsert; base: Record<string, string> }> = [];
    all.forEach((facts, i) => {
      try {
        const base = buildAssetFields(this.config, facts, this.fields.map, this.settingsFile);
        valid.push({ i, base, up: { facts, fields: this.withApproval(base, facts) } });
      } catch (e) {
        out[i] = { ok: false, error: fromJsforceError(e, 'prepare the Asset', undefined, this.settingsFile) };
      }
    });
    for (let start = 0; start < valid.length; start += CHECKED_MAX) {
      const chunk = valid.slice(start, start + CHECKED_MAX);
      const doing = `upsert ${chunk.length} Assets`;
      try {
        let res = await this.checkedUpsert(
          chunk.map((c) => c.up),
          doing,
        );
        if (res.some((o) => !o.ok && this.approvalRefused(o.error)))
          res = await this.checkedUpsert(
            chunk.map((c) => ({ facts: c.up.facts, fields: c.base })),
            doing,
          );
        chunk.forEach((c, k) => (out[c.i] = res[k]!));
      } catch (e) {
        const error = fromJsforceError(e, doing, undefined, this.settingsFile);
        for (const c of chunk) out[c.i] = { ok: false, error };
      }
    }
    // a DUPLICATE_VALUE in the batch: resolved one by one, as for a single upsert
    for (let i = 0; i < out.length; i++) {
      const o = out[i]!;
      if (o.ok || o.error.code !== 'ORG_DUPLICATE') continue;
      try {
        out[i] = { ok: true, ...(await this.resolveDuplicate(all[i]!, o.error)) };
      } catch (e) {
        out[i] = {
          ok: false,
          error: fromJsforceError(
            e,
            `upsert the Asset of device ${all[i]!.deviceUid}`,
            undefined,
            this.settingsFile,
          ),
        };
      }
    }
    return out;
  }

  /** One Composite call: the upsert(s) and the read-back by external ID; outcomes checked. */
  private async checkedUpsert(ups: CheckedUpsert[], doing: string): Promise<UpsertOutcome[]> {
    const res = await this.api.call<unknown>(
      {
        method: 'POST',
        url: '/composite',
        body: JSON.stringify(checkedUpsertBody(this.config.apiVersion, this.fields, ups)),
        headers: { 'content-type': 'application/json' },
      },
      doing,
      true,
    );
    return readCheckedUpsert(res, ups, this.fields, doing, this.settingsFile);
  }

  /** DUPLICATE_VALUE / 300 on an upsert: the device's own Asset updated by Id, or ORG_DUPLICATE (asset-duplicate.ts). */
  private resolveDuplicate(facts: AssetFacts, err: StationError): Promise<UpsertResult> {
    return resolveDuplicate(
      {
        query: (uid, keyFingerprint) => this.query([{ uid, keyFingerprint }]),
        updateById: async (id, f) => {
          await this.api.call(
            {
              method: 'PATCH',
              url: `/sobjects/Asset/${id}`,
              body: JSON.stringify(
                this.withApproval(buildAssetFields(this.config, f, this.fields.map, this.settingsFile), f),
              ),
              headers: { 'content-type': 'application/json' },
            },
            `update Asset ${id} of device ${f.deviceUid}`,
            true,
          );
        },
      },
      facts,
      err,
      this.fields,
    );
  }

  /**
   * Whether the org enforces the identity rules (identity-rules.ts): read from the Asset describe once per
   * session (the station's connect and pre-flight ask; a failed read is asked again next time). The upsert
   * does not wait for it: it sends Key_Change_Approved__c unless the org is known not to have it.
   * @throws StationError the describe call's errors
   */
  identityRules(): Promise<OrgIdentityRules> {
    if (!this.rules) {
      const p = readIdentityRules(this.api, this.fields.map).then((r) => {
        this.approvalField = r.enforced ? 'present' : 'absent';
        return r;
      });
      p.catch(() => {
        if (this.rules === p) this.rules = undefined;
      });
      this.rules = p;
    }
    return this.rules;
  }

  /** The Asset fields plus, unless the org lacks the checkbox, whether an admin approved a key change. */
  private withApproval(fields: Record<string, string>, facts: AssetFacts): Record<string, string | boolean> {
    if (this.approvalField === 'absent') return fields;
    return { ...fields, [KEY_CHANGE_APPROVED_FIELD]: facts.keyChangeApproved === true };
  }

  /**
   * True when the org refused the checkbox as an unknown field (INVALID_FIELD naming it: the package
   * deployed before issue 18): remembered for the session, so the upsert is sent again without it once.
   */
  private approvalRefused(error: StationError): boolean {
    if (this.approvalField === 'absent' || error.details?.sfCode !== 'INVALID_FIELD') return false;
    const fields = error.details?.fields;
    const named =
      (Array.isArray(fields) && fields.includes(KEY_CHANGE_APPROVED_FIELD)) ||
      error.message.includes(KEY_CHANGE_APPROVED_FIELD);
    if (named) this.approvalField = 'absent';
    return named;
  }

  /**
   * The upsert batcher of these records: upserts from several bays within `windowMs` go in one
   * Collections call. Created on first use with `opts`.
   */
  batcher(opts: CoalescerOptions = {}): UpsertBatcher {
    this.batcherInstance ??= upsertBatcher(
      (f) => this.upsertAssets(f),
      (f) => this.upsertAsset(f),
      opts,
    );
    return this.batcherInstance;
  }

  /**
   * Clone and duplicate check before signing (one SOQL query), see judgeClone in asset-lookup.ts.
   * @returns the existing Asset of this UID, if any.
   * @throws StationError CLONE_SUSPECTED, REPROVISION_REQUIRED, ORG_DUPLICATE, BAD_REQUEST, ORG_* of the query
   */
  async checkClone(a: CloneCheckInput): Promise<CloneCheckResult> {
    checkCloneInput(a);
    return judgeClone(
      a,
      await this.query([{ uid: a.deviceUid, keyFingerprint: a.keyFingerprint }]),
      this.fields,
    );
  }

  /**
   * Reads the device's Asset by external ID (SOQL). Undefined when none.
   * @throws StationError ORG_DUPLICATE when several Assets carry the UID; BAD_REQUEST; ORG_* of the query
   */
  async findAssetByUid(uid: string): Promise<AssetRecordFacts | undefined> {
    validateExternalId(uid);
    return judgeFind(uid, await this.query([{ uid }]), this.fields);
  }

  /**
   * checkClone and findAssetByUid for several bays at once: look-ups within `windowMs` share one SOQL
   * query (docs/salesforce-wire.md §4.2; an OR of the UIDs and fingerprints). Created on first use with `opts`.
   */
  lookups(opts: CoalescerOptions = {}): AssetLookups {
    if (!this.lookupsInstance) {
      const b = lookupBatcher((ls) => this.query(ls), this.fields, opts);
      this.lookupsInstance = {
        checkClone: async (a) => {
          checkCloneInput(a);
          return judgeClone(
            a,
            await b.lookup({ uid: a.deviceUid, keyFingerprint: a.keyFingerprint }),
            this.fields,
          );
        },
        findAssetByUid: async (uid) => {
          validateExternalId(uid);
          return judgeFind(uid, await b.lookup({ uid }), this.fields);
        },
      };
    }
    return this.lookupsInstance;
  }

  private query(lookups: Lookup[]): Promise<AssetRow[]> {
    return this.api.query(lookupSoql(lookups, this.fields), lookupDoing(lookups));
  }
}
