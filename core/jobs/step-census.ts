/**
 * Where the running provisioning jobs are in the saga, so the org batches know how many bays are still
 * heading for a shared call (issue 18): the clone-check look-ups and the Asset upserts of 16 bays go
 * in one call each once every bay that will make that call has queued, instead of one call per group
 * that happens to arrive within a fixed window. Fed from the job and step events the station emits.
 */
import { PROVISION_STEPS, type Job, type Step, type StepName } from '../../shared/domain';

const FINAL: ReadonlySet<Job['state']> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
const INDEX = new Map<StepName, number>(PROVISION_STEPS.map((s, i) => [s, i]));

/** Counts running provisioning jobs by the step they are at. */
export class StepCensus {
  /** Running provisioning job id → index (in PROVISION_STEPS) of the step it is at. */
  private readonly at = new Map<string, number>();

  /** A job event: a running provisioning job is counted from its start; a final state removes it. */
  job(job: Pick<Job, 'id' | 'kind' | 'state'>): void {
    if (job.kind !== 'provision' || FINAL.has(job.state)) this.at.delete(job.id);
    else if (job.state === 'running' && !this.at.has(job.id)) this.at.set(job.id, -1);
  }

  /** A step event: a counted job that starts `step` is at that step now. */
  step(jobId: string, step: Pick<Step, 'name' | 'state'>): void {
    const i = INDEX.get(step.name);
    if (step.state === 'running' && i !== undefined && this.at.has(jobId)) this.at.set(jobId, i);
  }

  /**
   * Running provisioning jobs that have not gone past `step` (at it, or at an earlier step): the bays
   * that will still make, or are making, the org call of that step.
   */
  notPast(step: StepName): number {
    const i = INDEX.get(step) ?? -1;
    let n = 0;
    for (const at of this.at.values()) if (at <= i) n++;
    return n;
  }
}
