/**
 * SOQL relationships of the emulator's objects
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_understanding.htm):
 * a reference field `AccountId` is the parent relationship `Account` (custom `Asset__c` → `Asset__r`), and
 * the parent sees its children through a child relationship (`Account.Assets`, `Account.Contacts`,
 * `Asset.ChildAssets`, `Asset.Identity_Alerts__r`).
 */
import { FIELDS, type SObjectType } from './schema';
import type { QueryType } from './soql-parse';

/** A parent relationship of `type`: `Account` for the reference field `AccountId`. */
export function relationship(
  type: QueryType,
  relName: string,
): { name: string; field: string; to: SObjectType } | undefined {
  if (type === 'User' || type === 'Organization') return undefined;
  const lower = relName.toLowerCase();
  const f = FIELDS[type].find(
    (x) => x.type === 'reference' && x.referenceTo && relationshipNameOf(x.name).toLowerCase() === lower,
  );
  if (!f) return undefined;
  return { name: relationshipNameOf(f.name), field: f.name, to: f.referenceTo! };
}

/** `AccountId` → `Account`, `Asset__c` → `Asset__r` (the SOQL relationship name of a reference field). */
function relationshipNameOf(field: string): string {
  return field.endsWith('__c') ? `${field.slice(0, -3)}__r` : field.replace(/Id$/, '');
}

/**
 * The child relationships of a parent type: standard ones named by the plural child object (`Assets`,
 * `Contacts`), custom ones as the metadata names them plus `__r` (`Identity_Alerts__r`, salesforce/…/
 * Asset_Identity_Alert__c/fields/Asset__c.field-meta.xml). A child with two references to the same parent
 * (Asset's ParentId) is the `ChildAssets` relationship, as on Asset.
 */
export function childRelationship(
  parent: QueryType,
  name: string,
): { name: string; type: SObjectType; field: string } | undefined {
  return childRelationshipsOf(parent).find((r) => r.name.toLowerCase() === name.toLowerCase());
}

/** Every child relationship of a parent type (named as {@link childRelationship} says); describe lists them. */
export function childRelationshipsOf(
  parent: QueryType,
): Array<{ name: string; type: SObjectType; field: string }> {
  if (parent === 'User' || parent === 'Organization') return [];
  const all: Array<{ name: string; type: SObjectType; field: string }> = [];
  for (const type of Object.keys(FIELDS) as SObjectType[]) {
    for (const f of FIELDS[type]) {
      if (f.type !== 'reference' || f.referenceTo !== parent) continue;
      const rel =
        f.name === 'ParentId'
          ? 'ChildAssets'
          : f.name === 'Asset__c' && type === 'Asset_Identity_Alert__c'
            ? 'Identity_Alerts__r'
            : `${type}s`;
      all.push({ name: rel, type, field: f.name });
    }
  }
  return all;
}
