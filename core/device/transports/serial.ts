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
import { mapOpenError } from '../errors';
import type { Transport } from '../transport';
import { LineTransport } from './line';

export interface SerialOptions {
  baudRate: number;
  lineControl: 'keep-low' | 'default';
}

/** Opens a serial port. @throws StationError DEVICE_PORT_NOT_FOUND | DEVICE_PORT_PERMISSION | DEVICE_PORT_BUSY */
export async function openSerial(locator: string, path: string, o: SerialOptions): Promise<Transport> {
  const port = new SerialPort({ path, baudRate: o.baudRate, autoOpen: false, lock: true, hupcl: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(mapOpenError(locator, err)) : resolve())),
  );
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
    this.port.on('data', (d: Buffer) => cb(new Uint8Array(d)));
  }
}
