/**
 * Hands-free signals when a provisioning job finishes on this screen: the pass/fail tone and, on a
 * pass, the label printed on the network label printer (both bench preferences, off by default).
 * Jobs that had already finished when the screen opened signal nothing; each finish signals once.
 */
import { useEffect, useRef, useState } from 'react';
import type { Job } from '../../../../shared/domain';
import { playTone } from '../../lib/tone';
import { useStation } from '../../state/StationContext';

/** The finish of one attempt (a retried job finishes again under the same id). */
const finishKey = (j: Job) => `${j.id}@${j.endedAt ?? ''}`;

const finished = (j: Job) =>
  j.kind === 'provision' && (j.state === 'succeeded' || j.state === 'failed') && j.endedAt !== undefined;

/**
 * @returns what the last auto-print did, in the technician's words.
 */
export function useBenchSignals(
  jobs: Record<string, Job>,
  prefs: { tone: boolean; autoPrint: boolean },
): string | undefined {
  const { api } = useStation();
  const seen = useRef(new Set<string>());
  // What finished before this screen opened is history, not news (the job list may arrive later).
  const [openedAt] = useState(() => Date.now());
  const [printStatus, setPrintStatus] = useState<string | undefined>();

  useEffect(() => {
    const fresh = Object.values(jobs).filter(
      (j) => finished(j) && Date.parse(j.endedAt!) >= openedAt && !seen.current.has(finishKey(j)),
    );
    if (!fresh.length) return;
    for (const j of fresh) seen.current.add(finishKey(j));
    // One tone for what finished together; a failure is the one to hear.
    if (prefs.tone) playTone(fresh.some((j) => j.state === 'failed') ? 'fail' : 'pass');
    if (!prefs.autoPrint) return;
    for (const j of fresh.filter((x) => x.state === 'succeeded')) {
      const uid = j.deviceUid ?? 'the device';
      api.printLabel({ jobId: j.id }).then(
        (r) => setPrintStatus(`Label for ${uid} sent to the printer at ${r.printer}.`),
        (e: unknown) => {
          const err = e as { message?: string; remedy?: string };
          setPrintStatus(
            `Label for ${uid} not printed: ${err.message ?? String(e)} ${err.remedy ?? ''}`.trim(),
          );
        },
      );
    }
  }, [api, jobs, openedAt, prefs.autoPrint, prefs.tone]);

  return printStatus;
}
