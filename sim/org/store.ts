/**
 * The emulator's persistent store over its org data (org-data.ts): one JSON file under the emulator home,
 * written atomically (temp file + rename) after each change; sObject CRUD and upsert by external ID.
 * Every write is checked by the org's record rules (record-rules.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../../shared/errors';
import { KEY_PREFIX, findField, type SObjectType } from './schema';
import { autoNumbers, checkChangeAllowed, checkRecord, normalise } from './record-rules';
import { ApiError } from './api-error';
import { emptyRecords, isIdShape, newId, seed, type OrgData, type Rec } from './org-data';
import { canonicalId, sfDateTime } from './sf-format';

export type { Rec } from './org-data';

/** The persistent store. */
export class OrgStore {
  /** The org data; mutate it, then call save(). */
  readonly data: OrgData;
  /**
   * The org has NOT deployed the issue-18 identity metadata (Key_Fingerprint__c not unique, no
   * Key_Change_Approved__c, no Key_Change_Needs_Reprovision): an older package (schema.ts fieldsOf).
   */
  legacyIdentity = false;
  private readonly file: string | undefined;

  private constructor(data: OrgData, file: string | undefined) {
    this.data = data;
    this.file = file;
  }

  /** Opens (or seeds) the org; with `home`, data lives in `home/org-emulator.json`. */
  static open(home: string | undefined, clientId?: string): OrgStore {
    const file = home ? path.join(home, 'org-emulator.json') : undefined;
    if (file && fs.existsSync(file)) {
      let data: OrgData;
      try {
        data = JSON.parse(fs.readFileSync(file, 'utf8')) as OrgData;
        if (data.v !== 1 || !data.records?.Asset) throw new Error('unknown layout');
      } catch (e) {
        throw new StationError(
          'HOME_UNUSABLE',
          `The org emulator data file ${file} is unreadable: ${(e as Error).message}.`,
          'Move the file aside (or delete it) to start a freshly seeded emulated org.',
        );
      }
      if (clientId) data.clientId = clientId;
      data.records = emptyRecords(data.records);
      return new OrgStore(data, file);
    }
    if (home) fs.mkdirSync(home, { recursive: true });
    const store = new OrgStore(seed(clientId), file);
    store.save();
    return store;
  }

  /** Writes the data file atomically (no-op without a home). */
  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  /** A deep copy of the records (for allOrNone rollback). */
  snapshot(): OrgData['records'] {
    return structuredClone(this.data.records);
  }

  /** Puts a {@link snapshot} back (allOrNone rollback). */
  restore(records: OrgData['records']): void {
    this.data.records = records;
  }

  /** A record by 15-character ID, or 18-character ID in any letter case (sf-format.ts canonicalId). */
  get(type: SObjectType, id: string): Rec | undefined {
    const all = this.data.records[type];
    const canon = canonicalId(id);
    if (!canon) return undefined;
    if (canon.length === 15) return Object.values(all).find((r) => r.Id.slice(0, 15) === canon);
    return all[canon];
  }

  /** All records of a type. */
  list(type: SObjectType): Rec[] {
    return Object.values(this.data.records[type]);
  }

  /** Records whose `field` equals `value` (case-sensitive compare, as for Text external IDs). */
  findBy(type: SObjectType, field: string, value: unknown): Rec[] {
    return this.list(type).filter((r) => r[field] === value);
  }

  /** Creates a record. @throws ApiError */
  create(type: SObjectType, input: Record<string, unknown>, opts: { skipUnique?: boolean } = {}): Rec {
    const fields = normalise(this, type, input);
    checkRecord(this, type, fields, undefined, opts.skipUnique);
    const now = sfDateTime();
    const rec: Rec = {
      ...fields,
      ...autoNumbers(type, this.list(type).length + 1),
      Id: newId(KEY_PREFIX[type]),
      CreatedDate: now,
      LastModifiedDate: now,
    };
    this.data.records[type][rec.Id] = rec;
    return rec;
  }

  /** Updates a record. @throws ApiError NOT_FOUND / MALFORMED_ID / field errors */
  update(type: SObjectType, id: string, input: Record<string, unknown>): Rec {
    if (!isIdShape(id))
      throw new ApiError(400, 'MALFORMED_ID', `Id: id value of incorrect type: ${id}`, ['Id']);
    const existing = this.get(type, id);
    if (!existing) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    checkChangeAllowed(type, 'update');
    const fields = normalise(this, type, input);
    const merged = { ...existing, ...fields };
    checkRecord(this, type, merged, existing.Id);
    const rec: Rec = { ...merged, Id: existing.Id, LastModifiedDate: sfDateTime() };
    this.data.records[type][rec.Id] = rec;
    return rec;
  }

  /** Deletes a record. @throws ApiError MALFORMED_ID / NOT_FOUND */
  delete(type: SObjectType, id: string): void {
    if (!isIdShape(id))
      throw new ApiError(400, 'MALFORMED_ID', `Id: id value of incorrect type: ${id}`, ['Id']);
    const existing = this.get(type, id);
    if (!existing) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    checkChangeAllowed(type, 'delete');
    delete this.data.records[type][existing.Id];
  }

  /**
   * Upsert by external ID (docs/salesforce-wire.md §4.2): 0 matches → create, 1 → update, several → `matches`.
   * @throws ApiError (INVALID_FIELD for a non-external-ID field, NOT_FOUND with updateOnly)
   */
  upsert(
    type: SObjectType,
    extField: string,
    extValue: string,
    input: Record<string, unknown>,
    updateOnly = false,
  ): { rec: Rec; created: boolean } | { matches: Rec[] } {
    const f = findField(type, extField);
    if (!f || (!f.externalId && f.name !== 'Id')) {
      throw new ApiError(
        400,
        'INVALID_FIELD',
        `Provided external ID field does not exist or is not accessible: ${extField}`,
        [extField],
      );
    }
    const body = { ...input };
    for (const k of Object.keys(body)) {
      if (k.toLowerCase() === f.name.toLowerCase()) {
        if (body[k] !== extValue) {
          throw new ApiError(
            400,
            'INVALID_FIELD',
            `The external ID field ${f.name} in the body does not match the URL`,
            [f.name],
          );
        }
        delete body[k];
      }
    }
    const matches =
      f.name === 'Id'
        ? [this.get(type, extValue)].filter((r): r is Rec => !!r)
        : this.findBy(type, f.name, extValue);
    if (matches.length > 1) return { matches };
    if (matches.length === 1) return { rec: this.update(type, matches[0]!.Id, body), created: false };
    if (updateOnly) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return { rec: this.create(type, { ...body, [f.name]: extValue }), created: true };
  }
}
