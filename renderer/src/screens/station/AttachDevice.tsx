import { useCallback, useEffect, useState } from 'react';
import type { SerialPortInfo } from '../../../../shared/domain';
import { Locator } from '../../../../shared/domain';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';

/**
 * Adds a bay by locator, for devices the station cannot discover by itself: a serial port picked
 * from the OS list, or a device server typed as `tcp:HOST:PORT` (ser2net, Moxa). USB devices that
 * are plugged in appear without this.
 */
export function AttachDevice() {
  const { api, dispatch } = useStation();
  const [open, setOpen] = useState(false);
  const [ports, setPorts] = useState<SerialPortInfo[]>([]);
  const [locator, setLocator] = useState('');
  const [done, setDone] = useState<string | undefined>();

  useEffect(() => {
    if (!open) return;
    api.listSerialPorts({}).then(setPorts, () => setPorts([]));
  }, [api, open]);

  const attach = useAsyncAction(
    useCallback(async () => {
      const valid = Locator.safeParse(locator.trim());
      if (!valid.success) {
        throw {
          code: 'BAD_REQUEST',
          message: `"${locator}" is not a device address.`,
          remedy: 'Pick a serial port from the list, or type tcp:HOST:PORT for a device server.',
        };
      }
      const bay = await api.attachBay({ locator: valid.data });
      dispatch({ type: 'bay', bay });
      setDone(`Added ${bay.device ? `${bay.device.model} ${bay.device.uid}` : bay.locator}.`);
      setLocator('');
    }, [api, dispatch, locator]),
  );

  return (
    <details className="panel attach" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Add a device by port or network address</summary>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          setDone(undefined);
          void attach.run();
        }}
      >
        <TextField
          label="Device address"
          className="attach__field"
          mono
          name="locator"
          list="attach-ports"
          placeholder="serial:/dev/ttyUSB0 or tcp:10.0.0.5:4001"
          value={locator}
          onChange={setLocator}
        />
        <datalist id="attach-ports">
          {ports.map((p) => (
            <option key={p.locator} value={p.locator}>
              {[p.manufacturer, p.serialNumber].filter(Boolean).join(' ')}
            </option>
          ))}
        </datalist>
        <button type="submit" className="btn btn--primary" disabled={!locator.trim() || attach.busy}>
          {attach.busy ? 'Connecting…' : 'Add device'}
        </button>
        <p className="muted" role="status">
          {done ?? `${ports.length} serial port${ports.length === 1 ? '' : 's'} found.`}
        </p>
      </form>
      {attach.error ? <ErrorNotice error={attach.error} alert onDismiss={attach.clearError} /> : null}
    </details>
  );
}
