/**
 * The column metadata of a query (`GET /query?q=…&columns=true`), which Salesforce's sf CLI reads before
 * `data query` to lay out its table and CSV (plugin-data `retrieveColumns`): one column per selected field,
 * a parent relationship as one column with `joinColumns`, a child subquery as one `aggregate` column with
 * `joinColumns` (what plugin-data reads as a subquery field). Not in the public REST reference: the shape here
 * is what the sf CLI reads (columnName, displayName, aggregate, joinColumns) [I].
 */
import type { ParsedQuery } from './soql';

/** One column as the org describes it. */
export interface QueryColumn {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: QueryColumn[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
}

function column(name: string, displayName: string, joinColumns: QueryColumn[] = []): QueryColumn {
  return {
    aggregate: false,
    apexType: joinColumns.length ? null : 'String',
    booleanType: false,
    columnName: name,
    custom: name.endsWith('__c'),
    displayName,
    foreignKeyName: null,
    insertable: false,
    joinColumns,
    numberType: false,
    textType: joinColumns.length === 0,
    updatable: false,
  };
}

/** `{columnMetadata, entityName, groupBy, idSelected, keyPrefix}` for a parsed query. */
export function columnMetadata(q: ParsedQuery): Record<string, unknown> {
  const cols: QueryColumn[] = [];
  for (const f of q.fields) {
    const dot = f.indexOf('.');
    if (dot < 0) {
      cols.push(column(f, f));
      continue;
    }
    const rel = f.slice(0, dot);
    const child = column(f.slice(dot + 1), f);
    const existing = cols.find((c) => c.columnName === rel && c.joinColumns.length > 0);
    if (existing) existing.joinColumns.push(child);
    else cols.push(column(rel, rel, [child]));
  }
  for (const sub of q.subqueries ?? []) {
    // a child subquery: one aggregate column whose joinColumns are the child's fields
    const col = column(
      sub.relationshipName,
      sub.relationshipName,
      sub.fields.map((f) => column(f, f)),
    );
    cols.push({ ...col, aggregate: true });
  }
  return {
    columnMetadata: cols,
    entityName: q.type,
    groupBy: false,
    idSelected: q.fields.includes('Id'),
    keyPrefix: null,
  };
}
