/**
 * The queue of jobs parked by a Salesforce outage (core/jobs/parking.ts), for the station toolbar: a count
 * ("Waiting for Salesforce: N") that opens the list — each device, since when, and what it waits for
 * (Salesforce, or its device to be plugged in again to store the Asset ID it now has) — with "Try
 * Salesforce now". Jobs parked before the window opened come from listParkedJobs; later changes from the
 * live `job` events. Renders nothing while no job is parked.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Job } from '../../../shared/domain';
import { formatDateTime } from '../lib/format';
import { useStation } from '../state/StationContext';
import { useAsyncAction } from '../state/useAsync';
import { ErrorNotice } from './ErrorNotice';
import '../styles/parked.css';

/** What a parked job waits for, in the technician's words. */
export function parkedWords(job: Job): string {
  if (job.error?.details?.parked === 'device') {
    const assetId = job.error.details.assetId;
    return `Registered in Salesforce${typeof assetId === 'string' ? ` (Asset ${assetId})` : ''}: plug it in again to install its certificate and store its Asset ID`;
  }
  return 'Waiting for Salesforce: unplug it and go on; it is registered when Salesforce is back';
}

/** The toolbar count and list of parked jobs. */
export function ParkedQueue() {
  const { api, live } = useStation();
  const [loaded, setLoaded] = useState<Job[]>([]);
  const [open, setOpen] = useState(false);
  const reload = useCallback(() => api.listParkedJobs({}).then(setLoaded), [api]);
  useEffect(() => {
    void reload().catch(() => undefined); // the live events still show jobs parked from now on
  }, [reload]);
  const drain = useAsyncAction(
    useCallback(async () => {
      const r = await api.drainParkedJobs({});
      await reload();
      if (!r.reachable && r.error) throw r.error;
    }, [api, reload]),
  );
  const parked = useMemo(() => {
    const byId = new Map(loaded.map((j) => [j.id, j]));
    for (const j of Object.values(live.jobs)) byId.set(j.id, j); // a live event is newer
    return [...byId.values()]
      .filter((j) => j.state === 'parked')
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }, [loaded, live.jobs]);
  if (parked.length === 0) return null;
  const waiting = parked.filter((j) => j.error?.details?.parked !== 'device').length;
  return (
    <div className="parked-queue" data-testid="parked-queue">
      <button
        type="button"
        className="btn btn--warn"
        aria-expanded={open}
        aria-controls="parked-queue-list"
        onClick={() => setOpen(!open)}
        data-testid="parked-count"
      >
        Waiting for Salesforce: {waiting}
        {parked.length > waiting ? ` · plug in again: ${parked.length - waiting}` : ''}
      </button>
      {open ? (
        <section id="parked-queue-list" className="panel parked-queue__list" aria-label="Parked jobs">
          <p className="parked-queue__lead">
            {waiting > 0
              ? 'Salesforce could not be reached for some devices. Nothing has been written to them yet; the station registers them when Salesforce is back (it keeps trying).'
              : 'These devices are registered in Salesforce.'}{' '}
            Plug each registered device in again (any bay) to install its certificate and store its Asset ID.
          </p>
          <ul>
            {parked.map((j) => (
              <li key={j.id} data-testid="parked-job">
                <strong>{j.deviceUid ?? j.id}</strong> <span>{formatDateTime(j.endedAt ?? j.startedAt)}</span>{' '}
                <span>{parkedWords(j)}</span>
              </li>
            ))}
          </ul>
          {waiting > 0 ? (
            <button type="button" className="btn" disabled={drain.busy} onClick={() => void drain.run()}>
              Try Salesforce now
            </button>
          ) : null}
          {drain.error ? <ErrorNotice error={drain.error} onDismiss={drain.clearError} /> : null}
        </section>
      ) : null}
    </div>
  );
}
