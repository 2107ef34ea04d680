/**
 * Ctrl-C while jobs run (`asset-station provision`): the first SIGINT stops every running job as
 * `interrupted` (journaled and audited, resumed by the next `provision`), and the command then says,
 * per device, where it left it and exits {@link EXIT_INTERRUPTED}; a second SIGINT exits at once.
 */
import type { Station } from '../core/station';
import type { JobsOutput, ProvisionOutcome } from './run-jobs';

/** Exit status after Ctrl-C: 128 + SIGINT (2), the shells' convention for "stopped by Ctrl-C". */
export const EXIT_INTERRUPTED = 130;

/** The Ctrl-C watch of one command. */
export interface CtrlCWatch {
  /** True once Ctrl-C was pressed. */
  requested(): boolean;
  /** Stops watching (the default Ctrl-C behaviour is back). */
  dispose(): void;
}

/**
 * Watches for Ctrl-C while `station` runs jobs: the first one interrupts them (their jobs then end
 * as `interrupted`), the second exits the process with {@link EXIT_INTERRUPTED} without waiting.
 */
export function interruptOnCtrlC(station: Station, out: JobsOutput): CtrlCWatch {
  let pressed = false;
  const onSigint = () => {
    if (pressed) return void process.exit(EXIT_INTERRUPTED);
    pressed = true;
    const note =
      'Stopping: each device is left where it is safe to resume (press Ctrl-C again to quit at once).';
    if (out.json) out.write(JSON.stringify({ type: 'stopping', message: note }));
    else process.stderr.write(`\n${note}\n`);
    void station.interruptJobs();
  };
  process.on('SIGINT', onSigint);
  return {
    requested: () => pressed,
    dispose: () => void process.off('SIGINT', onSigint),
  };
}

/** Says, per device, where Ctrl-C left it (jobs that ended otherwise are said as they ended). */
export function printInterrupted(outcomes: ProvisionOutcome[], out: JobsOutput): void {
  for (const oc of outcomes) {
    const e = oc.job.error;
    const where =
      oc.job.state === 'interrupted' && e
        ? `${e.message} ${e.remedy}`
        : oc.job.state === 'succeeded'
          ? 'provisioned before the stop.'
          : `${e?.message ?? oc.job.state} ${e?.remedy ?? ''}`.trim();
    if (out.json)
      out.write(
        JSON.stringify({
          type: 'interrupted',
          deviceUid: oc.deviceUid,
          jobId: oc.job.id,
          state: oc.job.state,
          message: where,
        }),
      );
    else out.write(`${oc.deviceUid}: ${where}`);
  }
}
