/**
 * Sends a print job to a network label printer over raw TCP (the "port 9100" / JetDirect protocol:
 * the printer prints whatever bytes arrive on the connection; there is no reply to wait for). Errors
 * are said in the technician's words: which printer, what happened, what to do.
 */
import net from 'node:net';
import { StationError } from '../../shared/errors';

/** The raw-print TCP port label printers listen on unless configured otherwise. */
export const RAW_PRINT_PORT = 9100;

/** Default time allowed to connect and hand the whole job over, ms. */
export const DEFAULT_PRINT_TIMEOUT_MS = 5_000;

/** How long a printer that keeps the connection open after the job is given to close it, ms. */
const CLOSE_GRACE_MS = 1_000;

/** A printer address: host and TCP port. */
export interface PrinterAddress {
  host: string;
  port: number;
}

/**
 * Reads "host", "host:port" or "[v6]:port".
 * @throws StationError BAD_REQUEST for an empty address or a port outside 1–65535.
 */
export function parsePrinterAddress(text: string): PrinterAddress {
  const t = text.trim();
  const m = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(t);
  const port = m?.[3] === undefined ? RAW_PRINT_PORT : Number(m[3]);
  if (!m || port < 1 || port > 65535) {
    throw new StationError(
      'BAD_REQUEST',
      `"${text}" is not a label printer address.`,
      'Set the label printer as host or host:port (for example 192.168.1.50 or printer.local:9100) in the station settings.',
    );
  }
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * Connects, writes `data` and closes.
 * @param timeoutMs how long connecting and sending may take together, ms.
 * @returns the number of bytes handed to the printer.
 * @throws StationError PRINTER_UNAVAILABLE when the printer refuses, cannot be reached, cuts the
 *   connection or does not take the job within `timeoutMs`.
 */
export function sendRaw(
  to: PrinterAddress,
  data: string | Uint8Array,
  timeoutMs = DEFAULT_PRINT_TIMEOUT_MS,
): Promise<number> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const where = `${to.host}:${to.port}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = net.connect({ host: to.host, port: to.port });
    const fail = (message: string, remedy: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new StationError('PRINTER_UNAVAILABLE', message, remedy));
    };
    const timer = setTimeout(
      () =>
        fail(
          `The label printer at ${where} did not take the label within ${Math.round(timeoutMs / 1000)} s.`,
          'Check that the printer is on, online (not paused) and on the same network, then print again.',
        ),
      timeoutMs,
    );
    const done = () => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(bytes.length);
    };
    socket.once('connect', () => {
      // Printers read to the end of the stream and then close: that close is the acknowledgement.
      // One that keeps the line open has the whole job once it is written (after a short grace).
      socket.end(bytes, () => setTimeout(done, CLOSE_GRACE_MS).unref());
    });
    socket.on('data', () => {}); // a status answer some printers send is not needed
    socket.once('close', (hadError) => {
      if (!hadError) done();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ECONNREFUSED')
        fail(
          `The label printer at ${where} refused the connection.`,
          `Check the printer address in the station settings (raw printing uses port ${RAW_PRINT_PORT} unless set otherwise) and that the printer is on.`,
        );
      else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')
        fail(
          `No label printer named ${to.host} was found on the network.`,
          'Check the printer address in the station settings (its IP address is safest).',
        );
      else if (e.code === 'ECONNRESET' || e.code === 'EPIPE')
        fail(
          `The label printer at ${where} closed the connection before the label was sent.`,
          'Check the printer for an error light (out of labels, head open), then print again.',
        );
      else
        fail(
          `The label printer at ${where} cannot be reached.`,
          'Check that the printer is on and on the same network as the station, then print again.',
        );
    });
  });
}
