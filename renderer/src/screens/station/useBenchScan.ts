/**
 * What a barcode scan does on the Station screen: a device's UID label picks its bay and starts (or
 * resumes) its job; an Account Id is looked up in the org and used only once found, shown by name; a
 * work order matching the bench's pattern fills its field; anything else clears the selection and
 * says so. Returns the scan handler and the line that tells the technician what happened.
 */
import { useCallback, useState } from 'react';
import type { Bay, Job } from '../../../../shared/domain';
import { bayView } from '../../lib/bayView';
import { routeScan } from '../../lib/scanner';
import { useStation } from '../../state/StationContext';
import type { JobInputValues } from './JobInputs';

/** Sets the job inputs, from a value or from the previous one (a late Account look-up keeps newer edits). */
export type InputsSetter = (v: JobInputValues | ((prev: JobInputValues) => JobInputValues)) => void;

function why(e: unknown): string {
  return String((e as Error)?.message ?? e);
}

/**
 * @param cards the bays as the screen lists them (index + 1 = the bay number shown).
 * @param workOrderPattern regular expression a work-order scan matches (bench preference).
 */
export function useBenchScan({
  cards,
  jobInputs,
  setInputs,
  setSelectedId,
  workOrderPattern,
}: {
  cards: Array<{ bay: Bay; job: Job | undefined }>;
  jobInputs: Record<string, string> | undefined;
  setInputs: InputsSetter;
  setSelectedId: (id: string | undefined) => void;
  workOrderPattern: string | undefined;
}): { onScan: (raw: string) => void; lastScan: string | undefined; accountNames: Record<string, string> } {
  const { api, dispatch } = useStation();
  const [lastScan, setLastScan] = useState<string | undefined>();
  const [accountNames, setAccountNames] = useState<Record<string, string>>({});

  const onScan = useCallback(
    (raw: string) => {
      const route = routeScan(
        raw,
        cards.flatMap((c) => (c.bay.device ? [c.bay.device.uid] : [])),
        workOrderPattern || undefined,
      );
      if (route.kind === 'device') {
        const i = cards.findIndex((c) => c.bay.device?.uid === route.uid);
        const c = cards[i]!;
        const v = bayView(c.bay, c.job);
        setSelectedId(c.bay.id);
        const said = `Scanned device ${route.uid}: Bay ${i + 1}`;
        if (v.canStart) {
          setLastScan(`${said}, starting.`);
          api
            .startJob({ bayId: c.bay.id, kind: 'provision', ...(jobInputs ? { inputs: jobInputs } : {}) })
            .then(
              (j) => dispatch({ type: 'jobIfNew', job: j }),
              (e: unknown) => setLastScan(`${said} could not start (${why(e)}).`),
            );
        } else if (v.canRetry && c.job) {
          setLastScan(`${said}, resuming its job.`);
          api.retryJob({ jobId: c.job.id }).then(
            (j) => dispatch({ type: 'jobIfNew', job: j }),
            (e: unknown) => setLastScan(`${said} could not resume (${why(e)}).`),
          );
        } else setLastScan(`${said} selected (${v.headline}).`);
        return;
      }
      if (route.kind === 'unknown') {
        setSelectedId(undefined);
        setLastScan(
          `Not recognised: ${route.code} is not a device on this station, an Account Id or a work order. Nothing was changed.`,
        );
        return;
      }
      if (route.kind === 'workOrder') {
        setInputs((prev) => ({ ...prev, workOrder: route.code }));
        setLastScan(`Scanned work order: ${route.code}`);
        return;
      }
      // An Account Id is used only once the org knows it, and shown by the customer's name.
      const code = route.code;
      setLastScan(`Scanned Account Id: ${code} — looking it up in Salesforce…`);
      api.findAccount({ accountId: code }).then(
        (r) => {
          if (r.found && r.id) {
            const name = r.name || r.id;
            setAccountNames((m) => ({ ...m, [r.id!]: name }));
            setInputs((prev) => ({ ...prev, accountId: r.id! }));
            setLastScan(`Scanned Account Id: ${r.id} — ${name}. The next jobs register their Assets to it.`);
          } else
            setLastScan(
              `Scanned Account Id: ${code} — no such Account in Salesforce. Nothing was changed: check the barcode or the customer record.`,
            );
        },
        (e: unknown) =>
          setLastScan(
            `Scanned Account Id: ${code} — could not look it up (${why(e)}). Nothing was changed: connect to Salesforce in Settings, then scan again.`,
          ),
      );
    },
    [api, cards, dispatch, jobInputs, setInputs, setSelectedId, workOrderPattern],
  );
  return { onScan, lastScan, accountNames };
}
