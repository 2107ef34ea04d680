/**
 * The emulator's org data: users, sObject records, sessions, refresh-token families, the asset signing
 * key, the AssetTokenEvent-like log and the daily API counter. Persisted as one JSON file under the
 * emulator home, written atomically (temp file + rename) after each change.
 *
 * Record rules follow docs/salesforce-wire.md §4.1/§4.2: an Asset needs AccountId or ContactId
 * (FIELD_INTEGRITY_EXCEPTION), unknown fields give INVALID_FIELD, unique external IDs give
 * DUPLICATE_VALUE, bad IDs give MALFORMED_ID / INVALID_CROSS_REFERENCE_KEY.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../../shared/errors';
import { FIELDS, KEY_PREFIX, findField, type SObjectType } from './schema';

/** A stored record: field name (canonical case) → value. */
export type Rec = Record<string, unknown> & { Id: string };

/** A REST error as the org returns it (docs/salesforce-wire.md §4.2). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
  }
  /** The REST error body: an array with one error (docs/salesforce-wire.md §4.2). */
  body(): Array<Record<string, unknown>> {
    return [{ message: this.message, errorCode: this.errorCode, fields: this.fields }];
  }
}

/** An AssetTokenEvent-like entry (docs/salesforce-wire.md §1.8). */
export interface TokenEvent {
  EventUuid: string;
  CreatedDate: string;
  UserId: string;
  ConnectedAppId: string;
  AssetId: string;
  AssetName: string;
  AssetSerialNumber: string;
  DeviceId: string;
  DeviceKey: string;
  Expiration: string;
  Name: string;
  ActorTokenPayload: string;
}

/** A user of the org (the seeded admin). */
export interface UserRec {
  Id: string;
  Username: string;
  Name: string;
  Email: string;
}

/** An access token's session. */
export interface Session {
  userId: string;
  /** ms epoch. */
  expiresAt: number;
  /** Refresh-token family that minted it (revoked together), if any. */
  family?: string;
}

/** A refresh token: its user and rotation family (docs/salesforce-wire.md §5.2). */
export interface RefreshRec {
  userId: string;
  family: string;
  retired: boolean;
}

/** Everything the org persists. */
export interface OrgData {
  v: 1;
  orgId: string;
  clientId: string;
  adminUserId: string;
  users: Record<string, UserRec>;
  records: Record<SObjectType, Record<string, Rec>>;
  sessions: Record<string, Session>;
  refreshTokens: Record<string, RefreshRec>;
  /** PKCS#8 PEM of the asset signing key (an emulator has no HSM). */
  assetKeyPem: string;
  tokenEvents: TokenEvent[];
  apiUsage: { used: number; day: string };
  seq: number;
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh 18-character ID with the type's key prefix. */
export function newId(prefix: string): string {
  const bytes = crypto.randomBytes(15);
  let s = prefix;
  for (const b of bytes) s += ID_CHARS[b % ID_CHARS.length];
  return s;
}

/** True for a 15- or 18-character alphanumeric ID. */
export function isIdShape(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(v);
}

/** The persistent store. */
export class OrgStore {
  readonly data: OrgData;
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

  /** A record by 18- or 15-character ID. */
  get(type: SObjectType, id: string): Rec | undefined {
    const all = this.data.records[type];
    if (id.length === 15) return Object.values(all).find((r) => r.Id.slice(0, 15) === id);
    return all[id];
  }

  /** All records of a type. */
  list(type: SObjectType): Rec[] {
    return Object.values(this.data.records[type]);
  }

  /** Records whose `field` equals `value` (case-sensitive compare, as for Text external IDs). */
  findBy(type: SObjectType, field: string, value: unknown): Rec[] {
    return this.list(type).filter((r) => r[field] === value);
  }

  /**
   * Validates and normalises input fields (canonical names). Refuses unknown and read-only fields.
   * @throws ApiError INVALID_FIELD / INVALID_FIELD_FOR_INSERT_UPDATE / STRING_TOO_LONG / MALFORMED_ID
   */
  normalise(type: SObjectType, input: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      if (k === 'attributes') continue;
      const f = findField(type, k);
      if (!f)
        throw new ApiError(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type ${type}`, [k]);
      if (f.readOnly) {
        throw new ApiError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${f.name}. Please check the security settings of this field.`,
          [f.name],
        );
      }
      if (v !== null && f.type === 'string' && typeof v !== 'string') {
        throw new ApiError(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of string from ${typeof v}`,
          [f.name],
        );
      }
      if (typeof v === 'string' && f.length && v.length > f.length) {
        throw new ApiError(
          400,
          'STRING_TOO_LONG',
          `${f.name}: data value too large (max length=${f.length})`,
          [f.name],
        );
      }
      if (v !== null && f.type === 'reference') {
        if (!isIdShape(v)) {
          throw new ApiError(400, 'MALFORMED_ID', `${f.name}: id value of incorrect type: ${String(v)}`, [
            f.name,
          ]);
        }
        if (!this.get(f.referenceTo!, v)) {
          throw new ApiError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
        }
      }
      if (v !== null && f.type === 'datetime' && (typeof v !== 'string' || Number.isNaN(Date.parse(v)))) {
        throw new ApiError(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of datetime from ${String(v)}`,
          [f.name],
        );
      }
      out[f.name] = v;
    }
    return out;
  }

  /** Checks the object-level rules on a full (merged) record. */
  private checkRecord(
    type: SObjectType,
    rec: Record<string, unknown>,
    selfId?: string,
    skipUnique = false,
  ): void {
    if (type === 'Asset' || type === 'Account' || type === 'Product2') {
      if (!rec.Name)
        throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]', ['Name']);
    }
    if (type === 'Contact' && !rec.LastName) {
      throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', [
        'LastName',
      ]);
    }
    if (type === 'Asset' && !rec.AccountId && !rec.ContactId) {
      // docs/salesforce-wire.md §4.1
      throw new ApiError(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        'Every asset needs an account, a contact, or both.',
        ['AccountId', 'ContactId'],
      );
    }
    if (skipUnique) return;
    for (const f of FIELDS[type]) {
      if (!f.unique || rec[f.name] === undefined || rec[f.name] === null) continue;
      const other = this.findBy(type, f.name, rec[f.name]).find((r) => r.Id !== selfId);
      if (other) {
        throw new ApiError(
          400,
          'DUPLICATE_VALUE',
          `duplicate value found: ${f.name} duplicates value on record with id: ${other.Id}`,
          [f.name],
        );
      }
    }
  }

  /** Creates a record. @throws ApiError */
  create(type: SObjectType, input: Record<string, unknown>, opts: { skipUnique?: boolean } = {}): Rec {
    const fields = this.normalise(type, input);
    this.checkRecord(type, fields, undefined, opts.skipUnique);
    const now = new Date().toISOString();
    const rec: Rec = { ...fields, Id: newId(KEY_PREFIX[type]), CreatedDate: now, LastModifiedDate: now };
    this.data.records[type][rec.Id] = rec;
    return rec;
  }

  /** Updates a record. @throws ApiError NOT_FOUND / MALFORMED_ID / field errors */
  update(type: SObjectType, id: string, input: Record<string, unknown>): Rec {
    if (!isIdShape(id))
      throw new ApiError(400, 'MALFORMED_ID', `Id: id value of incorrect type: ${id}`, ['Id']);
    const existing = this.get(type, id);
    if (!existing) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const fields = this.normalise(type, input);
    const merged = { ...existing, ...fields };
    this.checkRecord(type, merged, existing.Id);
    const rec: Rec = { ...merged, Id: existing.Id, LastModifiedDate: new Date().toISOString() };
    this.data.records[type][rec.Id] = rec;
    return rec;
  }

  /** Deletes a record. @throws ApiError MALFORMED_ID / NOT_FOUND */
  delete(type: SObjectType, id: string): void {
    if (!isIdShape(id))
      throw new ApiError(400, 'MALFORMED_ID', `Id: id value of incorrect type: ${id}`, ['Id']);
    const existing = this.get(type, id);
    if (!existing) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
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

function seed(clientId?: string): OrgData {
  const orgId = newId(KEY_PREFIX.Organization);
  const adminUserId = newId(KEY_PREFIX.User);
  const now = new Date().toISOString();
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data: OrgData = {
    v: 1,
    orgId,
    clientId: clientId ?? `3MVG9${crypto.randomBytes(24).toString('base64url')}`,
    adminUserId,
    users: {
      [adminUserId]: {
        Id: adminUserId,
        Username: 'admin@asset-station.emulator',
        Name: 'Emulator Admin',
        Email: 'admin@asset-station.invalid',
      },
    },
    records: { Account: {}, Contact: {}, Product2: {}, Asset: {} },
    sessions: {},
    refreshTokens: {},
    assetKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    tokenEvents: [],
    apiUsage: { used: 0, day: now.slice(0, 10) },
    seq: 0,
  };
  const put = (type: SObjectType, fields: Record<string, unknown>): string => {
    const id = newId(KEY_PREFIX[type]);
    data.records[type][id] = { ...fields, Id: id, CreatedDate: now, LastModifiedDate: now };
    return id;
  };
  const acme = put('Account', { Name: 'Acme Devices Ltd' });
  put('Account', { Name: 'Globex Field Services' });
  put('Contact', { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@acme.invalid', AccountId: acme });
  put('Contact', { FirstName: 'Grace', LastName: 'Hopper', Email: 'grace@acme.invalid', AccountId: acme });
  put('Product2', { Name: 'Asset Station Sensor', ProductCode: 'AS-SENSOR-1', IsActive: true });
  put('Product2', { Name: 'Asset Station Gateway', ProductCode: 'AS-GATEWAY-1', IsActive: true });
  return data;
}
