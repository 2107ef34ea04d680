/**
 * The journal's warm-up at station start (issue 18): a throw-away job goes through every write and read a
 * run makes, inside one transaction that is rolled back, so each statement is prepared and the code has
 * run once before the first real job — and nothing is kept.
 */
import type { Journal } from './journal';

/** Ends the warm-up's transaction (rolled back). */
class WarmedUp extends Error {}

/**
 * Runs the throw-away job through `j` inside `transaction` (which must roll back when its function throws).
 * Best effort, never throws: a database that cannot be written now (another process holding the write
 * lock past the busy timeout) is left for the first job to report, in its own words.
 */
export function warmJournal(j: Journal, transaction: (fn: () => void) => void): void {
  try {
    transaction(() => {
      const id = j.createJob({
        kind: 'provision',
        bayId: '-',
        locator: '-',
        stationId: '-',
        steps: ['identify'],
      });
      const release = j.hold(id);
      j.setJobState(id, 'running');
      j.startStep(id, 'identify', {});
      j.retryStep(id, 'identify', { code: 'INTERNAL', message: '-', remedy: '-' });
      j.finishStep(id, 'identify', 'done', {});
      j.addSummary(id, {});
      j.setDeviceUid(id, '-');
      j.relocate(id, '-', '-');
      j.failStep(id, 'identify', { code: 'INTERNAL', message: '-', remedy: '-' });
      j.resetStep(id, 'identify');
      j.toApiJob(j.getJob(id)!);
      release();
      j.addSummary(id, {});
      j.latestJobForDevice('-', 'provision');
      throw new WarmedUp();
    });
  } catch {
    // WarmedUp (the expected end), or a write refused now: the first job meets and reports it
  }
}
