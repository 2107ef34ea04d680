/**
 * The org's own read-only records as REST serves them: `sobjects/User/{id}` and
 * `sobjects/Organization/{id}` (the look-ups Salesforce's sf CLI makes after `org login access-token`:
 * userinfo → User, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve.htm).
 * Only the seeded users and the one organization exist; both are read-only.
 */
import { ApiError } from './api-error';
import type { OrgStore } from './store';

/** The read-only types this module serves. */
export type IdentityType = 'User' | 'Organization';

/** Their fields (what SOQL may select). */
export const IDENTITY_FIELDS: Record<IdentityType, string[]> = {
  User: ['Id', 'Username', 'Name', 'Email', 'IsActive', 'ProfileId', 'TimeZoneSidKey', 'LanguageLocaleKey'],
  Organization: [
    'Id',
    'Name',
    'OrganizationType',
    'IsSandbox',
    'TrialExpirationDate',
    'InstanceName',
    'NamespacePrefix',
    'LanguageLocaleKey',
    'TimeZoneSidKey',
  ],
};

/** Every record of a read-only type. */
export function identityRecords(store: OrgStore, type: IdentityType): Array<Record<string, unknown>> {
  if (type === 'Organization') return [organizationRecord(store)];
  return Object.keys(store.data.users).map((id) => userRecord(store, id)!);
}

/** The fields a User record is returned with. */
export function userRecord(store: OrgStore, id: string): Record<string, unknown> | undefined {
  const u = Object.values(store.data.users).find((x) => x.Id === id || x.Id.slice(0, 15) === id);
  if (!u) return undefined;
  return {
    Id: u.Id,
    Username: u.Username,
    Name: u.Name,
    Email: u.Email,
    IsActive: true,
    ProfileId: null,
    TimeZoneSidKey: 'Europe/London',
    LanguageLocaleKey: 'en_US',
  };
}

/** The one Organization record. */
export function organizationRecord(store: OrgStore): Record<string, unknown> {
  return {
    Id: store.data.orgId,
    Name: 'Asset Station Emulator',
    OrganizationType: 'Developer Edition',
    IsSandbox: false,
    TrialExpirationDate: null,
    InstanceName: 'EMU1',
    NamespacePrefix: null,
    LanguageLocaleKey: 'en_US',
    TimeZoneSidKey: 'Europe/London',
  };
}

/** `GET sobjects/User|Organization/{id}`; undefined when `type` is neither. @throws ApiError 404 */
export function identityRecord(
  store: OrgStore,
  type: string,
  id: string,
): Record<string, unknown> | undefined {
  const t = type.toLowerCase();
  if (t === 'user') {
    const u = userRecord(store, id);
    if (!u) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return { attributes: { type: 'User' }, ...u };
  }
  if (t === 'organization') {
    const o = organizationRecord(store);
    if (id !== o.Id && id !== String(o.Id).slice(0, 15)) {
      throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    return { attributes: { type: 'Organization' }, ...o };
  }
  return undefined;
}
