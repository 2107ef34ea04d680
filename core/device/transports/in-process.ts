/**
 * `sim:<name>` transport: an in-process simulated device registered by sim/device through
 * shared/protocol's endpoint registry (no PTY, works on every OS; used by the demo and training).
 */
import { findSimEndpoint, type SimConnection } from '../../../shared/protocol';
import { StationError } from '../../../shared/errors';
import { vanished } from '../errors';
import type { Transport } from '../transport';

/** Connects. @throws StationError DEVICE_PORT_NOT_FOUND | DEVICE_PORT_BUSY */
export function openSim(locator: string, name: string): Transport {
  const ep = findSimEndpoint(name);
  if (!ep)
    throw new StationError(
      'DEVICE_PORT_NOT_FOUND',
      `No simulated device ${name} runs in this process.`,
      'Start the simulator (the demo starts it), or use the serial: locator printed by `asset-station sim device`.',
    );
  let dataCb: ((b: Uint8Array) => void) | undefined;
  let closeCb: ((e: StationError) => void) | undefined;
  let gone: StationError | undefined;
  let closed = false;
  let conn: SimConnection;
  try {
    conn = ep.connect({
      onData: (b) => dataCb?.(b),
      onClose: (reason) => {
        if (closed || gone) return;
        gone = vanished(locator, reason);
        closeCb?.(gone);
      },
    });
  } catch {
    throw new StationError(
      'DEVICE_PORT_BUSY',
      `${locator} is in use by another client.`,
      'Close the other bay or program using this simulated device, then retry.',
    );
  }
  return {
    locator,
    async write(b) {
      if (gone) throw gone;
      conn.write(b.slice());
    },
    onData(cb) {
      dataCb = cb;
    },
    onClose(cb) {
      closeCb = cb;
      if (gone) cb(gone);
    },
    async close() {
      if (closed) return;
      closed = true;
      conn.close();
    },
  };
}
