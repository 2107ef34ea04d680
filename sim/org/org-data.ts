/**
 * The emulator's org data as persisted (one JSON object, see store.ts): users, sObject records, sessions,
 * refresh-token families (docs/salesforce-wire.md §5.2), the asset signing key, the AssetTokenEvent-like log
 * (§1.8) and the daily API counter (§4.3); record IDs with their key prefixes; and the seed of a fresh org
 * (an admin user, two Accounts, two Contacts, two Products).
 */
import crypto from 'node:crypto';
import { KEY_PREFIX, SOBJECT_TYPES, type SObjectType } from './schema';
import { canonicalId, newId, sfDateTime } from './sf-format';

/** A stored record: field name (canonical case) → value. */
export type Rec = Record<string, unknown> & { Id: string };

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
  /** Emulator only: what the org-side asset-token check (asset-token-check.ts) decided. */
  Verdict?: { ok: boolean; reasonCodes: string; quarantined: string[] };
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

export { newId } from './sf-format';

/** True for a 15-character ID, or an 18-character one whose last 3 are a case-safe suffix (sf-format.ts). */
export function isIdShape(v: unknown): v is string {
  return typeof v === 'string' && canonicalId(v) !== undefined;
}

/** The org a fresh emulator starts with; `clientId` fixed or generated. */
export function seed(clientId?: string): OrgData {
  const orgId = newId(KEY_PREFIX.Organization);
  const adminUserId = newId(KEY_PREFIX.User);
  const now = sfDateTime();
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
    records: emptyRecords(),
    sessions: {},
    refreshTokens: {},
    assetKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    tokenEvents: [],
    apiUsage: { used: 0, day: new Date().toISOString().slice(0, 10) },
    seq: 0,
  };
  const put = (type: SObjectType, fields: Record<string, unknown>): string => {
    const id = newId(KEY_PREFIX[type]);
    data.records[type][id] = { ...fields, Id: id, CreatedDate: now, LastModifiedDate: now };
    return id;
  };
  const acme = put('Account', {
    Name: 'Acme Devices Ltd',
    BillingStreet: '1 Foundry Lane',
    BillingCity: 'Sheffield',
    BillingPostalCode: 'S1 2AB',
    BillingCountry: 'United Kingdom',
  });
  put('Account', {
    Name: 'Globex Field Services',
    BillingStreet: '42 Harbour Road',
    BillingCity: 'Rotterdam',
    BillingPostalCode: '3011 AA',
    BillingCountry: 'Netherlands',
  });
  put('Contact', { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@acme.invalid', AccountId: acme });
  put('Contact', { FirstName: 'Grace', LastName: 'Hopper', Email: 'grace@acme.invalid', AccountId: acme });
  put('Product2', { Name: 'Asset Station Sensor', ProductCode: 'AS-SENSOR-1', IsActive: true });
  put('Product2', { Name: 'Asset Station Gateway', ProductCode: 'AS-GATEWAY-1', IsActive: true });
  return data;
}

/** One empty table per sObject type (also fills types missing from a data file saved by an older emulator). */
export function emptyRecords(
  have: Partial<Record<SObjectType, Record<string, Rec>>> = {},
): Record<SObjectType, Record<string, Rec>> {
  return Object.fromEntries(SOBJECT_TYPES.map((t) => [t, have[t] ?? {}])) as Record<
    SObjectType,
    Record<string, Rec>
  >;
}
