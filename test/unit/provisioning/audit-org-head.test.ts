/** compareWithOrgHead: a wiped, rolled-back or rewritten local chain is caught by the org's anchor. */
import { describe, expect, it } from 'vitest';
import { compareWithOrgHead } from '../../../core/records/audit-sync';

const hashes = ['h1', 'h2', 'h3', 'h4'];
const at = (seq: number) => hashes[seq - 1];

describe('compareWithOrgHead', () => {
  it('passes when the org has no anchor, the same head, or an older head of the same chain', () => {
    expect(compareWithOrgHead({ seq: 4 }, undefined, at)).toEqual({ ok: true });
    expect(compareWithOrgHead({ seq: 4 }, { seq: 4, hash: 'h4' }, at)).toEqual({ ok: true });
    expect(compareWithOrgHead({ seq: 4 }, { seq: 2, hash: 'h2' }, at)).toEqual({ ok: true });
  });
  it('fails a wiped or rolled-back log (local head behind the org)', () => {
    const r = compareWithOrgHead({ seq: 0 }, { seq: 3, hash: 'h3' }, () => undefined);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toContain('wiped or rolled back');
    expect(compareWithOrgHead({ seq: 2 }, { seq: 3, hash: 'h3' }, at).ok).toBe(false);
  });
  it('fails a rewritten log (another hash at the org sequence)', () => {
    const r = compareWithOrgHead({ seq: 4 }, { seq: 3, hash: 'other' }, at);
    expect(!r.ok && r.problem).toContain('rewritten');
  });
});
