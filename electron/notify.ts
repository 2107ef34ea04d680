/** Text of the desktop notifications the shell shows (plain functions; main.ts shows them). */
/** Title and body of the desktop notification shown on the station's `batch` event. */
export function batchNotice(batch: { succeeded: number; failed: number }): { title: string; body: string } {
  const total = batch.succeeded + batch.failed;
  return {
    title: batch.failed === 0 ? 'Batch finished' : 'Batch finished with failures',
    body: `${batch.succeeded} of ${total} device${total === 1 ? '' : 's'} provisioned, ${batch.failed} failed.`,
  };
}
