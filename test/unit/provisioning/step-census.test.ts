/** StepCensus (core/jobs/step-census.ts): which running provisioning jobs have not gone past a step. */
import { describe, expect, it } from 'vitest';
import { StepCensus } from '../../../core/jobs/step-census';

const running = (id: string, kind: 'provision' | 'verify' = 'provision') =>
  ({ id, kind, state: 'running' }) as const;

describe('StepCensus', () => {
  it('counts a started job as before every step, then by the step it runs', () => {
    const c = new StepCensus();
    c.job(running('j1'));
    c.job(running('j2'));
    expect(c.notPast('identify')).toBe(2);
    c.step('j1', { name: 'keygen', state: 'running' });
    c.step('j2', { name: 'sign', state: 'running' });
    expect(c.notPast('policy')).toBe(1);
    expect(c.notPast('upsert-asset')).toBe(2);
    c.step('j2', { name: 'write-back', state: 'running' });
    expect(c.notPast('upsert-asset')).toBe(1);
  });

  it('a job at the step counts (it is making the call); a done event does not move it', () => {
    const c = new StepCensus();
    c.job(running('j1'));
    c.step('j1', { name: 'policy', state: 'running' });
    c.step('j1', { name: 'policy', state: 'done' });
    expect(c.notPast('policy')).toBe(1);
    expect(c.notPast('csr')).toBe(0);
  });

  it('forgets a job that ends in any final state, and never counts verify jobs', () => {
    const c = new StepCensus();
    for (const [id, state] of [
      ['a', 'succeeded'],
      ['b', 'failed'],
      ['c', 'cancelled'],
      ['d', 'interrupted'],
    ] as const) {
      c.job(running(id));
      c.job({ id, kind: 'provision', state });
    }
    c.job(running('v', 'verify'));
    c.step('v', { name: 'identify', state: 'running' });
    expect(c.notPast('read-back')).toBe(0);
  });

  it('ignores steps of jobs it does not count (a step event before its job event)', () => {
    const c = new StepCensus();
    c.step('ghost', { name: 'identify', state: 'running' });
    expect(c.notPast('read-back')).toBe(0);
  });
});
