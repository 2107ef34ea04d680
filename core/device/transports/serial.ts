/**
 * `serial:<path>` transport over serialport 13 (node-serialport.io). Opens with `lock: true` (a second
 * opener gets DEVICE_PORT_BUSY) and `hupcl: false` (closing does not drop DTR, which resets ESP-style
 * boards). Line-control policy (docs/device-protocol.md §8):
 *  - `keep-low`: right after open, DTR and RTS are deasserted together in one TIOCMSET call
 *    (`port.set({dtr:false, rts:false})`), so the EN/IO0 auto-reset transistors of ESP32 dev boards never
 *    see one line without the other, and the native USB-Serial-JTAG of ESP32-S3/C3 never sees RTS alone.
 *  - `default`: lines are left as the OS sets them on open (asserted on Linux).
 * A PTY has no modem lines: a failed `set` is ignored.
 */
import { SerialPort } from 'serialport';
import { StationError } from '../../../shared/errors';
import { mapOpenError } from '../errors';
import type { Transport } from '../transport';
import { LineTransport } from './line';
import { eventLoopBinding } from './serial-io';

export interface SerialOptions {
  baudRate: number;
  lineControl: 'keep-low' | 'default';
  /** Opens tried while the port is busy (another program, or the OS still releasing it), default 4. */
  busyAttempts?: number;
  /** Pause between those tries, ms (default 250). */
  busyRetryMs?: number;
}

/**
 * Opens a serial port. A busy port (held by a serial monitor, or not yet released by the OS after a
 * previous close) is tried `busyAttempts` times, `busyRetryMs` apart, then reported.
 * @throws StationError DEVICE_PORT_NOT_FOUND | DEVICE_PORT_PERMISSION | DEVICE_PORT_BUSY (details.attempts)
 */
export async function openSerial(locator: string, path: string, o: SerialOptions): Promise<Transport> {
  const attempts = Math.max(1, o.busyAttempts ?? 4);
  let port: SerialPort | undefined;
  for (let i = 1; !port; i++) {
    const p = new SerialPort({
      binding: eventLoopBinding, // reads in the event loop, not the thread pool (serial-io.ts)
      path,
      baudRate: o.baudRate,
      autoOpen: false,
      lock: true,
      hupcl: false,
    });
    try {
      await new Promise<void>((resolve, reject) =>
        p.open((err) => (err ? reject(mapOpenError(locator, err)) : resolve())),
      );
      port = p;
    } catch (e) {
      if (!(e instanceof StationError) || e.code !== 'DEVICE_PORT_BUSY' || i >= attempts) {
        if (e instanceof StationError && e.code === 'DEVICE_PORT_BUSY')
          throw new StationError(e.code, `${e.message.replace(/\.$/, '')} (tried ${i} times).`, e.remedy, {
            ...e.details,
            attempts: i,
          });
        throw e;
      }
      await new Promise((r) => setTimeout(r, o.busyRetryMs ?? 250));
    }
  }
  if (o.lineControl === 'keep-low') {
    await new Promise<void>((resolve) => port.set({ dtr: false, rts: false }, () => resolve()));
  }
  return new SerialTransport(locator, port);
}

class SerialTransport extends LineTransport {
  constructor(
    locator: string,
    private readonly port: SerialPort,
  ) {
    super(locator);
    port.on('error', (e: Error) => this.lost(e.message));
    port.on('close', (e?: Error & { disconnected?: boolean }) => this.lost(e?.message ?? 'port closed'));
  }

  protected send(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes), (err) => (err ? reject(this.failed(err.message)) : resolve()));
    });
  }

  protected release(): void {
    if (this.port.isOpen) this.port.close(() => {});
  }

  protected async shut(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  onData(cb: (b: Uint8Array) => void): void {
    // a view of the chunk, not a copy: serialport never reuses the part of its read pool it handed out
    this.port.on('data', (d: Buffer) => cb(new Uint8Array(d.buffer, d.byteOffset, d.length)));
  }
}
