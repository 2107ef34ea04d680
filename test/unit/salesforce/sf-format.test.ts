/**
 * The emulator's record IDs and datetimes as Salesforce writes them (docs/salesforce-wire.md §8.2).
 */
import { describe, expect, it } from 'vitest';
import { caseSafeSuffix, canonicalId, newId, sfDateTime, toId18 } from '../../../sim/org/sf-format';
import { parseSoql, select } from '../../../sim/org/soql';

describe('18-character IDs with the case-safe suffix', () => {
  it('computes the suffix of known IDs (one bit per upper-case letter, 5 per block, A–Z then 0–5)', () => {
    expect(toId18('a0BA0000000L2ZC')).toBe('a0BA0000000L2ZCMA0');
    expect(toId18('70130000001tcyI')).toBe('70130000001tcyIAAQ');
    expect(caseSafeSuffix('ABCDEFGHIJKLMNO')).toBe('555');
    expect(caseSafeSuffix('AAaAAbbBBBCcCCC')).toBe('123');
    expect(caseSafeSuffix('000000000000000')).toBe('AAA');
  });

  it('new IDs keep their key prefix and carry the right suffix', () => {
    for (let i = 0; i < 50; i++) {
      const id = newId('02i');
      expect(id).toMatch(/^02i[A-Za-z0-9]{12}[A-Z0-5]{3}$/);
      expect(id.slice(15)).toBe(caseSafeSuffix(id.slice(0, 15)));
    }
  });

  it('an 18-character ID in any letter case maps back to the stored ID; a non-ID does not', () => {
    expect(canonicalId('A0Ba0000000l2zcma0')).toBe('a0BA0000000L2ZCMA0');
    expect(canonicalId('a0ba0000000l2zcMA0')).toBe('a0BA0000000L2ZCMA0');
    expect(canonicalId('a0BA0000000L2ZC')).toBe('a0BA0000000L2ZC');
    expect(canonicalId('a0BA0000000L2ZC999')).toBeUndefined(); // 6–9 are never suffix characters
    expect(canonicalId('a0BA0000000L2Z')).toBeUndefined();
  });
});

describe('datetimes', () => {
  it('are written in UTC with milliseconds and +0000, whatever the input offset', () => {
    expect(sfDateTime('2026-12-02T08:47:21+01:00')).toBe('2026-12-02T07:47:21.000+0000');
    expect(sfDateTime(Date.UTC(2026, 11, 2, 7, 47, 21, 5))).toBe('2026-12-02T07:47:21.005+0000');
  });
});

describe('emulator SOQL evaluation', () => {
  const rows = [
    { Id: '1', Name: 'beta', Status: 'Installed', CreatedDate: '2026-12-02T07:00:00.000+0000' },
    { Id: '2', Name: 'Alpha', Status: null, CreatedDate: '2026-12-01T07:00:00.000+0000' },
    { Id: '3', Name: 'gamma', Status: 'Shipped', CreatedDate: '2026-12-03T07:00:00.000+0000' },
  ];
  const names = (q: string) => select(parseSoql(q), rows).rows.map((r) => r.Name);

  it('ORDER BY sorts text case-insensitively, nulls first ascending and last descending', () => {
    expect(names('SELECT Name FROM Asset ORDER BY Name')).toEqual(['Alpha', 'beta', 'gamma']);
    expect(names('SELECT Name FROM Asset ORDER BY Status')).toEqual(['Alpha', 'beta', 'gamma']);
    expect(names('SELECT Name FROM Asset ORDER BY Status DESC')).toEqual(['gamma', 'beta', 'Alpha']);
    expect(names('SELECT Name FROM Asset ORDER BY Status ASC NULLS LAST')).toEqual([
      'beta',
      'gamma',
      'Alpha',
    ]);
  });

  it('LIKE with % and _ (case-insensitive), IN, NOT IN, LIMIT and OFFSET', () => {
    expect(names("SELECT Name FROM Asset WHERE Name LIKE 'a%'")).toEqual(['Alpha']);
    expect(names("SELECT Name FROM Asset WHERE Name LIKE '_amma'")).toEqual(['gamma']);
    expect(names("SELECT Name FROM Asset WHERE Status IN ('installed', 'Shipped')")).toEqual([
      'beta',
      'gamma',
    ]);
    expect(names("SELECT Name FROM Asset WHERE Status NOT IN ('Installed')")).toEqual(['Alpha', 'gamma']);
    expect(names('SELECT Name FROM Asset ORDER BY Name LIMIT 1 OFFSET 1')).toEqual(['beta']);
  });

  it('compares datetimes as instants, against an unquoted datetime literal', () => {
    expect(
      names('SELECT Name FROM Asset WHERE CreatedDate > 2026-12-01T12:00:00Z ORDER BY CreatedDate'),
    ).toEqual(['beta', 'gamma']);
    expect(names('SELECT Name FROM Asset WHERE CreatedDate <= 2026-12-02T08:00:00+01:00')).toEqual([
      'beta',
      'Alpha',
    ]);
  });
});
