import { useCallback, useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';

/**
 * "Print label" on a provisioned bay: fetches the device label (62 × 29 mm SVG, QR code of the UID)
 * from the core and prints it; the print stylesheet (station.css) prints only the label, at its size.
 */
export function LabelButton({ jobId, uid }: { jobId: string; uid: string }) {
  const { api } = useStation();
  const [label, setLabel] = useState<{ svg: string; filename: string } | undefined>();
  const load = useAsyncAction(
    useCallback(async () => {
      setLabel(await api.getLabel({ jobId }));
    }, [api, jobId]),
  );
  useEffect(() => {
    if (!label) return;
    // Print once the label image is in the document.
    const t = setTimeout(() => window.print(), 50);
    return () => clearTimeout(t);
  }, [label]);

  return (
    <>
      <button type="button" className="btn" disabled={load.busy} onClick={() => void load.run()}>
        Print label
      </button>
      {load.error ? (
        <ErrorNotice error={load.error} alert testId="label-error" onDismiss={load.clearError} />
      ) : null}
      {label
        ? createPortal(
            <div className="print-label" data-testid="print-label">
              <img
                alt={`Label for device ${uid}`}
                src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(label.svg)}`}
              />
            </div>,
            document.body,
          )
        : null}
    </>
  );
}
